"""Build a corpus into an output folder: RDF files, the Oxigraph store, facts JSON and a report.

Everything is written into a new folder beside the outputs, and published by one atomic switch of the link
``OUT/.current`` to it; the documented paths (``OUT/store``, ``OUT/facts.json``…) are links through it. So
readers see the last build or the new one whole, and an interrupted or failed build leaves the last one.
"""
from __future__ import annotations

import fcntl
import glob
import hashlib
import itertools
import json
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path

from . import store
from .corrections import Corrections, CorrectionsError, read as read_corrections
from .documents import DocumentError
from .extraction import extract
from .facts import dumps, loads
from .files import FACTS, FILES, Writer, atomic_write, shared_mode
from .rdf import ONTOLOGY, facts_json, graph_iri, quads

TEXT_SUFFIXES = (".txt", ".html", ".htm", ".md", ".jsonl")
VIEW = ".view"  # the page's networkx graph (JSON), with the start of the build that made it: a rebuild updates it
MANIFEST = ".manifest"  # JSON: what the build read and wrote (files that run no code when read)
OUTPUTS = (*FILES, FACTS, "graph.html", "report.json", "store")  # the documented paths, links through CURRENT
CURRENT = ".current"  # the link to the published build's folder, switched in one rename
EXTRACTED = ".extracted.json"  # each document's facts as extracted, before corrections (see facts.dumps)
CORRECTIONS = "corrections.toml"  # the corrections file a corpus folder may hold
SPOOL = "new.nq"
# share of the documents changed beyond which a rebuild reads the page's graph whole rather than updating it:
# re-reading what they touch would take as long (10,000 documents, 1,500 changed: 5.6 s, against 4.6 s)
UPDATE_VIEW_AT_MOST = 0.1
COMPACT_AFTER = 0.2  # share of the documents changed since the store was last compacted after which a rebuild compacts it


class BuildError(RuntimeError):
    """A build that could not run or produced nothing; the message is one line."""


@dataclass
class Report:
    documents: int = 0
    extracted: int = 0  # documents read anew; the rest were unchanged since the last build
    recorrected: int = 0  # documents not read again, whose corrections changed: applied anew to their facts
    failed: list[str] = field(default_factory=list)
    entities: dict[str, int] = field(default_factory=dict)
    relations: dict[str, int] = field(default_factory=dict)
    observations: int = 0
    triples: int = 0
    store: str = ""  # "rebuilt", "updated" in place, or "unchanged"
    compacted: bool = False  # whether this build compacted the store (see COMPACT_AFTER)
    shacl: str = "not run"
    violations: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    # the corrections files read; how many entries and how many changed something; what was wrong (a line each);
    # the entries that matched nothing
    corrections: dict = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class Source:
    """One article to build: its id, a label for messages, and its bytes (or its JSON Lines record). A file
    unchanged since the last build (same size, times and inode) is not read: it comes with its known digest."""

    doc_id: str
    label: str
    data: bytes = b""
    record: dict | None = None
    path: str = ""
    stamp: tuple | None = None  # the file's size, mtime, ctime and inode when it was listed
    digest: str = ""
    served: tuple[str, str | None] | None = None  # a fetched page's address and charset, from kg fetch's index
    extracted: bytes = b""  # its facts as the last build extracted them (facts.dumps): only corrections are applied anew

    @property
    def sha256(self) -> str:
        if self.digest:
            return self.digest
        content = self.data if self.record is None else json.dumps(self.record, sort_keys=True).encode("utf-8")
        if self.served:  # the address is part of what the document says
            content = json.dumps(self.served).encode("utf-8") + b"\n" + content
        return hashlib.sha256(content).hexdigest()


