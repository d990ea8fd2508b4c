"""Test settings: the fast, reproducible "ci" Hypothesis profile (the only one, loaded for every run)."""
import sys

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


def _reads_seed_results(item) -> bool:
    module = getattr(item, "module", None)
    return module is not None and any(getattr(obj, "__module__", None) == "seed_results"
                                      for obj in vars(module).values())


def pytest_collection_finish(session):
    """Start training the seed systems in the background (two forked workers) when a collected test will
    read them: they run on the second core while the other tests run."""
    if any(_reads_seed_results(item) for item in session.items):
        import seed_results

        seed_results.start()


def pytest_sessionfinish(session, exitstatus):
    """Stop the background workers if no test read their results."""
    if "seed_results" in sys.modules:
        sys.modules["seed_results"].cancel()


def pytest_collection_modifyitems(session, config, items):
    """The tests that read the seed results run last, so their background training overlaps the rest."""
    items.sort(key=_reads_seed_results)      # stable: every other order is kept
