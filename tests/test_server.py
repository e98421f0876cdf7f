"""kg serve as a hostile page or query would use it: on this machine's loopback, with real servers and sockets."""
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from graph.builder import build
from tests.conftest import ROOT
from tests.test_store import free_port, wait_until_up

COUNT = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


class Listener:
    """A loopback socket that counts the connections made to it: where a SERVICE clause would send its request."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self.connections, self.running = 0, True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def start(kg, out, *options):
    port = free_port()
    proc = subprocess.Popen([kg, "serve", "--out", str(out), "--port", str(port), *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, proc)
    return url, proc


@pytest.fixture
def served(kg, tmp_path):
    """A corpus of the bundled article built into its own folder and served: (URL, source folder, output)."""
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    shutil.copy(ROOT / "corpus" / "sushaan-2018-01-08.txt", src)
    build([src], out)
    url, proc = start(kg, out, "--timeout", "3")
    try:
        yield url, src, out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def ask(url, query=None, *, data=None, headers=None, method=None):
    """(status, body) of a request to the endpoint."""
    target = url + "/query" + ("?" + urllib.parse.urlencode({"query": query}) if query else "")
    request = urllib.request.Request(target, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


SERVICE_QUERIES = [
    "SELECT * WHERE { SERVICE <{url}> { ?x ?y ?z } }",
    "SELECT * WHERE { # c\rSERVICE <{url}> { ?x ?y ?z } }",  # a comment ends at a carriage return
    "PREFIX : <{base}> SELECT * WHERE { FILTER(1<2)SERVICE:sparql{?x?y?z}FILTER(2>1) }",  # no IRI between < and >
    "SELECT * WHERE { \\u0053ERVICE <{url}> { ?x ?y ?z } }",  # SPARQL reads code point escapes anywhere
    "select * where { service silent <{url}> { ?x ?y ?z } }",
]


def service_queries(listener):
    base = listener.url.removesuffix("sparql")
    return [q.replace("{url}", listener.url).replace("{base}", base) for q in SERVICE_QUERIES]


def test_no_query_reaches_another_server_unless_asked(kg, served, tmp_path):
    url, _, out = served
    listener = Listener()
    try:
        for query in service_queries(listener):
            status, body = ask(url, query)
            assert status == 403 and "--allow-service" in body, query
            form = urllib.parse.urlencode({"query": query}).encode()
            assert ask(url, data=form, headers={"Content-Type": "application/x-www-form-urlencoded"})[0] == 403
            assert ask(url, data=query.encode(), headers={"Content-Type": "application/sparql-query"})[0] == 403
            r = subprocess.run([kg, "query", query, "--out", str(out)], capture_output=True, text=True, timeout=60)
            assert r.returncode == 2 and "--allow-service" in r.stderr, query
        time.sleep(0.5)
        assert listener.connections == 0
        assert ask(url, 'SELECT * WHERE { ?s ?p "SERVICE" } # SERVICE')[0] == 200  # a word in a string or comment is none
        allowed, proc = start(kg, out, "--allow-service")
        try:
            ask(allowed, service_queries(listener)[1])
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        assert listener.connections >= 1  # what the refusals kept from happening
    finally:
        listener.close()


def test_only_this_machines_names_and_pages_are_answered(served):
    url, _, _ = served
    port = urllib.parse.urlsplit(url).port
    assert ask(url, "ASK {}", headers={"Host": f"localhost:{port}"})[0] == 200
    assert ask(url, "ASK {}", headers={"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}"})[0] == 200
    status, body = ask(url, "ASK {}", headers={"Host": f"rebound.example:{port}"})  # DNS rebinding
    assert status == 421 and "rebound.example" in body
    form = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        assert ask(url, "ASK {}", headers=headers)[0] == 403, headers
        assert ask(url, data=form, headers={"Content-Type": "application/x-www-form-urlencoded", **headers})[0] == 403
    assert ask(url, data=b"query=ASK {}", headers={"Content-Type": "text/plain"})[0] == 415  # a form no SPARQL client sends


def test_a_query_past_the_timeout_is_stopped_and_the_next_one_is_answered(served):
    url, _, _ = served
    started = time.monotonic()
    status, body = ask(url, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    assert status == 503 and "ran longer than 3 s" in body and time.monotonic() - started < 15
    status, body = ask(url, "ASK { ?s ?p ?o }")
    assert status == 200 and json.loads(body)["boolean"] is True


def test_a_new_build_is_served_without_a_restart(served):
    url, src, out = served
    before = int(json.loads(ask(url, COUNT)[1])["results"]["bindings"][0]["n"]["value"])
    (src / "more.txt").write_text("南京市与商洛市结对帮扶。\n", encoding="utf-8")
    build([src], out)
    status, body = ask(url, COUNT)
    assert status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == before + 1
