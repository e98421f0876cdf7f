"""Benchmark start-up: wall time of `kg extract` on the bundled article (a fresh process each run), and where a
run spends it (the gazetteer, the villages, imports), measured in one process. Runs with a warm cache (the
gazetteer and the villages as an earlier run saved them, graph/usercache.py), a cold one (each run finds it empty,
builds and saves) and none (KG_CACHE=off); the cache is a temporary folder, not the user's.

    .venv/bin/python benchmarks/startup.py [--runs 7]
"""
from __future__ import annotations

import argparse
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
    args = ap.parse_args()
    kg = Path(sys.executable).with_name("kg")
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "KG_CACHE"} | {"XDG_CACHE_HOME": str(cache)}

        def run(argv: list[str], cold: bool, extra: dict) -> tuple[float, str]:
            """Wall time and output of a process; a cold one finds the cache empty (emptied before the clock starts)."""
            if cold:
                shutil.rmtree(cache / "ewc-graph", ignore_errors=True)
            t = time.perf_counter()
            out = subprocess.run(argv, check=True, capture_output=True, text=True, env=env | extra).stdout
            return time.perf_counter() - t, out

        extract = [str(kg), "extract", str(ARTICLE)]
        print(f"kg extract, bundled article, {args.runs} runs each:")
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
