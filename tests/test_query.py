"""Bundled queries answered on the bundled corpus, the Python API, and kg query's contract."""
import json
import os
import subprocess
import xml.dom.minidom

import pytest

import graph
from graph.query import QUERIES, QueryError, bind, bundled_queries, question, uses, uses_service
from tests.conftest import FIXTURES

EXPECTED = {
    "pairings": [{"level": "City", "a": "南通市", "b": "汉中市", "years": None, "sentences": 1},
                 {"level": "Province", "a": "江苏省", "b": "陕西省", "years": "2017", "sentences": 9}],
    "funds": [{"giver": "江苏省", "receiver": "延安市", "year": "2017", "currency": "CNY", "total": 20000000, "fundings": 1, "disagree": False},
              {"giver": "江苏省", "receiver": "延安市", "year": "total", "currency": "CNY", "total": 20000000, "fundings": 1, "disagree": False},
              {"giver": "江苏省", "receiver": "陕西省", "year": "2017", "currency": "CNY", "total": 450000000, "fundings": 1, "disagree": False},
              {"giver": "江苏省", "receiver": "陕西省", "year": "total", "currency": "CNY", "total": 450000000, "fundings": 1, "disagree": False}],
    "most-paired": [{"place": p, "code": c, "partners": 1}
                    for p, c in (("南通市", "320600"), ("汉中市", "610700"), ("江苏省", "320000"), ("陕西省", "610000"))],
    "disagreements": [],
    "corrections": [],
}


def test_funds_count_a_year_once_by_the_amount_most_documents_report(disagreeing_built):
    kg = graph.load(disagreeing_built)
    rows = [(r["year"], r["total"], r["fundings"], r["disagree"]) for r in kg.query("funds")]
    assert rows == [("2017", 1_000_000_000, 2, True), ("2018", 500_000_000, 1, False), ("total", 1_500_000_000, 3, True)]
    assert kg.query(PLAIN["funds"]) == kg.query("funds")
    (row,) = kg.query("disagreements")
    assert (row["year"], row["kind"], row["amounts"], row["reports"]) == (2017, "FiscalAid", 2, "1000000000 (a.txt); 1000000000 (b.txt); 1200000000 (c.txt)")


def test_query_df_gives_a_dataframe_with_its_columns_even_without_rows(loaded):
    frame = loaded.query_df("funds")
    assert frame.to_dict("records") == EXPECTED["funds"]
    empty = loaded.query_df("disagreements")
    assert len(empty) == 0 and list(empty.columns) == ["giver", "receiver", "year", "kind", "currency", "amounts", "reports"]
    with pytest.raises(QueryError, match="takes a SELECT"):
        loaded.query_df("ASK { ?s ?p ?o }")


@pytest.fixture(scope="module")
def loaded(built_corpus):
    return graph.load(built_corpus)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundled_query_rows(loaded, name):
    assert loaded.query(name) == EXPECTED[name]


def test_every_bundled_query_states_its_question():
    for name, path in bundled_queries().items():
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# "), name
        assert name in PLAIN or not uses("LATERAL", text), name  # rdflib and SPARQL 1.1 servers cannot read LATERAL
    assert {"pairings", "funds", "disagreements", "evidence", "in-province", "parks", "place"} <= set(PLAIN) <= set(bundled_queries())
    assert all(text.startswith("# ") for text in PLAIN.values())


def test_kg_query_list_gives_the_question_not_how_the_query_is_written():
    ask = question(QUERIES / "pairings.rq")
    assert ask.startswith("Which places are paired") and ask.endswith("?") and "subquer" not in ask


