"""The HTML page: offline, escaped, and working in a real browser (Debian's chromium, driven by Playwright)."""
import re
import shutil
from html.parser import HTMLParser

import pytest

import graph
from graph.builder import build
from graph.views import html

FUPING = "https://w3id.org/ewc/id/division/610528"
HOSTILE = ("苏陕协作<script>window.__pwned=1</script>新闻\n\n"
           "2020-01-02 10:00|来源:陕西日报|编辑:王<img src=x onerror=\"window.__pwned=2\">\n\n"
           "  江苏省与陕西省结对帮扶。江苏省2019年支援陕西省资金1亿元</script><script>window.__pwned=3</script>。"
           "我省开展“<b onmouseover=x>援陕”活动。\n")


class Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.external, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith(("data:", "#")):
                self.external.append(value)


def test_page_holds_everything_it_needs(built_corpus):
    page = (built_corpus / "graph.html").read_text(encoding="utf-8")
    parser = Resources()
    parser.feed(page)
    assert parser.external == [] and "link" not in parser.tags and "iframe" not in parser.tags
    assert "vis.Network" in page and "default-src 'none'" in page
    assert "base-uri 'none'" in page and "form-action 'none'" in page  # no <base> or form can send anything off
    assert '"label": "富平县"' in page  # the data as UTF-8, not as uXXXX escapes


def test_heading_and_data_are_escaped():
    import networkx as nx

    G = nx.MultiDiGraph()
    G.add_node("urn:x", label="</script><script>alert(1)</script>", label_en=None, type="Program")
    page = html.render(G, heading="<img src=x onerror=alert(2)>")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "</script><script>alert(1)" not in page
    benign = nx.MultiDiGraph()
    benign.add_node("urn:x", label="x", label_en=None, type="Program")
    assert page.count("<script") == html.render(benign).count("<script")  # nothing added by the data


def test_tooltips_list_a_few_sentences_documents_and_relations_and_say_how_many_more():
    import networkx as nx

    G = nx.MultiDiGraph()
    G.add_node("a", label="江苏省", type="Province")
    G.add_node("b", label="陕西省", type="Province")
    edge = {"relation": "pairedWith", "level": "Province", "years": [2017],
            "sentences": [f"第{i}句。" for i in range(20)], "titles": [f"文{i}" for i in range(12)]}
    lines = html.edge_tooltip(G, "a", "b", edge).splitlines()
    assert [x for x in lines if x.startswith("· ")] == [f"· 第{i}句。" for i in range(html.TOOLTIP_SENTENCES)]
    assert "—— 文0；文1" in lines[-2] and lines[-2].endswith("等 12 篇")
    assert lines[-1] == "…共 20 句: kg query evidence --param a=江苏省 --param b=陕西省"
    edge.update(sentences=["一句。"], titles=["文0"])
    assert html.edge_tooltip(G, "a", "b", edge).splitlines()[-2:] == ["· 一句。", "—— 文0"]
    for i in range(html.TOOLTIP_RELATIONS + 5):
        G.add_node(i, label=f"县{i}", type="County")
        G.add_edge("a", i, relation="funds", amount=1e8, currency="CNY")
    lines = html.node_tooltip(G, "a").splitlines()
    assert lines[2:4] == ["资助 县0 1亿元", "资助 县1 1亿元"] and len(lines) == 2 + html.TOOLTIP_RELATIONS + 1
    assert lines[-1] == f"…共 {html.TOOLTIP_RELATIONS + 5} 项关系: kg query place --param place=江苏省"


