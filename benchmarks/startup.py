"""Benchmark start-up: wall time of `kg extract` on the bundled article (a fresh process each run), and where a
run spends it (the gazetteer, the villages, imports), measured in one process.

    .venv/bin/python benchmarks/startup.py [--runs 7]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "sushaan-2018-01-08.txt"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7, help="fresh processes to time (default: 7)")
    args = ap.parse_args()
    kg = Path(sys.executable).with_name("kg")
    walls = []
    for _ in range(args.runs):
        t = time.perf_counter()
        subprocess.run([str(kg), "extract", str(ARTICLE)], check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t)
    parts = subprocess.run([sys.executable, "-c", _PARTS, str(ARTICLE)], check=True, capture_output=True, text=True)
    print(f"kg extract, bundled article: median {statistics.median(walls):.3f} s over {args.runs} runs "
          f"(min {min(walls):.3f} s)\n{parts.stdout.strip()}")


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