def test_most_paired_breaks_ties_by_name_and_tells_namesakes_apart(tmp_path):
    import pyoxigraph as ox

    ewc, label = "https://w3id.org/ewc/ontology#", ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    store = ox.Store(str(tmp_path / "store"))
    quads = []
    for i in range(60):  # places 0-44 have 60…16 partners, places 45-59 are tied at 10
        place = ox.NamedNode(f"https://example.org/place/{i}")
        name = "通州区" if i < 2 else f"甲{i:02d}" if i < 45 else f"乙{59 - i:02d}"  # the tied named against IRI order
        quads += [ox.Quad(place, label, ox.Literal(name, language="zh")), ox.Quad(place, ox.NamedNode(ewc + "code"), ox.Literal(f"{i:06d}"))]
        for j in range(60 - i if i < 45 else 10):
            other = ox.NamedNode(f"https://example.org/partner/{i}/{j}")
            quads += [ox.Quad(place, ox.NamedNode(ewc + "pairedWith"), other), ox.Quad(other, ox.NamedNode(ewc + "pairedWith"), place)]
    store.extend(quads)
    store.flush()
    del store
    rows = [(r["place"], r["code"], r["partners"]) for r in graph.load(tmp_path).query("most-paired")]
    assert rows[:2] == [("通州区", "000000", 60), ("通州区", "000001", 59)]
    assert len(rows) == 50 and rows[-5:] == [(f"乙{k:02d}", f"{59 - k:06d}", 10) for k in range(5)]


# Some bundled queries are written for speed (subqueries joined by hash; LATERAL for lookups); their plain forms
# in ontology/queries/plain say what they answer, in SPARQL 1.1.
PLAIN = {p.stem: p.read_text(encoding="utf-8") for p in (QUERIES / "plain").glob("*.rq")}
PARAMS = {"place": {"place": "陕西省"}, "evidence": {"a": "江苏省", "b": "陕西省"}, "in-province": {"province": "陕西省"}}


@pytest.fixture(scope="module")
def fixtures_built(tmp_path_factory):
    """The fixture articles built, plus facts the articles lack: a pairing with a place outside the gazetteer
    (its IRI sorts after the divisions') and a funding with no year."""
    import pyoxigraph as ox

    from graph.builder import build

    out = tmp_path_factory.mktemp("fixtures-built")
    build([FIXTURES / "articles"], out, files=False, view=False)
    ewc, ids = "https://w3id.org/ewc/ontology#", "https://w3id.org/ewc/id/"
    n, zh = ox.NamedNode, (lambda text: ox.Literal(text, language="zh"))
    label = n("http://www.w3.org/2004/02/skos/core#prefLabel")
    place, pairing, funding, ev = n(ids + "place/x.txt/County:甲县"), n(ids + "pairing/t1"), n(ids + "funding/t1"), n(ids + "evidence/t1")
    triples = [(place, label, zh("甲县")), (pairing, n(ewc + "partner"), place),
               (pairing, n(ewc + "partner"), n(ids + "division/320000")), (pairing, n(ewc + "pairingLevel"), ox.Literal("Mixed")),
               (pairing, n(ewc + "evidence"), ev), (ev, n(ewc + "sentence"), ox.Literal("江苏省与甲县结对。")),
               (funding, n(ewc + "giver"), n(ids + "division/320000")), (funding, n(ewc + "receiver"), place),
               (funding, n(ewc + "amount"), ox.Literal("1000000", datatype=n("http://www.w3.org/2001/XMLSchema#integer"))),
               (funding, n(ewc + "currency"), ox.Literal("CNY"))]
    types = [(pairing, ewc + "Pairing"), (funding, ewc + "Funding"), (place, ewc + "County")]
    store = ox.Store(str(out / "store"))
    store.extend([ox.Quad(*t) for t in triples] + [ox.Quad(s, n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), n(c)) for s, c in types])
    store.flush()
    del store
    return out


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_fast_queries_answer_as_their_plain_forms(fixtures_built, name):
    kg = graph.load(fixtures_built)
    rows = kg.query(name, params=PARAMS.get(name, {}))
    assert rows == kg.query(PLAIN[name], params=PARAMS.get(name, {})) and len(rows) >= 5
    if name in ("pairings", "funds"):
        assert any("甲县" in r.values() for r in rows)


