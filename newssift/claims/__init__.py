"""Trace claims: check-worthy claims, and quotes with who said them."""
