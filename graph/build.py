"""Build a corpus into an output folder: RDF files, the Oxigraph store, facts JSON and a report.

Everything is written into a temporary folder beside the outputs and renamed into place at the end,
so an interrupted or failed build leaves the previous outputs whole.
"""
from __future__ import annotations

import fcntl
import glob
import hashlib
import itertools
import json
import os
import pickle
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

from .documents import DocumentError
from .extract import extract
from .rdf import ONTOLOGY, PREFIXES, facts_json, graph_iri, to_rdf

TEXT_SUFFIXES = (".txt", ".html", ".htm", ".md", ".jsonl")
ONTOLOGY_GRAPH = "https://w3id.org/ewc/ontology"
INFERRED_GRAPH = "https://w3id.org/ewc/id/graph/inferred"
OUTPUTS = ("dataset.trig", "dataset.nq", "dataset.jsonld", "graph.ttl", "facts.json", "graph.html", "report.json")
CACHE = ".cache"


class BuildError(RuntimeError):
    """A build that could not run or produced nothing; the message is one line."""


@dataclass
class Report:
    documents: int = 0
    extracted: int = 0  # documents read anew; the rest came from the cache of the last build
    failed: list[str] = field(default_factory=list)
    entities: dict[str, int] = field(default_factory=dict)
    relations: dict[str, int] = field(default_factory=dict)
    observations: int = 0
    triples: int = 0
    shacl: str = "not run"
    violations: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class Source:
    """One article to build: its id, a label for messages, and its bytes (or its JSON Lines record)."""

    doc_id: str
    label: str
    data: bytes = b""
    record: dict | None = None

    @property
    def sha256(self) -> str:
        content = self.data if self.record is None else json.dumps(self.record, sort_keys=True).encode("utf-8")
        return hashlib.sha256(content).hexdigest()


def inputs(paths: list[str | Path]):
    """The articles under the given paths (files, folders searched recursively, globs; JSON Lines files give
    one article per line), streamed as Sources, and the problems found, as they are found."""
    problems: list[str] = []

    def sources():
        for p in paths:
            p = Path(p)
            if not p.exists() and any(ch in str(p) for ch in "*?["):
                matches = sorted(Path(m) for m in glob.glob(str(p), recursive=True) if Path(m).is_file())
                if not matches:
                    problems.append(f"{p}: no file matches")
                yield from (s for m in matches for s in _sources_of(m, m.name, problems))
            elif not p.exists():
                problems.append(f"{p}: no such file or folder")
            elif p.is_dir():
                files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES
                               and not any(part.startswith(".") for part in f.relative_to(p).parts))
                if not files:
                    problems.append(f"{p}: folder holds no text files ({', '.join(TEXT_SUFFIXES)})")
                yield from (s for f in files for s in _sources_of(f, f.relative_to(p).as_posix(), problems))
            else:
                yield from _sources_of(p, p.name, problems)

    return sources(), problems


def _sources_of(path: Path, doc_id: str, problems: list[str]):
    from .documents import read_bytes

    try:
        if path.suffix.lower() != ".jsonl":
            yield Source(doc_id, str(path), read_bytes(path))
            return
        with path.open("rb") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    problems.append(f"{path}:{n}: not a JSON object ({exc.msg})")
                    continue
                rid = record.get("url") or record.get("id") if isinstance(record, dict) else None
                yield Source(f"{doc_id}#{rid or n}", f"{path}:{n}", record=record)
    except DocumentError as exc:
        problems.append(str(exc))
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror or exc})")


@dataclass
class Result:
    """What one document adds to a build; what the cache keeps between builds."""

    doc_id: str
    sha256: str
    builder: str
    nquads: bytes = b""
    record: dict | None = None
    observations: int = 0
    violations: list[str] = field(default_factory=list)
    validated: bool = False
    error: str | None = None