@pytest.mark.parametrize("place", ["610000", "https://w3id.org/ewc/id/division/610000", "a b", 'x"y', ""])
def test_place_by_code_and_by_values_that_name_no_place(fixtures_built, place):
    kg = graph.load(fixtures_built)
    assert kg.query(PLAIN["place"], params={"place": place}) == ([] if place != "610000" else kg.query(PLAIN["place"], params={"place": "陕西省"}))
    if place == "610000" or place.startswith("http"):  # an IRI is taken as given: the place's IRI is no name
        rows = kg.query("place", params={"place": place})
        assert rows == kg.query(PLAIN["place"], params={"place": place})
        assert (rows == kg.query("place", params={"place": "陕西省"})) if place == "610000" else rows == []
    else:  # a bundled query says so rather than answer with an empty table
        with pytest.raises(QueryError, match="no place named"):
            kg.query("place", params={"place": place})


def test_a_bundled_query_finds_a_place_by_short_english_or_former_name_and_lists_namesakes(loaded, tmp_path):
    full = loaded.query("place", params={"place": "富平县"})
    assert loaded.query("place", params={"place": "富平"}) == full == loaded.query("place", params={"place": "610528"})
    assert loaded.query("in-province", params={"province": "Shaanxi"}) == loaded.query("in-province", params={"province": "陕西省"})
    with pytest.raises(QueryError, match="no place named '红河州' in this graph \\(红河哈尼族彝族自治州: no document mentions it\\)"):
        loaded.query("place", params={"place": "红河州"})
    from graph.builder import build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("标题\n\n  北京市通州区与江苏省南通市通州区交流。\n", encoding="utf-8")
    build([corpus], tmp_path / "out", view=False, files=False)
    with pytest.raises(QueryError, match="'通州区' names 2 places: 通州区 \\(110112\\), 通州区 \\(320612\\); give one by its code"):
        graph.load(tmp_path / "out").query("place", params={"place": "通州区"})


def _value(term):
    """An rdflib term as kg.query gives it: numbers and booleans as Python values (1.0 as 1), the rest as text."""
    import decimal

    if term is None:
        return ""
    value = term.toPython()
    if isinstance(value, (decimal.Decimal, float)):
        return int(value) if value == int(value) else float(value)
    return value if isinstance(value, (bool, int)) else str(term)


