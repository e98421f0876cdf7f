"""The interactive HTML page: a pyvis network with positions computed beforehand, that works offline.

Everything the page needs (vis-network, styles, data) is inside the one file, and every string that
comes from a document reaches the page as JSON data or escaped text, never as markup.
"""
from __future__ import annotations

import hashlib
import math
from pathlib import Path

from ..documents import web_address

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
PIXELS_PER_DEGREE = 60
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
                     x=x, y=y, size=10 + 3 * math.sqrt(len(edges)), physics=False, type=d["type"],
                     province=d.get("province") or "")
    for i, (u, v, d) in enumerate(G.edges(data=True)):
        colour, name, dashed = RELATION_STYLE[d["relation"]]
        net.add_edge(u, v, id=f"e{i}", title=edge_tooltip(G, u, v, d), color=colour, dashes=dashed,
                     arrows="" if d.get("symmetric") or d["relation"] == "partOf" else "to", relation=d["relation"],
                     width=1 + min(d.get("evidence") or 0, 5) * 0.5, sources=sources(d), documents=len(d.get("titles") or []))
    net.toggle_physics(False)
    return net


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
    import json

    net = to_pyvis(G, **options)
    provinces = sorted({d.get("province") for _, d in G.nodes(data=True) if d.get("province")})
    net.legend = {
        "types": [{"type": t, "colour": c, "shape": s, "name": z} for t, (c, s, z) in TYPE_STYLE.items()],
        "relations": [{"relation": r, "colour": c, "name": z} for r, (c, z, _) in RELATION_STYLE.items()],
        "provinces": [{"id": p, "label": cut(G.nodes[p]["label"] if p in G else p, LABEL_CHARS)} for p in provinces],
    }
    template = net.templateEnv.get_template(net.path)
    nodes, edges, heading, height, width, vis_options = net.get_network_data()
    return template.render(nodes=nodes, edges=edges, heading=heading, options=json.loads(vis_options),
                           legend=net.legend, counts={"nodes": len(nodes), "edges": len(edges)})


def write(G, path: str | Path, **options) -> Path:
    """Write the page to ``path`` (atomically)."""
    from ..build import atomic_write

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


def geo_layout(G) -> dict:
    """Places where they are on the map; a place without coordinates near its parent, a park or program
    near what it is linked to, anything else in a row below the map."""
    pos = {}
    for n, d in G.nodes(data=True):
        if d.get("lon") is not None and d.get("lat") is not None:
            pos[n] = (d["lon"] * PIXELS_PER_DEGREE, -d["lat"] * PIXELS_PER_DEGREE)
    for _ in range(4):  # villages sit near towns, towns near counties
        for n, d in G.nodes(data=True):
            if n not in pos and d.get("parent") in pos:
                dx, dy = _jitter(n, 25)
                px, py = pos[d["parent"]]
                pos[n] = (px + dx, py + dy)
    for n in G.nodes:
        if n not in pos:
            near = [pos[m] for m in set(G.predecessors(n)) | set(G.successors(n)) if m in pos]
            if near:
                dx, dy = _jitter(n, 30)
                pos[n] = (sum(p[0] for p in near) / len(near) + dx, sum(p[1] for p in near) / len(near) + dy)
    rest = sorted(n for n in G.nodes if n not in pos)
    bottom = max((p[1] for p in pos.values()), default=0) + 60
    centre = sum(p[0] for p in pos.values()) / len(pos) if pos else 0
    width = min(len(rest), 40)
    for i, n in enumerate(rest):
        pos[n] = (centre + (i % 40 - width / 2) * 40, bottom + (i // 40) * 40)
    return {n: (round(x, 1), round(y, 1)) for n, (x, y) in pos.items()}


def force_layout(G) -> dict:
    import networkx as nx

    if G.number_of_nodes() == 0:
        return {}
    raw = nx.spring_layout(nx.Graph(G.to_undirected()), seed=42, scale=40 * math.sqrt(G.number_of_nodes()) + 200)
    return {n: (round(float(x), 1), round(float(y), 1)) for n, (x, y) in raw.items()}
