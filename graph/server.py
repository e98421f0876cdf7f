"""``kg serve``: the oxigraph server, behind a guard that answers this machine's programs and pages only.

The guard does what the server cannot: it answers only the Host names it serves (against DNS rebinding),
refuses requests that another site's page makes through the browser (so no web page can query, write or
reach the intranet through it), refuses SERVICE unless asked (no request leaves through it), and stops a
query past the time limit by restarting the server (oxigraph's own limit lets it run on). Answers are passed
on whole, so a stopped query is an error and never a cut result; a new build is served once it is published.
"""
from __future__ import annotations

import http.client
import ipaddress
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .query import uses_service
from .store import StoreError, built, oxigraph_binary

LOOPBACK = ("localhost", "127.0.0.1", "::1")
MAX_BODY = 256 * 1024 * 1024  # a request body beyond this is refused: queries are small, and pushes use kg push
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate",
              "proxy-authorization", "content-length"}


class Backend:
    """The oxigraph server on a free loopback port, over the store a build last published; restarted to stop
    a query or to serve a new build."""

    def __init__(self, out: Path, *, writable: bool, timeout: float):
        self.out, self.writable, self.timeout = out, writable, timeout
        self.lock = threading.Lock()
        self.proc, self.port, self.store = None, 0, None

    def current(self) -> tuple[int, object]:
        """The port of a server over the newest published store (started or restarted as needed) and its process."""
        store = (self.out / "store").resolve()  # a build publishes a new folder: the path changes, not the files
        with self.lock:
            if self.proc is None or self.proc.poll() is not None or store != self.store:
                self._start(built(self.out).resolve())  # opened to check it only when it is to be served
            return self.port, self.proc

    def stop(self, proc=None) -> None:
        """Stop the server (or only ``proc``, if it is still the running one): its queries end with it."""
        with self.lock:
            if self.proc is not None and (proc is None or proc is self.proc):
                self.proc.kill()
                self.proc.wait()
                self.proc = None

    def _start(self, store: Path) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [oxigraph_binary(), "serve" if self.writable else "serve-read-only", "--location", str(store),
                   "--bind", f"127.0.0.1:{self.port}", "--timeout-s", str(max(1, round(self.timeout)))]
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, preexec_fn=_die_with_parent)
        self.store = store
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StoreError(f"{store}: the oxigraph server stopped: "
                                 + self.proc.stderr.read().decode("utf-8", "replace").strip()[-300:])
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise StoreError(f"{store}: the oxigraph server did not start within 30 s")


def _die_with_parent() -> None:
    """The server ends with kg serve, however that ends (PR_SET_PDEATHSIG)."""
    import ctypes

    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


class Guard(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, port: int, backend: Backend, *, hosts: set[str], allow_service: bool):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), Handler)
        self.backend, self.hosts, self.allow_service = backend, hosts, allow_service
        self.any_address = host in ("0.0.0.0", "::", "")


class Handler(BaseHTTPRequestHandler):
    server: Guard
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:  # noqa: A002 — the server is quiet; errors go to the client
        pass

    def do_GET(self):
        self._forward()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_GET

    def _forward(self) -> None:
        refusal = self._refusal()
        if refusal:
            return self._answer(*refusal)
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            return self._answer(411, "send the request with a Content-Length")
        body = b""
        if length:
            if not length.isdigit() or int(length) > MAX_BODY:
                return self._answer(413, f"the request body is over {MAX_BODY // 2**20} MiB")
            body = self.rfile.read(int(length))
        if not self.server.allow_service and self._reaches_out(body):
            return self._answer(403, "SERVICE clauses are refused: they would send data to another server "
                                     "(start kg serve with --allow-service to run them)")
        backend = self.server.backend
        try:
            port, proc = backend.current()
        except StoreError as exc:
            return self._answer(503, str(exc))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
        deadline = time.monotonic() + backend.timeout
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=backend.timeout)
        try:
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = bytearray()  # read whole: a query stopped midway must not reach the client as a cut answer
            while chunk := response.read(1 << 16):
                data += chunk
                if time.monotonic() > deadline:
                    raise TimeoutError
                connection.sock.settimeout(deadline - time.monotonic())
        except TimeoutError:
            backend.stop(proc)  # the only way to stop its work: oxigraph goes on computing a query nobody reads
            return self._answer(503, f"the query ran longer than {backend.timeout:g} s and was stopped "
                                     "(start kg serve with a longer --timeout)")
        except (OSError, http.client.HTTPException):
            return self._answer(503, "the server was restarted while answering (a query was stopped, or a new "
                                     "build was published); ask again")
        finally:
            connection.close()
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _refusal(self) -> tuple[int, str] | None:
        """Why the request is not served: a Host name this server does not answer to, or a page of another site."""
        host = self.headers.get("Host", "")
        name = urllib.parse.urlsplit("//" + host).hostname or ""
        if not self._known_host(name):
            return 421 if name else 400, (f"this server answers requests for {', '.join(sorted(self.server.hosts))} "
                                          f"only, not {host!r} (start kg serve with --host to serve another name)")
        origin = self.headers.get("Origin")
        if origin is not None and origin != f"http://{host}":
            return 403, f"requests from other sites' pages are refused (Origin: {origin})"
        if self.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return 403, "requests from other sites' pages are refused"
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if self.command == "POST" and kind in ("multipart/form-data", "text/plain"):
            return 415, f"{kind} is not a SPARQL request (send application/sparql-query or a url-encoded form)"
        return None

    def _known_host(self, name: str) -> bool:
        if name.lower() in self.server.hosts:
            return True
        try:  # an address cannot be rebound to another machine; a name can
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return self.server.any_address

    def _reaches_out(self, body: bytes) -> bool:
        """Whether a query or update in the request has a SERVICE clause (in the URL, a form or the body)."""
        fields = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        text = body.decode("utf-8", "replace")
        if kind == "application/x-www-form-urlencoded":
            for name, values in urllib.parse.parse_qs(text).items():
                fields.setdefault(name, []).extend(values)
        elif kind in ("application/sparql-query", "application/sparql-update"):
            fields.setdefault("update" if kind.endswith("update") else "query", []).append(text)
        return any(uses_service(q) for q in fields.get("query", [])) \
            or any(uses_service(u, update=True) for u in fields.get("update", []))

    def _answer(self, status: int, message: str) -> None:
        body = (message + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def serve(out: str | Path, *, host: str = "127.0.0.1", port: int = 7878, writable: bool = False,
          timeout: float = 60, allow_service: bool = False, announce=print) -> None:
    """Serve the built store at ``out`` as a SPARQL 1.1 endpoint until interrupted (read-only unless asked)."""
    out = Path(out)
    backend = Backend(out, writable=writable, timeout=timeout)
    backend.current()  # a missing or damaged store is said before anything is announced
    hosts = {*LOOPBACK, host.lower()} - {"0.0.0.0", "::", ""}
    if host in ("0.0.0.0", "::", ""):
        hosts |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    try:
        guard = Guard(host, port, backend, hosts=hosts, allow_service=allow_service)
    except OSError as exc:
        backend.stop()
        raise StoreError(f"{host}:{port}: cannot serve there ({exc.strerror or exc}); choose another --port or --host") from None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that the server below is stopped too
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    announce(f"SPARQL endpoint: http://{address}/query ({'read-write' if writable else 'read-only'}); "
             f"query page: http://{address}/")
    try:
        guard.serve_forever()
    finally:
        guard.server_close()
        backend.stop()