def inputs(paths: list[str | Path], known: dict[str, tuple[tuple, str]] | None = None, *, out: Path | None = None):
    """The articles under the given paths (files, folders searched recursively, globs; JSON Lines files give
    one article per line), streamed as Sources, and the problems found, as they are found. ``known``: document
    id → (stamp, digest) of files the last build read, which are not read again while their stamp is the same.
    Nothing under the output folder ``out`` is read: it may lie in an input folder (kg build . writes ./out)."""
    problems: list[str] = []
    known = known or {}
    outputs = _identity(out) if out is not None else None
    in_outputs: dict[Path, bool] = {}  # folder → whether it lies in the output folder: each folder is asked once
    fetched: dict[Path, dict] = {}  # folder → its index of pages kg fetch saved there (most folders have none)

    def served(path: Path) -> tuple[str, str | None] | None:
        if path.parent not in fetched:
            from .fetcher import addresses

            fetched[path.parent] = addresses(path.parent)
        return fetched[path.parent].get(path.name)

    def outside_outputs(path: Path) -> bool:
        if outputs is None:
            return True
        if path.parent not in in_outputs:
            in_outputs[path.parent] = outputs in map(_identity, path.parents)
        return not in_outputs[path.parent]

    def sources():
        for p in paths:
            p = Path(p)
            if not p.exists() and any(ch in str(p) for ch in "*?["):
                # all but folders: a pipe or a broken link that matches is said to be one by _sources_of, not dropped
                matches = sorted(m for m in map(Path, glob.glob(str(p), recursive=True))
                                 if not m.is_dir() and outside_outputs(m))
                if not matches:
                    problems.append(f"{p}: no file matches")
                yield from (s for m in matches for s in _sources_of(m, m.name, problems, known, served(m)))
            elif not p.exists():
                problems.append(f"{p}: {'a broken symbolic link' if p.is_symlink() else 'no such file or folder'}")
            elif p.is_dir():
                before = len(problems)
                files = _files_under(p, skip=outputs, problems=problems)
                if not files and len(problems) == before:  # else what was wrong in it is said already
                    problems.append(f"{p}: folder holds no text files ({', '.join(TEXT_SUFFIXES)})")
                yield from (s for f in files for s in _sources_of(p / f, f, problems, known, served(p / f)))
            else:
                yield from _sources_of(p, p.name, problems, known, served(p))

    return sources(), problems


