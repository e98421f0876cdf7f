"""kg fetch against a real HTTP server on the loopback: robots.txt, redirects, errors, timeouts, sizes,
charsets, feeds; and kg build reading the saved pages with the addresses they were served from."""
import datetime
import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from graph.fetcher import INDEX, LOCK, FetchError, feed_links, fetch, page_name

PAGE = "<html><head><title>沪滇协作</title></head><body><p>2017年，上海市向云南省投入财政援助资金10亿元。</p></body></html>"
BIG5 = "<html><body><p>2018年，廣東省向廣西壯族自治區投入財政援助資金5億元。</p></body></html>"
GBK = "<html><body><p>2019年，浙江省向四川省投入财政援助资金3亿元。</p></body></html>"
ROBOTS = "User-agent: *\nDisallow: /private/\n"


class Site(BaseHTTPRequestHandler):
    robots_status = 200

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", ctype="text/html; charset=utf-8", **headers):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if body is not None:
            self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        try:
            self.wfile.write(body or b"")
        except OSError:  # the client gave up (timeout, size limit)
            pass

    def do_GET(self):
        self.server.hits.append(self.path)
        path, base = self.path, f"http://127.0.0.1:{self.server.server_port}"
        if path == "/robots.txt":
            self.send(self.robots_status, ROBOTS.encode(), "text/plain")
        elif path in ("/ok.html", "/private/secret.html", "/landing.html"):
            self.send(200, PAGE.encode("utf-8"))
        elif path == "/old":
            self.send(301, b"", Location="/landing.html")
        elif path == "/loop":
            self.send(302, b"", Location="/loop")
        elif path == "/to-file":
            self.send(302, b"", Location="file:///etc/passwd")
        elif path == "/gbk.html":
            self.send(200, GBK.encode("gbk"), "text/html; charset=GBK")
        elif path == "/big5.html":
            self.send(200, BIG5.encode("big5"), "text/html; charset=big5")
        elif path == "/error":
            self.send(500, b"oops")
        elif path == "/slow":
            time.sleep(1.5)
            self.send(200, PAGE.encode())
        elif path == "/huge":  # no Content-Length: the limit must hold while reading
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(64):
                    self.wfile.write(b"<p>" + b"x" * 65536)
            except OSError:
                pass
        elif path == "/announced":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
        elif path == "/report.pdf":
            self.send(200, b"%PDF-1.4", "application/pdf")
        elif path == "/etag.html":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send(304, None, ETag='"v1"')
            else:
                self.send(200, PAGE.encode(), ETag='"v1"')
        elif path == "/feed.xml":
            items = "".join(f"<item><title>t</title><link>{link}</link></item>"
                            for link in (f"{base}/ok.html", "gbk.html", "/big5.html"))
            self.send(200, f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode(),
                      "application/rss+xml")
        else:
            self.send(404, b"no")


