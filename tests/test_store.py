"""kg serve and kg push against real oxigraph servers on this machine's loopback."""
import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph
import pytest

from graph.store import oxigraph_binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {proc.stderr.read().decode(errors='replace')[-500:]}")
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=2).read()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    pytest.fail("server did not start")


@pytest.fixture
def server(kg, built_corpus):
    port = free_port()
    proc = subprocess.Popen([kg, "serve", "--out", str(built_corpus), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_answers_sparql_protocol_clients(server):
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(server + "/query")
    client.setQuery("PREFIX ewc: <https://w3id.org/ewc/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                    "SELECT ?b WHERE { ?a skos:prefLabel '汉中市'@zh ; ewc:pairedWith/skos:prefLabel ?b }")
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert [r["b"]["value"] for r in rows] == ["南通市"]


def test_a_second_server_on_a_port_in_use_says_so_in_one_line(kg, server, built_corpus):
    port = urllib.parse.urlsplit(server).port
    r = subprocess.run([kg, "serve", "--out", str(built_corpus), "--port", str(port)], capture_output=True, text=True, timeout=30)
    assert (r.returncode, r.stdout) == (2, "")  # no endpoint announced
    assert r.stderr.startswith(f"kg: 127.0.0.1:{port}: cannot serve there (") and len(r.stderr.splitlines()) == 1


def test_serve_answers_every_bundled_query_as_kg_query(server, built_corpus):
    import graph
    from graph.query import bind, bundled_queries

    params = {"place": {"place": "富平县"}, "evidence": {"a": "江苏省", "b": "陕西省"}, "in-province": {"province": "陕西省"}}
    local = graph.load(built_corpus)
    for name, path in bundled_queries().items():
        text = bind(path.read_text(encoding="utf-8"), params.get(name, {}))  # LATERAL included: the server reads it
        body = urllib.request.urlopen(server + "/query?query=" + urllib.parse.quote(text), timeout=30).read()
        served = [{k: v["value"] for k, v in row.items()} for row in json.loads(body)["results"]["bindings"]]
        ours = [{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in row.items() if v is not None}
                for row in local.query(text)]
        assert served == ours and (ours or name in ("disagreements", "corrections")), name


def test_serve_works_with_rdflib_sparqlstore(server):
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    g = Graph(store=SPARQLStore(server + "/query"))
    rows = list(g.query("PREFIX ewc: <https://w3id.org/ewc/ontology#> SELECT (COUNT(*) AS ?n) WHERE { ?f a ewc:Funding }"))
    assert int(rows[0][0]) == 2


def test_serve_is_read_only(server):
    request = urllib.request.Request(server + "/update", data=b"INSERT DATA { <urn:a> <urn:b> <urn:c> }", method="POST",
                                     headers={"Content-Type": "application/sparql-update"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert 400 <= refused.value.code < 500


@pytest.mark.parametrize("protocol, path", [("gsp", "/store"), ("update", "/update")])
def test_push_replaces_each_document_graph(kg, built_corpus, tmp_path, protocol, path):
    port = free_port()
    proc = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(tmp_path / "remote"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc)
        count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        for _ in range(2):  # the second push replaces, it does not add
            r = subprocess.run([kg, "push", "--out", str(built_corpus), "--endpoint", url + path, "--protocol", protocol],
                               capture_output=True, text=True, timeout=120)
            assert r.returncode == 0, r.stderr
            body = urllib.request.urlopen(url + "/query?query=" + urllib.parse.quote(count), timeout=10).read()
            n = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
            local = pyoxigraph.Store.read_only(str(built_corpus / "store"))
            assert n == int(next(iter(local.query(count)))["n"].value)  # every named graph, whole
        graphs = urllib.request.urlopen(url + "/query?query=" + urllib.parse.quote("SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"),
                                        timeout=10).read().decode()
        assert "sushaan-2018-01-08.txt" in graphs
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def remote_server(tmp_path):
    """A writable oxigraph server on loopback, with an empty store: (its URL, its process)."""
    port = free_port()
    proc = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(tmp_path / "remote"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, proc)
    return url, proc


def remote_graphs(url: str) -> list[str]:
    query = urllib.parse.quote("SELECT DISTINCT ?g WHERE { GRAPH ?g {} } ORDER BY ?g")
    body = urllib.request.urlopen(f"{url}/query?query={query}", timeout=10).read()
    return [row["g"]["value"] for row in json.loads(body)["results"]["bindings"]]


def passing_on(port: int, connections: int) -> int:
    """A relay on loopback to the server at ``port`` that passes on the first ``connections`` connections and then
    stops listening, as a server that goes down in the middle of a push; returns its port."""
    import threading

    listener = socket.create_server(("127.0.0.1", 0))

    def copy(source, sink):
        try:
            while data := source.recv(1 << 16):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:  # the other side closed first
            pass

    def relay():
        for n in range(connections):
            client, _ = listener.accept()
            if n == connections - 1:
                listener.close()  # the next connection is refused
            with client, socket.create_connection(("127.0.0.1", port)) as server:
                upstream = threading.Thread(target=copy, args=(client, server))
                upstream.start()
                copy(server, client)
                upstream.join()

    threading.Thread(target=relay, daemon=True).start()
    return listener.getsockname()[1]


def test_push_refuses_an_endpoint_that_is_no_http_url_or_has_a_fragment(kg, built_corpus, tmp_path):
    url, proc = remote_server(tmp_path)
    try:
        # with a fragment, ?graph= would follow it and never be sent: every graph would replace the default graph
        for endpoint, reason in [(f"{url}/store#x", "an endpoint cannot have a #fragment"), (f"{url}/store#", "an endpoint cannot have a #fragment"),
                                 ("not a url", "not an http:// or https:// URL"), ("ftp://127.0.0.1/store", "not an http:// or https:// URL"),
                                 ("http://127.0.0.1:99999/store", "not a URL (Port out of range"), ("http://[::1/store", "not a URL (")]:
            r = subprocess.run([kg, "push", "--out", str(built_corpus), "--endpoint", endpoint], capture_output=True, text=True, timeout=60)
            assert (r.returncode, r.stdout) == (2, ""), endpoint
            [line] = r.stderr.splitlines()
            assert line.startswith(f"kg: {endpoint}: {reason}"), line
        count = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
        body = urllib.request.urlopen(f"{url}/query?query={count}", timeout=10).read()
        assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "0"  # nothing was sent
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("protocol, path", [("gsp", "/store"), ("update", "/update")])
def test_a_push_cut_short_says_in_one_line_how_many_graphs_were_sent(kg, built_corpus, tmp_path, protocol, path):
    graphs = sorted(g.value for g in pyoxigraph.Store.read_only(str(built_corpus / "store")).named_graphs())
    assert len(graphs) >= 2  # the document's and the inferred triples'
    closed = f"http://127.0.0.1:{free_port()}{path}"  # nothing listens there
    r = subprocess.run([kg, "push", "--out", str(built_corpus), "--endpoint", closed, "--protocol", protocol],
                       capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stdout) == (2, "")
    [line] = r.stderr.splitlines()
    assert line.startswith(f"kg: {closed}") and line.endswith(f"; 0 of {len(graphs)} graphs were sent before this")
    url, proc = remote_server(tmp_path)
    try:
        relay = f"http://127.0.0.1:{passing_on(urllib.parse.urlsplit(url).port, 1)}{path}"
        r = subprocess.run([kg, "push", "--out", str(built_corpus), "--endpoint", relay, "--protocol", protocol],
                           capture_output=True, text=True, timeout=120)
        assert (r.returncode, r.stdout) == (2, "")
        [line] = r.stderr.splitlines()
        assert line.startswith(f"kg: {relay}") and "cannot connect (" in line, line
        assert line.endswith(f"; 1 of {len(graphs)} graphs were sent before this"), line
        assert remote_graphs(url) == graphs[:1]  # the one the message counts: the first sent
    finally:
        proc.terminate()
        proc.wait(timeout=10)
