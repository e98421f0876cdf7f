import pytest

import graph
from graph.views.networkx import EXPORT_FORMATS, export, flat, read_export, to_networkx

FUPING = "https://w3id.org/ewc/id/division/610528"
JIANGSU, SHAANXI = "https://w3id.org/ewc/id/division/320000", "https://w3id.org/ewc/id/division/610000"


@pytest.fixture(scope="module")
def G(built_corpus):
    return graph.to_networkx(built_corpus)


def test_nodes_carry_names_codes_parents_and_coordinates(G):
    d = G.nodes[FUPING]
    assert (d["label"], d["label_en"], d["type"], d["code"]) == ("富平县", "Fuping County", "County", "610528")
    assert d["parent"] == "https://w3id.org/ewc/id/division/610500" and d["province"] == SHAANXI
    assert 34 < d["lat"] < 35 and 109 < d["lon"] < 110 and d["documents"] == 1


def test_pairing_is_one_symmetric_edge_and_funding_goes_from_giver(G):
    pairs = [(u, v, d) for u, v, d in G.edges(data=True) if d["relation"] == "pairedWith" and {u, v} == {JIANGSU, SHAANXI}]
    assert len(pairs) == 1 and pairs[0][2]["symmetric"] and pairs[0][2]["level"] == "Province"
    [fund] = [d for u, v, d in G.edges(JIANGSU, data=True) if v == SHAANXI and d["relation"] == "funds"]
    assert (fund["amount"], fund["year"], fund["kind"], fund["currency"]) == (450000000, 2017, "FiscalAid", "CNY")
    assert fund["evidence"] == 2 and any("4.5亿元" in s for s in fund["sentences"])


def test_of_fundings_reported_differently_the_one_the_funds_query_counts_is_marked(disagreeing_built):
    H = to_networkx(disagreeing_built)
    fundings = sorted((d["year"], d["amount"], d["documents"], d["counted"]) for *_, d in H.edges(data=True) if d["relation"] == "funds")
    assert fundings == [(2017, 1_000_000_000, 2, True), (2017, 1_200_000_000, 1, False), (2018, 500_000_000, 1, True)]
    [total] = [r["total"] for r in graph.load(disagreeing_built).query("funds") if r["year"] == "total"]
    assert sum(d["amount"] for *_, d in H.edges(data=True) if d.get("counted")) == total


def test_options_select_types_and_relations(built_corpus):
    H = to_networkx(built_corpus, types=["Province", "City"], relations=["pairedWith", "partOf"])
    assert {d["type"] for _, d in H.nodes(data=True)} == {"Province", "City"}
    assert {d["relation"] for *_, d in H.edges(data=True)} == {"pairedWith", "partOf"}
    with pytest.raises(ValueError, match="unknown relations"):
        to_networkx(built_corpus, relations=["likes"])
    with pytest.raises(ValueError, match=r"unknown types \['county'\]; choose from Province, City"):
        to_networkx(built_corpus, types=["county"])  # it gave an empty graph


def test_same_view_from_the_loaded_graph(G, built_corpus):
    H = graph.load(built_corpus).to_networkx()
    assert set(H.nodes) == set(G.nodes) and H.number_of_edges() == G.number_of_edges()


@pytest.mark.parametrize("fmt", [f for f in EXPORT_FORMATS if f != "csv"])
def test_exports_read_back_with_the_same_nodes_edges_and_attributes(G, tmp_path, fmt):
    H = read_export(export(G, tmp_path / f"graph.{fmt}", fmt), fmt)
    F = flat(G) if fmt in ("graphml", "gexf") else G
    assert set(H.nodes) == set(G.nodes) and H.number_of_edges() == G.number_of_edges()
    for attr in ("label", "type", "code", "lat"):
        assert H.nodes[FUPING][attr] == F.nodes[FUPING][attr], attr
    amounts = sorted(d["amount"] for *_, d in H.edges(data=True) if d.get("relation") == "funds")
    assert amounts == [20000000, 450000000]
    if fmt in ("graphml", "gexf"):  # names a user reads in Gephi, with the codes beside them
        assert (H.nodes[FUPING]["parent"], H.nodes[FUPING]["parent_code"]) == ("渭南市", "610500")
        assert (H.nodes[FUPING]["province"], H.nodes[FUPING]["province_code"]) == ("陕西省", "610000")


