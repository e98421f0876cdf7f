"""Fetching pages into a corpus folder that ``kg build`` reads: a polite HTTP client (robots.txt, a delay per
host, timeouts, retries, a size limit) and the index that gives each saved page the address it was served from.

The network is reached only by ``_Client``; the rest (names, the index, feeds) is pure.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urldefrag, urljoin, urlsplit, urlunsplit

from . import __version__

# hidden, so kg build (which leaves hidden files out) never reads the index as JSON Lines articles
INDEX = ".kg-fetch.jsonl"
LOCK = ".kg-fetch.lock"  # held while a run writes into the folder: two runs would interleave the index
USER_AGENT = f"ewc-graph/{__version__} (kg fetch; East-West collaboration knowledge graph)"
MAX_BYTES = 20 * 1024 * 1024  # what kg build reads (documents.MAX_BYTES): a larger page would be refused there
MAX_REDIRECTS = 5
ROBOTS_BYTES = 500 * 1024  # RFC 9309: crawlers may ignore what follows
MAX_WAIT = 60.0  # the longest Crawl-delay or Retry-After honoured
RETRY_STATUSES = {429, 500, 502, 503, 504}
PAGE_TYPES = {"text/html": ".html", "application/xhtml+xml": ".html", "": ".html", "text/plain": ".txt"}


class FetchError(Exception):
    """One address that could not be fetched; the message is the reason, in a few words."""


@dataclass
class FetchReport:
    fetched: list[str] = field(default_factory=list)  # files written
    unchanged: list[str] = field(default_factory=list)  # refreshed, and the server said not modified
    kept: list[str] = field(default_factory=list)  # already fetched, not asked again
    failed: list[str] = field(default_factory=list)  # "URL: reason", a line each

    @property
    def present(self) -> int:
        """How many of the asked pages the folder holds after the run."""
        return len(self.fetched) + len(self.unchanged) + len(self.kept)


def page_name(url: str, extension: str = ".html") -> str:
    """The file a page is saved as: its host (sanitised, bounded) and a digest of its address: never a path."""
    host = re.sub(r"[^a-z0-9.-]+", "_", (urlsplit(url).hostname or "page").lower()).strip(".")[:80] or "page"
    return f"{host}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]}{extension}"


def web_url(url: str) -> str | None:
    """The address if it is an http(s) one with a host and nothing that cannot be sent, else None."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed [ in the host
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or re.search(r"[\x00-\x20\x7f]", url):
        return None
    return urldefrag(url).url  # a fragment is not sent: #top and #comments are the same page


def _wire(url: str) -> str:
    """The address as it goes in a request: the host in IDNA, other characters beyond ASCII percent-encoded in
    UTF-8 (http.client sends only ASCII), credentials dropped."""
    parts = urlsplit(url)
    try:
        host = parts.hostname.encode("idna").decode("ascii")
        port = parts.port
    except (UnicodeError, ValueError) as exc:
        raise FetchError(f"not a valid address ({exc})") from None
    host = f"[{host}]" if ":" in host else host
    rest = [re.sub(r"[^\x21-\x7e]+", lambda m: quote(m.group()), x) for x in (parts.path, parts.query)]
    return urlunsplit((parts.scheme.lower(), host + (f":{port}" if port else ""), rest[0] or "/", rest[1], ""))


def read_list(text: str) -> list[str]:
    """The addresses of a list file: one a line; blank lines and # comments skipped."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def feed_links(data: bytes, base: str) -> list[str]:
    """The pages an RSS (0.9x, 1.0, 2.0) or Atom feed lists, in its order, read against the feed's address."""
    import xml.etree.ElementTree as ET

    if b"<!ENTITY" in data[:65536]:  # entities can expand a small feed into gigabytes; feeds do not need them
        raise FetchError("not a feed (declares XML entities)")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise FetchError(f"not an RSS or Atom feed ({exc})") from None
    local = lambda el: el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""  # noqa: E731
    links = []
    for item in root.iter():
        if local(item) not in ("item", "entry"):
            continue
        for child in item:
            if local(child) != "link":
                continue
            href = child.get("href") if child.get("rel", "alternate") == "alternate" else None
            link = href or (child.text or "").strip()
            if link:
                links.append(urljoin(base, link))
                break
    if not links and local(root) not in ("rss", "feed", "RDF"):
        raise FetchError(f"not an RSS or Atom feed (the document is <{local(root)}>)")
    return list(dict.fromkeys(links))


