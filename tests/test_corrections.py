"""Users' corrections: the file read and checked, each action applied to a document's facts, and a build that
shows them in every output, records them, and re-applies them after an edit without reading documents again."""
import csv
import json
import shutil
import subprocess

import pyoxigraph as ox
import pytest

import graph
from graph.builder import build
from graph.corrections import CorrectionsError, read
from graph.extraction import extract_text
from graph.views.networkx import export
from tests.test_build_incremental import snapshot

# Two articles of our own, in the way 沪滇 reports are written.
A = ("沪滇协作新进展\n\n  2019年，上海市向云南省投入财政援助资金8亿元。上海市援助文山州资金1.2亿元，支持产业发展。"
     "上海市宝山区与文山州富宁县结对帮扶。宝山区和富宁县共建沪滇富宁产业园。\n")
B = "沪滇协作简报\n\n  2020年，上海市援助云南省财政资金9亿元。上海市嘉定区与文山州砚山县开展结对帮扶。七彩云南迎来新机遇。\n"

CORRECTIONS = """\
# what our team changed, and why
[[suppress]]
kind = "funds"
giver = "上海"
receiver = "文山州"
amount = "1.2亿元"
note = "the article's 1.2亿 is investment attracted, not aid"
author = "Li Wei"
date = 2026-12-01

[[set]]
document = "a.txt"
kind = "funds"
receiver = "云南省"
to = { amount = "8.5亿元" }
note = "the provincial report gives 8.5亿"

[[add]]
document = "b.txt"
kind = "funds"
giver = "嘉定区"
receiver = "砚山县"
amount = "3000万元"
year = 2020
passage = "上海市嘉定区与文山州砚山县开展结对帮扶"
note = "the county's own report states the sum; the passage names the pair"

[[suppress]]
kind = "funds"
giver = "北京市"
note = "a funding no document states: stale"
"""


def facts_of(text: str, name: str, corrections: str, tmp_path):
    path = tmp_path / "corrections.toml"
    path.write_text(corrections, encoding="utf-8")
    fixes = read([path])
    assert fixes.problems == []
    return fixes.apply(extract_text(text, name))


def relations(facts) -> set[tuple]:
    names = {e.key: e.name for e in facts.entities}
    return {(r.kind, *(names[p] for p in r.partners), r.amount, r.year) for r in facts.relations}


# ------------------------------------------------------------------ the file
def test_each_bad_entry_is_said_in_one_line_with_its_line_number_and_the_good_ones_stay(tmp_path):
    path = tmp_path / "corrections.toml"
    path.write_text("""\
[[suppress]]
kind = "funds"
note = "fine"

[[suppress]]
givr = "上海市"
note = "a misspelt field"

[[set]]
kind = "funds"
to = { amount = "许多" }
note = "an amount that is none"

[[add]]
document = "a.txt"
kind = "funds"
giver = "城关镇"
receiver = "云南省"
amount = 100
passage = "x"
note = "a name of 97 divisions"

[[alias]]
name = "七彩云南"
means = "七彩省"
note = "no division"

[[suppress]]
fact = "https://example.org/funding/1"
note = "no fact of ours"

[[not-a-place]]
name = "富民"

[[rename]]
name = "x"
note = "no such action"
""", encoding="utf-8")
    fixes = read([path])
    assert [(e.action, e.line) for e in fixes.entries] == [("suppress", 1)]
    said = {p.split(": ", 1)[0]: p for p in fixes.problems}
    assert list(said) == [f"{path}:{n}" for n in (5, 9, 14, 23, 28, 32, 35)]
    assert "unknown field 'givr'" in said[f"{path}:5"]
    assert "amount must be yuan" in said[f"{path}:9"]
    assert "'城关镇' names" in said[f"{path}:14"] and "give its code" in said[f"{path}:14"]
    assert "'七彩省' is no division's name" in said[f"{path}:23"]
    assert "is no fact's IRI" in said[f"{path}:28"]
    assert "needs a note" in said[f"{path}:32"]
    assert "unknown table [rename]" in said[f"{path}:35"]
    assert all("\n" not in p for p in fixes.problems)


