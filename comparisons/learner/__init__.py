"""Checks of a learner's own backprop code: spec, probes, the worker process, checks, diagnoses."""
