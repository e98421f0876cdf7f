"""End to end: build a small corpus into a folder and ask the Oxigraph store with SPARQL."""
import json
import os
import shutil

import pyoxigraph as ox
import pytest

from graph.build import BuildError, build
from tests.conftest import ROOT

PREFIX = "PREFIX ewc: <https://w3id.org/ewc/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus")
    shutil.copy(ROOT / "corpus" / "sushaan-2018-01-08.txt", corpus)
    (corpus / "nested").mkdir()
    (corpus / "nested" / "minning.txt").write_text(
        "闽宁协作结硕果\n\n来源:宁夏日报 2019-06-12\n\n  2019年,福建省向我区援助财政资金3亿元。福州市与固原市结对帮扶。\n", encoding="utf-8")
    (corpus / "broken.txt").write_bytes(b"\x00\x01binary")
    out = tmp_path_factory.mktemp("out")
    report = build([corpus], out, validate=True)
    return out, report


def test_outputs_and_report(built):
    out, report = built
    assert report.documents == 2 and report.shacl == "conforms"
    assert any("broken.txt: binary" in f for f in report.failed)
    for name in ("dataset.trig", "dataset.nq", "dataset.jsonld", "graph.ttl", "facts.json", "report.json", "store"):
        assert (out / name).exists(), name
    facts = json.loads((out / "facts.json").read_text(encoding="utf-8"))
    assert [f["id"] for f in facts] == ["nested/minning.txt", "sushaan-2018-01-08.txt"]
    assert not [p for p in os.listdir(out) if p.startswith(".build-")]


def test_sparql_on_the_store(built):
    out, _ = built
    store = ox.Store.read_only(str(out / "store"))
    rows = store.query(PREFIX + """SELECT ?a ?b WHERE { GRAPH ?g { ?x ewc:pairedWith ?y .
        ?x skos:prefLabel ?a . ?y skos:prefLabel ?b } } """)
    pairs = {(str(r["a"].value), str(r["b"].value)) for r in rows}
    assert {("福州市", "固原市"), ("固原市", "福州市"), ("江苏省", "陕西省"), ("汉中市", "南通市")} <= pairs
    rows = list(store.query(PREFIX + """SELECT ?amount ?year ?from WHERE { GRAPH ?g { ?f a ewc:Funding ;
        ewc:giver/skos:prefLabel ?from ; ewc:receiver/skos:prefLabel "宁夏回族自治区"@zh ; ewc:amount ?amount ; ewc:year ?year } }"""))
    assert [(float(r["amount"].value), int(r["year"].value), r["from"].value) for r in rows] == [(3e8, 2019, "福建省")]
    graphs = {g.value for g in store.named_graphs()}
    assert "https://w3id.org/ewc/graph/nested%2Fminning.txt".replace("ewc/graph", "ewc/id/graph") in graphs


def test_turtle_and_trig_parse_back_with_rdflib(built):
    from rdflib import Dataset, Graph

    from graph.validation import validate

    out, _ = built
    g = Graph().parse(out / "graph.ttl")
    assert validate(g) == []  # facts shared by documents merge into nodes that still conform
    ds = Dataset().parse(out / "dataset.trig", format="trig")
    assert len(g) > 1000 and len(list(ds.graphs())) >= 3


def test_nothing_to_build_leaves_previous_outputs(built, tmp_path):
    out, _ = built
    before = (out / "facts.json").read_bytes()
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(BuildError, match="empty.txt: empty file"):
        build([tmp_path / "empty.txt"], out)
    assert (out / "facts.json").read_bytes() == before
