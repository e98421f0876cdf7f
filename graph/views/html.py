"""The interactive HTML page: a pyvis network with positions computed beforehand, that works offline.

Everything the page needs (vis-network, styles, data) is inside the one file, and every string that
comes from a document reaches the page as JSON data or escaped text, never as markup.
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

from ..documents import web_address
from ..lexicon import DATA

TEMPLATES = Path(__file__).resolve().parent / "templates"
TYPE_STYLE = {  # type: (colour, vis-network shape, Chinese name)
    "Province": ("#c0392b", "diamond", "省级"),
    "City": ("#e67e22", "dot", "地级"),
    "County": ("#2980b9", "square", "县级"),
    "Town": ("#27ae60", "triangle", "乡镇"),
    "Village": ("#16a085", "triangleDown", "村"),
    "Park": ("#8e44ad", "hexagon", "园区"),
    "Program": ("#7f8c8d", "star", "项目"),
}
RELATION_STYLE = {  # relation: (colour, Chinese name, dashed)
    "pairedWith": ("#34495e", "结对", False),
    "funds": ("#c0392b", "资助", False),
    "coBuilds": ("#8e44ad", "共建", True),
    "partOf": ("#bdc3c7", "隶属", True),
}
TYPE_FONT = {"Province": 32, "City": 20, "County": 14, "Town": 11, "Village": 10, "Park": 14, "Program": 14}
PIXELS_PER_DEGREE = 60
OVERVIEW_NODES = 500  # a graph of more nodes opens on an overview: a node per province
MAX_SIZE = 40  # the largest node's radius in pixels (a province of a large corpus has thousands of relations)
TOOLTIP_RELATIONS = 20  # relations a place's tooltip lists (a province can have thousands)
TOOLTIP_SENTENCES = 8  # sentences and documents an edge's tooltip lists: a fact a corpus repeats has thousands
# Longest name, document title and evidence sentence the page shows: each is repeated in the tooltips of
# every node or edge near it, and one document can bring a title of megabytes.
LABEL_CHARS, TITLE_CHARS, SENTENCE_CHARS = 40, 80, 200


def to_pyvis(G, *, layout: str = "geo", heading: str = "东西部协作知识图谱"):
    """A pyvis Network of a graph from ``to_networkx``, laid out beforehand (``geo`` or ``force``), physics off."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader
    from pyvis.network import Network

    net = Network(height="100vh", width="100%", directed=True, cdn_resources="in_line", heading=heading)
    net.node_ids = _NodeIds()
    pyvis_templates = Path(net.template_dir)
    net.set_template_dir(str(TEMPLATES), "graph.html")
    # our template, with pyvis's own templates beside it for the inlined vis-network library
    net.templateEnv = Environment(loader=ChoiceLoader([FileSystemLoader(str(TEMPLATES)), FileSystemLoader(str(pyvis_templates))]),
                                  autoescape=True)
    # Chinese as UTF-8, not \uXXXX (a third of a large page); tojson still escapes < > & ' for the script block
    net.templateEnv.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    positions = geo_layout(G) if layout == "geo" else force_layout(G)
    for n, d in G.nodes(data=True):
        colour, shape, _ = TYPE_STYLE[d["type"]]
        x, y = positions[n]
        edges = incident(G, n)
        net.add_node(n, label=cut(d["label"], LABEL_CHARS), title=node_tooltip(G, n, edges), shape=shape, color=colour,
                     x=x, y=y, size=size(len(edges)), physics=False, type=d["type"], province=d.get("province") or "",
                     **node_details(G, n))
    for i, (u, v, d) in enumerate(G.edges(data=True)):
        colour, name, dashed = RELATION_STYLE[d["relation"]]
        net.add_edge(u, v, id=f"e{i}", title=edge_tooltip(G, u, v, d), color=colour, dashes=dashed,
                     arrows="" if d.get("symmetric") or d["relation"] == "partOf" else "to", relation=d["relation"],
                     width=1 + min(d.get("evidence") or 0, 5) * 0.5, sources=sources(d), documents=d.get("documents") or 0,
                     **({"label": "✎ 已更正", "font": {"size": 10, "color": "#a15c00"}} if d.get("corrected") else {}),
                     **edge_details(d))
    net.toggle_physics(False)
    return net


def size(degree: int) -> float:
    return min(10 + 3 * math.sqrt(degree), MAX_SIZE)


