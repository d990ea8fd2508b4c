"""The seed systems are tiny networks: every test here runs torch on one thread (tests/conftest.py)."""
import pytest


@pytest.fixture(autouse=True, scope="module")
def seeds_on_one_thread(one_torch_thread):
    yield
