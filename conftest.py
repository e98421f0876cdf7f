"""Fixtures shared by the tests and the docstring examples."""
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


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
