"""The built store at the edges: serving it over the SPARQL 1.1 Protocol, pushing it to another server."""
from __future__ import annotations

import shutil
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path


class StoreError(RuntimeError):
    """A store that cannot be served or pushed; the message is one line."""


def oxigraph_binary() -> str:
    """The `oxigraph` server from PyPI, beside this Python or on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise StoreError("the oxigraph server is not installed (pip install oxigraph)")
    return found


def serve_command(out: str | Path, *, host: str = "127.0.0.1", port: int = 7878, writable: bool = False,
                  timeout: int = 60) -> list[str]:
    """The command line of a SPARQL endpoint over the built store (read-only unless asked)."""
    store = Path(out) / "store"
    if not (store / "CURRENT").exists():
        raise StoreError(f"{out}: no built store here (run `kg build` first)")
    mode = "serve" if writable else "serve-read-only"
    return [oxigraph_binary(), mode, "--location", str(store), "--bind", f"{host}:{port}",
            "--timeout-s", str(timeout)]


def push(out: str | Path, endpoint: str, *, protocol: str = "gsp", timeout: float = 60) -> list[str]:
    """Send every named graph of the built store to a SPARQL server, each replacing the graph of that name.

    ``gsp``: SPARQL 1.1 Graph Store Protocol (PUT to ENDPOINT?graph=IRI); ``update``: SPARQL 1.1 Update
    (DROP SILENT GRAPH then INSERT DATA, POSTed to ENDPOINT). Returns the graph names sent. The merged
    default graph is not sent: on the other server, query the union of the graphs (most have an option).
    """
    import pyoxigraph as ox

    store_path = Path(out) / "store"
    if not (store_path / "CURRENT").exists():
        raise StoreError(f"{out}: no built store here (run `kg build` first)")
    store = ox.Store.read_only(str(store_path))
    sent = []
    for graph in sorted(store.named_graphs(), key=lambda g: g.value):
        body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        if protocol == "gsp":
            url = f"{endpoint}{'&' if '?' in endpoint else '?'}graph={urllib.parse.quote(graph.value, safe='')}"
            _send(url, "PUT", body, "application/n-triples", timeout)
        elif protocol == "update":
            update = f"DROP SILENT GRAPH <{graph.value}> ;\nINSERT DATA {{ GRAPH <{graph.value}> {{\n".encode() + body + b"}}"
            _send(endpoint, "POST", update, "application/sparql-update", timeout)
        else:
            raise StoreError(f"unknown protocol {protocol!r} (gsp or update)")
        sent.append(graph.value)
    return sent


def _send(url: str, method: str, body: bytes, content_type: str, timeout: float) -> None:
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip().splitlines()[:1]
        raise StoreError(f"{url}: {exc.code} {exc.reason}{': ' + detail[0] if detail else ''}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise StoreError(f"{url}: cannot connect ({getattr(exc, 'reason', exc)})") from None
