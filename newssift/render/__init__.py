"""Renderers: the terminal report (rich)."""
