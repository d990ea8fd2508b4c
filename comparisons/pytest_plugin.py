"""pytest plugin (pytest11 entry point): fixtures and assert helpers for parity checks."""