def read_index(folder: str | Path) -> dict[str, dict]:
    """The index of a folder's fetched pages: address asked → its latest record (an unreadable line is skipped:
    a run that was killed may leave half a line)."""
    records = {}
    try:
        with open(Path(folder) / INDEX, "rb") as f:
            for line in f:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and isinstance(record.get("url"), str) and _plain_name(record.get("file")):
                    records[record["url"]] = record
    except OSError:
        pass
    return records


def addresses(folder: str | Path) -> dict[str, tuple[str, str | None]]:
    """File name → (the address it was served from, the charset the server declared), for kg build."""
    return {r["file"]: (r.get("final_url") or r["url"], r.get("charset")) for r in read_index(folder).values()}


def _plain_name(name) -> bool:
    return isinstance(name, str) and bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def fetch(urls: list[str], into: str | Path = "fetched", *, feeds: list[str] = (), refresh: bool = False,
          delay: float = 1.0, timeout: float = 20.0, retries: int = 2, max_bytes: int = MAX_BYTES,
          backoff: float = 1.0, user_agent: str = USER_AGENT, progress=None, problem=None) -> FetchReport:
    """Download pages (and those the ``feeds`` list) into ``into`` as served, with an index of their addresses;
    ``problem(line)`` is told each failure as it happens, ``progress(done, total)`` after each page."""
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    with _locked(into):
        return _fetch(urls, into, feeds, refresh, max_bytes, problem, progress,
                      _Client(user_agent, delay=delay, timeout=timeout, retries=retries, backoff=backoff))


def _locked(into: Path):
    """The folder's lock, taken without waiting: another run writing into it is an error, not a queue."""
    import contextlib
    import fcntl

    lock = open(into / LOCK, "a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise FetchError(f"{into}: another kg fetch is writing into this folder") from None
    return contextlib.closing(lock)  # closing it lets the lock go


def _fetch(urls, into: Path, feeds, refresh: bool, max_bytes: int, problem, progress, client) -> FetchReport:
    report = FetchReport()

    def fail(url: str, reason: str) -> None:
        report.failed.append(f"{url}: {reason}")
        if problem:
            problem(report.failed[-1])

    asked = list(urls)
    for feed in feeds:
        try:
            if web_url(feed) is None:
                raise FetchError("not an http(s) address")
            response = client.get(feed, max_bytes=max_bytes)
            if response.status != 200:
                raise FetchError(_status_reason(response))
            asked += feed_links(response.body, response.url)
        except FetchError as exc:
            fail(feed, f"feed: {exc}")
    index = read_index(into)
    by_final = {r.get("final_url"): r for r in index.values()}

    def saved(address: str, asked_for: str) -> str | None:
        """The file of the page at this address, if another address asked for already saved it."""
        record = by_final.get(address) or index.get(address)
        if record and record["url"] != asked_for and (into / record["file"]).is_file():
            return record["file"]
        return None

    appended = 0  # index lines added: the index is compacted when there are any
    with open(into / INDEX, "a", encoding="utf-8") as log:
        pending = list(dict.fromkeys(asked))
        for done, url in enumerate(pending, 1):
            try:
                if web_url(url) is None:
                    raise FetchError("not an http(s) address")
                url = web_url(url)
                known = index.get(url)
                if known and (into / known["file"]).is_file() and not refresh:
                    report.kept.append(known["file"])
                    continue
                conditional = {}
                if known and (into / known["file"]).is_file():
                    for header, key in (("If-None-Match", "etag"), ("If-Modified-Since", "last_modified")):
                        value = known.get(key)
                        if isinstance(value, str) and value.isprintable() and value.isascii():
                            conditional[header] = value
                try:
                    response = client.get(url, headers=conditional, max_bytes=max_bytes, pages_only=True,
                                          saved=None if refresh else lambda u: saved(u, url))
                except _Saved as exc:
                    report.kept.append(str(exc))  # another address led to a page already saved
                    continue
                if response.status == 304 and conditional:  # the page as saved, checked now
                    index[url] = {**known, "fetched_at": _now()}
                    log.write(json.dumps(index[url], ensure_ascii=False) + "\n")
                    appended += 1
                    report.unchanged.append(known["file"])
                    continue
                if response.status != 200:
                    raise FetchError(_status_reason(response))
                if file := saved(response.url, url):
                    report.kept.append(file)  # another address led to a page already saved
                    continue
                record = _record(url, response)
                _save(into / record["file"], response.body)
                if known and known["file"] != record["file"]:  # served as text before, as HTML now (or back)
                    (into / known["file"]).unlink(missing_ok=True)
                log.write(json.dumps(record, ensure_ascii=False) + "\n")
                log.flush()
                appended += 1
                index[url] = by_final[response.url] = record
                report.fetched.append(record["file"])
            except FetchError as exc:
                fail(url, str(exc))
            finally:
                if progress:
                    progress(done, len(pending))
    if appended:
        _compact(into, index)
    return report


def _status_reason(response: _Response) -> str:
    import http

    try:
        phrase = http.HTTPStatus(response.status).phrase
    except ValueError:
        phrase = ""
    attempts = f" after {response.attempts} attempts" if response.attempts > 1 else ""
    return f"HTTP {response.status} {phrase}".rstrip() + attempts


def _record(url: str, response: _Response) -> dict:
    content_type = response.headers.get("Content-Type", "")
    media = content_type.split(";")[0].strip().lower()
    return {"url": url, "final_url": response.url, "status": response.status,
            "fetched_at": _now(),
            "content_type": content_type or None, "charset": response.headers.get_content_charset(),
            "file": page_name(url, PAGE_TYPES[media]), "etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified"), "bytes": len(response.body)}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _save(path: Path, data: bytes) -> None:
    from .files import atomic_write

    if path.is_symlink():  # atomic_write would write where the link leads, perhaps outside the folder
        path.unlink()
    atomic_write(path, data)