def node_details(G, n) -> dict:
    """What the page's panel shows of a node beside its tooltip: English and short names (search finds them
    too), code, parent, and its first documents as [title, address]."""
    d = G.nodes[n]
    return {"label_en": cut(d.get("label_en") or "", LABEL_CHARS),
            "short_names": [cut(s, LABEL_CHARS) for s in d.get("short_names") or []],
            "code": d.get("code") or "", "parent": d["parent"] if d.get("parent") in G else "",
            "documents": d.get("documents") or 0, "sources": sources(d)}


def edge_details(d) -> dict:
    """The years of a fact (a pairing's stated years, a funding's year) and a funding's amount, for the year
    filter, the panel and the overview's sums."""
    years = d.get("years") or ([d["year"]] if d.get("year") else [])
    out = {"years": [int(y) for y in years], "level": d.get("level") or "", "corrected": d.get("corrected") or ""}
    if d["relation"] == "funds":
        out.update(amount=d.get("amount") or 0, currency=d.get("currency") or "", money=_money(d), kind=d.get("kind") or "",
                   counted=d.get("counted", True))  # a graph not made by to_networkx counts each
    return out


class _NodeIds(list):
    """pyvis keeps node ids in a list and looks each new node and both ends of each edge up in it: quadratic,
    seconds on a large graph. The same list, with a set beside it for the lookups."""

    def __init__(self):
        super().__init__()
        self._set = set()

    def append(self, n) -> None:
        super().append(n)
        self._set.add(n)

    def __contains__(self, n) -> bool:
        return n in self._set


def render(G, **options) -> str:
    """The page as a string (see ``to_pyvis`` for the options)."""
    net = to_pyvis(G, **options)
    net.legend = legend(G)
    template = net.templateEnv.get_template(net.path)
    nodes, edges, heading, height, width, vis_options = net.get_network_data()
    return template.render(nodes=nodes, edges=edges, heading=heading, options=json.loads(vis_options),
                           legend=net.legend, counts={"nodes": len(nodes), "edges": len(edges)}, overview_nodes=OVERVIEW_NODES,
                           basemap=basemap() if options.get("layout", "geo") == "geo" else None)


def basemap() -> dict:
    """The province outlines drawn under the geographic layout (rings of [lon, lat]; generated by
    scripts/make_basemap.py from ECharts 4.9.0's map, Apache-2.0) and the layout's pixels per degree."""
    data = json.loads((DATA / "provinces.json").read_text(encoding="utf-8"))
    return {"scale": PIXELS_PER_DEGREE, "source": data["source"], "provinces": data["provinces"]}


def legend(G) -> dict:
    """The entity types and relations present in G, with their styles, and its provinces."""
    types = {d["type"] for _, d in G.nodes(data=True)}
    relations = {d["relation"] for *_, d in G.edges(data=True)}
    provinces = sorted({d.get("province") for _, d in G.nodes(data=True) if d.get("province")})
    return {
        "types": [{"type": t, "colour": c, "shape": s, "name": z, "font": TYPE_FONT[t]}
                  for t, (c, s, z) in TYPE_STYLE.items() if t in types],
        "relations": [{"relation": r, "colour": c, "name": z} for r, (c, z, _) in RELATION_STYLE.items() if r in relations],
        "provinces": [{"id": p, "label": cut(G.nodes[p]["label"] if p in G else p, LABEL_CHARS)} for p in provinces],
    }


def write(G, path: str | Path, **options) -> Path:
    """Write the page to ``path`` (atomically)."""
    from ..files import atomic_write

    path = Path(path)
    atomic_write(path, render(G, **options).encode("utf-8"))
    return path


def incident(G, n) -> list[tuple]:
    """The edges (u, v, data) out of ``n``, then those into it; their number is the node's degree."""
    return ([(n, v, e) for v, keys in G.succ[n].items() for e in keys.values()]
            + [(u, n, e) for u, keys in G.pred[n].items() for e in keys.values()])


def node_tooltip(G, n, edges: list[tuple] | None = None) -> str:
    """Plain text (the page shows it as text): names, code, parent, and the facts at this node."""
    d = G.nodes[n]
    label = cut(d["label"], LABEL_CHARS)
    lines = [label + (f" ({d['label_en']})" if d.get("label_en") else "")]
    lines.append(" · ".join(x for x in (d["type"], f"代码 {d['code']}" if d.get("code") else "",
                                       f"上级 {_label(G, d['parent'])}" if d.get("parent") in G else "") if x))
    edges = incident(G, n) if edges is None else edges
    for u, v, e in edges[:TOOLTIP_RELATIONS]:
        other = _label(G, v if u == n else u)
        lines.append(f"{RELATION_STYLE[e['relation']][1]} {other}" + (f" {_money(e)}" if e["relation"] == "funds" else ""))
    if len(edges) > TOOLTIP_RELATIONS:
        lines.append(f"…共 {len(edges)} 项关系: kg query place --param place={label}")
    if d.get("documents"):
        lines.append(f"提及于 {d['documents']} 篇文档")
    return "\n".join(lines)