def _identity(path: str | Path) -> tuple[int, int] | None:
    """A file's or folder's device and inode, the same by every path to it (links too); None if it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _files_under(folder: Path, skip: tuple[int, int] | None = None, problems: list[str] | None = None) -> list[str]:
    """The text files under a folder and its subfolders, hidden ones and the folder ``skip`` (by _identity) left
    out, as paths relative to it, in path order (os.scandir and strings: a rebuild of 10,000 documents would
    spend half a second in pathlib). What cannot be walked or read (an unreadable folder, a loop of links, a
    broken link, a pipe, a socket, a device) is added to ``problems``, a line each."""
    import errno
    import stat

    found: list[str] = []
    problems = [] if problems is None else problems
    seen = {skip, None}  # folders walked (a link back up is not walked again), and what cannot be read

    def walk(path: str, prefix: str) -> None:
        here = _identity(path)
        if here in seen:
            return
        seen.add(here)
        try:
            with os.scandir(path) as listing:
                entries = list(listing)
        except OSError as exc:
            problems.append(f"{path}: folder cannot be read ({exc.strerror or exc})")
            return
        for e in entries:
            if e.name.startswith("."):
                continue
            try:
                if e.is_dir():
                    walk(e.path, f"{prefix}{e.name}/")
                elif e.is_file():
                    if os.path.splitext(e.name)[1].lower() in TEXT_SUFFIXES:
                        found.append(prefix + e.name)
                else:  # only its status is read: opening a pipe would wait for a writer
                    kind = {stat.S_IFIFO: "a pipe", stat.S_IFSOCK: "a socket"}.get(
                        stat.S_IFMT(os.stat(e.path).st_mode), "a device")
                    problems.append(f"{e.path}: not a regular file ({kind})")
            except FileNotFoundError:  # is_dir and is_file say False for a link to nothing; stat says why
                problems.append(f"{e.path}: a broken symbolic link (to a missing file or folder)")
            except OSError as exc:
                reason = "a loop of symbolic links" if exc.errno == errno.ELOOP else f"cannot be read ({exc.strerror or exc})"
                problems.append(f"{e.path}: {reason}")

    walk(str(folder), "")
    return sorted(found, key=lambda f: f.split("/"))


def _sources_of(path: Path, doc_id: str, problems: list[str], known: dict[str, tuple[tuple, str]],
                served: tuple[str, str | None] | None = None):
    from .documents import MAX_BYTES, file_stat, read_bytes, well_formed

    try:
        st = file_stat(path)
        if path.suffix.lower() != ".jsonl":
            stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, *(served or ()))
            last_stamp, digest = known.get(doc_id, (None, ""))
            if stamp == last_stamp:
                yield Source(doc_id, str(path), path=str(path), stamp=stamp, digest=digest, served=served)
            else:
                yield Source(doc_id, str(path), read_bytes(path), path=str(path), stamp=stamp, served=served)
            return
        with path.open("rb") as f:
            n, ids = 0, set()
            while line := f.readline(MAX_BYTES + 1):  # a line is read whole only when it may be an article
                n += 1
                if len(line) > MAX_BYTES:
                    while line and not line.endswith(b"\n"):
                        line = f.readline(1 << 20)
                    problems.append(f"{path}:{n}: too large (more than {MAX_BYTES // 2**20} MiB in one line)")
                    continue
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except UnicodeDecodeError as exc:  # JSON Lines are UTF-8
                    problems.append(f"{path}:{n}: not UTF-8 ({exc.reason} at byte {exc.start + 1} of the line)")
                    continue
                except ValueError as exc:
                    problems.append(f"{path}:{n}: not a JSON object ({exc.msg})")
                    continue
                if not isinstance(record, dict):
                    kind = {type(None): "null", list: "an array", str: "a string", bool: "true or false"}.get(
                        type(record), "a number")
                    problems.append(f"{path}:{n}: not a JSON object (the line holds {kind})")
                    continue
                record = well_formed(record)  # its url or id names the document
                rid = record.get("url") or record.get("id")
                source_id = f"{doc_id}#{rid or n}"
                while source_id in ids:  # a url or id given twice (javascript:void(0)): the later record by its line
                    source_id += f"#{n}"
                ids.add(source_id)
                yield Source(source_id, f"{path}:{n}", record=record)
    except DocumentError as exc:
        problems.append(str(exc))
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror or exc})")


@dataclass
class Result:
    """What one document adds to a build: its graph in each file format, its facts JSON, and a summary."""

    doc_id: str
    sha256: str
    builder: str
    chunks: dict[str, bytes] = field(default_factory=dict)  # output file name → this document's part of it
    summary: dict = field(default_factory=dict)
    validated: bool = False
    error: str | None = None


def fault(label: str, exc: Exception) -> str:
    """The one-line report of a fault of ours on one document (kg build and kg extract say it alike)."""
    return f"{label}: could not be processed ({type(exc).__name__}: {exc})"


def process(source: Source, builder: str, validate: bool, published: tuple[str, ...] | None = None,
            corrections: Corrections | None = None) -> Result:
    """Extract one document, apply the corrections, map it to RDF, and write its part of each published file:
    the unit of work that runs in parallel (pure but for CPU)."""
    from .documents import from_bytes, from_record, read_bytes

    result = Result(source.doc_id, source.sha256, builder, validated=validate)
    try:
        if source.extracted:
            extracted = source.extracted
            facts = loads(extracted)
        else:
            name = source.doc_id.rsplit("/", 1)[-1]
            data = read_bytes(Path(source.path)) if source.digest else source.data  # listed by its stamp alone
            url, charset = source.served or (None, None)
            doc = (from_record(source.record, name, label=source.label) if source.record is not None
                   else from_bytes(data, name, label=source.label, url=url, charset=charset))
            facts = extract(doc, doc_id=source.doc_id)
            extracted = dumps(facts)
        facts, applied, problems = corrections.apply(facts) if corrections else (facts, [], [])
        graph = quads(facts)
        record = {"id": source.doc_id, **facts_json(graph, facts.document.name)}
    except DocumentError as exc:
        result.error = str(exc)
        return result
    except Exception as exc:  # one bad document must not stop the corpus
        result.error = fault(source.label, exc)
        return result
    result.chunks = {name: fmt.chunk(graph) for name, fmt in FILES.items()
                     if published is None or name in published or name == "dataset.nq"}
    result.chunks[FACTS] = json.dumps(record, ensure_ascii=False).encode("utf-8")
    result.chunks[EXTRACTED] = extracted
    violations = []
    if validate:
        from .validation import validate as shacl

        violations = [f"{source.doc_id}: {v}" for v in shacl(graph)]
    result.summary = {"fundings": [(r["from"], r["to"], r["year"], r["amount_cny"]) for r in record["relations"]
                                   if r["rel"] == "funds" and r.get("year")],
                      "observations": len(facts.observations), "violations": violations,
                      "corrections": applied, "problems": problems}
    return result


@cache
def builder_version() -> str:
    """A digest of the code, data and ontology that make the facts: a document is reused from the last build only
    when it was built by the same."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for f in sorted([*root.glob("*.py"), *(root / "data").iterdir(), *ONTOLOGY.glob("*.ttl")]):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class _Entry:
    """What the manifest keeps of one document: its digest, where its parts sit in each output file, its summary."""

    sha256: str
    validated: bool
    parts: dict[str, tuple[int, int]]  # file name → (offset, length)
    summary: dict
    stamp: tuple | None = None  # the file's, when it was listed (see Source)


