"""The README's Python lines run as written, twice in one process: the flat API is never shadowed by a module."""
import re
import shutil
import subprocess
import sys

from tests.conftest import ROOT


def test_the_readmes_python_runs_as_written_and_again(tmp_path, kg):
    block = re.search(r"## From Python\n+```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)[1]
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    assert subprocess.run([kg, "build", "--out", str(tmp_path / "out"), "--quiet"], cwd=tmp_path).returncode == 0
    checks = ("assert callable(graph.build) and callable(graph.extract) and callable(graph.load)\n"
              "assert report.documents == 1 and kg.query('pairings') and facts.entities\n"
              "assert report.corrections['applied'] >= 1\n")
    program = block + checks + block + checks  # a second time: after the first has imported every module
    done = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
