"""The Oxigraph store: loaded anew while a build runs, or updated in place from the last build's; its inferred
triples; serving it over the SPARQL 1.1 Protocol and pushing it to another server.

Each document's quads are in its own named graph, and the default graph is their merge (each triple once); what
users' corrections took out of a document is in a named graph of its own, outside the merge.
"""
from __future__ import annotations

import itertools
import re
import shutil
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .rdf import CORRECTIONS_GRAPH, EWC, INFERRED_GRAPH, corrections_graph_iri, graph_iri, ontology_quads


class StoreError(RuntimeError):
    """A store that cannot be served or pushed; the message is one line."""


def open_error(path: Path) -> str | None:
    """Why the store at ``path`` does not open (damaged on disk, or not a store), or None if it does; it takes
    milliseconds, however large the store."""
    import pyoxigraph as ox

    try:
        ox.Store.read_only(str(path))
    except (OSError, RuntimeError) as exc:
        return str(exc) or type(exc).__name__
    return None


def damaged(path: Path, error: str) -> str:
    """What to tell a user whose store does not open."""
    return f"{path}: the store cannot be opened ({error}); run kg build again, which builds it afresh"


class Loader:
    """A new store, loaded while the build goes on: each document's N-Quads are handed over as they come, and a
    thread bulk-loads them a slice at a time (the loader releases the GIL, and the main process would otherwise
    wait idle for the workers): into the document's named graph, and into the default graph, their merge."""

    SLICE = 32 << 20  # the bulk loader's memory grows with its input

    def __init__(self, path: Path):
        import queue
        import threading

        import pyoxigraph as ox

        self.store = ox.Store(str(path))
        self.store.bulk_load(ox.serialize(ontology_quads(), format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
        self.buffer, self.size, self.error, self.discard = [], 0, None, False
        self.queue = queue.Queue(maxsize=2)
        self.thread = threading.Thread(target=self._load, daemon=True)
        self.thread.start()

    def write(self, data: bytes) -> None:
        self.buffer.append(data)
        self.size += len(data)
        if self.size >= self.SLICE:
            self._hand_over()

    def _hand_over(self) -> None:
        if self.buffer and self.error is None:
            self.queue.put(b"".join(self.buffer))
        self.buffer, self.size = [], 0

    def _load(self) -> None:
        import pyoxigraph as ox

        while (data := self.queue.get()) is not None:
            if self.discard:
                continue
            try:
                self.store.bulk_load(data, format=ox.RdfFormat.N_QUADS, lenient=True)
                # The default graph is the merge of every document's graph, each triple once: queries read it
                # without GRAPH clauses, and a fact that many documents repeat does not multiply join rows.
                self.store.bulk_load(_GRAPH_NAME.sub(b" .\n", _merged(data)), format=ox.RdfFormat.N_TRIPLES, lenient=True)
            except Exception as exc:  # raised by close(), in the build's thread
                self.error = self.error or exc

    def close(self, discard: bool = False) -> None:
        """Load what is left (unless ``discard``) and wait for the thread."""
        self.discard = discard
        if not discard:
            self._hand_over()
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and not discard:
            raise self.error

    def finish(self) -> int:
        """The ontology in the merge, the inferred triples, and one compaction; the default graph's size. The
        store is closed on return, for the views to open it read-only."""
        import pyoxigraph as ox

        store, self.store = self.store, None
        store.bulk_load(ox.serialize([q.triple for q in ontology_quads()], format=ox.RdfFormat.N_TRIPLES),
                        format=ox.RdfFormat.N_TRIPLES)
        infer(store)
        [row] = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        store.flush()
        store.optimize()  # one compaction: the bulk loads leave many overlapping files, which make queries 2-3x slower
        return int(row["n"].value)


_GRAPH_NAME = re.compile(rb" <[^<>]*> \.\n")  # the last term of an N-Quads line (ours always name the graph)
_CORRECTED = re.compile(rb"^.* <" + re.escape(CORRECTIONS_GRAPH.encode()) + rb"[^<>]*> \.\n", re.MULTILINE)


def _merged(data: bytes) -> bytes:
    """The N-Quads lines that go into the merge: all but those of the graphs of corrections."""
    return _CORRECTED.sub(b"", data) if CORRECTIONS_GRAPH.encode() in data else data


def _in_merge(graph) -> bool:
    return not graph.value.startswith(CORRECTIONS_GRAPH)


def counts(path: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Distinct entities per type and facts per kind in the store's merge: a place or a pairing that a thousand
    documents state counts once."""
    import pyoxigraph as ox

    from .rdf import ENTITY_CLASSES

    store = ox.Store.read_only(str(path))
    prefix = "PREFIX ewc: <https://w3id.org/ewc/ontology#>\n"
    entities = {r["type"].value: int(r["n"].value) for r in store.query(prefix + """
        SELECT ?type (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e ewc:mentionedIn ?doc ; a ?class . %s } GROUP BY ?type"""
        % ENTITY_CLASSES)}
    facts = {r["kind"].value: int(r["n"].value) for r in store.query(prefix + """
        SELECT ?kind (COUNT(?x) AS ?n) WHERE {
          VALUES (?class ?kind) { (ewc:Pairing "pairedWith") (ewc:Funding "funds") (ewc:CoBuilding "coBuilds") }
          ?x a ?class } GROUP BY ?kind""")}
    return dict(sorted(entities.items())), dict(sorted(facts.items()))


def update(old: Path, path: Path, spool: Path, *, triples: int, changed: set[str], gone: set[str], compact: bool) -> int:
    """The last build's store ``old`` (of ``triples`` triples), copied to ``path`` (hard links: instant) and changed
    in place: the graphs of the ``gone`` documents dropped, those of the ``changed`` ones brought to their new
    content and those of new ones added, both from the N-Quads at ``spool``; their triples are kept in the
    default graph while another graph has them. Only what differs is written: every rewritten entry of an
    on-disk store makes the reads that pass over it slower until the store is compacted, which ``compact``
    asks for. Returns the default graph's size."""
    import pyoxigraph as ox

    ox.Store.read_only(str(old)).backup(str(path))
    store = ox.Store(str(path))
    stale = set()  # triples of removed quads: they leave the merge unless another graph still states them
    for doc_id in gone:
        for g in (graph_iri(doc_id), corrections_graph_iri(doc_id)):
            stale.update(q.triple for q in store.quads_for_pattern(None, None, None, g) if _in_merge(g))
            store.remove_graph(g)
    rebuilt = {g for d in changed for g in (graph_iri(d), corrections_graph_iri(d))}
    added, part_of = 0, False  # triples new to the merge; whether one states partOf
    batch, merge = [], set()  # quads to write, and the batch's triples new to the merge
    for g, quads in itertools.groupby(ox.parse(path=str(spool), format=ox.RdfFormat.N_QUADS), key=lambda q: q.graph_name):  # a document's quads come together
        quads = set(quads)
        if g in rebuilt:
            rebuilt.discard(g)
            before = set(store.quads_for_pattern(None, None, None, g))
            for q in before - quads:
                store.remove(q)
                if _in_merge(g):
                    stale.add(q.triple)
            quads -= before
        batch += quads
        for q in quads if _in_merge(g) else ():
            t = ox.Quad(q.subject, q.predicate, q.object)
            if t not in merge and t not in store:
                merge.add(t)
                part_of = part_of or t.predicate == EWC.partOf
        if len(batch) > 100_000:
            added += _write(store, batch, merge)
            batch, merge = [], set()
    added += _write(store, batch, merge)
    for g in rebuilt:  # a changed document's graph of corrections that it no longer has
        store.remove_graph(g)
    dropped = [t for t in stale if _drop_from_merge(store, t)]  # still stated by another document? It stays.
    triples += added - len(dropped)
    if part_of or any(t.predicate == EWC.partOf for t in dropped):  # else the inferred graph stands
        triples += infer(store)
    store.flush()
    if compact:
        store.optimize()
    return triples


def _write(store, quads: list, merge: set) -> int:
    """Write a batch of quads and the triples they add to the merge; returns how many those are."""
    store.extend([*quads, *merge])
    return len(merge)


def infer(store) -> int:
    """Materialise what users expect without asking: partOf is transitive (江苏省 contains 丹阳市). The entailed
    triples are kept in a named graph of their own, which marks them as inferred, and in the default graph;
    brought up to date with what the documents now state. Returns the change in the default graph's size."""
    import pyoxigraph as ox

    part_of, inferred, default = EWC.partOf, ox.NamedNode(INFERRED_GRAPH), ox.DefaultGraph()
    have = {(q.subject, q.object) for q in store.quads_for_pattern(None, part_of, None, inferred)}
    # what the documents state: the merge's partOf but for what was inferred (always a parent's parent)
    parent = {q.subject: q.object for q in store.quads_for_pattern(None, part_of, None, default)
              if (q.subject, q.object) not in have}
    wanted = set()
    for child in parent:
        seen, up = {child}, parent.get(parent[child])
        while up is not None and up not in seen:  # the parent's parent, and so on up to the province
            seen.add(up)
            wanted.add((child, up))
            up = parent.get(up)
    change, quads = 0, []
    for child, up in wanted - have:
        quads.append(ox.Quad(child, part_of, up, inferred))
        if ox.Quad(child, part_of, up) not in store:
            quads.append(ox.Quad(child, part_of, up))
            change += 1
    store.extend(quads)
    for child, up in have - wanted:
        store.remove(ox.Quad(child, part_of, up, inferred))
        change -= _drop_from_merge(store, ox.Triple(child, part_of, up))
    return change


def _drop_from_merge(store, t) -> int:
    """Remove a triple from the default graph unless a named graph still holds it; 1 if it was removed."""
    import pyoxigraph as ox

    if any(q.graph_name != ox.DefaultGraph() and _in_merge(q.graph_name)
           for q in store.quads_for_pattern(t.subject, t.predicate, t.object)):
        return 0
    store.remove(ox.Quad(t.subject, t.predicate, t.object))
    return 1


def oxigraph_binary() -> str:
    """The `oxigraph` server from PyPI, beside this Python or on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise StoreError("the oxigraph server is not installed (pip install oxigraph)")
    return found


def push(out: str | Path, endpoint: str, *, protocol: str = "gsp", timeout: float = 60) -> list[str]:
    """Send every named graph of the built store to a SPARQL server, each replacing the graph of that name.

    ``gsp``: SPARQL 1.1 Graph Store Protocol (PUT to ENDPOINT?graph=IRI); ``update``: SPARQL 1.1 Update
    (DROP SILENT GRAPH then INSERT DATA, POSTed to ENDPOINT). Returns the graph names sent. The merged
    default graph is not sent: on the other server, query the union of the graphs (most have an option).
    """
    import pyoxigraph as ox

    if protocol not in ("gsp", "update"):
        raise StoreError(f"unknown protocol {protocol!r} (gsp or update)")
    try:
        parts = urllib.parse.urlsplit(endpoint)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number below 65536
    except ValueError as exc:
        raise StoreError(f"{endpoint}: not a URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(ch.isspace() for ch in endpoint):
        raise StoreError(f"{endpoint}: not an http:// or https:// URL")
    if "#" in endpoint:  # a client never sends a fragment, and ?graph= would be appended to it: lost too
        raise StoreError(f"{endpoint}: an endpoint cannot have a #fragment (every graph would go to the default graph)")
    store = ox.Store.read_only(str(built(out)))
    graphs = sorted(store.named_graphs(), key=lambda g: g.value)
    sent = []
    for graph in graphs:
        body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        try:
            if protocol == "gsp":
                url = f"{endpoint}{'&' if '?' in endpoint else '?'}graph={urllib.parse.quote(graph.value, safe='')}"
                _send(url, "PUT", body, "application/n-triples", timeout)
            else:
                sparql = f"DROP SILENT GRAPH <{graph.value}> ;\nINSERT DATA {{ GRAPH <{graph.value}> {{\n".encode() + body + b"}}"
                _send(endpoint, "POST", sparql, "application/sparql-update", timeout)
        except StoreError as exc:  # the server holds the graphs sent so far: say how far the push went
            raise StoreError(f"{exc}; {len(sent)} of {len(graphs)} graphs were sent before this") from None
        sent.append(graph.value)
    return sent


def _send(url: str, method: str, body: bytes, content_type: str, timeout: float) -> None:
    import http.client

    try:
        request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip().splitlines()[:1]
        raise StoreError(f"{url}: {exc.code} {exc.reason}{': ' + detail[0] if detail else ''}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise StoreError(f"{url}: cannot connect ({getattr(exc, 'reason', exc)})") from None
    except (ValueError, http.client.HTTPException) as exc:  # a URL urllib refuses, an answer that is not HTTP
        raise StoreError(f"{url}: cannot be sent ({type(exc).__name__}: {exc})") from None


def built(out: str | Path) -> Path:
    """The store a build wrote into ``out``, if it is there and opens."""
    store = Path(out) / "store"
    if not (store / "CURRENT").exists():
        raise StoreError(f"{out}: no built store here (run `kg build` first)")
    if (error := open_error(store)) is not None:
        raise StoreError(damaged(store, error))
    return store
