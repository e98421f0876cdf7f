"""The hand-kept rules data (graph/data/lexicon.toml), read once."""
from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@cache
def lexicon() -> dict:
    with (DATA / "lexicon.toml").open("rb") as f:
        return tomllib.load(f)