def test_a_document_with_a_very_long_title_and_sentence_makes_a_page_no_larger(tmp_path):
    import json

    text = "江苏省南京市与陕西省商洛市结对帮扶。江苏省2019年支援陕西省资金1亿元。"
    long_sentence = "福州市与固原市结对帮扶" + "，双方持续推进协作" * 20000 + "。"
    sizes, records = {}, {}
    for name, title, body in (("short", "苏陕协作", text), ("long", "苏陕协作" + "长" * 200_000, text + long_sentence)):
        (tmp_path / name).mkdir()
        records[name] = json.dumps({"text": body, "title": title, "date": "2019-06-12", "url": "https://example.org/a/1"},
                                   ensure_ascii=False) + "\n"
        (tmp_path / name / "feed.jsonl").write_text(records[name], encoding="utf-8")
        build([tmp_path / name], tmp_path / name / "out")
        sizes[name] = (tmp_path / name / "out" / "graph.html").stat().st_size
    assert sizes["long"] - sizes["short"] < len(records["long"].encode("utf-8")) / 100  # it made 7.8 MB of 1.1 MB
    page = (tmp_path / "long" / "out" / "graph.html").read_text(encoding="utf-8")
    edges = json.loads(re.search(r"^const EDGES = (.*);$", page, re.M)[1])
    titles = [title for e in edges for title, _ in e["sources"]]
    assert len(titles) == len(edges) > 1 and set(titles) == {"苏陕协作" + "长" * (html.TITLE_CHARS - 5) + "…"}
    [tooltip] = [e["title"] for e in edges if "福州市" in e["title"]]
    assert tooltip.splitlines()[2:] == ["· " + long_sentence[:html.SENTENCE_CHARS - 1] + "…", "—— " + titles[0]]


def test_long_names_are_cut_on_the_map_and_in_tooltips():
    import networkx as nx

    G = nx.MultiDiGraph()
    G.add_node("a", label="江苏省", type="Province")
    G.add_node("b", label="援" * 100_000, type="Program")
    G.add_edge("a", "b", relation="coBuilds", sentences=["一句。"], titles=["文0"])
    page = html.render(G)
    assert len(page) < len(html.render(nx.MultiDiGraph())) + 10_000
    name = "援" * (html.LABEL_CHARS - 1) + "…"
    assert html.node_tooltip(G, "a").splitlines()[2] == f"共建 {name}" and html.node_tooltip(G, "b").startswith(name + "\n")
    assert html.edge_tooltip(G, "a", "b", G.edges["a", "b", 0]).startswith(f"江苏省 共建 {name}\n")
    assert f'"label": "{name}"' in page


def test_an_edge_lists_its_first_documents_with_web_addresses_only():
    edge = {"titles": [f"文{i}" for i in range(12)], "urls": ["https://a.cn/1", "", "javascript:alert(1)", "HTTP://B.CN/2"] + [""] * 8}
    assert html.sources(edge)[:4] == [["文0", "https://a.cn/1"], ["文1", ""], ["文2", ""], ["文3", "HTTP://B.CN/2"]]
    assert len(html.sources(edge)) == html.TOOLTIP_SENTENCES and html.sources({}) == []


def test_the_pyvis_network_renders_on_its_own(built_corpus):
    net = html.to_pyvis(graph.to_networkx(built_corpus))
    page = net.generate_html()
    assert "division/610528" in page and "vis.Network" in page and "https://cdn" not in page


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not shutil.which(chromium):
        pytest.fail("Debian's chromium is not installed: .ci/run installs it (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-quic",
                                                              "--disable-background-networking", "--no-first-run"])
        yield b
        b.close()


