"""Build a corpus into an output folder: RDF files, the Oxigraph store, facts JSON and a report.

Everything is written into a temporary folder beside the outputs and renamed into place at the end,
so an interrupted or failed build leaves the previous outputs whole.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .documents import DocumentError
from .extract import extract
from .rdf import ONTOLOGY, PREFIXES, facts_json, graph_iri, to_rdf

TEXT_SUFFIXES = (".txt", ".html", ".htm", ".md")
ONTOLOGY_GRAPH = "https://w3id.org/ewc/ontology"
INFERRED_GRAPH = "https://w3id.org/ewc/id/graph/inferred"
OUTPUTS = ("dataset.trig", "dataset.nq", "dataset.jsonld", "graph.ttl", "facts.json", "graph.html", "report.json")


class BuildError(RuntimeError):
    """A build that could not run or produced nothing; the message is one line."""


@dataclass
class Report:
    documents: int = 0
    failed: list[str] = field(default_factory=list)
    entities: dict[str, int] = field(default_factory=dict)
    relations: dict[str, int] = field(default_factory=dict)
    observations: int = 0
    triples: int = 0
    shacl: str = "not run"
    violations: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def inputs(paths: list[str | Path]) -> tuple[list[tuple[Path, str]], list[str]]:
    """The article files under the given paths, each with a document id (its path relative to what was named)."""
    found, problems = [], []
    for p in map(Path, paths):
        if not p.exists():
            problems.append(f"{p}: no such file or folder")
        elif p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            if not files:
                problems.append(f"{p}: folder holds no text files ({', '.join(TEXT_SUFFIXES)})")
            found += [(f, f.relative_to(p).as_posix()) for f in files]
        else:
            found.append((p, p.name))
    return found, problems


def build(paths: list[str | Path], out: str | Path = "out", *, validate: bool = True, progress=None) -> Report:
    """Build the articles under ``paths`` into ``out``; raises BuildError when nothing could be built."""
    started = time.monotonic()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with _lock(out):
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
        try:
            report = _build_into(tmp, paths, validate=validate, progress=progress)
            report.outputs = {name: str(out / name) for name in OUTPUTS + ("store",)}
            report.seconds = round(time.monotonic() - started, 3)
            (tmp / "report.json").write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2), encoding="utf-8")
            _publish(tmp, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return report


class _lock:
    """One build at a time per output folder."""

    def __init__(self, out: Path):
        self.path = out / ".lock"

    def __enter__(self):
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise BuildError(f"{self.path.parent}: another build is writing there; wait for it or use another --out") from None

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _build_into(tmp: Path, paths, *, validate: bool, progress) -> Report:
    import pyoxigraph as ox
    from rdflib import Graph

    files, problems = inputs(paths)
    report = Report(failed=list(problems))
    entities, relations, facts_out = Counter(), Counter(), []
    validator = None
    if validate:
        from .validation import validate as validator
    nq_path = tmp / "dataset.nq"
    with nq_path.open("wb") as nq:
        ontology = Graph().parse(ONTOLOGY / "ewc.ttl")
        nq.write(_quads(ontology, ONTOLOGY_GRAPH))
        for i, (path, doc_id) in enumerate(files):
            if progress:
                progress(i, len(files), path)
            try:
                facts = extract(path, doc_id=doc_id)
            except DocumentError as exc:
                report.failed.append(str(exc))
                continue
            except Exception as exc:  # one bad document must not stop the corpus
                report.failed.append(f"{path}: could not be processed ({type(exc).__name__}: {exc})")
                continue
            ds = to_rdf(facts)
            g = ds.graph(graph_iri(doc_id))
            nq.write(ds.serialize(format="nquads", encoding="utf-8"))
            record = facts_json(g, facts.document.name)
            facts_out.append({"id": doc_id, **record})
            entities.update(e["type"] for e in record["entities"])
            relations.update(r["rel"] for r in record["relations"])
            report.observations += len(facts.observations)
            report.documents += 1
            if validator:
                report.violations += [f"{doc_id}: {v}" for v in validator(g)]
    if progress:
        progress(len(files), len(files), None)
    if report.documents == 0:
        raise BuildError("nothing was built: " + ("; ".join(report.failed) or "no input"))
    report.entities, report.relations = dict(sorted(entities.items())), dict(sorted(relations.items()))
    report.shacl = ("conforms" if not report.violations else f"{len(report.violations)} violations") if validate else "not run"
    store = ox.Store(str(tmp / "store"))
    store.bulk_load(path=str(nq_path), format=ox.RdfFormat.N_QUADS)
    _infer(store)
    report.triples = len(store)
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    store.dump(str(tmp / "dataset.trig"), ox.RdfFormat.TRIG, prefixes=prefixes)
    store.dump(str(tmp / "dataset.jsonld"), ox.RdfFormat.JSON_LD)
    merged = ox.Store()
    merged.bulk_extend(ox.Quad(t.subject, t.predicate, t.object)
                       for t in store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
                                            f"FILTER(?g != <{INFERRED_GRAPH}>) }}"))
    merged.dump(str(tmp / "graph.ttl"), ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=prefixes)
    store.flush()
    del store
    _views(tmp)
    (tmp / "facts.json").write_text(json.dumps(facts_out, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def _views(tmp: Path) -> None:
    """The HTML page, read back from the finished store like every other view."""
    from .views import html
    from .views.networkx import to_networkx

    html.write(to_networkx(tmp), tmp / "graph.html")


def _infer(store) -> None:
    """Materialise what users expect without asking: partOf is transitive (江苏省 contains 丹阳市). The entailed
    triples go to their own named graph, so they are marked as inferred and never mixed with a document's."""
    import pyoxigraph as ox

    graph = ox.NamedNode(INFERRED_GRAPH)
    store.remove_graph(graph) if store.contains_named_graph(graph) else None
    rows = store.query("""PREFIX ewc: <https://w3id.org/ewc/ontology#>
        SELECT DISTINCT ?a ?c WHERE { ?a ewc:partOf/ewc:partOf+ ?c . FILTER NOT EXISTS { ?a ewc:partOf ?c } }""",
                       use_default_graph_as_union=True)
    part_of = ox.NamedNode("https://w3id.org/ewc/ontology#partOf")
    store.extend([ox.Quad(r["a"], part_of, r["c"], graph) for r in rows])


def _quads(graph, name: str) -> bytes:
    from rdflib import Dataset, URIRef

    ds = Dataset()
    g = ds.graph(URIRef(name))
    for t in graph:
        g.add(t)
    return ds.serialize(format="nquads", encoding="utf-8")


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file through a temporary sibling and a rename, so readers never see it half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # mkstemp's 0600 would hide the output from other users
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _publish(tmp: Path, out: Path) -> None:
    """Move the finished outputs into place: files by atomic rename, the store folder by a swap."""
    for name in OUTPUTS:
        os.replace(tmp / name, out / name)
    old = out / ".store-old"
    shutil.rmtree(old, ignore_errors=True)
    if (out / "store").exists():
        os.replace(out / "store", old)
    os.replace(tmp / "store", out / "store")
    shutil.rmtree(old, ignore_errors=True)