def test_gexf_opens_laid_out_as_the_page_with_colours_and_sizes(G, tmp_path):
    from graph.views.html import TYPE_STYLE, geo_layout

    H = read_export(export(G, tmp_path / "graph.gexf", "gexf"), "gexf")
    x, y = geo_layout(G)[FUPING]
    viz = H.nodes[FUPING]["viz"]
    assert (viz["position"]["x"], viz["position"]["y"]) == (pytest.approx(x, abs=0.01), pytest.approx(-y, abs=0.01))  # north up
    assert "#%02x%02x%02x" % (viz["color"]["r"], viz["color"]["g"], viz["color"]["b"]) == TYPE_STYLE["County"][0]
    assert H.nodes[SHAANXI]["viz"]["size"] > viz["size"]  # the province has more relations
    assert H.nodes[SHAANXI]["viz"]["position"]["y"] > H.nodes["https://w3id.org/ewc/id/division/320600"]["viz"]["position"]["y"]  # 西安 lies north of 南通


def test_csv_tables_for_spreadsheets_name_both_ends_and_quote_what_would_be_a_formula(G, tmp_path):
    G = G.copy()
    G.nodes[FUPING]["titles"] = ["=HYPERLINK(\"http://example.org\",\"点击\") 2020-01-01"]  # a hostile document's title
    path = export(G, tmp_path / "tables", "csv")
    assert (path / "nodes.csv").read_bytes().startswith(b"\xef\xbb\xbfid,code,name,name_en,")  # the BOM Excel needs for Chinese
    nodes, edges = read_export(path, "csv")
    by_code = {row[1]: dict(zip(nodes[0], row)) for row in nodes[1:]}
    fuping = by_code["610528"]
    assert (fuping["name"], fuping["name_en"], fuping["parent"], fuping["parent_code"], fuping["province"]) == (
        "富平县", "Fuping County", "渭南市", "610500", "陕西省")
    assert fuping["titles"].startswith("'=HYPERLINK(")
    assert len(nodes) == G.number_of_nodes() + 1 and len(edges) == G.number_of_edges() + 1
    rows = [dict(zip(edges[0], row)) for row in edges[1:]]
    [fund] = [r for r in rows if r["relation"] == "funds" and r["target"] == "陕西省"]
    assert (fund["source"], fund["source_code"], fund["amount"], fund["year"], fund["counted"], fund["documents"]) == (
        "江苏省", "320000", "450000000", "2017", "True", "1")


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_exports_of_a_document_with_control_characters_are_well_formed_xml(tmp_path, fmt):
    import json
    import xml.etree.ElementTree as ET

    from graph.builder import build

    (tmp_path / "corpus").mkdir()
    record = {"text": "\x1b[2K\x00江苏省南京市与陕西省商洛市结对帮扶。", "title": "苏陕\x1b[2K协作\x00新闻\ufffe", "date": "2020-01-02"}
    (tmp_path / "corpus" / "feed.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    build([tmp_path / "corpus"], tmp_path / "out", view=False)
    path = export(to_networkx(tmp_path / "out"), tmp_path / f"graph.{fmt}", fmt)
    ET.parse(path)
    H = read_export(path, fmt)
    [edge] = [d for *_, d in H.edges(data=True) if d["relation"] == "pairedWith"]
    assert edge["titles"] == "苏陕\\x1b[2K协作\\x00新闻\\ufffe 2020-01-02"
    assert edge["sentences"] == "\\x1b[2K\\x00江苏省南京市与陕西省商洛市结对帮扶。"


def test_nodes_carry_the_gazetteers_short_names_and_the_documents_that_mention_them(G):
    d = G.nodes[FUPING]
    assert d["short_names"] == ["富平"]  # the page's search finds 富平县 by it (issue 19)
    assert (d["titles"], d["urls"], d["documents"]) == (["苏陕扶贫协作助推陕西脱贫攻坚 2018-01-08"], [""], 1)
    assert G.nodes[SHAANXI]["short_names"] == ["陕西"] and all("short_names" in d for _, d in G.nodes(data=True))