def edge_tooltip(G, u, v, d) -> str:
    lines = [f"{_label(G, u)} {RELATION_STYLE[d['relation']][1]} {_label(G, v)}"]
    if d["relation"] == "funds":
        lines.append(" · ".join(str(x) for x in (_money(d), d.get("year") or "年份不详", d.get("kind")) if x))
    elif d["relation"] == "pairedWith":
        lines.append(" · ".join(str(x) for x in (d.get("level"), ",".join(map(str, d.get("years") or []))) if x))
    if d.get("corrected"):
        lines.append(f"已更正 corrected: {cut(d['corrected'], SENTENCE_CHARS)}")
    sentences, titles = d.get("sentences") or [], d.get("titles") or []
    lines += [f"· {cut(sentence, SENTENCE_CHARS)}" for sentence in sentences[:TOOLTIP_SENTENCES]]
    if titles:
        lines.append("—— " + "；".join(cut(t, TITLE_CHARS) for t in titles[:TOOLTIP_SENTENCES])
                     + (f" 等 {len(titles)} 篇" if len(titles) > TOOLTIP_SENTENCES else ""))
    if len(sentences) > TOOLTIP_SENTENCES:
        lines.append(f"…共 {len(sentences)} 句: kg query evidence --param a={_label(G, u)} --param b={_label(G, v)}")
    return "\n".join(lines)


def sources(d) -> list[list[str]]:
    """The first documents of an edge as [title, address] for the page's list of sources; an address only if
    it is http(s), else "" (the page links to nothing else)."""
    pairs = list(zip(d.get("titles") or [], d.get("urls") or []))[:TOOLTIP_SENTENCES]
    return [[cut(title, TITLE_CHARS), web_address(url) or ""] for title, url in pairs]


