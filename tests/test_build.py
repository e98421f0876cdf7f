"""End to end: build a small corpus into a folder and ask the Oxigraph store with SPARQL."""
import json
import os
import shutil

import pyoxigraph as ox
import pytest

from graph.builder import BuildError, build
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


def test_links_that_lead_nowhere_and_sockets_in_a_folder_are_a_line_each_and_the_rest_builds(tmp_path, monkeypatch):
    import socket

    corpus = tmp_path / "corpus"
    (corpus / "nested").mkdir(parents=True)
    (corpus / "good.txt").write_text("标题\n\n  南京市与商洛市结对。\n", encoding="utf-8")
    (corpus / "nested" / "more.txt").write_text("标题\n\n  苏州市与铜仁市结对。\n", encoding="utf-8")
    os.symlink("loop-b.txt", corpus / "loop-a.txt")  # a loop: each link leads to the other
    os.symlink("loop-a.txt", corpus / "loop-b.txt")
    os.symlink("nowhere.txt", corpus / "gone.txt")
    os.symlink("..", corpus / "nested" / "up")  # a link back up is walked once, and is no problem
    monkeypatch.chdir(tmp_path)  # a socket's path is short of 108 bytes only when relative
    with socket.socket(socket.AF_UNIX) as s:
        s.bind("corpus/talk.txt")
        report = build([corpus], tmp_path / "out", view=False, jobs=1)
    assert report.documents == 2
    assert sorted(report.failed) == sorted([f"{corpus}/loop-a.txt: a loop of symbolic links",
                                            f"{corpus}/loop-b.txt: a loop of symbolic links",
                                            f"{corpus}/gone.txt: a broken symbolic link (to a missing file or folder)",
                                            f"{corpus}/talk.txt: not a regular file (a socket)"])
    facts = json.loads((tmp_path / "out" / "facts.json").read_text(encoding="utf-8"))
    assert [f["id"] for f in facts] == ["good.txt", "nested/more.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_folder_is_one_line_and_the_rest_builds(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "locked").mkdir(parents=True)
    (corpus / "good.txt").write_text("标题\n\n  南京市与商洛市结对。\n", encoding="utf-8")
    (corpus / "locked" / "hidden.txt").write_text("标题\n\n  苏州市与铜仁市结对。\n", encoding="utf-8")
    (corpus / "locked").chmod(0)
    try:
        report = build([corpus], tmp_path / "out", view=False, jobs=1)
        with pytest.raises(BuildError, match=f"nothing was built: {corpus}/locked: folder cannot be read \\(Permission denied\\)$"):
            build([corpus / "locked"], tmp_path / "out2", view=False, jobs=1)
    finally:
        (corpus / "locked").chmod(0o700)
    assert report.documents == 1
    assert report.failed == [f"{corpus}/locked: folder cannot be read (Permission denied)"]


def test_json_lines_records_each_a_document_or_a_line_that_says_why_not(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [{"text": "南京市与商洛市结对。", "url": "javascript:void(0)"},
             {"text": "苏州市与铜仁市结对。", "url": "javascript:void(0)"},  # the same url: a document all the same
             None, [1, 2], "text", 3]
    data = b"".join(json.dumps(x, ensure_ascii=False).encode("utf-8") + b"\n" for x in lines)
    data += b'{"text": "\xff\xfe"}\n'  # not UTF-8
    data += '{"text": "福州市与固原市结对。", "url": "https://example.org/a.html"}\n{"text": "天津市与甘肃省结对。"}\n'.encode()
    data += b'{"text": "\\u5357\\u4eac\\u5e02\\ud800\\u4e0e\\u5546\\u6d1b\\u5e02\\u7ed3\\u5bf9", "url": "https://example.org/\\udc00"}\n'  # lone surrogates
    (corpus / "feed.jsonl").write_bytes(data)
    report = build([corpus], tmp_path / "out", view=False, jobs=1)
    feed = corpus / "feed.jsonl"
    assert report.failed == [f"{feed}:3: not a JSON object (the line holds null)",
                             f"{feed}:4: not a JSON object (the line holds an array)",
                             f"{feed}:5: not a JSON object (the line holds a string)",
                             f"{feed}:6: not a JSON object (the line holds a number)",
                             f"{feed}:7: not UTF-8 (invalid start byte at byte 11 of the line)"]
    facts = json.loads((tmp_path / "out" / "facts.json").read_text(encoding="utf-8"))
    # ids of records with a url of their own, or none, are as before: the url, else the line
    assert sorted(f["id"] for f in facts) == sorted(["feed.jsonl#javascript:void(0)", "feed.jsonl#javascript:void(0)#2",
                                                     "feed.jsonl#https://example.org/a.html", "feed.jsonl#9",
                                                     "feed.jsonl#https://example.org/\ufffd"])
    places = {f["id"]: {e["name"] for e in f["entities"]} for f in facts}
    assert places["feed.jsonl#javascript:void(0)#2"] >= {"苏州市", "铜仁市"}
    assert places["feed.jsonl#https://example.org/\ufffd"] >= {"南京市", "商洛市"}


def test_the_summary_counts_distinct_entities_and_facts_not_their_mentions_per_document(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "标题\n\n2019-06-12|来源:宁夏日报\n\n  2019年,福建省向宁夏回族自治区援助资金3亿元。福州市与固原市结对帮扶。\n"
    for n in range(3):  # three documents that say the same
        (corpus / f"doc{n}.txt").write_text(text, encoding="utf-8")
    report = build([corpus], tmp_path / "out", view=False, files=False)
    assert report.documents == 3
    assert report.entities == {"City": 2, "Province": 2} and report.relations == {"funds": 1, "pairedWith": 1}
