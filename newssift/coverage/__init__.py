"""Find better coverage: fact-checks already published that match the article's claims."""