def test_a_file_that_is_no_toml_stops_the_build_in_one_line_naming_the_file(tmp_path, kg):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(A, encoding="utf-8")
    (corpus / "corrections.toml").write_text('[[suppress]]\nkind = "funds\n', encoding="utf-8")
    with pytest.raises(CorrectionsError, match=r"corrections.toml: not valid TOML \(.*line 2"):
        read([corpus / "corrections.toml"])
    r = subprocess.run([kg, "build", str(corpus), "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "corrections.toml: not valid TOML" in r.stderr
    assert not (tmp_path / "out" / "facts.json").exists()


# ------------------------------------------------------------------ each action on one document's facts
def test_suppress_by_fields_or_by_iri_takes_the_fact_out_and_records_it(tmp_path):
    before = extract_text(A, "a.txt")
    assert ("funds", "上海市", "文山壮族苗族自治州", 120_000_000, 2019) in relations(before)
    facts, applied, problems = facts_of(A, "a.txt", CORRECTIONS.split("[[set]]")[0], tmp_path)
    assert ("funds", "上海市", "文山壮族苗族自治州", 120_000_000, 2019) not in relations(facts)
    assert len(applied) == 1 and problems == []
    (c,) = facts.corrections
    assert (c.action, c.entry, c.author, c.date, c.after) == ("suppress", "corrections.toml:2", "Li Wei", "2026-12-01", None)
    quads = graph.to_rdf(before)
    iri = next(str(s) for s, p, o, g in quads.quads((None, None, None, None))
               if "funding/" in str(s) and "120000000" in str(o))
    by_iri, _, _ = facts_of(A, "a.txt", f'[[suppress]]\nfact = "{iri}"\nnote = "by its IRI"\n', tmp_path)
    assert relations(by_iri) == relations(facts)


def test_set_changes_a_value_and_says_what_changed(tmp_path):
    facts, _, _ = facts_of(A, "a.txt", '[[set]]\nkind = "funds"\nreceiver = "云南"\nyear = 2019\n'
                           'to = { amount = "8.5亿元", year = 2018, kind = "Donation" }\nnote = "n"\n', tmp_path)
    funding = next(r for r in facts.relations if r.kind == "funds" and r.amount == 850_000_000)
    assert (funding.year, funding.funding_kind) == (2018, "Donation")
    (c,) = facts.corrections
    assert c.change == "amount 8亿元 → 8.5亿元; year 2019 → 2018; funding FiscalAid → Donation"
    assert c.before.amount == 800_000_000 and c.after is funding


def test_add_states_a_missed_fact_with_its_passage_and_refuses_a_passage_the_document_lacks(tmp_path):
    entry = ('[[add]]\ndocument = "b.txt"\nkind = "funds"\ngiver = "嘉定区"\nreceiver = "砚山县"\namount = 30000000\n'
             'year = 2020\npassage = "{}"\nnote = "n"\n')
    facts, applied, _ = facts_of(B, "b.txt", entry.format("上海市嘉定区与文山州砚山县开展结对帮扶"), tmp_path)
    added = next(r for r in facts.relations if r.evidence.rule == "correction-add")
    assert (added.amount, added.year, added.funding_kind, added.currency) == (30_000_000, 2020, "FiscalAid", "CNY")
    assert B[added.evidence.start:added.evidence.end] == "上海市嘉定区与文山州砚山县开展结对帮扶"
    assert B[added.evidence.sentence_start:added.evidence.sentence_end].endswith("开展结对帮扶。")
    facts, applied, problems = facts_of(B, "b.txt", entry.format("嘉定区援助砚山县3000万元"), tmp_path)
    assert applied == [] and problems == [f"{tmp_path / 'corrections.toml'}:1: add: the passage is not in b.txt"]
    assert facts.relations == extract_text(B, "b.txt").relations


def test_a_passage_quoted_in_simplified_is_found_in_a_traditional_document(tmp_path):
    text = "滬滇協作\n\n  2020年，上海市嘉定區與文山州硯山縣開展結對幫扶。\n"
    entry = ('[[add]]\ndocument = "t.txt"\nkind = "funds"\ngiver = "嘉定区"\nreceiver = "砚山县"\namount = 30000000\n'
             'passage = "上海市嘉定区与文山州砚山县开展结对帮扶"\nnote = "n"\n')
    facts, applied, problems = facts_of(text, "t.txt", entry, tmp_path)
    added = next(r for r in facts.relations if r.evidence.rule == "correction-add")
    assert problems == [] and text[added.evidence.start:added.evidence.end] == "上海市嘉定區與文山州硯山縣開展結對幫扶"


def test_not_a_place_takes_the_name_out_with_the_facts_that_need_it(tmp_path):
    facts, _, _ = facts_of(B, "b.txt", '[[not-a-place]]\nname = "砚山县"\nnote = "n"\n', tmp_path)
    assert "砚山县" not in {e.name for e in facts.entities}
    assert {r for r in relations(facts) if "嘉定区" in r} == set()  # the pairing went with it
    assert [c.before.kind for c in facts.corrections if c.before is not None] == ["pairedWith"]  # recorded
    # a name the document also writes otherwise keeps its place: 富宁 of 沪滇富宁产业园 is 富宁县 still
    facts, _, _ = facts_of(A, "a.txt", '[[not-a-place]]\nname = "富宁县"\nnote = "n"\n', tmp_path)
    assert "富宁县" in {e.name for e in facts.entities} and "富宁县" not in {m.text for m in facts.mentions}


def test_an_alias_points_a_name_and_its_facts_at_the_division_it_means(tmp_path):
    facts, _, _ = facts_of(A, "a.txt", '[[alias]]\nname = "文山州"\nmeans = "532601"\nnote = "the city, not the prefecture"\n',
                           tmp_path)
    assert ("funds", "上海市", "文山市", 120_000_000, 2019) in relations(facts)
    assert {m.entity for m in facts.mentions if m.text == "文山州"} == {"division:532601"}
    assert "division:532600" in {e.key for e in facts.entities}  # still the parent of 富宁县 and of 文山市


def test_an_alias_finds_a_name_the_builder_did_not_read(tmp_path):
    facts, _, _ = facts_of(B, "b.txt", '[[alias]]\nname = "七彩云南"\nmeans = "云南省"\nnote = "a nickname"\n', tmp_path)
    (m,) = [m for m in facts.mentions if m.text == "七彩云南"]
    assert m.entity == "division:530000" and B[m.evidence.start:m.evidence.end] == "七彩云南"


# ------------------------------------------------------------------ a build
@pytest.fixture(scope="module")
def corrected(tmp_path_factory):
    root = tmp_path_factory.mktemp("corrected")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(A, encoding="utf-8")
    (corpus / "b.txt").write_text(B, encoding="utf-8")
    (corpus / "corrections.toml").write_text(CORRECTIONS, encoding="utf-8")
    report = build([corpus], root / "out", validate=True)
    return root, report


def test_every_output_shows_the_corrections(corrected):
    root, report = corrected
    out = root / "out"
    facts = {d["doc"]: d["relations"] for d in json.loads((out / "facts.json").read_text(encoding="utf-8"))}
    funds = {(r["from"], r["to"], r["amount_cny"]) for rels in facts.values() for r in rels if r["rel"] == "funds"}
    assert funds == {("上海市", "云南省", 850_000_000), ("上海市", "云南省", 900_000_000), ("嘉定区", "砚山县", 30_000_000)}
    assert report.shacl == "conforms"
    kg = graph.load(out)
    aid = 'ASK { ?f <https://w3id.org/ewc/ontology#amount> 120000000.0 }'
    assert kg.query(aid) is False  # not in the default graph
    assert kg.query(aid.replace("ASK {", "ASK { GRAPH <https://w3id.org/ewc/id/graph/corrections/a.txt> {") + " }") is True
    ttl = ox.Store()
    ttl.load(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    assert not ttl.query(aid)  # the merged graph file leaves it out too
    G = graph.to_networkx(out)
    marked = {(G.nodes[u]["label"], G.nodes[v]["label"], d["corrected"]) for u, v, d in G.edges(data=True) if d.get("corrected")}
    assert marked == {("上海市", "云南省", "the provincial report gives 8.5亿"),
                      ("嘉定区", "砚山县", "the county's own report states the sum; the passage names the pair")}
    page = (out / "graph.html").read_text(encoding="utf-8")
    assert page.count("✎ 已更正") == 2 and "the provincial report gives 8.5亿" in page
    tables = export(G, root / "tables", "csv")
    with open(tables / "edges.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {(r["source"], r["target"], r["amount"]) for r in rows if r["corrected"]} == {
        ("上海市", "云南省", "850000000"), ("嘉定区", "砚山县", "30000000")}


def test_the_corrections_query_lists_what_was_changed_by_whom_and_why(corrected):
    root, _ = corrected
    rows = graph.load(root / "out").query("corrections")
    assert [(r["entry"], r["action"], r["document"], r.get("before"), r.get("after")) for r in rows] == [
        ("corrections.toml:2", "suppress", "a.txt", "上海市→文山壮族苗族自治州", None),
        ("corrections.toml:11", "set", "a.txt", "上海市→云南省", "上海市→云南省"),
        ("corrections.toml:18", "add", "b.txt", None, "嘉定区→砚山县")]
    assert (rows[0]["author"], str(rows[0]["date"]), rows[1]["change"]) == ("Li Wei", "2026-12-01", "amount 8亿元 → 8.5亿元")


def test_an_entry_that_matches_nothing_is_listed_as_stale(corrected):
    root, report = corrected
    saved = json.loads((root / "out" / "report.json").read_text(encoding="utf-8"))["corrections"]
    assert saved == report.corrections
    assert (saved["entries"], saved["applied"], saved["problems"]) == (4, 3, [])
    (stale,) = saved["stale"]
    assert stale.startswith(f"{root / 'corpus' / 'corrections.toml'}:28: suppress (kind=funds, giver=北京市)")


def test_an_edited_corrections_file_is_applied_again_without_reading_documents_and_equals_a_clean_build(corrected, tmp_path):
    root, _ = corrected
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    shutil.copytree(root / "corpus", corpus)
    shutil.copytree(root / "out", out, symlinks=True)
    edited = CORRECTIONS.replace('to = { amount = "8.5亿元" }', 'to = { amount = "8.6亿元" }')
    (corpus / "corrections.toml").write_text(edited, encoding="utf-8")
    report = build([corpus], out, validate=True)
    assert (report.extracted, report.recorrected, report.store) == (0, 1, "updated")  # b.txt's entries did not change
    assert build([corpus], tmp_path / "clean", validate=True).recorrected == 0
    assert snapshot(out) == snapshot(tmp_path / "clean")
    (corpus / "corrections.toml").write_text(CORRECTIONS.split("[[set]]")[0], encoding="utf-8")  # entries taken out
    assert build([corpus], out).recorrected == 2
    assert snapshot(out)[:2] == snapshot(build([corpus], tmp_path / "clean2") and tmp_path / "clean2")[:2]
    assert graph.load(out).query("corrections")[0]["action"] == "suppress" and len(graph.load(out).query("corrections")) == 1


# ------------------------------------------------------------------ kg correct
def test_kg_correct_writes_entries_a_build_applies(tmp_path, kg):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(A, encoding="utf-8")
    (corpus / "b.txt").write_text(B, encoding="utf-8")
    file = str(corpus / "corrections.toml")
    run = lambda *args: subprocess.run([kg, "correct", *args, "--file", file], capture_output=True, text=True)  # noqa: E731
    r = run("suppress", "--kind", "funds", "--giver", "上海市", "--receiver", "文山州", "--amount", "1.2亿元",
            "--note", 'investment, "not" aid', "--author", "Li Wei", "--date", "2026-12-01")
    assert r.returncode == 0 and r.stdout.startswith(f"{file}:1: added [[suppress]]")
    assert run("set", "--kind", "funds", "--receiver", "云南省", "--year", "2019", "--to-amount", "8.5亿元",
               "--note", "n").returncode == 0
    assert run("add", "--document", "b.txt", "--kind", "pairedWith", "--partner", "上海市", "--partner", "文山州",
               "--passage", "上海市嘉定区与文山州砚山县", "--note", "n").returncode == 0
    assert run("alias", "七彩云南", "--means", "云南省", "--note", "a nickname").returncode == 0
    assert run("not-a-place", "砚山县", "--document", "b.txt", "--note", "n").returncode == 0
    text = (corpus / "corrections.toml").read_text(encoding="utf-8")
    bad = run("alias", "城关", "--means", "城关镇", "--note", "n")
    assert bad.returncode == 2 and "names 97 divisions" in bad.stderr and len(bad.stderr.splitlines()) == 1
    assert (corpus / "corrections.toml").read_text(encoding="utf-8") == text  # unchanged
    fixes = read([file])
    assert fixes.problems == [] and [e.action for e in fixes.entries] == ["suppress", "set", "add", "alias", "not-a-place"]
    assert fixes.entries[0].values["note"] == 'investment, "not" aid' and fixes.entries[0].values["date"] == "2026-12-01"
    report = build([corpus], tmp_path / "out", view=False)
    assert report.corrections["applied"] == 5 and report.corrections["stale"] == []
    actions = [r["action"] for r in graph.load(tmp_path / "out").query("corrections")]
    assert sorted(set(actions)) == ["add", "alias", "not-a-place", "set", "suppress"]


def test_kg_extract_applies_a_corrections_file(tmp_path, kg):
    (tmp_path / "a.txt").write_text(A, encoding="utf-8")
    (tmp_path / "c.toml").write_text(CORRECTIONS, encoding="utf-8")
    r = subprocess.run([kg, "extract", str(tmp_path / "a.txt"), "--corrections", str(tmp_path / "c.toml")],
                       capture_output=True, text=True)
    funds = [(x["to"], x["amount_cny"]) for x in json.loads(r.stdout)["relations"] if x["rel"] == "funds"]
    assert funds == [("云南省", 850_000_000)] and r.returncode == 0
