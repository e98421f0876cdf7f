"""The scorer (../shared/eval/score.py) over the bundled article and our own fixture articles."""
import json
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT, SHARED


def score(kg, gold_files, docs, tmp_path):
    if not (SHARED / "eval" / "score.py").exists():
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
