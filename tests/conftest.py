"""Test settings: the fast, reproducible "ci" Hypothesis profile (the only one, loaded for every run)."""
import pytest
import torch
from hypothesis import settings

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, database=None)
settings.load_profile("ci")


@pytest.fixture(scope="module")
def one_torch_thread():
    """The seed systems are tiny networks: torch runs them faster, and the same, on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