def open_page(browser, path):
    """The page from file:// with every other request blocked, and whatever it says on the console."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    requests, problems = [], []
    context.route(re.compile(r"^(?!file:).*"), lambda route: (requests.append(route.request.url), route.abort()))
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-drawn=yes]", state="attached", timeout=20000)
    return page, requests, problems


def hover(page, node_id):
    point = page.evaluate("""id => { const p = kgNetwork.canvasToDOM(kgNetwork.getPositions([id])[id]);
        const box = document.getElementById('network').getBoundingClientRect();
        return {x: p.x + box.left, y: p.y + box.top}; }""", node_id)
    page.mouse.move(point["x"] - 40, point["y"] - 40)
    page.mouse.move(point["x"], point["y"], steps=5)
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=5000)
    return tooltip


def test_in_browser_offline_counts_tooltip_filter(browser, built_corpus, tmp_path):
    G = graph.to_networkx(built_corpus)
    page, requests, problems = open_page(browser, built_corpus / "graph.html")
    assert requests == [] and problems == []
    assert page.evaluate("kgVisible") == {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()}
    assert page.evaluate("kgNetwork.body.data.nodes.length") == G.number_of_nodes()
    text = hover(page, FUPING).inner_text()
    assert "富平县 (Fuping County)" in text and "610528" in text and "上级 渭南市" in text
    page.locator("input[data-type=County]").uncheck()
    assert page.evaluate(f"kgNetwork.body.data.nodes.get('{FUPING}').hidden") is True
    assert page.evaluate("kgVisible.nodes") == G.number_of_nodes() - sum(1 for _, d in G.nodes(data=True) if d["type"] == "County")
    page.select_option("#province", "https://w3id.org/ewc/id/division/320000")
    # 江苏's partner in another province is shown (issue 19); 陕西's counties stay hidden, their type unticked
    assert page.evaluate("kgNetwork.body.data.nodes.get('https://w3id.org/ewc/id/division/610000').hidden") is False
    assert page.evaluate(f"kgNetwork.body.data.nodes.get('{FUPING}').hidden") is True
    page.fill("#search", "南通")
    page.press("#search", "Enter")
    assert page.locator("#found").inner_text() == "找到 1 个"
    page.screenshot(path=str(tmp_path / "graph.png"))
    assert (tmp_path / "graph.png").stat().st_size > 10000


def test_in_browser_hostile_document_is_shown_as_text(browser, tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    build([tmp_path / "corpus"], tmp_path / "out")
    page, requests, problems = open_page(browser, tmp_path / "out" / "graph.html")
    assert requests == [] and problems == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    program = "https://w3id.org/ewc/id/program/" + "%3Cb%20onmouseover%3Dx%3E%E6%8F%B4%E9%99%95"
    tooltip = hover(page, program)
    assert tooltip.inner_text().startswith("<b onmouseover=x>援陕") and "&lt;b" in tooltip.inner_html()
    funding = page.evaluate("kgNetwork.body.data.edges.get().filter(e => e.relation === 'funds')[0].title")
    assert "</script><script>window.__pwned=3</script>" in funding
    assert page.locator("img").count() == 0 and page.evaluate("typeof window.__pwned") == "undefined"


def test_in_browser_a_click_on_a_relation_lists_its_documents_and_links_them(browser, tmp_path):
    import json

    (tmp_path / "corpus").mkdir()
    record = {"text": "福州市与固原市结对帮扶。", "title": "闽宁协作", "date": "2019-06-12", "url": "https://example.org/a/1"}
    (tmp_path / "corpus" / "feed.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    for day in range(1, 11):  # ten more, none with an address: the list shows the first eight and the count
        (tmp_path / "corpus" / f"b{day}.txt").write_text(f"结对报道\n\n2019-07-{day:02d} 08:00|来源:宁夏日报\n\n  福州市与固原市结对帮扶。\n",
                                                         encoding="utf-8")
    build([tmp_path / "corpus"], tmp_path / "out")
    page, requests, problems = open_page(browser, tmp_path / "out" / "graph.html")
    point = page.evaluate("""() => { const e = kgNetwork.body.data.edges.get().find(e => e.documents === 11);  // not 闽宁's, from the title
        const p = kgNetwork.getPositions([e.from, e.to]);
        const m = kgNetwork.canvasToDOM({x: (p[e.from].x + p[e.to].x) / 2, y: (p[e.from].y + p[e.to].y) / 2});
        const box = document.getElementById('network').getBoundingClientRect();
        return {x: m.x + box.left, y: m.y + box.top}; }""")
    page.mouse.click(point["x"], point["y"])
    items = page.locator("#details li")
    assert items.count() == html.TOOLTIP_SENTENCES and page.locator("#details").inner_text().startswith("来源 Sources")
    assert "前 8 篇, 共 11 篇" in page.locator("#details").inner_text()
    link = items.nth(0).locator("a")  # in date order: the record of 12 June, then the articles of July
    assert link.inner_text() == "闽宁协作 2019-06-12" and link.get_attribute("href") == "https://example.org/a/1"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert items.nth(1).inner_text() == "结对报道 2019-07-01" and items.nth(1).locator("a").count() == 0
    page.mouse.click(5 + page.evaluate("document.getElementById('network').getBoundingClientRect().left"), 5)
    assert page.locator("#details li").count() == 0  # a click elsewhere clears the list
    assert requests == [] and problems == []


# Issue 19: the page at 1,000+ articles. A small graph with everything the page shows, written out exactly.
D = "https://w3id.org/ewc/id/division/"
JIANGSU, NANJING, SHAANXI, SHANGLUO, FUPING_, HONGHE, YUNNAN, BAISE, GUANGXI = (
    D + c for c in ("320000", "320100", "610000", "611000", "610528", "532500", "530000", "451000", "450000"))
PARK = "https://w3id.org/ewc/id/park/su-shaan"


def place(G, iri, label, label_en, kind, parent, province, lon, lat, short=(), titles=(), urls=()):
    G.add_node(iri, label=label, label_en=label_en, type=kind, code=iri.rsplit("/", 1)[1] if "division" in iri else None,
               parent=parent, province=province, lon=lon, lat=lat, documents=len(titles), short_names=list(short),
               titles=list(titles), urls=list(urls))


def fact(G, u, v, relation, **attrs):
    base = {"relation": relation, "evidence": 1, "sentences": ["一句。"], "titles": ["报道 2020-01-01"], "urls": [""]}
    G.add_edge(u, v, **{**base, **attrs})


def issue19_graph():
    import networkx as nx

    G = nx.MultiDiGraph()
    place(G, JIANGSU, "江苏省", "Jiangsu Province", "Province", None, JIANGSU, 118.762765, 32.060875, ["江苏"])
    place(G, NANJING, "南京市", "Nanjing City", "City", JIANGSU, JIANGSU, 118.796682, 32.05957, ["南京"])
    place(G, SHAANXI, "陕西省", "Shaanxi Province", "Province", None, SHAANXI, 108.954347, 34.265502, ["陕西"],
          titles=["苏陕协作<img src=x onerror=\"window.__pwned=1\"> 2019-06-12", "无址 2019-07-01", "脚本 2019-08-01"],
          urls=["https://example.org/a/1", "", "javascript:window.__pwned=2"])
    place(G, SHANGLUO, "商洛市", "Shangluo City", "City", SHAANXI, SHAANXI, 109.94, 33.87, ["商洛"])
    place(G, FUPING_, "富平县", "Fuping County", "County", None, SHAANXI, 109.18, 34.75, ["富平"])
    place(G, YUNNAN, "云南省", "Yunnan Province", "Province", None, YUNNAN, 102.71, 25.04, ["云南"])
    place(G, HONGHE, "红河哈尼族彝族自治州", "Honghe Autonomous Prefecture", "City", YUNNAN, YUNNAN, 103.37, 23.36, ["红河州", "红河"])
    place(G, GUANGXI, "广西壮族自治区", "Guangxi Zhuang Autonomous Region", "Province", None, GUANGXI, 108.33, 22.82, ["广西"])
    place(G, BAISE, "百色市", "Baise City", "City", GUANGXI, GUANGXI, 106.62, 23.90, ["百色"])
    place(G, PARK, "苏陕产业园", None, "Park", None, None, None, None)
    fact(G, JIANGSU, SHAANXI, "pairedWith", symmetric=True, level="Province", years=[2017])
    fact(G, JIANGSU, SHAANXI, "funds", amount=450000000, currency="CNY", year=2017, kind="FiscalAid")
    fact(G, NANJING, SHANGLUO, "pairedWith", symmetric=True, level="City", years=[])
    fact(G, NANJING, SHANGLUO, "funds", amount=20000000, currency="CNY", year=2020, kind="FiscalAid")
    fact(G, NANJING, PARK, "coBuilds")
    fact(G, BAISE, HONGHE, "pairedWith", symmetric=True, level="City", years=[2021])
    return G


@pytest.fixture(scope="module")
def issue19_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("issue19") / "graph.html"
    html.write(issue19_graph(), path)
    return path


def hidden(page, iri):
    return page.evaluate("id => kgNetwork.body.data.nodes.get(id).hidden", iri)


def inside_view(page, iri):
    """Whether the node is drawn within the network's canvas."""
    return page.evaluate("""id => { const p = kgNetwork.canvasToDOM(kgNetwork.getPositions([id])[id]);
        const box = document.getElementById('network').getBoundingClientRect();
        return p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height; }""", iri)


