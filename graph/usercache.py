"""The per-user cache: what the package derives from its own data files (the gazetteer's tables and automaton, the
villages unpacked), kept so that the next run reads it instead of deriving it again.

It lives in ``$XDG_CACHE_HOME/ewc-graph/`` (``~/.cache/ewc-graph/``), one folder per key: a hash of the files an
entry is made from, the code that makes and reads it, Python, the machine's byte order and pyahocorasick. Nothing
in it is code: text tables with arrays of integers to index them, and automata written by pyahocorasick's own
``save``. Each file is written through a rename and read only when its sha256 is the one its JSON sidecar records;
the sidecar is written last. Whatever is missing, damaged or cannot be written is derived again, without a word;
``KG_CACHE=off`` turns the cache off.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

KEPT = 4  # key folders kept: this one and the newest others (another checkout, the data of an earlier version)


def folder(*sources: Path) -> Path | None:
    """The cache folder for an entry made from ``sources`` (files); None when the cache is off."""
    if os.environ.get("KG_CACHE", "").lower() in ("off", "0", "no"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative (which the XDG specification says to ignore)
        base = os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):  # no home to be found
            return None
    digest = hashlib.sha256(f"{sys.version}\0{sys.platform}\0{sys.maxsize}\0{sys.byteorder}".encode())
    for path in sources:
        with path.open("rb") as f:
            digest.update(hashlib.file_digest(f, "sha256").digest())
    return Path(base) / "ewc-graph" / digest.hexdigest()[:32]


def sidecar(path: Path) -> dict | None:
    """A sidecar's contents (``sha256``: file name → digest); None if it cannot be read."""
    try:
        meta = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and isinstance(meta.get("sha256"), dict) else None


def verified(path: Path, digest: object) -> bytes | None:
    """A file's bytes when their sha256 is ``digest``; None when it is not, or the file cannot be read."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == digest else None


def save(path: Path, files: dict[str, bytes | Callable[[str], None]]) -> None:
    """Write ``files`` beside the sidecar ``path`` (name → bytes, or → a function that writes the file at the path it
    is given), then the sidecar with their sha256. Where the folder cannot be written, nothing is."""
    folder = path.parent
    new = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        sums = {name: hashlib.sha256(_replace(folder / name, data)).hexdigest() for name, data in files.items()}
        _replace(path, json.dumps({"sha256": sums}).encode())
    except OSError:
        return
    if new:
        _prune(folder)


def _replace(target: Path, data: bytes | Callable[[str], None]) -> bytes:
    """Write a file through a temporary sibling and a rename, so that no reader sees it half written; its bytes."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        if isinstance(data, bytes):
            Path(tmp).write_bytes(data)
        else:
            data(tmp)
            data = Path(tmp).read_bytes()
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return data


def _prune(kept: Path) -> None:
    """Remove the oldest key folders beside ``kept``, all but the newest KEPT."""
    import shutil

    try:
        others = [p for p in kept.parent.iterdir() if p != kept and len(p.name) == 32 and p.is_dir()
                  and all(c in "0123456789abcdef" for c in p.name)]
        others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in others[KEPT - 1:]:
        shutil.rmtree(old, ignore_errors=True)
