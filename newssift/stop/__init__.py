"""Stop: how does the article try to persuade? (techniques, tone, headline against body)"""
