"""Fixtures shared by the tests and the docstring examples."""
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


def pytest_configure(config):
    # a per-user cache of the tests' own (graph/usercache.py), never the user's: set before the tests are collected
    # (some read the gazetteer then), and seen by every kg process they start
    cache = tempfile.mkdtemp(prefix="kg-tests-cache-")
    os.environ["XDG_CACHE_HOME"] = cache
    config.add_cleanup(lambda: shutil.rmtree(cache, ignore_errors=True))


@pytest.fixture(scope="session")
def built_corpus(tmp_path_factory):
    """The bundled corpus built once into a temporary folder (what `kg build` writes to out/)."""
    from graph.builder import build

    out = tmp_path_factory.mktemp("built")
    build([ROOT / "corpus"], out)
    return out


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["shutil"] = shutil
