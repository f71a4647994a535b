"""Investigate the source: outlet ratings from open lists, with provenance."""
