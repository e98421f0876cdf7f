"""Benchmark start-up: wall time of `kg extract` on the bundled article (a fresh process each run), and where a
run spends it (the gazetteer, the villages, imports), measured in one process. Runs with a warm cache (the
gazetteer and the villages as an earlier run saved them, graph/usercache.py), a cold one (each run finds it empty,
builds and saves) and none (KG_CACHE=off); the cache is a temporary folder, not the user's.

The package runs as an installed one does: from its bytecode, compiled once before the clock starts (pip compiles
a package it installs), whatever PYTHONDONTWRITEBYTECODE says. --no-bytecode times it as an environment that sets
PYTHONDONTWRITEBYTECODE runs an editable install: the package's __pycache__ folders are removed and every run
compiles its modules again.

    .venv/bin/python benchmarks/startup.py [--runs 7] [--no-bytecode]
"""
from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "sushaan-2018-01-08.txt"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7, help="fresh processes to time for each cache (default: 7)")
    ap.add_argument("--no-bytecode", dest="bytecode", action="store_false",
                    help="remove the package's bytecode and run with PYTHONDONTWRITEBYTECODE=1: each run compiles it")
    args = ap.parse_args()
    kg = Path(sys.executable).with_name("kg")
    package = Path(importlib.util.find_spec("graph").origin).parent
    env = {k: v for k, v in os.environ.items() if k not in ("KG_CACHE", "PYTHONDONTWRITEBYTECODE")}
    if args.bytecode:
        compileall.compile_dir(package, quiet=1)
        how = f"from bytecode (compiled before timing in {package}/__pycache__)"
    else:
        for folder in package.rglob("__pycache__"):
            shutil.rmtree(folder)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        how = "without bytecode (PYTHONDONTWRITEBYTECODE=1: every run compiles the package)"
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        env["XDG_CACHE_HOME"] = str(cache)

        def run(argv: list[str], cold: bool, extra: dict) -> tuple[float, str]:
            """Wall time and output of a process; a cold one finds the cache empty (emptied before the clock starts)."""
            if cold:
                shutil.rmtree(cache / "ewc-graph", ignore_errors=True)
            t = time.perf_counter()
            out = subprocess.run(argv, check=True, capture_output=True, text=True, env=env | extra).stdout
            return time.perf_counter() - t, out

        extract = [str(kg), "extract", str(ARTICLE)]
        print(f"kg extract, bundled article, {args.runs} runs each, {how}:")
        caches = (("warm cache", False, {}), ("cold cache", True, {}), ("no cache", False, {"KG_CACHE": "off"}))
        for label, cold, extra in caches:
            run(extract, False, extra)  # saves the cache for the warm runs
            walls = [run(extract, cold, extra)[0] for _ in range(args.runs)]
            parts = run([sys.executable, "-c", _PARTS, str(ARTICLE)], cold, extra)[1].strip()
            print(f"  {label}: median {statistics.median(walls):.3f} s (min {min(walls):.3f} s); {parts}")

_PARTS = """
import sys, time
t0 = time.perf_counter()
import graph.extraction, graph.rdf
t1 = time.perf_counter()
from graph.gazetteer import gazetteer
g = gazetteer()
t2 = time.perf_counter()
facts = graph.extraction.extract(sys.argv[1])
t3 = time.perf_counter()
print(f"imports {t1 - t0:.3f} s, gazetteer {t2 - t1:.3f} s, the article (villages, patterns, extraction) {t3 - t2:.3f} s")
"""


if __name__ == "__main__":
    main()
