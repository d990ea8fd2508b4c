"""The parity harness: forward, gradient and trajectory comparisons of manual nets against torch."""