def click_node(page, iri):
    point = page.evaluate("""id => { const p = kgNetwork.canvasToDOM(kgNetwork.getPositions([id])[id]);
        const box = document.getElementById('network').getBoundingClientRect();
        return {x: p.x + box.left, y: p.y + box.top}; }""", iri)
    page.mouse.click(point["x"], point["y"])


def click_background(page):
    box = page.evaluate("(b => ({x: b.left, y: b.top}))(document.getElementById('network').getBoundingClientRect())")
    page.mouse.click(box["x"] + 3, box["y"] + 3)


def test_in_browser_a_province_shows_its_places_all_their_relations_and_their_partners(browser, issue19_page):
    # 陕西省 showed its 53 places and none of its 1,200 relations: every partner was in another province
    page, requests, problems = open_page(browser, issue19_page)
    page.select_option("#province", SHAANXI)
    assert page.evaluate("kgVisible") == {"nodes": 5, "edges": 4}  # its three places, 江苏省 and 南京市; 2 pairings, 2 fundings
    assert [hidden(page, n) for n in (SHAANXI, SHANGLUO, FUPING_, JIANGSU, NANJING)] == [False] * 5
    assert hidden(page, PARK) and hidden(page, HONGHE) and hidden(page, BAISE)  # the park is 南京's, not 陕西's
    assert all(inside_view(page, n) for n in (SHAANXI, FUPING_, JIANGSU, NANJING))  # fitted to them
    page.select_option("#province", YUNNAN)
    assert page.evaluate("kgVisible") == {"nodes": 3, "edges": 1} and not hidden(page, BAISE)
    assert requests == [] and problems == []


