"""How likely an article is low-credibility: a text model calibrated across corpora, combined with the sections."""