def process(source: Source, builder: str, validate: bool) -> Result:
    """Extract one document and map it to RDF: the unit of work that runs in parallel (pure but for CPU)."""
    from .documents import from_bytes, from_record

    result = Result(source.doc_id, source.sha256, builder, validated=validate)
    try:
        name = source.doc_id.rsplit("/", 1)[-1]
        doc = (from_record(source.record, name, label=source.label) if source.record is not None
               else from_bytes(source.data, name, label=source.label))
        facts = extract(doc, doc_id=source.doc_id)
    except DocumentError as exc:
        result.error = str(exc)
        return result
    except Exception as exc:  # one bad document must not stop the corpus
        result.error = f"{source.label}: could not be processed ({type(exc).__name__}: {exc})"
        return result
    ds = to_rdf(facts)
    g = ds.graph(graph_iri(source.doc_id))
    result.nquads = ds.serialize(format="nquads", encoding="utf-8")
    result.record = {"id": source.doc_id, **facts_json(g, facts.document.name)}
    result.observations = len(facts.observations)
    if validate:
        from .validation import validate as shacl

        result.violations = [f"{source.doc_id}: {v}" for v in shacl(g)]
    return result


@cache
def builder_version() -> str:
    """A digest of the code, data and ontology that make the facts: a cached document is reused only when it
    was built by the same."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for f in sorted([*root.glob("*.py"), *(root / "data").iterdir(), *ONTOLOGY.glob("*.ttl")]):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:16]


class _Cache:
    """Per-document results of earlier builds in OUT/.cache, keyed by document id, checked by content digest."""

    def __init__(self, out: Path):
        self.dir = out / CACHE
        self.dir.mkdir(exist_ok=True)

    def _path(self, doc_id: str) -> Path:
        return self.dir / (hashlib.sha1(doc_id.encode("utf-8")).hexdigest() + ".pickle")

    def get(self, source: Source, builder: str, validate: bool) -> Result | None:
        try:
            result = pickle.loads(self._path(source.doc_id).read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            return None
        if result.sha256 == source.sha256 and result.builder == builder and (result.validated or not validate):
            return result
        return None

    def put(self, result: Result) -> None:
        atomic_write(self._path(result.doc_id), pickle.dumps(result))

    def keep_only(self, doc_ids: set[str]) -> None:
        wanted = {self._path(d).name for d in doc_ids}
        for f in self.dir.glob("*.pickle"):
            if f.name not in wanted:
                f.unlink(missing_ok=True)


def build(paths: list[str | Path], out: str | Path = "out", *, validate: bool = True, progress=None,
          jobs: int | None = None, dask: str | None = None) -> Report:
    """Build the articles under ``paths`` into ``out``; raises BuildError when nothing could be built.

    Documents unchanged since the last build into ``out`` are not read again. Extraction runs on ``jobs``
    processes (default: all cores), or on a Dask cluster (``dask``: a scheduler address, or "local").
    """
    started = time.monotonic()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with _lock(out):
        for stale in out.glob(".build-*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
        try:
            report = _build_into(tmp, out, paths, validate=validate, progress=progress, jobs=jobs, dask=dask)
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


def _results(sources, cache: _Cache, *, validate: bool, jobs: int | None, dask: str | None):
    """(source, result, read anew) in input order: from the cache when the document is unchanged since the
    last build, else extracted in parallel, a bounded batch at a time so memory stays flat."""
    from .gazetteer import gazetteer

    builder = builder_version()
    jobs = jobs or os.cpu_count() or 1
    gazetteer()  # loaded once before the pool forks, and shared
    with _Pool(jobs, dask) as pool:
        while True:
            batch = [(s, cache.get(s, builder, validate)) for s in itertools.islice(sources, 64 if dask else 16 * jobs)]
            if not batch:
                return
            done = iter(pool.map([s for s, cached in batch if cached is None], builder, validate))
            for source, cached in batch:
                yield (source, cached, False) if cached is not None else (source, next(done), True)


class _Pool:
    def __init__(self, jobs: int, dask: str | None):
        self.jobs, self.dask, self.client, self.pool, self.cluster = jobs, dask, None, None, None

    def __enter__(self):
        if self.dask:
            from dask.distributed import Client, LocalCluster

            if self.dask == "local":
                self.cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True, dashboard_address=None)
                self.client = Client(self.cluster)
            else:
                self.client = Client(self.dask)
        elif self.jobs > 1:
            import multiprocessing

            self.pool = multiprocessing.get_context("fork").Pool(self.jobs)
        return self

    def map(self, sources, builder, validate):
        if not sources:
            return []
        if self.client is not None:
            futures = self.client.map(process, sources, builder=builder, validate=validate, pure=False)
            return self.client.gather(futures)
        if self.pool is not None:
            return self.pool.starmap(process, [(s, builder, validate) for s in sources], chunksize=4)
        return [process(s, builder, validate) for s in sources]

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.terminate()
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _build_into(tmp: Path, out: Path, paths, *, validate: bool, progress, jobs, dask) -> Report:
    import pyoxigraph as ox

    sources, problems = inputs(paths)
    report = Report()
    entities, relations, seen = Counter(), Counter(), set()
    cache = _Cache(out)
    nq_path = tmp / "dataset.nq"
    fundings: dict[tuple, set] = {}
    with nq_path.open("wb") as nq, (tmp / "facts.json").open("w", encoding="utf-8") as facts:
        facts.write("[")
        for i, (source, result, fresh) in enumerate(_results(sources, cache, validate=validate, jobs=jobs, dask=dask)):
            if progress:
                progress(i, None, source.label)
            report.extracted += fresh
            if result.error:
                report.failed.append(result.error)
                continue
            if source.doc_id in seen:
                report.failed.append(f"{source.label}: a second document with the id {source.doc_id}")
                continue
            seen.add(source.doc_id)
            if fresh:
                cache.put(result)
            nq.write(result.nquads)
            facts.write(("," if report.documents else "") + "\n" + json.dumps(result.record, ensure_ascii=False))
            entities.update(e["type"] for e in result.record["entities"])
            relations.update(r["rel"] for r in result.record["relations"])
            for r in result.record["relations"]:
                if r["rel"] == "funds" and r.get("year"):
                    fundings.setdefault((r["from"], r["to"], r["year"]), set()).add((r["amount_cny"], source.doc_id))
            report.observations += result.observations
            report.violations += result.violations
            report.documents += 1
        facts.write("\n]\n")
    report.failed[:0] = problems
    if progress:
        progress(report.documents, report.documents, None)
    if report.documents == 0:
        raise BuildError("nothing was built: " + ("; ".join(report.failed) or "no input"))
    cache.keep_only(seen)
    report.entities, report.relations = dict(sorted(entities.items())), dict(sorted(relations.items()))
    report.shacl = ("conforms" if not report.violations else f"{len(report.violations)} violations") if validate else "not run"
    report.disagreements = [f"{g} → {r} {y}: " + "; ".join(f"{a} ({d})" for a, d in sorted(v))
                            for (g, r, y), v in sorted(fundings.items())
                            if any(a1 != a2 and d1 != d2 for a1, d1 in v for a2, d2 in v)]
    store = ox.Store(str(tmp / "store"))
    store.bulk_load(path=str(nq_path), format=ox.RdfFormat.N_QUADS)
    store.bulk_load(path=str(ONTOLOGY / "ewc.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    store.dump(str(nq_path), ox.RdfFormat.N_QUADS)  # with the ontology, in the store's stable order
    store.dump(str(tmp / "dataset.trig"), ox.RdfFormat.TRIG, prefixes=prefixes)
    store.dump(str(tmp / "dataset.jsonld"), ox.RdfFormat.JSON_LD)
    # The default graph is the merge of every document's graph, each triple once: queries read it without
    # GRAPH clauses, and a fact that many documents repeat does not multiply the rows of a join.
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object)
                      for t in store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"))
    store.dump(str(tmp / "graph.ttl"), ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=prefixes)
    _infer(store)
    report.triples = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    store.flush()
    del store
    _views(tmp)
    return report


def _views(tmp: Path) -> None:
    """The HTML page, read back from the finished store like every other view."""
    from .views import html
    from .views.networkx import to_networkx

    html.write(to_networkx(tmp), tmp / "graph.html")


def _infer(store) -> None:
    """Materialise what users expect without asking: partOf is transitive (江苏省 contains 丹阳市). The entailed
    triples are added to the default graph and kept in a named graph of their own, which marks them as inferred."""
    import pyoxigraph as ox

    part_of = ox.NamedNode("https://w3id.org/ewc/ontology#partOf")
    parent = {q.subject: q.object for q in store.quads_for_pattern(None, part_of, None, ox.DefaultGraph())}
    inferred = ox.NamedNode(INFERRED_GRAPH)
    quads = []
    for child in parent:
        seen, up = {child}, parent.get(parent[child])
        while up is not None and up not in seen:  # the parent's parent, and so on up to the province
            seen.add(up)
            quads += [ox.Quad(child, part_of, up, inferred), ox.Quad(child, part_of, up)]
            up = parent.get(up)
    store.bulk_extend(quads)


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