@dataclass
class _Manifest:
    """The last build's documents, in order; with the files' sizes and times, which show that the outputs are
    still the ones it describes."""

    builder: str
    docs: dict[str, _Entry] = field(default_factory=dict)
    files: dict[str, tuple[int, int]] = field(default_factory=dict)
    triples: int = 0
    started: int = 0  # time.time_ns() when the build began listing its inputs
    uncompacted: int = 0  # documents added, changed or removed since the store was last compacted
    corrections: str = ""  # the digest of the corrections applied (Corrections.digest)

    @classmethod
    def load(cls, out: Path) -> _Manifest | None:
        """The published build's manifest; None when it is missing, unreadable or of another builder."""
        try:
            data = json.loads((out / CURRENT / MANIFEST).read_bytes())
            manifest = cls(data["builder"], triples=data["triples"], started=data["started"],
                           uncompacted=data["uncompacted"], corrections=data.get("corrections", ""),
                           files={k: tuple(v) for k, v in data["files"].items()},
                           docs={k: _Entry(e["sha256"], e["validated"], {n: tuple(p) for n, p in e["parts"].items()},
                                           e["summary"], None if e["stamp"] is None else tuple(e["stamp"]))
                                 for k, e in data["docs"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        if manifest.builder != builder_version() or store.open_error(out / "store") is not None:
            return None  # a store damaged on disk is built afresh
        for name, (size, mtime) in manifest.files.items():  # files changed since (their parts are copied)
            try:
                st = (out / CURRENT / name).stat()
            except OSError:
                return None
            if (st.st_size, st.st_mtime_ns) != (size, mtime):
                return None
        return manifest

    @cached_property
    def known(self) -> dict[str, tuple[tuple, str]]:
        """The stamps and digests of the files that can be trusted unread when their stamp is unchanged: those last
        changed well before the last build listed them (a file changed within the same clock tick as the listing
        could keep its stamp with new content)."""
        settled = self.started - 2_000_000_000
        return {doc_id: (e.stamp, e.sha256) for doc_id, e in self.docs.items()
                if e.stamp is not None and e.stamp[1] < settled and e.stamp[2] < settled}

    def fresh(self, source: Source, validate: bool, published) -> _Entry | None:
        """The document's entry if the last build read the same content and wrote every part this build needs."""
        entry = self.docs.get(source.doc_id)
        if entry is not None and entry.sha256 == source.sha256 and (entry.validated or not validate) \
                and set(published) <= set(entry.parts):
            return entry
        return None


def build(paths: list[str | Path], out: str | Path = "out", *, validate: bool = False, files: bool = True,
          view: bool = True, progress=None, jobs: int | None = None, dask: str | None = None,
          corrections: str | Path | list[str | Path] | None = None) -> Report:
    """Build the articles under ``paths`` into ``out``; raises BuildError when nothing could be built.

    Documents unchanged since the last build into ``out`` are not read again, and the store is updated in place.
    Extraction runs on ``jobs`` processes (default: all cores), or on a Dask cluster (``dask``: a scheduler
    address, or "local"). ``validate`` checks every newly extracted document against the SHACL shapes;
    ``files=False`` leaves out the RDF files and ``view=False`` the HTML page, which rebuilds of large corpora
    spend most of their time writing. ``corrections``: corrections files (TOML, docs/corrections.md), read with
    the ``corrections.toml`` of each input folder; editing them re-applies them without reading documents again.
    """
    started = time.monotonic()
    if jobs is not None and jobs < 1:
        raise BuildError(f"--jobs must be at least 1, not {jobs}")
    out = Path(out)
    with _os_errors(f"{out}: cannot make the output folder"):
        out.mkdir(parents=True, exist_ok=True)
    given = [corrections] if isinstance(corrections, (str, Path)) else list(corrections or [])
    found = [Path(p) / CORRECTIONS for p in paths if Path(p).is_dir() and (Path(p) / CORRECTIONS).is_file()]
    try:
        fixes = read_corrections(list(dict.fromkeys(map(Path, [*found, *given]))))
    except CorrectionsError as exc:
        raise BuildError(str(exc)) from None
    with _lock(out):
        _clean(out)
        previous = _Manifest.load(out)
        report = _unchanged(previous, paths, out, fixes, validate=validate, files=files, view=view)
        if report is not None:
            report.seconds = round(time.monotonic() - started, 3)
            with _os_errors(f"{out}: cannot write report.json"):
                atomic_write(out / CURRENT / "report.json", json.dumps(asdict(report), ensure_ascii=False, indent=2).encode("utf-8"))
            return report
        tmp = None
        try:
            # a full disk or a file size limit stops the build before anything is published
            with _os_errors(f"{out}: the build stopped", "the previous outputs are unchanged"):
                tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
                report, manifest = _build_into(tmp, out, paths, previous, fixes, validate=validate, files=files,
                                               view=view, progress=progress, jobs=jobs, dask=dask)
                report.seconds = round(time.monotonic() - started, 3)
                (tmp / "report.json").write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2), encoding="utf-8")
            with _os_errors(f"{out}: the build could not be published", "the previous outputs are unchanged"):
                _publish(tmp, out, manifest)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
    return report


@contextmanager
def _os_errors(what: str, then: str = ""):
    """An OSError raised inside (a full disk, a file size limit, a folder that is a file) as a one-line
    BuildError: what failed, why, and what follows."""
    try:
        yield
    except OSError as exc:
        raise BuildError(f"{what} ({os_reason(exc)})" + (f"; {then}" if then else "")) from None


def os_reason(exc: OSError) -> str:
    """Why an OSError happened, and to which file, in a few words."""
    reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename and str(exc.filename) not in reason else reason


def _published(files: bool) -> tuple[str, ...]:
    """The files a build writes document by document: the RDF files (unless left out), the facts JSON, and the
    facts as extracted."""
    return (*FILES, FACTS, EXTRACTED) if files else (FACTS, EXTRACTED)


def _unchanged(previous: _Manifest | None, paths, out: Path, corrections: Corrections, *, validate: bool, files: bool,
               view: bool) -> Report | None:
    """The last build's report, when every document it read is unchanged, in the same order, and it wrote
    what this build would with the same corrections: then a rebuild has nothing to do but read the documents'
    digests."""
    published = _published(files)
    if previous is None or set(previous.files) != set(published) or (out / "graph.html").exists() != view \
            or previous.corrections != corrections.digest:
        return None
    sources, problems = inputs(paths, previous.known, out=out)
    last = iter(previous.docs)
    for source in sources:
        if next(last, None) != source.doc_id or previous.fresh(source, validate, published) is None:
            return None
    if next(last, None) is not None or problems:
        return None
    try:
        report = Report(**json.loads((out / "report.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    # every input is a document the last build read whole: what failed then has gone since
    report.extracted, report.recorrected, report.store, report.compacted, report.failed = 0, 0, "unchanged", False, []
    return report


class _lock:
    """One build at a time per output folder."""

    def __init__(self, out: Path):
        self.path = out / ".lock"

    def __enter__(self):
        with _os_errors(f"{self.path.parent}: cannot write there"):
            self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise BuildError(f"{self.path.parent}: another build is writing there; wait for it or use another --out") from None

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _results(sources, previous: _Manifest | None, published, corrections: Corrections, out: Path, *, validate: bool,
             jobs: int | None, dask: str | None):
    """(source, entry of the last build or None, new result or None) in input order: the last build's entry when
    the document and the corrections that apply to it are unchanged, else a result extracted (or, when only
    the corrections changed, corrected anew) in parallel, a bounded batch at a time so memory stays flat; the
    next batch is extracted while the caller writes the one before."""
    builder = builder_version()
    jobs = jobs or os.cpu_count() or 1
    size = 64 if dask else 16 * jobs
    reapply = previous is not None and previous.corrections != corrections.digest
    extracted = _Parts(out / CURRENT / EXTRACTED) if reapply else None

    def kept(source: Source) -> tuple[Source, _Entry | None]:
        entry = previous.fresh(source, validate, published) if previous else None
        if entry is None or not reapply:
            return source, entry
        data = extracted.read(entry.parts[EXTRACTED])
        if data is None:
            return source, None
        try:
            _, applied, problems = corrections.apply(loads(data))
        except (ValueError, KeyError, TypeError):  # a damaged part: the document is read again
            return source, None
        if applied == entry.summary.get("corrections", []) and problems == entry.summary.get("problems", []):
            return source, entry
        return replace(source, extracted=data), None

    with _Pool(jobs, dask) as pool, extracted or nullcontext():
        in_flight = None
        while True:
            batch = [kept(s) for s in itertools.islice(sources, size)]
            submitted = (batch, pool.submit([s for s, entry in batch if entry is None], builder, validate, published,
                                            corrections)) if batch else None
            if in_flight is not None:
                done_batch, pending = in_flight
                done = iter(pending())
                for source, entry in done_batch:
                    yield (source, entry, None) if entry is not None else (source, None, next(done))
            if submitted is None:
                return
            in_flight = submitted


class _Parts:
    """Reads documents' parts of one of the last build's files, by (offset, length)."""

    def __init__(self, path: Path):
        try:
            self.file = path.open("rb")
        except OSError:
            self.file = None

    def read(self, where: tuple[int, int]) -> bytes | None:
        if self.file is None:
            return None
        self.file.seek(where[0])
        data = self.file.read(where[1])
        return data if len(data) == where[1] else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.file is not None:
            self.file.close()


class _Pool:
    def __init__(self, jobs: int, dask: str | None):
        self.jobs, self.dask, self.client, self.pool, self.cluster = jobs, dask, None, None, None

    def __enter__(self):
        return self

    def _start(self):
        """Started on the first batch with work for it: a rebuild that reads one document needs no workers."""
        if self.dask:
            from dask.distributed import Client, LocalCluster

            if self.dask == "local":
                self.cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True, dashboard_address=None)
                self.client = Client(self.cluster)
            else:
                self.client = Client(self.dask)
        else:
            import gc
            import multiprocessing

            from .gazetteer import gazetteer

            gazetteer().preload()  # villages loaded once before the workers fork, and shared with them
            gc.freeze()  # so the workers' collections do not touch, and so copy, the shared pages
            self.pool = multiprocessing.get_context("fork").Pool(self.jobs)

    def submit(self, sources, builder, validate, published, corrections):
        """Start extracting; returns a function that waits for the results, in order."""
        if not sources:
            return list
        if self.client is None and self.pool is None and (self.dask or self.jobs > 1 and len(sources) > 1):
            self._start()
        if self.client is not None:
            futures = self.client.map(process, sources, builder=builder, validate=validate, published=published,
                                      corrections=corrections, pure=False)
            return lambda: self.client.gather(futures)
        if self.pool is not None:
            pending = self.pool.starmap_async(process, [(s, builder, validate, published, corrections) for s in sources],
                                              chunksize=4)
            return pending.get
        return lambda: [process(s, builder, validate, published, corrections) for s in sources]

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.terminate()
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _build_into(tmp: Path, out: Path, paths, previous: _Manifest | None, corrections: Corrections, *, validate: bool,
                files: bool, view: bool, progress, jobs, dask) -> tuple[Report, _Manifest]:
    manifest = _Manifest(builder_version(), started=time.time_ns(), corrections=corrections.digest)
    sources, problems = inputs(paths, previous.known if previous else None, out=out)
    report = Report()
    published = _published(files)
    # a new store is loaded while the documents are extracted; an update reads a spool of the new ones
    loader = store.Loader(tmp / "store") if previous is None else None
    spool = (tmp / SPOOL).open("wb") if loader is None else None
    writer = Writer(tmp, out / CURRENT, published)
    new: set[str] = set()  # documents read anew
    try:
        for i, (source, entry, result) in enumerate(_results(sources, previous, published, corrections, out,
                                                             validate=validate, jobs=jobs, dask=dask)):
            if progress:
                progress(i, None, source.label)
            if result is not None and result.error:
                report.failed.append(result.error)
                continue
            if source.doc_id in manifest.docs:
                report.failed.append(f"{source.label}: a second document with the id {source.doc_id}")
                continue
            if result is not None:
                if source.extracted:
                    report.recorrected += 1
                else:
                    report.extracted += 1
                new.add(source.doc_id)
                entry = _Entry(result.sha256, result.validated, writer.add(parts=result.chunks), result.summary, source.stamp)
                (loader or spool).write(result.chunks["dataset.nq"])
            else:
                entry = replace(entry, parts=writer.add(kept=entry.parts), stamp=source.stamp)
            manifest.docs[source.doc_id] = entry
            report.documents += 1
    except BaseException:
        if loader is not None:
            loader.close(discard=True)  # an interrupted build stops at once; its temporary folder goes
        raise
    (loader or spool).close()
    with ThreadPoolExecutor(1) as copying:  # the last build's unchanged parts are copied while the store and page are made
        files = copying.submit(writer.close)
        report.failed[:0] = problems
        if progress:
            progress(report.documents, report.documents, None)
        if report.documents == 0:
            raise BuildError("nothing was built: " + ("; ".join(report.failed) or "no input"))
        _summarise(report, manifest, validate, corrections)
        last_view, touched = None, set()  # the last build's page graph; what the changed documents stated before
        if previous:
            gone = set(previous.docs) - set(manifest.docs)
            if view and len(new) + len(gone) <= len(previous.docs) * UPDATE_VIEW_AT_MOST:
                last_view = _last_view(out, previous)
            if last_view is not None:
                touched = _touched(out, (new & previous.docs.keys()) | gone)
            changed = previous.uncompacted + len(new) + len(gone)  # small rebuilds add up: each leaves the store less compact
            report.compacted = changed > len(previous.docs) * COMPACT_AFTER
            manifest.uncompacted = 0 if report.compacted else changed
            report.triples = store.update(out / "store", tmp / "store", tmp / SPOOL, triples=previous.triples,
                                          changed=new & previous.docs.keys(), gone=gone, compact=report.compacted)
            report.store = "updated"
            os.unlink(tmp / SPOOL)
        else:
            report.triples, report.store, report.compacted = loader.finish(), "rebuilt", True
        manifest.triples = report.triples
        report.entities, report.relations = store.counts(tmp / "store")
        if view:
            if last_view is not None:
                touched |= _touched(tmp, new)
            _views(tmp, manifest.started, last_view, touched)
    manifest.files = files.result()
    report.outputs = {name: str(out / name) for name in (*published, *(["graph.html"] if view else []), "report.json", "store")
                      if name != EXTRACTED}
    return report, manifest


def _summarise(report: Report, manifest: _Manifest, validate: bool, corrections: Corrections) -> None:
    fundings = {}
    applied, problems = set(), list(corrections.problems)
    for doc_id, entry in manifest.docs.items():
        s = entry.summary
        applied.update(s.get("corrections", ()))
        problems += s.get("problems", ())
        report.observations += s["observations"]
        report.violations += s["violations"]
        for giver, receiver, year, amount in s["fundings"]:
            fundings.setdefault((giver, receiver, year), set()).add((amount, doc_id))
    if corrections.files:
        stale = [f"{e.at}: {e.action} {_described(e)} matches nothing in the documents built" for e in corrections.entries
                 if e.key not in applied and not any(p.startswith(e.at + ":") for p in problems)]
        report.corrections = {"files": corrections.files, "entries": len(corrections.entries),
                              "applied": sum(e.key in applied for e in corrections.entries), "problems": problems,
                              "stale": stale}
    report.shacl = ("conforms" if not report.violations else f"{len(report.violations)} violations") if validate else "not run"
    report.disagreements = [f"{g} → {r} {y}: " + "; ".join(f"{a} ({d})" for a, d in sorted(v))
                            for (g, r, y), v in sorted(fundings.items())
                            if any(a1 != a2 and d1 != d2 for a1, d1 in v for a2, d2 in v)]


def _described(entry) -> str:
    """An entry in a few words: its document and the values that pick what it is about."""
    v = entry.values
    said = [f"{k}={getattr(v[k], 'text', v[k])}" for k in ("document", "name", "fact", "kind", "giver", "receiver", "park",
                                                          "amount", "year") if k in v]
    if "partners" in v:
        said.append("partners=" + "、".join(p.text for p in v["partners"]))
    return "(" + ", ".join(said) + ")"


def _views(tmp: Path, started: int, last=None, touched: set[str] = frozenset()) -> None:
    """The HTML page, read back from the finished store like every other view: all of it, or (given the last
    build's graph) only what the changed documents touched; and that graph, marked with the build's start, for
    the next rebuild."""
    import networkx as nx

    from .views import html
    from .views.networkx import to_networkx, update

    G = update(last, tmp, touched) if last is not None else to_networkx(tmp)
    html.write(G, tmp / "graph.html")
    with (tmp / VIEW).open("w", encoding="utf-8") as f:
        json.dump({"started": started, "graph": nx.node_link_data(G, edges="edges")}, f, ensure_ascii=False)


def _touched(out: Path, docs) -> set[str]:
    from .views.networkx import touched

    return touched(out, [graph_iri(d).value for d in docs])


def _last_view(out: Path, previous: _Manifest):
    """The last build's graph of the page, if it is the one of the last build's store."""
    import networkx as nx

    try:
        data = json.loads((out / CURRENT / VIEW).read_bytes())
        return nx.node_link_graph(data["graph"], edges="edges") if data["started"] == previous.started else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, nx.NetworkXError):
        return None


def _publish(tmp: Path, out: Path, manifest: _Manifest) -> None:
    """Publish the finished build in ``tmp``: the documented paths made links through CURRENT (to the last
    build's outputs until the switch), then CURRENT switched to the new folder by one rename; the last
    build's folder goes after. A build killed at any step leaves the last build published, or this one."""
    (tmp / MANIFEST).write_text(json.dumps(asdict(manifest), ensure_ascii=False), encoding="utf-8")
    os.chmod(tmp, shared_mode(0o777))  # mkdtemp's 0700 would hide the outputs from other users
    folder = out / (".gen-" + tmp.name.removeprefix(".build-"))
    os.rename(tmp, folder)
    for name in OUTPUTS:
        link = out / name
        if (folder / name).exists() and not (link.is_symlink() and os.readlink(link) == f"{CURRENT}/{name}"):
            if link.is_dir() and not link.is_symlink():  # an older version's store folder
                os.rename(link, out / ".store-old")
            _link(f"{CURRENT}/{name}", link)
    last = (out / CURRENT).resolve() if (out / CURRENT).is_symlink() else None
    _link(folder.name, out / CURRENT)  # the switch
    for name in OUTPUTS:
        if not (folder / name).exists():  # not made by this build (--no-view, --no-files)
            (out / name).unlink(missing_ok=True)
    if last is not None and last != folder.resolve():
        shutil.rmtree(last, ignore_errors=True)
    shutil.rmtree(out / ".store-old", ignore_errors=True)


def _link(target: str, path: Path) -> None:
    """Make ``path`` a link to ``target`` in one rename, whatever file was there."""
    new = path.with_name(f".{path.name}.link")
    new.unlink(missing_ok=True)
    os.symlink(target, new)
    os.replace(new, path)


def _clean(out: Path) -> None:
    """Remove what a killed build left: its folders, and published folders that are no longer current."""
    current = os.readlink(out / CURRENT) if (out / CURRENT).is_symlink() else None
    for stale in [*out.glob(".build-*"), *out.glob(".gen-*"), *out.glob(".*.link"), out / ".store-old", out / ".cache"]:
        if stale.name == current:
            continue
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    for old in (".manifest", ".view"):  # an older version's pickles: never read again
        (out / old).unlink(missing_ok=True)
