"""Benchmark the HTML view: file size and time to first draw in headless Chromium, for N nodes.

    .venv/bin/python benchmarks/view.py [--nodes 5000] [--json benchmarks/results/view.json]

The graph is synthetic (seeded): places spread over China's extent with coordinates, a third of them
towns placed near a parent, parks and programs placed near their partners, 1.5 edges per node.
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import tempfile
import time
from pathlib import Path


def synthetic(n: int, seed: int = 1):
    import networkx as nx

    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    types = ["Province", "City", "County", "Town", "Village", "Park", "Program"]
    for i in range(n):
        t = types[min(i * 7 // n, 6)] if i < n else "County"
        d = {"label": f"地点{i}", "label_en": f"Place {i}", "type": t, "code": None, "parent": None, "province": None,
             "documents": 1, "lon": None, "lat": None}
        if t in ("Province", "City", "County"):
            d["lon"], d["lat"] = rng.uniform(75, 133), rng.uniform(20, 52)
        elif t in ("Town", "Village") and i > 0:
            d["parent"] = f"n{rng.randrange(0, i)}"
        G.add_node(f"n{i}", **d)
    relations = ["pairedWith", "funds", "coBuilds"]
    for k in range(int(n * 1.5)):
        u, v = f"n{rng.randrange(n)}", f"n{rng.randrange(n)}"
        rel = relations[k % 3]
        G.add_edge(u, v, key=f"e{k}", relation=rel, symmetric=rel == "pairedWith", evidence=1, sentences=["句子。"],
                   titles=["标题 2020-01-01"], urls=[f"https://example.org/news/{k}.html"], amount=1e7, currency="CNY",
                   year=2020, kind="FiscalAid", level="County")
    return G


def first_draw_seconds(page_path: Path) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(page_path.as_uri(), wait_until="commit")
        page.wait_for_selector("body[data-drawn=yes]", state="attached", timeout=600_000)
        ms = page.evaluate("window.kgDrawnAt")  # since navigation start
        browser.close()
    return ms / 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--json", type=Path, default=Path("benchmarks/results/view.json"))
    args = ap.parse_args()
    from graph.views import html

    rows = []
    for n in args.nodes:
        G = synthetic(n)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "graph.html"
            started = time.perf_counter()
            html.write(G, path)
            write_s = time.perf_counter() - started
            rows.append({"nodes": n, "edges": G.number_of_edges(), "file_mb": round(path.stat().st_size / 1e6, 2),
                         "write_s": round(write_s, 2), "first_draw_s": round(first_draw_seconds(path), 2)})
    print(f"{'nodes':>7} {'edges':>7} {'file MB':>8} {'write s':>8} {'first draw s':>13}")
    for r in rows:
        print(f"{r['nodes']:>7} {r['edges']:>7} {r['file_mb']:>8} {r['write_s']:>8} {r['first_draw_s']:>13}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"machine": f"{platform.machine()}, {platform.processor() or ''} "
                                                f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}",
                                     "results": rows}, indent=2))


if __name__ == "__main__":
    main()