def _compact(into: Path, index: dict[str, dict]) -> None:
    """The index with one record per address (a refresh appends the new one), when it has more: written whole."""
    from .files import atomic_write

    with open(into / INDEX, "rb") as f:
        if sum(1 for _ in f) == len(index):
            return

    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in index.values())
    atomic_write(into / INDEX, lines.encode("utf-8"))


class _Saved(Exception):
    """A redirect to a page already saved: the file it is in."""


@dataclass
class _Response:
    url: str  # after redirects
    status: int
    headers: object  # email.message.Message
    body: bytes = b""
    attempts: int = 1


class _Client:
    """GET over http(s) only, with robots.txt obeyed, a delay between requests to one host, timeouts, retries
    with back-off, redirects followed by hand (each hop checked as the first) and a size limit while reading."""

    def __init__(self, user_agent: str, *, delay: float, timeout: float, retries: int, backoff: float):
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None  # followed by _Client.get, which checks the scheme and robots.txt of every hop

        self.user_agent, self.delay, self.timeout = user_agent, delay, timeout
        self.retries, self.backoff = retries, backoff
        self._last: dict[str, float] = {}  # host → when its last request ended
        self._crawl_delay: dict[str, float] = {}  # host → the Crawl-delay its robots.txt asks, when longer
        self._robots: dict[str, tuple] = {}  # origin → (parser, reason when nothing may be fetched)
        # no file:, ftp: or data: handlers: only the schemes asked for can be reached
        self._opener = urllib.request.OpenerDirector()
        for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                        urllib.request.HTTPDefaultErrorHandler(), NoRedirect(), urllib.request.HTTPErrorProcessor()):
            self._opener.add_handler(handler)

    def get(self, url: str, *, headers: dict | None = None, max_bytes: int = MAX_BYTES, pages_only: bool = False,
            robots: bool = True, truncate: bool = False, saved=None) -> _Response:
        """The answer at ``url`` after redirects; _Saved when a redirect leads to an address ``saved`` says is
        saved already (it is not asked for again)."""
        for hop in range(MAX_REDIRECTS + 1):
            if web_url(url) is None:
                raise FetchError(f"redirected to {url[:200]!r}, not an http(s) address")
            if hop and saved is not None and (file := saved(url)):
                raise _Saved(file)
            if robots:
                self._check_robots(url)
            response = self._with_retries(url, headers or {}, max_bytes, pages_only, truncate)
            location = response.headers.get("Location") if response.status in (301, 302, 303, 307, 308) else None
            if not location:
                return response
            url = urljoin(url, location.strip())
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        parser, reason = self._robots[origin]
        if not parser.can_fetch(self.user_agent, url):
            raise FetchError(reason or "disallowed by robots.txt")

    def _load_robots(self, origin: str):
        import urllib.robotparser

        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:  # cut, not refused, beyond its limit: RFC 9309 lets crawlers read only the start
            response = self.get(origin + "/robots.txt", max_bytes=ROBOTS_BYTES, robots=False, truncate=True)
        except FetchError as exc:  # RFC 9309: an unreachable robots.txt means nothing may be fetched
            parser.disallow_all = True
            return parser, f"robots.txt could not be read ({exc})"
        if response.status in (401, 403):
            parser.disallow_all = True
            return parser, f"robots.txt is forbidden (HTTP {response.status}): the site is not fetched"
        if 400 <= response.status < 500:
            parser.allow_all = True
        elif response.status != 200:
            parser.disallow_all = True
            return parser, f"robots.txt could not be read (HTTP {response.status})"
        else:
            parser.parse(response.body.decode("utf-8", "replace").splitlines())
            parser.modified()  # can_fetch refuses all until the file is marked read
            wait = parser.crawl_delay(self.user_agent)
            if wait:
                self._crawl_delay[urlsplit(origin).hostname] = min(float(wait), MAX_WAIT)
        return parser, None

    def _with_retries(self, url: str, headers: dict, max_bytes: int, pages_only: bool,
                      truncate: bool = False) -> _Response:
        for attempt in range(self.retries + 1):
            try:
                response = self._once(url, headers, max_bytes, pages_only, truncate)
            except _Transient as exc:
                if attempt == self.retries:
                    raise FetchError(str(exc) + (f" after {attempt + 1} attempts" if attempt else "")) from None
                time.sleep(self.backoff * 2 ** attempt)
                continue
            if response.status not in RETRY_STATUSES or attempt == self.retries:
                response.attempts = attempt + 1
                return response
            after = response.headers.get("Retry-After", "")
            time.sleep(min(float(after), MAX_WAIT) if after.isdigit() else self.backoff * 2 ** attempt)

    def _wait(self, host: str) -> None:
        delay = max(self.delay, self._crawl_delay.get(host, 0.0))
        last = self._last.get(host)
        if last is not None and (left := last + delay - time.monotonic()) > 0:
            time.sleep(left)

    def _once(self, url: str, headers: dict, max_bytes: int, pages_only: bool, truncate: bool) -> _Response:
        import http.client
        import socket
        import urllib.error
        import urllib.request

        host = urlsplit(url).hostname
        self._wait(host)
        request = urllib.request.Request(_wire(url), headers={
            "User-Agent": self.user_agent, "Accept-Encoding": "identity",  # the bytes as served, not compressed
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", **headers})
        start = time.monotonic()
        try:
            try:
                reply = self._opener.open(request, timeout=self.timeout)
            except urllib.error.HTTPError as exc:  # 3xx (not followed here), 4xx, 5xx: a reply all the same
                reply = exc
            with reply:
                status = reply.code
                response = _Response(url, status, reply.headers)
                if status == 200:
                    response.body = self._read(reply, max_bytes, pages_only, truncate, start)
            return response
        except (TimeoutError, socket.timeout):
            raise _Transient(f"timed out (no answer within {self.timeout:g} s)") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise _Transient(f"timed out (no answer within {self.timeout:g} s)") from None
            raise _Transient(f"cannot connect ({getattr(reason, 'strerror', None) or reason})") from None
        except (http.client.HTTPException, ConnectionError) as exc:
            raise _Transient(f"connection broken ({type(exc).__name__})") from None
        except OSError as exc:
            raise _Transient(f"connection failed ({exc.strerror or exc})") from None
        except ValueError as exc:  # http.client.InvalidURL, a header it will not send
            raise FetchError(f"not a valid request ({exc})") from None
        finally:
            self._last[host] = time.monotonic()

    def _read(self, reply, max_bytes: int, pages_only: bool, truncate: bool, start: float) -> bytes:
        """The body, refused (or cut, for robots.txt) beyond ``max_bytes`` before it is all read."""
        media = reply.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if pages_only and media not in PAGE_TYPES:
            raise FetchError(f"not a web page ({media})")
        limit = f"the limit is {max_bytes / 2**20:g} MiB"
        length = reply.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes and not truncate:
            raise FetchError(f"too large ({int(length)} bytes announced; {limit})")
        chunks, size = [], 0
        while chunk := reply.read1(65536):
            size += len(chunk)
            if size > max_bytes:
                if truncate:
                    chunks.append(chunk[:max_bytes - size + len(chunk)])
                    break
                raise FetchError(f"too large (more than {max_bytes} bytes; {limit})")
            if time.monotonic() - start > 3 * self.timeout:  # a server that drips bytes would otherwise hold us
                raise _Transient(f"timed out (the page took more than {3 * self.timeout:g} s)")
            chunks.append(chunk)
        return b"".join(chunks)


class _Transient(Exception):
    """A failure worth trying again: a timeout, a refused or broken connection."""