def cut(text: str, limit: int) -> str:
    """The text, or its first ``limit`` - 1 characters and "…" if it is longer."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _label(G, n) -> str:
    return cut(G.nodes[n]["label"], LABEL_CHARS)


def _money(d) -> str:
    amount = d.get("amount") or 0
    text = f"{amount / 1e8:g}亿" if amount >= 1e8 else f"{amount / 1e4:g}万" if amount >= 1e4 else f"{amount:g}"
    return text + ("元" if d.get("currency") == "CNY" else f" {d.get('currency')}")


def _jitter(key: str, radius: float) -> tuple[float, float]:
    h = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16)
    angle = (h % 3600) / 3600 * 2 * math.pi
    r = radius * (0.6 + (h >> 12) % 100 / 250)
    return r * math.cos(angle), r * math.sin(angle)


GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def geo_layout(G) -> dict:
    """Places where they are on the map; a place without coordinates near its parent (its parent's children on
    a spiral round it), a park or program near what it is linked to, anything else in a row below the map; then
    places that (nearly) share coordinates moved apart until none hides another (see ``spread``)."""
    pos = {}
    for n, d in G.nodes(data=True):
        if d.get("lon") is not None and d.get("lat") is not None:
            pos[n] = (d["lon"] * PIXELS_PER_DEGREE, -d["lat"] * PIXELS_PER_DEGREE)
    for _ in range(4):  # villages sit near towns, towns near counties
        children: dict = {}
        for n, d in G.nodes(data=True):
            if n not in pos and d.get("parent") in pos:
                children.setdefault(d["parent"], []).append(n)
        for parent, placed in children.items():
            px, py = pos[parent]
            for i, n in enumerate(sorted(placed, key=str)):  # a sunflower: evenly spread, however many
                r, angle = 12 * math.sqrt(i + 1.5), (i + 1) * GOLDEN_ANGLE
                pos[n] = (px + r * math.cos(angle), py + r * math.sin(angle))
    for n in G.nodes:
        if n not in pos:
            near = [pos[m] for m in set(G.predecessors(n)) | set(G.successors(n)) if m in pos]
            if near:
                dx, dy = _jitter(str(n), 30)
                pos[n] = (sum(p[0] for p in near) / len(near) + dx, sum(p[1] for p in near) / len(near) + dy)
    rest = sorted((n for n in G.nodes if n not in pos), key=str)
    bottom = max((p[1] for p in pos.values()), default=0) + 60
    centre = sum(p[0] for p in pos.values()) / len(pos) if pos else 0
    width = min(len(rest), 40)
    for i, n in enumerate(rest):
        pos[n] = (centre + (i % 40 - width / 2) * 40, bottom + (i // 40) * 40)
    return spread(pos, {n: size(G.degree(n)) for n in G})


def spread(pos: dict, radius: dict, *, passes: int = 12) -> dict:
    """The positions, moved apart a little at a time (at most ``passes`` times) until no two nodes are closer than
    3/4 of the sum of their radii: 上海市 and 黄浦区 (a pixel apart on the map), 江苏省 and 南京市 each stay visible.
    Rounded to 0.1.

    >>> spread({"a": (0, 0), "b": (1, 0), "c": (100, 0)}, {"a": 10, "b": 10, "c": 10})
    {'a': (-7.0, 0.0), 'b': (8.0, 0.0), 'c': (100.0, 0.0)}
    """
    at = {n: list(p) for n, p in pos.items()}
    order = sorted(at, key=str)
    cell = 1.5 * max(radius.values(), default=1)  # no two nodes need to be further apart than this
    for _ in range(passes):
        moved = False
        for a, b in _close_pairs(at, order, cell):
            need = 0.75 * (radius[a] + radius[b])
            dx, dy = at[b][0] - at[a][0], at[b][1] - at[a][1]
            d = math.hypot(dx, dy)
            if d >= need:
                continue
            if d < 1e-6:  # the very same point: apart in a direction of their own
                dx, dy = _jitter(f"{a}|{b}", 1)
                d = math.hypot(dx, dy)
            push = (need - d) / 2 / d
            at[a][0] -= dx * push
            at[a][1] -= dy * push
            at[b][0] += dx * push
            at[b][1] += dy * push
            moved = True
        if not moved:
            break
    return {n: (round(x, 1) + 0.0, round(y, 1) + 0.0) for n, (x, y) in at.items()}


def _close_pairs(at: dict, order: list, cell: float):
    """Each pair of nodes in the same or neighbouring cells of a grid (a pair once)."""
    grid: dict[tuple, list] = {}
    for n in order:
        grid.setdefault((int(at[n][0] // cell), int(at[n][1] // cell)), []).append(n)
    for (cx, cy), here in grid.items():
        for i, a in enumerate(here):
            for b in here[i + 1:]:
                yield a, b
        for dx, dy in ((1, 0), (0, 1), (1, 1), (1, -1)):
            for b in grid.get((cx + dx, cy + dy), ()):
                for a in here:
                    yield a, b


def force_layout(G, *, iterations: int | None = None) -> dict:
    """A Fruchterman–Reingold layout in plain Python (networkx's needs scipy above 500 nodes): nodes repel only
    those nearer than 1.5 k, found on a grid; 50 steps, fewer above 2,000 nodes (5,000 take 20, some seconds);
    seeded, so a graph always gets the same picture."""
    import random

    order = sorted(G.nodes, key=str)
    if not order:
        return {}
    side = 2 * (40 * math.sqrt(len(order)) + 200)
    k = side / math.sqrt(len(order))
    reach = 1.5 * k
    iterations = iterations or (50 if len(order) <= 2000 else max(10, 100_000 // len(order)))
    rng = random.Random(42)
    at = {n: [rng.uniform(0, side), rng.uniform(0, side)] for n in order}
    links = {(u, v) if str(u) <= str(v) else (v, u) for u, v in G.edges() if u != v}
    links = sorted(links, key=lambda e: (str(e[0]), str(e[1])))
    step = side / 10
    for i in range(iterations):
        move = {n: [0.0, 0.0] for n in order}
        for a, b in _close_pairs(at, order, reach):
            dx, dy = at[a][0] - at[b][0], at[a][1] - at[b][1]
            d2 = dx * dx + dy * dy or 0.01
            if d2 < reach * reach:
                f = k * k / d2  # k²/d, along the unit vector
                move[a][0] += dx * f
                move[a][1] += dy * f
                move[b][0] -= dx * f
                move[b][1] -= dy * f
        for a, b in links:
            dx, dy = at[a][0] - at[b][0], at[a][1] - at[b][1]
            f = math.hypot(dx, dy) / k  # d²/k, along the unit vector
            move[a][0] -= dx * f
            move[a][1] -= dy * f
            move[b][0] += dx * f
            move[b][1] += dy * f
        limit = step * (1 - i / iterations)
        for n in order:
            mx, my = move[n]
            length = math.hypot(mx, my)
            if length > limit:
                mx, my = mx * limit / length, my * limit / length
            at[n][0] += mx
            at[n][1] += my
    cx, cy = sum(p[0] for p in at.values()) / len(at), sum(p[1] for p in at.values()) / len(at)
    return spread({n: (x - cx, y - cy) for n, (x, y) in at.items()}, {n: size(G.degree(n)) for n in G})
