"""Benchmark building and querying: throughput and peak memory of `kg build`, a rebuild after one change,
and each bundled query on Oxigraph against rdflib's in-memory engine on the same data.

    .venv/bin/python benchmarks/build.py [--docs 1000] [--jobs 2] [--json benchmarks/results/build.json]

The corpus is synthetic (scripts/make_corpus.py, seeded).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARAMS = {"place": {"place": "陕西省"}, "evidence": {"a": "江苏省", "b": "陕西省"}, "in-province": {"province": "陕西省"}}


def timed_build(corpus: Path, out: Path, jobs: int) -> tuple[float, float]:
    kg = Path(sys.executable).with_name("kg")
    started = time.perf_counter()
    subprocess.run([str(kg), "build", str(corpus), "--out", str(out), "--no-validate", "--jobs", str(jobs), "--quiet"],
                   check=True)
    return time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def query_times(out: Path) -> list[dict]:
    import graph
    from graph.query import bind, bundled_queries
    from rdflib import Dataset

    kg = graph.load(out)
    ds = Dataset(default_union=True)
    started = time.perf_counter()
    ds.parse(out / "dataset.nq", format="nquads")
    load_s = time.perf_counter() - started
    rows = []
    for name, path in bundled_queries().items():
        text = bind(path.read_text(encoding="utf-8"), PARAMS.get(name, {}))
        ox = statistics.median(_time(lambda: kg.query(text)) for _ in range(3))
        rd = _time(lambda: list(ds.query(text)))
        rows.append({"query": name, "oxigraph_ms": round(ox * 1000, 1), "rdflib_ms": round(rd * 1000, 1),
                     "ratio": round(rd / ox, 1) if ox else None, "rdflib_load_s": round(load_s, 1)})
    return rows


def _time(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "build.json")
    ap.add_argument("--no-queries", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_corpus.py"), str(tmp / "corpus"), "--docs",
                        str(args.docs)], check=True)
        articles = tmp / "corpus" / "articles"
        chars = sum(len(p.read_text(encoding="utf-8")) for p in articles.iterdir())
        build_s, peak_mb = timed_build(articles, tmp / "out", args.jobs)
        first = sorted(articles.iterdir())[0]
        first.write_text(first.read_text(encoding="utf-8").replace("互派干部", "互派党政干部"), encoding="utf-8")
        rebuild_s, _ = timed_build(articles, tmp / "out", args.jobs)
        import pyoxigraph as ox

        store = ox.Store.read_only(str(tmp / "out" / "store"))
        triples = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        del store
        result = {"docs": args.docs, "characters": chars, "jobs": args.jobs, "build_s": round(build_s, 1),
                  "chars_per_s": round(chars / build_s), "docs_per_s": round(args.docs / build_s, 1),
                  "peak_rss_mb": round(peak_mb), "rebuild_after_one_change_s": round(rebuild_s, 1),
                  "default_graph_triples": triples}
        print(json.dumps(result, indent=1))
        if not args.no_queries:
            result["queries"] = query_times(tmp / "out")
            print(f"{'query':14} {'oxigraph ms':>12} {'rdflib ms':>10} {'ratio':>6}")
            for r in result["queries"]:
                print(f"{r['query']:14} {r['oxigraph_ms']:>12} {r['rdflib_ms']:>10} {r['ratio']:>6}")
    result["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
