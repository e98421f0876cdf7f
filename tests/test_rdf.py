import pyoxigraph as ox
from rdflib import URIRef

from graph.extraction import extract_text
from graph.rdf import EWC, MAX_EVIDENCE, RDFS, facts_json, graph_iri, quads, to_rdf

TEXT = ("苏陕协作\n\n2018-01-08 08:44:38|来源:陕西日报|编辑:王菲\n\n"
        "  江苏省2017年支援陕西省扶贫协作资金4.5亿元。汉中市与南通市结对。两省共建富(富平)丹(丹阳)产业园。\n")
FUPING = ox.NamedNode("https://w3id.org/ewc/id/division/610528")


def test_facts_json_is_read_back_from_the_document_graph():
    record = facts_json(quads(extract_text(TEXT, "a.txt")), "a.txt")
    assert record["doc"] == "a.txt"
    assert {"name": "富平县", "type": "County"} in record["entities"]
    assert {"rel": "pairedWith", "a": "南通市", "b": "汉中市"} in record["relations"]
    funds = [r for r in record["relations"] if r["rel"] == "funds"]
    assert funds == [{"rel": "funds", "from": "江苏省", "to": "陕西省", "amount_cny": 450000000, "year": 2017, "kind": "FiscalAid"}]
    [cob] = [r for r in record["relations"] if r["rel"] == "coBuilds"]
    assert cob["park"] == "富丹产业园" and {"富平县", "丹阳市"} <= set(cob["partners"])


def test_facts_json_reads_an_rdflib_graph_the_same():
    facts = extract_text(TEXT, "a.txt")
    g = to_rdf(facts).graph(URIRef(graph_iri("a.txt").value))
    assert len(g) == len(quads(facts)) > 0
    assert facts_json(g, "a.txt") == facts_json(quads(facts), "a.txt")


def test_divisions_by_code_with_labels_parent_and_evidence():
    store = ox.Store()
    store.extend(quads(extract_text(TEXT, "a.txt")))
    g = graph_iri("a.txt")
    labels = {q.object.value for q in store.quads_for_pattern(FUPING, RDFS.label, None, g)}
    assert labels == {"富平县", "Fuping County"}
    assert ox.Quad(FUPING, EWC.partOf, ox.NamedNode("https://w3id.org/ewc/id/division/610500"), g) in store
    [row] = store.query("""PREFIX ewc: <https://w3id.org/ewc/ontology#>
        SELECT ?text ?start ?end ?rule WHERE { GRAPH ?g { <https://w3id.org/ewc/id/division/610528> ewc:evidence ?ev .
        ?ev ewc:text ?text ; ewc:start ?start ; ewc:end ?end ; ewc:rule ?rule } }""")
    assert row["text"].value == "富平" and TEXT[int(row["start"].value):int(row["end"].value)] == "富平"


def test_a_graph_holds_each_quad_once():
    graph = quads(extract_text(TEXT + "  汉中市与南通市结对。\n", "a.txt"))
    assert len(graph) == len(set(graph))


def test_a_document_quotes_each_entity_and_fact_at_most_max_evidence_times():
    facts = extract_text(TEXT + "  汉中市与南通市结对。\n" * 200, "long.txt")
    graph = quads(facts)
    quotes = {}
    for q in graph:
        if q.predicate == EWC.evidence:
            quotes[q.subject] = quotes.get(q.subject, 0) + 1
    hanzhong = next(q.subject for q in graph if q.predicate == RDFS.label and q.object.value == "汉中市")
    pairing = next(q.subject for q in graph if q.predicate == RDFS.label and q.object.value == "南通市—汉中市结对")
    assert quotes[hanzhong] == quotes[pairing] == MAX_EVIDENCE  # the first of 200
    assert facts_json(graph, "long.txt")["relations"] == facts_json(quads(extract_text(TEXT + "  汉中市与南通市结对。\n", "a.txt")), "long.txt")["relations"]


def test_same_fact_in_two_documents_is_one_node_with_two_evidence_links():
    ds = to_rdf(extract_text(TEXT, "a.txt"))
    to_rdf(extract_text(TEXT, "b.txt"), ds)
    rows = list(ds.query("""PREFIX ewc: <https://w3id.org/ewc/ontology#>
        SELECT ?p (COUNT(DISTINCT ?doc) AS ?docs) WHERE { GRAPH ?g { ?p a ewc:Pairing ; ewc:evidence/ewc:inDocument ?doc } }
        GROUP BY ?p"""))
    assert len(rows) == 2 and {int(r.docs) for r in rows} == {2}  # 江苏–陕西 and 汉中–南通, each from both


def test_a_pairing_named_in_either_order_has_one_label():
    ds = to_rdf(extract_text(TEXT, "a.txt"))
    to_rdf(extract_text(TEXT.replace("汉中市与南通市", "南通市与汉中市"), "b.txt"), ds)
    labels = {str(r.l) for r in ds.query("""PREFIX ewc: <https://w3id.org/ewc/ontology#>
        SELECT DISTINCT ?l WHERE { GRAPH ?g { ?p a ewc:Pairing ; ewc:partner <https://w3id.org/ewc/id/division/320600> ;
        <http://www.w3.org/2000/01/rdf-schema#label> ?l } }""")}
    assert labels == {"南通市—汉中市结对"}  # partners in code order, as the pairing's IRI has them


