"""Test settings: the fast, reproducible "ci" Hypothesis profile (the only one, loaded for every run), and where
the seed systems are trained: in the background during a serial run, or by one pytest-xdist worker under -n.

Serial (`pytest`): the tests that read the seed results (tests/seed_results.py) run last, and training starts in
forked background workers as soon as collection shows one, on the core(s) the tests leave free.
pytest-xdist (`pytest -n auto`): nothing is forked inside xdist's workers (they run execnet's threads). Under
xdist's default distribution the seed-reading modules are one unit of work, handed out first: one worker trains
the seeds in its own process while the others run everything else, test by test (SeedGroupScheduling below;
xdist's own `xdist_group` marks and `--dist loadgroup` do not group on pytest 9.2, pytest-xdist issue #1386).
Every worker runs NumPy's BLAS and torch on one thread: the workers already take one core each.
"""
import sys
from functools import cache
from pathlib import Path

import pytest
import torch
from hypothesis import settings

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, database=None)
settings.load_profile("ci")

SEED_GROUP = "seed_results"


@pytest.fixture(scope="module")
def one_torch_thread():
    """The seed systems are tiny networks: torch runs them faster, and the same, on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _xdist_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config):
    """In a pytest-xdist worker: one BLAS and one torch thread, for the whole worker process."""
    if _xdist_worker(config):
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(1)
        threadpool_limits(limits=1, user_api="blas")


@cache
def _imports_seed_results(path: Path) -> bool:
    """Whether a test module imports tests/seed_results.py (read from its source: the xdist controller collects
    nothing)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    return any(line.lstrip().startswith(("from seed_results import", "import seed_results"))
               for line in text.splitlines())


def _reads_seed_results(item) -> bool:
    return _imports_seed_results(Path(item.path))


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """(pytest-xdist, in the controller) For the default `--dist load`: every test its own unit, as there, but the
    modules reading the seed results one unit, the largest, so sent first. Any other --dist is xdist's own."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    root = config.rootpath

    class SeedGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return SEED_GROUP if _imports_seed_results(root / nodeid.split("::")[0]) else nodeid

    return SeedGroupScheduling(config, log)


def pytest_collection_finish(session):
    """Serial: start training the seed systems in the background (forked workers) when a collected test will
    read them; they run on the other core(s) while the other tests run. In an xdist worker: train them in this
    process, when first read (forking here would fork xdist's threads, once per worker)."""
    if any(_reads_seed_results(item) for item in session.items):
        import seed_results

        seed_results.start(background=not _xdist_worker(session.config))


def pytest_sessionfinish(session, exitstatus):
    """Stop the background workers if no test read their results."""
    if "seed_results" in sys.modules:
        sys.modules["seed_results"].cancel()


def pytest_collection_modifyitems(session, config, items):
    """The tests that read the seed results run last, so their background training overlaps the rest."""
    items.sort(key=_reads_seed_results)      # stable: every other order is kept