def test_bundled_queries_give_the_same_rows_on_rdflib(fixtures_built, tmp_path):
    import pyoxigraph as ox
    import rdflib

    kg = graph.load(fixtures_built)
    default = tmp_path / "default.nt"
    ox.Store.read_only(str(fixtures_built / "store")).dump(str(default), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    g = rdflib.Graph().parse(default, format="nt")
    for name, path in bundled_queries().items():
        text = path.read_text(encoding="utf-8")
        text = bind(PLAIN.get(name, text), PARAMS.get(name, {}))  # the plain forms are for engines like rdflib
        ours = [{k: "" if v is None else v if isinstance(v, (bool, int, float)) else str(v) for k, v in row.items()}
                for row in kg.query(text)]
        theirs = [{str(k): _value(v) for k, v in row.asdict().items()} for row in g.query(text)]
        for row in theirs:  # rdflib leaves unbound columns out of a row; an empty GROUP_CONCAT is "" on one, unbound on the other
            row.update({k: "" for k in ours[0] if k not in row} if ours else {})
        assert ours == theirs, name


def test_parks_their_partners_by_code_and_documents(loaded):
    assert loaded.query("parks") == [
        {"park": "宁商生物医药产业园", "partners": "江苏省、南京市、陕西省、商洛市", "documents": 1},
        {"park": "富丹产业园", "partners": "江苏省、丹阳市、陕西省、富平县", "documents": 1}]


def test_everything_about_a_place_by_name_or_code(loaded):
    by_name = loaded.query("place", params={"place": "富平县"})
    assert by_name == loaded.query("place", params={"place": "610528"})
    facts = {(r["property"], r["value"]) for r in by_name}
    assert {("code", "610528"), ("partOf", "渭南市"), ("partOf", "陕西省"), ("coBuilds", "富丹产业园"),
            ("label", "Fuping County"), ("mentioned in", "苏陕扶贫协作助推陕西脱贫攻坚")} <= facts


def test_evidence_sentences_behind_a_fact(loaded):
    rows = loaded.query("evidence", params={"a": "江苏省", "b": "延安市"})
    assert [(r["fact"], r["document"], r["rule"]) for r in rows] == [("江苏省→延安市", "sushaan-2018-01-08.txt", "funding-verb")]
    assert "2000万元支持延安市" in rows[0]["sentence"] and rows[0]["date"] == "2018-01-08T08:44:38"


def test_facts_within_a_province_include_its_counties(loaded):
    rows = loaded.query("in-province", params={"province": "陕西省"})
    assert ("co-building", "共建富丹产业园", "富平县") in {(r["kind"], r["fact"], r["place"]) for r in rows}
    assert not {r["place"] for r in rows} & {"南京市", "江苏省", "南通市", "丹阳市"}


def test_paired_with_answers_both_ways_and_part_of_is_transitive(loaded):
    ewc = "PREFIX ewc: <https://w3id.org/ewc/ontology#> "
    div = "https://w3id.org/ewc/id/division/"
    assert loaded.query(ewc + f"ASK {{ <{div}610700> ewc:pairedWith <{div}320600> . <{div}320600> ewc:pairedWith <{div}610700> }}")
    assert loaded.query(ewc + f"ASK {{ <{div}610528> ewc:partOf <{div}610000> }}")
    inferred = loaded.query(ewc + f"ASK {{ GRAPH <https://w3id.org/ewc/id/graph/inferred> {{ <{div}610528> ewc:partOf <{div}610000> }} }}")
    assert inferred is True


def test_rdflib_view_of_the_same_store(loaded):
    from rdflib import URIRef

    ds = loaded.rdflib
    fuping = URIRef("https://w3id.org/ewc/id/division/610528")
    assert any(True for _ in ds.quads((fuping, None, None, None)))


def test_parameters_are_literals_or_iris_and_never_code():
    assert bind('SELECT * WHERE { ?s ?p ?name } # ?name', {"name": '"x" } DROP ALL'}) == \
        'SELECT * WHERE { ?s ?p "\\"x\\" } DROP ALL" } # ?name'
    assert bind("SELECT * WHERE { ?s ?p ?o . FILTER(?o = ?v) }", {"v": "https://w3id.org/ewc/id/division/610528"}).endswith(
        "FILTER(?o = <https://w3id.org/ewc/id/division/610528>) }")
    with pytest.raises(QueryError, match="no variable"):
        bind("SELECT * WHERE { ?s ?p ?o }", {"missing": "x"})


def test_service_is_seen_only_as_a_keyword():
    assert uses_service("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert not uses_service('SELECT * WHERE { ?s ?p "SERVICE" } # SERVICE')
    assert not uses_service("SELECT * WHERE { ?s <http://example.org/service> ?o }")
    for hidden in ("SELECT * WHERE { # c\rSERVICE <http://x/sparql> { ?s ?p ?o } }",  # a comment ends at \r too
                   "PREFIX : <http://x/> SELECT * WHERE { FILTER(1<2)SERVICE:s{?x?y?z}FILTER(2>1) }",
                   "SELECT * WHERE { \\u0053ERVICE <http://x/sparql> { ?s ?p ?o } }",
                   "SELECT * WHERE { ?s ?p ?o } LATERAL-like text rdflib cannot read, with service in it"):
        assert uses_service(hidden), hidden
    assert uses_service("INSERT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }", update=True)


def run(kg_cmd, *args):
    return subprocess.run([kg_cmd, "query", *args], capture_output=True, text=True, timeout=120)


def test_kg_query_command(built_corpus, kg):
    kg_cmd = kg
    out = ["--out", str(built_corpus)]
    table = run(kg_cmd, "pairings", *out)
    assert table.returncode == 0 and "江苏省" in table.stdout and table.stdout.rstrip().endswith("(2 rows)")
    as_json = json.loads(run(kg_cmd, "funds", "--format", "json", *out).stdout)
    assert as_json["head"]["vars"] == ["giver", "receiver", "year", "currency", "total", "fundings", "disagree"]
    csv = run(kg_cmd, "place", "--param", "place=富平县", "--format", "csv", *out).stdout
    assert csv.startswith("property,value") and "610528" in csv
    turtle = run(kg_cmd, "CONSTRUCT WHERE { ?a <https://w3id.org/ewc/ontology#pairedWith> ?b }", *out)
    assert turtle.returncode == 0 and "<https://w3id.org/ewc/id/division/320000>" in turtle.stdout
    bad = run(kg_cmd, "SELECT ?x WHERE { ?x ?y }", *out)
    assert (bad.returncode, bad.stderr) == (2, "kg: bad query: line 1, column 26, at the end\n")
    bad = run(kg_cmd, 'SELECT ?x WHERE { BIND(CODEPOINT-TO-STRING(27) AS ?x) }', *out)  # one line, not the parser's list
    assert (bad.returncode, bad.stderr) == (2, "kg: bad query: line 1, column 43, at '(27) AS ?x) }'\n")
    service = run(kg_cmd, "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", *out)
    assert service.returncode == 2 and "--allow-service" in service.stderr
    slow = run(kg_cmd, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "--timeout", "1", *out)
    assert slow.returncode == 2 and "longer than 1 s" in slow.stderr


def test_disagreeing_amounts_are_both_kept_and_listed(tmp_path):
    from graph.builder import build

    (tmp_path / "in").mkdir()
    for key, amount in (("a", "3.5亿元"), ("b", "3亿元"), ("c", "3亿元"), ("d", "3亿元")):
        text = f"标题\n\n  2019年,福建省向宁夏回族自治区援助资金{amount}。\n"  # names too long to be kept inline by the store
        (tmp_path / "in" / f"福建援助宁夏报道-{key}.txt").write_text(text, encoding="utf-8")
    report = build([tmp_path / "in"], tmp_path / "out")
    assert report.documents == 4
    rows = graph.load(tmp_path / "out").query("disagreements")
    reports = "; ".join(f"{n} (福建援助宁夏报道-{k}.txt)" for n, k in ((300000000, "b"), (300000000, "c"), (300000000, "d"), (350000000, "a")))
    assert rows == [{"giver": "福建省", "receiver": "宁夏回族自治区", "year": 2019, "kind": "FiscalAid", "currency": "CNY", "amounts": 2,
                     "reports": reports}]  # smallest amount first, then by document


CONTROL_TITLE = "苏陕\x1b[2K协作\r新闻\x00\x9b\t标题"


@pytest.fixture(scope="module")
def control_built(tmp_path_factory):
    """A corpus of one record whose title holds control characters, built."""
    from graph.builder import build

    corpus = tmp_path_factory.mktemp("control")
    record = {"text": "江苏省南京市与陕西省商洛市结对帮扶。", "title": CONTROL_TITLE, "date": "2020-01-02"}
    (corpus / "feed.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    build([corpus], corpus / "out")
    return corpus / "out"


def test_table_shows_control_characters_escaped_and_data_formats_keep_them(control_built, kg):
    titles = "SELECT ?title WHERE { ?d <http://purl.org/dc/terms/title> ?title }"

    def query(fmt):
        r = subprocess.run([kg, "query", titles, "--format", fmt, "--out", str(control_built)], capture_output=True, timeout=120)
        assert r.returncode == 0 and r.stderr == b"", r.stderr
        return r.stdout

    table = query("table")
    assert table.decode("utf-8").splitlines()[2] == "苏陕\\x1b[2K协作\\r新闻\\x00\\x9b\\t标题"
    assert not [b for b in table if b < 0x20 and b != 0x0A] and "\x9b" not in table.decode("utf-8")
    assert json.loads(query("json"))["results"]["bindings"][0]["title"]["value"] == CONTROL_TITLE
    assert CONTROL_TITLE.encode("utf-8") in query("csv")
    # XML 1.0 cannot hold ESC or NUL at all: they are escaped, and the answer parses
    literal = xml.dom.minidom.parseString(query("xml")).getElementsByTagName("literal")[0].firstChild.data
    assert literal == "苏陕\\x1b[2K协作\n新闻\\x00\x9b\t标题"  # a parser reads a raw CR as a line end


def test_data_formats_on_a_terminal_show_control_characters_escaped(control_built, kg):
    import pty

    leader, follower = pty.openpty()
    titles = "SELECT ?title WHERE { ?d <http://purl.org/dc/terms/title> ?title }"
    r = subprocess.run([kg, "query", titles, "--format", "csv", "--out", str(control_built)], stdout=follower,
                       stderr=subprocess.PIPE, timeout=120)
    os.close(follower)
    shown = os.read(leader, 65536)
    os.close(leader)
    assert r.returncode == 0 and "苏陕\\x1b[2K协作".encode("utf-8") in shown and b"\x1b" not in shown
    assert "\x9b" not in shown.decode("utf-8")


def _table(sparql):
    import io

    import pyoxigraph as ox

    from graph.query import serialise

    writes = []

    class Output(io.RawIOBase):
        def write(self, data):
            writes.append(bytes(data))
            return len(data)

    serialise(ox.Store().query(sparql), "table", Output())
    return writes


def test_table_is_written_in_chunks_with_widths_from_the_first_rows():
    from graph.query import TABLE_SAMPLE

    rows = " ".join(f'("{"长" * 10 if i == TABLE_SAMPLE + 5 else "南京市"}" {i})' for i in range(TABLE_SAMPLE + 10))
    writes = _table(f"SELECT ?name ?n WHERE {{ VALUES (?name ?n) {{ {rows} }} }}")
    assert len(writes) == 3  # the header with the first rows, the rest, the count
    lines = b"".join(writes).decode("utf-8").splitlines()
    assert lines[:3] == ["name    n", "------  ---", "南京市  0"] and lines[-1] == f"({TABLE_SAMPLE + 10} rows)"
    assert lines[2 + TABLE_SAMPLE + 5] == "长" * 10 + f"  {TABLE_SAMPLE + 5}"  # wider than its column: it overflows
    assert lines[2 + TABLE_SAMPLE + 6] == f"南京市  {TABLE_SAMPLE + 6}"
    assert _table("SELECT ?x WHERE { FILTER(false) }") == [b"x\n-\n", b"(0 rows)\n"]


def test_a_large_table_streams_until_the_timeout_stops_it(built_corpus, kg):
    endless = "SELECT ?a ?b ?c WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }"  # billions of rows
    r = subprocess.run([kg, "query", endless, "--timeout", "3", "--out", str(built_corpus)], capture_output=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.decode("utf-8") == "kg: the query ran longer than 3 s and was stopped (raise --timeout); the output above is incomplete\n"
    lines = r.stdout.decode("utf-8").split("\n")
    assert lines[0].split() == ["a", "b", "c"] and len(lines) > 1000 and lines[-1] == ""  # whole rows, then nothing
    assert all(len(line.split()) == 3 for line in lines[2:-1])
