"""The scorer (../shared/eval/score.py) over the bundled article, our own fixture articles and the real passages."""
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT, SHARED


def score(kg, gold_files, docs, tmp_path):
    if not (SHARED / "eval" / "score.py").exists():
        if os.environ.get("CI") == "true":  # CI has ../shared: without it nothing here was measured
            pytest.fail("../shared/eval/score.py is not beside the project")
        pytest.skip("../shared/eval/score.py is not beside the project")
    summary = tmp_path / "summary.json"
    r = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), *map(str, gold_files), "--docs", str(docs),
                        "--cmd", f"{kg} extract {{doc}} --format facts-json", "--json", str(summary), "--show-errors"],
                       capture_output=True, text=True, timeout=900)
    print(r.stdout, r.stderr)
    assert r.returncode == 0, r.stderr
    return json.loads(summary.read_text(encoding="utf-8"))


def test_bundled_article(kg, tmp_path):
    s = score(kg, sorted((SHARED / "gold").glob("*.json")), ROOT / "corpus", tmp_path)
    assert s["entities"]["all entities"]["f1"] >= 0.95
    assert s["relations"]["all relations"]["f1"] == 1.0


def test_fixture_articles(kg, tmp_path):
    gold = sorted((FIXTURES / "gold").glob("*.json"))
    assert len(gold) >= 10
    s = score(kg, gold, FIXTURES / "articles", tmp_path)
    assert s["entities"]["all entities"]["f1"] >= 0.95
    assert s["relations"]["all relations"]["f1"] >= 0.90


def test_real_passages_hold_their_floor_per_kind(kg, tmp_path):
    """The 40 real passages of ../shared/realdev and ../shared/realdev2 (read where they lie, never copied into the
    project): quality on real text must not slide back (issue #17's targets)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    gold = []
    for folder in ("realdev", "realdev2"):
        for g in sorted((SHARED / folder).glob("*.json")):
            (docs / g.with_suffix(".txt").name).symlink_to(g.with_suffix(".txt"))
            gold.append(g)
    if len(gold) < 40 and os.environ.get("CI") != "true":
        pytest.skip("the real passages are not beside the project")
    assert len(gold) == 40
    s = score(kg, gold, docs, tmp_path)
    relations = s["relations"]
    assert s["entities"]["all entities"]["f1"] >= 0.95
    assert relations["pairedWith"]["f1"] >= 0.92
    assert relations["funds"]["f1"] >= 0.85
    assert relations["coBuilds"]["f1"] >= 0.85