def test_in_browser_a_click_on_a_place_selects_it_and_a_click_on_the_background_clears_it(browser, issue19_page):
    page, requests, problems = open_page(browser, issue19_page)
    click_node(page, SHAANXI)
    details = page.locator("#details")
    text = details.inner_text()
    assert text.startswith("陕西省\nShaanxi Province\n简称 陕西\n级别 省级 Province\n代码 610000")
    assert page.locator("#details ul[data-relation=pairedWith] li").all_inner_texts() == ["江苏省 · Province · 2017"]
    assert page.locator("#details ul[data-relation=funds] li").all_inner_texts() == ["江苏省 → 陕西省 · 4.5亿元 · 2017 · FiscalAid"]
    items = page.locator("#details ol li")
    assert items.all_inner_texts() == ["苏陕协作<img src=x onerror=\"window.__pwned=1\"> 2019-06-12", "无址 2019-07-01", "脚本 2019-08-01"]
    link = items.nth(0).locator("a")
    assert link.get_attribute("href") == "https://example.org/a/1" and link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert items.nth(1).locator("a").count() == 0 and items.nth(2).locator("a").count() == 0  # no address, javascript:
    assert page.locator("img").count() == 0 and page.evaluate("typeof window.__pwned") == "undefined"
    opacity = "id => kgNetwork.body.data.nodes.get(id).opacity ?? 1"
    assert page.evaluate("kgSelected") == {"id": SHAANXI, "neighbours": 1}
    assert page.evaluate(opacity, JIANGSU) == 1 and page.evaluate(opacity, HONGHE) < 0.5 and page.evaluate(opacity, NANJING) < 0.5
    click_node(page, NANJING)
    assert page.locator("#details ul[data-relation=coBuilds] li").all_inner_texts() == ["苏陕产业园"]
    assert "上级 江苏省" in details.inner_text() and page.evaluate(opacity, JIANGSU) < 0.5
    click_background(page)
    assert details.inner_text() == "" and page.evaluate("kgSelected") is None
    assert page.evaluate(opacity, HONGHE) == 1 and page.evaluate(opacity, JIANGSU) == 1
    assert requests == [] and problems == []


def test_in_browser_the_year_range_hides_facts_of_other_years(browser, issue19_page):
    page, requests, problems = open_page(browser, issue19_page)
    assert page.evaluate("[document.getElementById('year-from').value, document.getElementById('year-to').value]") == ["2017", "2021"]
    fund = "(year => kgNetwork.body.data.edges.get().find(e => e.relation === 'funds' && e.years[0] === year).hidden)"
    undated = "kgNetwork.body.data.edges.get().find(e => e.relation === 'pairedWith' && !e.years.length).hidden"
    assert page.evaluate(fund, 2020) is False and page.evaluate(fund, 2017) is False
    page.fill("#year-to", "2019")
    page.dispatch_event("#year-to", "change")
    assert page.evaluate(fund, 2020) is True and page.evaluate(fund, 2017) is False and page.evaluate(undated) is False
    page.locator("#undated").uncheck()
    assert page.evaluate(undated) is True and page.evaluate("kgVisible.edges") == 2  # 2017's pairing and fund
    click_node(page, NANJING)
    assert "商洛市 · City · 年份不详" in page.locator("#details").inner_text()  # the panel still lists every fact, with its years
    assert requests == [] and problems == []


