"""The output files (N-Quads, TriG, Turtle, JSON-LD and facts JSON), written document by document in parts that
concatenate into each whole file: a rebuild writes the parts of changed documents and copies the others; and
the write-then-rename every output file goes through."""
from __future__ import annotations

import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .rdf import CORRECTIONS_GRAPH, PREFIXES, ontology_quads


@dataclass(frozen=True)
class Format:
    """How one RDF output file is cut into per-document parts that concatenate into the whole file."""

    rdf_format: str
    triples: bool = False  # a graph format: every document's triples in one graph, the merge
    separator: bytes = b""

    def serialise(self, quads: list) -> bytes:
        import pyoxigraph as ox

        prefixes = {k: str(v) for k, v in PREFIXES.items()}
        fmt = getattr(ox.RdfFormat, self.rdf_format)
        # a graph format holds the merge: not what corrections took out
        data = [q.triple for q in quads if not q.graph_name.value.startswith(CORRECTIONS_GRAPH)] if self.triples else quads
        return ox.serialize(data, format=fmt, prefixes=prefixes if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None)

    def chunk(self, quads: list) -> bytes:
        data = self.serialise(quads)
        if self.rdf_format == "JSON_LD":  # a list of graph objects: the part is the list's items
            return data.strip()[1:-1]
        return b"".join(line for line in data.splitlines(keepends=True) if not line.startswith(b"@prefix "))

    def header(self) -> bytes:
        """The file up to the first document: the prefixes and the ontology."""
        data = self.serialise(ontology_quads())
        if self.rdf_format == "JSON_LD":
            return data.strip()[:-1]
        return data

    def footer(self) -> bytes:
        return b"]\n" if self.rdf_format == "JSON_LD" else b""


FILES = {"dataset.nq": Format("N_QUADS"), "dataset.trig": Format("TRIG"), "graph.ttl": Format("TURTLE", triples=True),
         "dataset.jsonld": Format("JSON_LD", separator=b",\n")}
FACTS = "facts.json"  # a JSON list of each document's facts


class Writer:
    """Writes the files named ``published`` into ``tmp``, document by document: new parts as given, unchanged
    ones copied by the kernel from the last build's file in ``out`` (no Python reads them; a run of parts that
    lie together there is copied at once)."""

    def __init__(self, tmp: Path, out: Path, published: tuple[str, ...]):
        self.files, self.old = {}, {}
        self.size, self.pending = {}, {}  # each file's length with what is still to copy; that range of the old file
        for name in published:
            self.files[name] = f = (tmp / name).open("wb")
            f.write(FILES[name].header() if name in FILES else b"[")
            self.size[name] = f.tell()
            try:
                self.old[name] = (out / name).open("rb")
            except OSError:
                pass

    def add(self, parts: dict[str, bytes] | None = None, kept: dict[str, tuple[int, int]] | None = None) -> dict:
        """Add a document, by its new ``parts`` or by where the last build ``kept`` them (file → offset, length);
        returns where its parts went in each file."""
        where = {}
        for name, f in self.files.items():
            sep = FILES[name].separator if name in FILES else b",\n" if self.size[name] > 1 else b"\n"
            if parts is not None:
                self._copy(name)
                f.write(sep + parts[name])
                length = len(parts[name])
            else:
                offset, length = kept[name]
                pending = self.pending.get(name)
                if pending and pending[1] == offset - len(sep):  # the last build wrote the same separator between
                    self.pending[name] = (pending[0], offset + length)
                else:
                    self._copy(name)
                    f.write(sep)
                    self.pending[name] = (offset, offset + length)
            where[name] = (self.size[name] + len(sep), length)
            self.size[name] += len(sep) + length
        return where

    def _copy(self, name: str) -> None:
        """Copy the pending range of the old file."""
        if not self.pending.get(name):
            return
        (offset, end), self.pending[name] = self.pending[name], None
        f = self.files[name]
        f.flush()
        while offset < end:
            n = os.copy_file_range(self.old[name].fileno(), f.fileno(), end - offset, offset)
            if n == 0:
                raise OSError(errno.ESTALE, "changed during the build", self.old[name].name)
            offset += n
        f.seek(0, os.SEEK_END)

    def close(self) -> dict[str, tuple[int, int]]:
        """Finish the files; their sizes and times."""
        stats = {}
        for name, f in self.files.items():
            self._copy(name)
            f.write(FILES[name].footer() if name in FILES else b"\n]\n")
            f.close()
            st = os.stat(f.name)
            stats[name] = (st.st_size, st.st_mtime_ns)
        for f in self.old.values():
            f.close()
        return stats


def shared_mode(mode: int) -> int:
    """The mode a file made by open() would have: ``mode`` less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file through a temporary sibling and a rename, so readers never see it half written."""
    if path.is_symlink():  # a documented output: the file of the published build it leads to
        path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.fchmod(fd, shared_mode(0o666))  # mkstemp's 0600 would hide the output from other users
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
