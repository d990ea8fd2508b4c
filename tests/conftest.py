"""Test settings: the fast, reproducible "ci" Hypothesis profile (the only one, loaded for every run)."""
from hypothesis import settings

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, database=None)
settings.load_profile("ci")
