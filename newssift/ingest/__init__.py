"""Ingest: turn a file, a URL, stdin or a corpus line into an `Article`."""

from newssift.ingest.reader import read_input  # noqa: F401