def test_every_fact_is_stated_in_the_documents_of_its_evidence():
    ds = to_rdf(extract_text(TEXT, "a.txt"))
    to_rdf(extract_text(TEXT + "  陕西省引进135家企业。\n", "b.txt"), ds)  # and a figure
    pairs = lambda where: {(str(r.f), str(r.d)) for r in ds.query(  # noqa: E731
        "PREFIX ewc: <https://w3id.org/ewc/ontology#> SELECT DISTINCT ?f ?d WHERE { GRAPH ?g { %s } }" % where)}
    stated = pairs("?f ewc:statedIn ?d")
    assert stated == pairs("?f ewc:evidence/ewc:inDocument ?d ; a ?c VALUES ?c { ewc:Pairing ewc:Funding ewc:CoBuilding ewc:Observation }")
    assert {d.rsplit("/", 1)[1] for _, d in stated} == {"a.txt", "b.txt"} and any("/observation/" in f for f, _ in stated)


def test_rebuilding_a_document_replaces_exactly_its_graph():
    ds = to_rdf(extract_text(TEXT, "a.txt"))
    to_rdf(extract_text(TEXT, "b.txt"), ds)
    to_rdf(extract_text("标题\n\n  福建省与宁夏回族自治区结对。\n", "a.txt"), ds)
    a = facts_json(ds.graph(URIRef(graph_iri("a.txt").value)), "a.txt")
    b = facts_json(ds.graph(URIRef(graph_iri("b.txt").value)), "b.txt")
    assert [{r["a"], r["b"]} for r in a["relations"]] == [{"宁夏回族自治区", "福建省"}]
    assert {"rel": "pairedWith", "a": "南通市", "b": "汉中市"} in b["relations"]


def test_a_division_is_named_as_the_document_calls_it_and_keeps_one_label():
    old = extract_text("苏陕协作纪实\n\n2012-11-20 来源:陕西日报\n\n常州金坛市与陕西紫阳县结对帮扶,金坛市投入资金90万元。", "old.txt")
    new = extract_text("苏陕协作纪实\n\n2022-11-20 来源:陕西日报\n\n常州市金坛区与陕西紫阳县结对帮扶。", "new.txt")
    assert {"name": "金坛市", "type": "County"} in facts_json(quads(old), "old.txt")["entities"]
    assert {"rel": "pairedWith", "a": "紫阳县", "b": "金坛市"} in facts_json(quads(old), "old.txt")["relations"]
    assert {"name": "金坛区", "type": "County"} in facts_json(quads(new), "new.txt")["entities"]
    store = ox.Store()
    store.extend(quads(old) + quads(new))
    jintan = ox.NamedNode("https://w3id.org/ewc/id/division/320413")
    labels = {q.object.value for q in store.quads_for_pattern(jintan, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), None)}
    assert labels == {"金坛区"}  # one preferred label; the name of 2012 is a former name with its years
    rows = list(store.query("PREFIX ewc: <https://w3id.org/ewc/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                            "SELECT DISTINCT ?name ?until ?doc WHERE { ?d ewc:formerName ?n . ?n skos:literalForm ?name ; "
                            "ewc:validUntil ?until . ?doc ewc:usesName ?n }", use_default_graph_as_union=True))
    assert [(r["name"].value, r["doc"].value.endswith("old.txt")) for r in rows] == [("金坛市", True)]


def test_a_home_place_the_document_does_not_mention_costs_no_document():
    facts = extract_text("卓尼县2022年上半年东西部协作工作总结\n\n发布日期:2022-07-05 来源:卓尼县乡村振兴局\n\n天津市河东区与甘肃省甘南州结对。",
                         "z.txt")
    facts = type(facts)(**{**facts.__dict__, "document": type(facts.document)(**{**facts.document.__dict__, "home": "division:999999"})})
    assert facts_json(quads(facts), "z.txt")["doc"] == "z.txt"


def test_a_mention_quotes_what_its_span_reads_not_the_name_it_was_given():  # tests/test_properties.py
    facts = extract_text("标题\n\n来源:陕西日报\n\n苏陕扶贫协作深入推进。苏陕协作成效明显。"
                         "丽水推进莲都—义乌、龙泉—萧山等2个省级山海协作产业园建设。", "a.txt")
    quoted = {(m.entity, m.text) for m in facts.mentions if facts.text[m.evidence.start:m.evidence.end] == m.text}
    assert {(m.entity, m.text) for m in facts.mentions} == quoted
    assert ("program:苏陕扶贫协作", "苏陕协作") in quoted and ("park:莲都—义乌山海协作产业园", "莲都—义乌") in quoted