@pytest.mark.parametrize("query, found", [("富平", FUPING_), ("红河州", HONGHE), ("Baise", BAISE), ("shaanxi", SHAANXI),
                                          ("陕西省", SHAANXI)])
def test_in_browser_search_finds_short_and_english_names_and_focuses_the_match(browser, issue19_page, query, found):
    page, requests, problems = open_page(browser, issue19_page)
    page.fill("#search", query)
    page.press("#search", "Enter")
    assert page.evaluate("kgSelected.id") == found
    centre = page.evaluate("""id => { const v = kgNetwork.getViewPosition(), p = kgNetwork.getPositions([id])[id];
        return Math.hypot(v.x - p.x, v.y - p.y); }""", found)
    assert centre < 1 and page.evaluate("kgNetwork.getScale()") >= 1.2
    assert requests == [] and problems == []


def test_in_browser_the_legend_lists_only_the_types_and_relations_present(browser, tmp_path):
    import networkx as nx

    G = nx.MultiDiGraph()
    place(G, JIANGSU, "江苏省", "Jiangsu Province", "Province", None, JIANGSU, 118.76, 32.06)
    place(G, FUPING_, "富平县", "Fuping County", "County", None, SHAANXI, 109.18, 34.75)
    fact(G, JIANGSU, FUPING_, "pairedWith", symmetric=True, level="County", years=[2017])
    html.write(G, tmp_path / "graph.html")
    page, requests, problems = open_page(browser, tmp_path / "graph.html")
    assert page.eval_on_selector_all("#types input", "xs => xs.map(x => x.dataset.type)") == ["Province", "County"]
    assert page.eval_on_selector_all("#relations input", "xs => xs.map(x => x.dataset.relation)") == ["pairedWith"]
    assert requests == [] and problems == []


