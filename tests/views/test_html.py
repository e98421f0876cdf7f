"""The HTML page: offline, escaped, and working in a real browser (Debian's chromium, driven by Playwright)."""
import re
import shutil
from html.parser import HTMLParser

import pytest

import graph
from graph.build import build
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
    assert page.evaluate("kgNetwork.body.data.nodes.get('https://w3id.org/ewc/id/division/610000').hidden") is True
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