def serve(robots_status=200):
    handler = type("Handler", (Site,), {"robots_status": robots_status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads, server.block_on_close, server.hits = True, False, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def site(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = serve()
    yield server, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def quick(urls, into, **options):
    return fetch(urls, into, **{"delay": 0, "timeout": 0.5, "retries": 0, "backoff": 0, **options})


def test_pages_are_saved_as_served_and_kg_build_gives_each_its_address(site, tmp_path):
    from graph.builder import build
    from graph.query import load

    server, base = site
    into = tmp_path / "pages"
    report = quick([f"{base}/ok.html", f"{base}/old", f"{base}/gbk.html", f"{base}/big5.html"], into)
    assert report.failed == [] and len(report.fetched) == 4
    records = [json.loads(line) for line in (into / INDEX).read_text().splitlines()]
    assert [r["url"] for r in records] == [f"{base}/ok.html", f"{base}/old", f"{base}/gbk.html", f"{base}/big5.html"]
    assert records[1]["final_url"] == f"{base}/landing.html" and records[1]["status"] == 200
    assert records[2]["charset"] == "gbk" and records[3]["content_type"] == "text/html; charset=big5"
    assert all(r["fetched_at"].endswith("+00:00") for r in records)
    assert (into / records[2]["file"]).read_bytes() == GBK.encode("gbk")  # as served, not re-encoded
    assert (into / records[3]["file"]).read_bytes() == BIG5.encode("big5")

    build([into], tmp_path / "out", files=False, view=False)
    rows = load(tmp_path / "out").query(
        "PREFIX schema: <https://schema.org/> PREFIX ewc: <https://w3id.org/ewc/ontology#> "
        "SELECT ?url ?a WHERE { GRAPH ?g { ?d schema:url ?url . ?f ewc:amount ?a } }")
    found = {str(row["url"]): float(str(row["a"])) for row in rows}
    assert found.get(f"{base}/landing.html") == 1e9  # the address after the redirect
    assert found.get(f"{base}/gbk.html") == 3e8 and found.get(f"{base}/big5.html") == 5e8  # read in their charsets

    # the index is part of what a page says: a rebuild reads again only the page whose address changed
    assert build([into], tmp_path / "out", files=False, view=False).extracted == 0
    index = (into / INDEX).read_text().replace(f"{base}/landing.html", "https://example.cn/landing.html")
    (into / INDEX).write_text(index)
    assert build([into], tmp_path / "out", files=False, view=False).extracted == 1
    urls = {row["url"] for row in load(tmp_path / "out").query("SELECT ?url WHERE { ?d <https://schema.org/url> ?url }")}
    assert "https://example.cn/landing.html" in urls and f"{base}/landing.html" not in urls


def test_each_failure_is_one_line_and_the_rest_goes_on(site, tmp_path, kg):
    server, base = site
    failing = {"/private/secret.html": "robots.txt", "/missing": "HTTP 404 Not Found", "/error": "HTTP 500",
               "/slow": "timed out", "/huge": "too large", "/announced": "too large", "/loop": "redirects",
               "/to-file": "not an http(s) address", "/report.pdf": "not a web page (application/pdf)",
               "/新闻.html": "HTTP 404"}  # sent percent-encoded
    urls = [f"{base}/ok.html", *(base + path for path in failing), "ftp://127.0.0.1/x.html", "file:///etc/passwd"]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    started = time.monotonic()
    r = subprocess.run([kg, "fetch", *urls, "--into", str(tmp_path / "p"), "--delay", "0", "--timeout", "0.5",
                        "--retries", "0", "--max-size", "1"], capture_output=True, text=True, env=env, timeout=60)
    assert time.monotonic() - started < 15
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == len(failing) + 2 and "Traceback" not in r.stderr
    for path, reason in failing.items():
        assert any(f"{base}{path}: " in line and reason in line for line in lines), (path, lines)
    assert sum("not an http(s) address" in line for line in lines) == 3
    assert "Fetched 1 page(s)" in r.stdout
    assert [p.name for p in (tmp_path / "p").iterdir() if not p.name.startswith(".")] == [page_name(f"{base}/ok.html")]
    assert "/private/secret.html" not in server.hits and "/etc/passwd" not in server.hits


def test_nothing_fetched_is_status_2(site, tmp_path, kg):
    server, base = site
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    r = subprocess.run([kg, "fetch", f"{base}/missing", "--into", str(tmp_path / "p"), "--delay", "0"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "404" in r.stderr
    r = subprocess.run([kg, "fetch", "--into", str(tmp_path / "p")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "nothing to fetch" in r.stderr


def test_server_errors_are_tried_again_with_back_off(site, tmp_path):
    server, base = site
    report = quick([f"{base}/error"], tmp_path, retries=2)
    assert server.hits.count("/error") == 3 and "after 3 attempts" in report.failed[0]


def test_a_site_whose_robots_txt_cannot_be_read_is_not_fetched(tmp_path):
    server = serve(robots_status=503)
    try:
        report = quick([f"http://127.0.0.1:{server.server_port}/ok.html"], tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert "robots.txt could not be read" in report.failed[0] and server.hits == ["/robots.txt"]


def test_fetched_pages_are_kept_and_refreshed_by_etag(site, tmp_path):
    server, base = site
    url = f"{base}/etag.html"
    assert len(quick([url], tmp_path).fetched) == 1
    again = quick([url], tmp_path)
    assert again.kept == [page_name(url)] and server.hits.count("/etag.html") == 1
    index = tmp_path / INDEX
    index.write_text(index.read_text().replace('"fetched_at": "', '"fetched_at": "1999-', 1))  # checked long ago
    refreshed = quick([url], tmp_path, refresh=True)
    assert refreshed.unchanged == [page_name(url)] and server.hits.count("/etag.html") == 2
    [line] = index.read_text().splitlines()
    assert json.loads(line)["fetched_at"].startswith(str(datetime.date.today().year))  # the check is recorded


def test_a_redirect_to_a_page_already_saved_is_not_followed_again(site, tmp_path):
    server, base = site
    assert len(quick([f"{base}/landing.html"], tmp_path).fetched) == 1
    moved = quick([f"{base}/old"], tmp_path)
    assert moved.kept == [page_name(f"{base}/landing.html")] and moved.fetched == []
    assert server.hits.count("/landing.html") == 1 and server.hits.count("/old") == 1


def test_a_second_run_into_the_same_folder_is_refused_while_one_writes(site, kg, tmp_path):
    import fcntl

    server, base = site
    with open(tmp_path / LOCK, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(FetchError, match="another kg fetch is writing into this folder"):
            quick([f"{base}/ok.html"], tmp_path)
        r = subprocess.run([kg, "fetch", f"{base}/ok.html", "--into", str(tmp_path), "--delay", "0"],
                           capture_output=True, text=True, timeout=60)
        assert (r.returncode, r.stderr.count("\n")) == (2, 1) and "another kg fetch" in r.stderr
    assert len(quick([f"{base}/ok.html"], tmp_path).fetched) == 1  # once the other run is over


def test_a_delay_separates_requests_to_one_host(site, tmp_path):
    server, base = site
    started = time.monotonic()
    quick([f"{base}/ok.html", f"{base}/gbk.html"], tmp_path, delay=0.4)
    assert time.monotonic() - started >= 0.8  # robots.txt, then two pages, each after the delay


def test_a_feed_gives_its_pages(site, tmp_path):
    server, base = site
    report = quick([], tmp_path, feeds=[f"{base}/feed.xml"])
    assert report.failed == [] and len(report.fetched) == 3
    assert not any(name.startswith("127.0.0.1") and "feed" in name for name in os.listdir(tmp_path))


def test_feed_links_of_rss_and_atom():
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="self" href="/self"/>'
            b'<link href="a/1.html"/></entry><entry><link rel="alternate" href="https://x.cn/2.html"/></entry></feed>')
    assert feed_links(atom, "https://x.cn/news/feed") == ["https://x.cn/news/a/1.html", "https://x.cn/2.html"]
    rss = b'<rss version="2.0"><channel><item><link> https://x.cn/3.html </link></item></channel></rss>'
    assert feed_links(rss, "https://x.cn/") == ["https://x.cn/3.html"]
    with pytest.raises(Exception, match="not an RSS or Atom feed"):
        feed_links(b"<html><body>no</body></html>", "https://x.cn/")
    with pytest.raises(Exception, match="entities"):
        feed_links(b'<!DOCTYPE r [<!ENTITY a "aaaa">]><rss>&a;</rss>', "https://x.cn/")


@pytest.mark.parametrize("url", ["http://../../etc/passwd", "http://a.cn/" + "x" * 5000, "https://ÄÖ.例子.cn:8/a?b=/../c",
                                 "http://.hidden/x", "http://[::1]/a"])
def test_file_names_stay_in_the_folder_and_short(url):
    name = page_name(url)
    assert "/" not in name and "\\" not in name and not name.startswith(".") and len(name) <= 120
    assert name.endswith(".html") and name != page_name(url + "#")


def test_the_servers_charset_settles_what_guessing_cannot():
    from graph.documents import decode

    served = "<p>國家</p>".encode("big5")  # as GB18030 this reads 瓣產, with as many common characters
    assert decode(served, "page.html", "big5") == "<p>國家</p>"
    assert decode(served, "page.html") != "<p>國家</p>"  # else this test would not show the charset is used
    assert decode(served, "page.html", "iso-8859-1") == decode(served, "page.html")  # a default, not a declaration