def many_places(n: int = 600):
    """issue19_graph with n counties more, spread over its four provinces."""
    G = issue19_graph()
    provinces = [(JIANGSU, 118.7, 32), (SHAANXI, 108.9, 34.2), (YUNNAN, 102.7, 25), (GUANGXI, 108.3, 22.8)]
    for i in range(n):
        p, lon, lat = provinces[i % 4]
        iri = f"{D}9{i:05d}"
        place(G, iri, f"县{i}", f"County {i}", "County", p, p, lon + (i // 4 % 20) * 0.1 - 1, lat + (i // 80) * 0.1 - 0.4)
        fact(G, iri, provinces[(i + 1) % 4][0], "pairedWith", symmetric=True, level="County", years=[2018])
    # another document's figure for a year already counted: listed, not added to the totals
    fact(G, JIANGSU, SHAANXI, "funds", amount=300000000, currency="CNY", year=2017, kind="FiscalAid", counted=False)
    return G


def test_in_browser_a_large_graph_opens_on_provinces_and_a_click_expands_one(browser, tmp_path):
    html.write(many_places(), tmp_path / "graph.html")
    page, requests, problems = open_page(browser, tmp_path / "graph.html")
    assert page.evaluate("kgVisible") == {"nodes": 0, "edges": 0}
    groups = page.evaluate("kgNetwork.body.data.nodes.get().filter(n => !n.hidden).map(n => n.label).sort()")
    assert groups == sorted(["江苏省", "陕西省", "云南省", "广西壮族自治区", "其他 other"])  # the park is of no province
    links = page.evaluate("kgNetwork.body.data.edges.get().filter(e => e.link)")
    [js_sx] = [e for e in links if {e["from"], e["to"]} == {"group:" + JIANGSU, "group:" + SHAANXI}]
    assert js_sx["pairings"] == 152 and js_sx["amount"] == 470000000  # 150 counties' pairings and the two provinces', 南京-商洛
    assert js_sx["width"] > max(e["width"] for e in links if e is not js_sx and not e["amount"])  # money makes it wider
    assert "结对 152 项 · 资助 3 笔 4.7亿元" in js_sx["title"]
    status = page.text_content("#status")  # the links between provinces are counted where relations are hidden
    assert status.startswith("显示 0 / ") and status.endswith(f"总览 5 个省份 provinces, {len(links)} 条连线 links")
    click_node(page, "group:" + SHAANXI)
    assert not hidden(page, FUPING_) and not hidden(page, SHAANXI) and page.evaluate("kgOverview.groups") == 4
    assert page.evaluate("id => kgNetwork.body.data.nodes.get('group:' + id)", SHAANXI) is None
    assert page.evaluate("kgVisible.nodes") == 3 + 150  # 陕西's own three places and its 150 counties
    page.fill("#search", "Baise")  # a search opens the province of its match
    page.press("#search", "Enter")
    assert not hidden(page, BAISE) and page.evaluate("kgSelected.id") == BAISE
    assert requests == [] and problems == []


def test_places_that_share_coordinates_are_spread_so_none_hides_another():
    import networkx as nx

    G = nx.MultiDiGraph()
    place(G, "sh", "上海市", "Shanghai", "Province", None, "sh", 121.473662, 31.230372)
    for i, (lon, lat) in enumerate([(121.484428, 31.231739), (121.473662, 31.230372), (121.447453, 31.227906)]):
        place(G, f"d{i}", f"区{i}", None, "County", "sh", "sh", lon, lat)
        fact(G, "sh", f"d{i}", "pairedWith", symmetric=True, level="County", years=[])
    pos = html.geo_layout(G)
    for a in G:
        for b in G:
            if a < b:
                need = 0.75 * (html.size(G.degree(a)) + html.size(G.degree(b)))
                assert ((pos[a][0] - pos[b][0]) ** 2 + (pos[a][1] - pos[b][1]) ** 2) ** 0.5 >= need - 0.2, (a, b)
    assert abs(pos["sh"][0] - 121.47 * html.PIXELS_PER_DEGREE) < 30  # still where it is on the map


def test_the_force_layout_needs_no_scipy_at_a_thousand_nodes():
    G = many_places(1000)
    pos = html.force_layout(G)
    assert set(pos) == set(G) and len(set(pos.values())) == len(G)
    page = html.render(G, layout="force")
    assert '"x": %s' % pos[FUPING_][0] in page


def outlines():
    import json

    from graph.lexicon import DATA

    return json.loads((DATA / "provinces.json").read_text(encoding="utf-8"))


def inside(point, rings) -> bool:
    """Whether the point is inside the rings (even–odd rule)."""
    x, y = point
    crossings = 0
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                crossings += 1
    return crossings % 2 == 1


def test_the_province_outlines_are_small_licensed_and_each_holds_its_capital():
    from graph.gazetteer import gazetteer
    from graph.lexicon import DATA

    data = outlines()
    capitals = {d.code: (d.lon, d.lat) for d in gazetteer().divisions.values() if d.level == "Province"}
    by_code = {p["code"]: p for p in data["provinces"]}
    assert len(capitals) == 31 and set(by_code) == set(capitals) | {"710000", "810000", "820000"}  # 台湾, 香港, 澳门
    for code, p in by_code.items():
        assert p["rings"] and all(len(r) >= 3 for r in p["rings"]), p["name"]
        assert all(73 < lon < 136 and 18 < lat < 54 for r in p["rings"] for lon, lat in r), p["name"]
    for code, capital in capitals.items():  # decoded where they are, not shifted or mirrored
        assert inside(capital, by_code[code]["rings"]) and not inside(capital, by_code["710000"]["rings"]), by_code[code]["name"]
    assert (data["package"], data["version"], data["licence"]) == ("echarts", "4.9.0", "Apache-2.0")
    assert "Version 2.0, January 2004" in (DATA / "provinces.LICENSE").read_text(encoding="utf-8")
    assert (DATA / "provinces.json").stat().st_size < 100_000


def basemap_of(page: str):
    import json

    return json.loads(re.search(r"^const BASEMAP = (.*);$", page, re.M)[1])


def test_the_geographic_layout_carries_the_province_outlines_and_the_force_layout_none():
    geo = basemap_of(html.render(issue19_graph()))
    assert geo["scale"] == html.PIXELS_PER_DEGREE and geo["provinces"] == outlines()["provinces"]
    assert "Apache-2.0" in geo["source"]
    assert basemap_of(html.render(issue19_graph(), layout="force")) is None


def canvas_row(page, lon_from, lon_to, lat, scale):
    """The canvas's pixels (RGBA) along latitude ``lat`` from ``lon_from`` to ``lon_to``, the view centred there
    at ``scale``, after a redraw."""
    k = html.PIXELS_PER_DEGREE
    return page.evaluate("""async ([x0, x1, y, scale]) => {
        await new Promise(done => { kgNetwork.once('afterDrawing', done); kgNetwork.moveTo({position: {x: (x0 + x1) / 2, y}, scale}); });
        const canvas = document.querySelector('#network canvas'), r = window.devicePixelRatio;
        const [a, b] = [kgNetwork.canvasToDOM({x: x0, y}), kgNetwork.canvasToDOM({x: x1, y})];
        const left = Math.max(0, Math.round(a.x * r)), right = Math.min(canvas.width, Math.round(b.x * r));
        return [...canvas.getContext('2d').getImageData(left, Math.round(a.y * r), right - left, 1).data]; }""",
                         [lon_from * k, lon_to * k, -lat * k, scale])


def strokes(row: list) -> list[int]:
    """The widths of the runs of outline pixels in a row: opaque grey, where the fill alone is nearly transparent."""
    runs, run = [], 0
    for i in range(0, len(row), 4):
        if row[i + 3] > 60:
            run += 1
        elif run:
            runs, run = runs + [run], 0
    return runs + ([run] if run else [])


def test_in_browser_the_geographic_layout_draws_thin_province_outlines_where_no_node_is(browser, issue19_page, tmp_path):
    page, requests, problems = open_page(browser, issue19_page)
    centre = page.evaluate("""id => { const p = kgNetwork.canvasToDOM(kgNetwork.getPositions([id])[id]), r = window.devicePixelRatio;
        return [...document.querySelector('#network canvas').getContext('2d').getImageData(p.x * r, p.y * r, 1, 1).data]; }""", YUNNAN)
    assert centre == [0xc0, 0x39, 0x2b, 255]  # the province's own colour: the outlines are under the nodes, not over
    west = canvas_row(page, 78, 100, 36, 0.3)  # 新疆, 西藏, 青海: no node within degrees of it
    assert len(strokes(west)) >= 3 and max(strokes(west)) <= 3  # borders crossed, each a pixel or two wide
    filled = [west[i + 3] for i in range(0, len(west), 4)]
    assert sum(0 < a <= 60 for a in filled) > len(filled) / 2  # the provinces' light fill between them
    close = canvas_row(page, 104, 108, 29.5, 4)  # zoomed in on 四川, 重庆: the lines stay as thin
    assert strokes(close) and max(strokes(close)) <= 3
    assert not any(canvas_row(page, 124, 128, 27, 1)[3::4])  # the sea east of 台湾: nothing drawn
    assert requests == [] and problems == []
    html.write(issue19_graph(), tmp_path / "force.html", layout="force")
    page, requests, problems = open_page(browser, tmp_path / "force.html")
    assert page.evaluate("BASEMAP") is None and not any(canvas_row(page, 78, 100, 36, 0.3)[3::4])
    assert requests == [] and problems == []


def test_in_browser_a_corrected_fact_is_marked_in_the_panel_and_on_its_edge(browser, tmp_path):
    from tests.test_corrections import A, B, CORRECTIONS

    (tmp_path / "corpus").mkdir()
    for name, text in (("a.txt", A), ("b.txt", B), ("corrections.toml", CORRECTIONS)):
        (tmp_path / "corpus" / name).write_text(text, encoding="utf-8")
    build([tmp_path / "corpus"], tmp_path / "out")
    page, requests, problems = open_page(browser, tmp_path / "out" / "graph.html")
    click_node(page, "https://w3id.org/ewc/id/division/530000")  # 云南省: one funding set, one not
    funds = page.locator("#details ul[data-relation=funds] li")
    assert {funds.nth(i).inner_text(): funds.nth(i).get_attribute("class") for i in range(funds.count())} == {
        "上海市 → 云南省 · 8.5亿元 · 2019 · FiscalAid · 已更正 corrected: the provincial report gives 8.5亿": "corrected",
        "上海市 → 云南省 · 9亿元 · 2020 · FiscalAid": None}
    labels = page.evaluate("kgNetwork.body.data.edges.get().filter(e => e.label).map(e => e.label)")
    assert labels == ["✎ 已更正", "✎ 已更正"]  # the set funding and the added one
    assert requests == [] and problems == []
