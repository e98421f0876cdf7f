"""Benchmark the builder at scale, on this machine, with one command:

    .venv/bin/python benchmarks/build.py                # the full run: 1,000 and 10,000 documents
    .venv/bin/python benchmarks/build.py --docs 1000    # smaller
    .venv/bin/python benchmarks/build.py --docs 200,500 --rdflib-timeout 10 --view-nodes 0   # a quick check

It prints markdown tables and writes JSON (default benchmarks/results/build.json) with the machine's
description:

1. build throughput of `kg build ARTICLES --out OUT --jobs 2 --no-validate` for each corpus size (with
   `--validate`, also with SHACL validation): characters/s (characters of the article files), documents/s,
   and peak memory, the largest summed PSS of the kg process and its workers, sampled every 250 ms (pages
   the workers share with their parent count once);
2. on the largest corpus, after its queries (3.), a rebuild with nothing changed, one after one article's
   figure changed, and the same with --no-files --no-view;
3. each bundled query on the largest store as built (which should hold at least 1,000,000 triples in its
   default graph), and on Oxigraph again after the one-article rebuild of 2.: the median of 5 runs through
   `graph.load(out).query`, against rdflib's in-memory engine on the store's default graph (loaded once, its
   load time noted). rdflib runs the bundled text and, for the queries rewritten for speed, also their plain
   form (ontology/queries/plain, the same rows), which it runs much faster; the ratio is to the faster of the
   two. A bundled query with LATERAL, which rdflib cannot read, is compared on its plain form only. Each query
   runs in a forked child, stopped after --oxigraph-timeout or --rdflib-timeout seconds; a ratio with a
   time-out is a bound ("> 40");
4. the HTML view of --view-nodes nodes: file size and time to first draw in headless Chromium
   (benchmarks/view.py's measurement);
5. one long document (a yearly report, say): the largest corpus's articles run together into one file of up to
   --long-bytes (by default just under the size limit of a document): `kg extract`'s rate against the rate of
   the builds (it should not be slower per character than short articles are: every step of extraction is
   linear in the document's length); then `kg build` of that file alone, as written and with no sentence or
   line ends, with its time, peak memory, triples and published size (which should grow no faster than the text).

The corpora are synthetic, seeded, 1,500–3,000 characters an article (scripts/make_corpus.py). Needs psutil.
"""
from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from graph.documents import MAX_BYTES

ROOT = Path(__file__).resolve().parent.parent
PARAMS = {"place": {"place": "陕西省"}, "evidence": {"a": "江苏省", "b": "陕西省"}, "in-province": {"province": "陕西省"}}
QUERY_RUNS = 5
TARGET_TRIPLES = 1_000_000
TARGET_MS = 100


def main() -> None:
    args = _arguments()
    sizes = sorted(args.docs)
    result = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
              "command": " ".join([Path(sys.executable).name, *sys.argv]), "machine": machine(), "jobs": args.jobs}
    work = Path(tempfile.mkdtemp(prefix="kg-bench-", dir=args.workdir))
    try:
        result["builds"] = []
        for n in sizes:
            corpus = make_corpus(work / f"corpus-{n}", n)
            for validate in ([False, True] if args.validate else [False]):
                out = work / f"out-{n}{'-validated' if validate else ''}"
                result["builds"].append(build_row(corpus, out, n, args.jobs, validate))
                _progress(f"built {n} documents{' with validation' if validate else ''}")
        largest = sizes[-1]
        corpus, out = work / f"corpus-{largest}" / "articles", work / f"out-{largest}"
        result["store"] = store_size(out, largest)
        result["queries"], result["rdflib_load_s"] = query_rows(out, args.oxigraph_timeout, args.rdflib_timeout)
        result["rebuild"] = rebuilds(corpus, out, largest, args.jobs)
        after_update(out, result["queries"], args.oxigraph_timeout)
        if args.view_nodes:
            result["view"] = view_row(args.view_nodes)
        if args.long_bytes:
            result["long_document"] = long_document_row(corpus, work, args.long_bytes, args.jobs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(markdown(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.json}")


def _arguments():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=lambda s: [int(n) for n in s.split(",")], default=[1000, 10000],
                    help="corpus sizes, comma-separated (default: 1000,10000); the largest is rebuilt and queried")
    ap.add_argument("--jobs", type=int, default=2, help="kg build --jobs (default: 2)")
    ap.add_argument("--validate", action="store_true", help="also time each build with SHACL validation")
    ap.add_argument("--rdflib-timeout", type=float, default=120, help="seconds for each rdflib query (default: 120)")
    ap.add_argument("--oxigraph-timeout", type=float, default=120, help="the same for Oxigraph (default: 120)")
    ap.add_argument("--view-nodes", type=int, default=5000, help="nodes of the HTML view benchmark; 0 skips it")
    ap.add_argument("--long-bytes", type=int, default=MAX_BYTES - 2**20,
                    help="UTF-8 bytes of the long document (default: 1 MiB under the limit a document may have, "
                         "as far as the largest corpus goes); 0 skips it")
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "build.json")
    ap.add_argument("--workdir", type=Path, help="where corpora and builds go while running (default: the temp folder)")
    return ap.parse_args()


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- machine ---------------------------------------------------------------------------------------------

def machine() -> dict:
    import psutil
    import pyoxigraph
    import rdflib

    return {"cpu": _cpu_model(), "cores": os.cpu_count(), "physical_cores": psutil.cpu_count(logical=False),
            "ram_gb": round(psutil.virtual_memory().total / 2**30, 1), "os": _os_name(),
            "python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__, "rdflib": rdflib.__version__,
            "chromium": _chromium(), "commit": _git("rev-parse", "--short", "HEAD"),
            "uncommitted_changes": bool(_git("status", "--porcelain"))}


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return m.group(1).strip() if m else platform.machine()


def _os_name() -> str:
    try:
        m = re.search(r'^PRETTY_NAME="?([^"\n]+)', Path("/etc/os-release").read_text(), re.M)
    except OSError:
        m = None
    return f"{m.group(1) if m else platform.system()}, kernel {platform.release()}"


def _chromium() -> str | None:
    try:
        done = subprocess.run([shutil.which("chromium") or "/usr/bin/chromium", "--version"], capture_output=True,
                              text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


# --- building --------------------------------------------------------------------------------------------

def make_corpus(folder: Path, docs: int) -> Path:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_corpus.py"), str(folder), "--docs", str(docs)],
                   check=True)
    return folder / "articles"


def build_row(corpus: Path, out: Path, docs: int, jobs: int, validate: bool) -> dict:
    chars = sum(len(p.read_text(encoding="utf-8")) for p in corpus.iterdir())
    seconds, peak = timed_build(corpus, out, jobs, validate)
    return {"docs": docs, "characters": chars, "validate": validate, "seconds": round(seconds, 2),
            "chars_per_s": round(chars / seconds), "docs_per_s": round(docs / seconds, 1), "peak_rss_mb": round(peak)}


def timed_build(corpus: Path, out: Path, jobs: int, validate: bool, *options: str) -> tuple[float, float]:
    """Wall seconds and peak memory (MB, PSS summed over the process tree) of one `kg build`."""
    kg = Path(sys.executable).with_name("kg")
    command = [str(kg if kg.exists() else shutil.which("kg")), "build", str(corpus), "--out", str(out),
               "--jobs", str(jobs), "--quiet", *options] + ([] if validate else ["--no-validate"])
    # kg reports every disagreement between documents on stderr: thousands of lines at this scale
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        with PeakRSS(proc.pid) as memory:
            code = proc.wait()
        seconds = time.perf_counter() - started
        if code != 0:
            log.seek(0)
            raise SystemExit(f"{' '.join(command)} failed ({code}):\n{log.read()[-2000:]}")
    return seconds, memory.peak / 2**20


class PeakRSS:
    """The largest summed PSS over time of a process and all its descendants, sampled in a thread: pages the
    workers share with their parent count once, as they are resident once. Reading a process's PSS walks its
    page tables (5 ms for 200 MB): sampled more often, it slows the build it measures on two cores."""

    def __init__(self, pid: int, interval: float = 0.25):
        import psutil

        self.root, self.interval, self.peak = psutil.Process(pid), interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psutil

        while True:
            total = 0
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                processes = []  # the build has ended
            for p in processes:
                try:
                    total += p.memory_full_info().pss
                except psutil.Error:
                    pass  # a worker that ended between listing and reading
            self.peak = max(self.peak, total)
            if self._stop.wait(self.interval):
                return


def rebuilds(corpus: Path, out: Path, docs: int, jobs: int) -> dict:
    """A rebuild with nothing changed, then one after one article's funding figure changed."""
    same_s, same_peak = timed_build(corpus, out, jobs, validate=False)
    article = sorted(corpus.iterdir())[0]
    text = article.read_text(encoding="utf-8")
    m = re.search(r"援助财政资金([\d.]+)亿元", text)
    changed = f"{float(m.group(1)) + 0.5:g}"
    article.write_text(text[:m.start(1)] + changed + text[m.end(1):], encoding="utf-8")
    same_read = _extracted(out)
    one_s, one_peak = timed_build(corpus, out, jobs, validate=False)
    one_read = _extracted(out)
    lean = out.with_name(out.name + "-lean")  # hard links: the build replaces files, it never changes one
    shutil.copytree(out, lean, copy_function=os.link)
    article.write_text(text, encoding="utf-8")
    lean_s, lean_peak = timed_build(corpus, lean, jobs, False, "--no-files", "--no-view")
    shutil.rmtree(lean)
    article.write_text(text[:m.start(1)] + changed + text[m.end(1):], encoding="utf-8")
    _progress("rebuilt")
    return {"docs": docs, "no_change_s": round(same_s, 2), "no_change_peak_rss_mb": round(same_peak),
            "no_change_extracted": same_read, "one_change_s": round(one_s, 2),
            "one_change_peak_rss_mb": round(one_peak), "one_change_extracted": one_read,
            "one_change_no_files_no_view_s": round(lean_s, 2), "one_change_no_files_no_view_peak_mb": round(lean_peak),
            "change": f"{article.name}: 援助财政资金{m.group(1)}亿元 → {changed}亿元"}


def _extracted(out: Path) -> int | None:
    """Documents the last build read anew (report.json): more than the changed ones when the builder's code
    changed since the build before, which makes a rebuild time meaningless."""
    try:
        return json.loads((out / "report.json").read_text(encoding="utf-8")).get("extracted")
    except (OSError, ValueError):
        return None


# --- querying --------------------------------------------------------------------------------------------

def store_size(out: Path, docs: int) -> dict:
    import graph

    triples = graph.load(out).query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    return {"docs": docs, "default_graph_triples": triples, "at_least_1m": triples >= TARGET_TRIPLES}


def query_rows(out: Path, ox_timeout: float, rdflib_timeout: float) -> tuple[list[dict], float]:
    """Each bundled query on Oxigraph, then on rdflib (loaded once with the store's default graph, the inferred
    triples included, which is what the queries read); every query runs in a forked child, so one that runs
    away is stopped at its time limit."""
    from graph.query import QUERIES, bind, uses

    queries = _bundled()
    rows = []
    for name, text in queries.items():
        rows.append({"query": name, **_oxigraph(out, text, ox_timeout)})
        rows[-1]["meets_100ms"] = bool(rows[-1]["oxigraph_runs"]) and rows[-1]["oxigraph_ms"] <= TARGET_MS
        _progress(f"Oxigraph {name}: {rows[-1]['oxigraph_ms']} ms")
    _progress("loading the default graph into rdflib")
    import pyoxigraph as ox
    import rdflib

    default = out.with_name(out.name + "-default.nt")
    ox.Store.read_only(str(out / "store")).dump(str(default), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    g = rdflib.Graph()
    started = time.perf_counter()
    g.parse(default, format="nt")
    load_s = time.perf_counter() - started
    default.unlink()
    plain = {p.stem: bind(p.read_text(encoding="utf-8"), PARAMS.get(p.stem, {})) for p in (QUERIES / "plain").glob("*.rq")}
    for row, text in zip(rows, queries.values()):
        best = None
        if uses("LATERAL", text):  # rdflib cannot read it: it runs the plain form only
            row["rdflib_ms"] = "n/a (LATERAL)"
        else:
            row.update(_timing("rdflib", runs_in_child(lambda: _rows(g.query, text), rdflib_timeout), rdflib_timeout))
            _progress(f"rdflib {row['query']}: {row['rdflib_ms']} ms")
            best = row["rdflib_ms"]
        if row["query"] in plain:  # rdflib joins subqueries row by row: its time on the plain form is its best
            timing = _timing("rdflib", runs_in_child(lambda: _rows(g.query, plain[row["query"]]), rdflib_timeout), rdflib_timeout)
            row.update({k.replace("rdflib", "rdflib_plain"): v for k, v in timing.items()})
            best = row["rdflib_plain_ms"] if best is None else min(best, row["rdflib_plain_ms"], key=_ms)
            _progress(f"rdflib {row['query']} (plain form): {row['rdflib_plain_ms']} ms")
        row["ratio"] = _ratio(best, row["oxigraph_ms"])
    return rows, round(load_s, 1)


def after_update(out: Path, rows: list[dict], ox_timeout: float) -> None:
    """Each bundled query on Oxigraph again, on the store a one-article rebuild changed in place (which leaves
    it uncompacted: see the README)."""
    queries = _bundled()
    for row in rows:
        row["oxigraph_after_update_ms"] = _oxigraph(out, queries[row["query"]], ox_timeout)["oxigraph_ms"]
        _progress(f"Oxigraph {row['query']} after a rebuild: {row['oxigraph_after_update_ms']} ms")


def _bundled() -> dict[str, str]:
    """Each bundled query's text, its parameters bound."""
    from graph.query import bind, bundled_queries

    return {name: bind(path.read_text(encoding="utf-8"), PARAMS.get(name, {})) for name, path in bundled_queries().items()}


def _oxigraph(out: Path, text: str, timeout: float) -> dict:
    import graph

    return _timing("oxigraph", runs_in_child(lambda: _rows(graph.load(out).query, text), timeout), timeout)


def _rows(query, text: str):
    """The query as a function to time, from an engine opened outside the timing; it returns the row count."""
    def run() -> int:
        result = query(text)
        return int(result) if isinstance(result, bool) else sum(1 for _ in result)

    return run


def runs_in_child(prepare, timeout: float) -> list[tuple[float, int]]:
    """(seconds, rows) of up to QUERY_RUNS runs of the function ``prepare()`` gives, in a forked child (which
    shares what the parent loaded), as many as finish within ``timeout`` seconds in all."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_repeat, args=(prepare, send), daemon=True)
    child.start()
    send.close()
    done, deadline = [], None
    while len(done) < QUERY_RUNS:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not receive.poll(wait):
            break
        try:
            message = receive.recv()
        except EOFError:
            break
        if message == "ready":  # the engine is open: the clock starts
            deadline = time.monotonic() + timeout
        elif isinstance(message, str):
            raise RuntimeError(message)
        else:
            done.append(message)
    child.kill()
    child.join()
    return done


def _repeat(prepare, send) -> None:
    try:
        run = prepare()
        send.send("ready")
        for _ in range(QUERY_RUNS):
            started = time.perf_counter()
            rows = run()
            send.send((time.perf_counter() - started, rows))
    except Exception as exc:  # the parent reports it
        send.send(f"{type(exc).__name__}: {exc}")


def _timing(engine: str, runs: list[tuple[float, int]], timeout: float) -> dict:
    """Median milliseconds, or "> limit" when not one run finished in time."""
    if not runs:
        return {f"{engine}_ms": f"> {timeout * 1000:.0f}", f"{engine}_runs": 0, f"{engine}_rows": None}
    ms = statistics.median(t for t, _ in runs) * 1000
    return {f"{engine}_ms": round(ms, 1), f"{engine}_runs": len(runs), f"{engine}_rows": runs[0][1]}


def _ratio(rdflib_ms, oxigraph_ms):
    """rdflib / Oxigraph: a number, a bound ("> 40" when rdflib ran out of time, "< 0.5" when Oxigraph did),
    or None when both did."""
    rdflib_over, oxigraph_over = isinstance(rdflib_ms, str), isinstance(oxigraph_ms, str)
    if rdflib_over and oxigraph_over:
        return None
    r, o = _ms(rdflib_ms), max(_ms(oxigraph_ms), 0.1)
    figure = round(r / o, 1 if r >= o else 2)
    return f"> {figure}" if rdflib_over else f"< {figure}" if oxigraph_over else figure


def _ms(value) -> float:
    return float(str(value).removeprefix("> "))


# --- the HTML view ---------------------------------------------------------------------------------------

def view_row(nodes: int) -> dict:
    """benchmarks/view.py's measurement, run as it is (it drives Chromium through Playwright)."""
    _progress(f"timing the HTML view of {nodes} nodes")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "view.json"
        done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "view.py"), "--nodes", str(nodes),
                               "--json", str(path)], capture_output=True, text=True)
        if done.returncode != 0:
            return {"nodes": nodes, "error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
        return json.loads(path.read_text())["results"][0]


def long_document_row(corpus: Path, work: Path, max_bytes: int, jobs: int) -> dict:
    """One file of the corpus's articles run together (their headers but the first left out), up to
    --long-bytes: ``kg extract``'s rate, then ``kg build`` of it alone, as written and with every sentence and
    line end turned into a comma (one "sentence" of millions of characters): time, peak memory, triples and
    the size of what it publishes."""
    parts, total = [], 0
    for article in sorted(corpus.iterdir()):
        text = article.read_text(encoding="utf-8")
        part = text if not parts else text.split("\n\n", 2)[-1]
        if total + len(part.encode("utf-8")) + 2 > max_bytes:
            break
        parts.append(part)
        total += len(part.encode("utf-8")) + 2
    text = "\n\n".join(parts)
    *head, body = text.split("\n\n", 2)
    path = work / "long" / "report.txt"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    _progress(f"extracting one document of {len(text):,} characters")
    kg = Path(sys.executable).with_name("kg")
    started = time.monotonic()
    done = subprocess.run([str(kg), "extract", str(path), "--format", "facts-json"], capture_output=True, text=True)
    seconds = time.monotonic() - started
    row = {"articles": len(parts), "characters": len(text), "bytes": path.stat().st_size,
           "seconds": round(seconds, 2), "chars_per_s": round(len(text) / seconds)}
    if done.returncode != 0:
        row["error"] = (done.stderr.strip().splitlines() or ["failed"])[-1]
        return row
    row["relations"] = len(json.loads(done.stdout)["relations"])
    row["builds"] = [long_build(path, work / "long-out", "as written", jobs)]
    flat = work / "long-flat" / "report.txt"
    flat.parent.mkdir()
    flat.write_text("\n\n".join([*head, re.sub(r"[。！？；!?;\n]+", "，", body)]), encoding="utf-8")
    row["builds"].append(long_build(flat, work / "long-flat-out", "no sentence ends", jobs))
    return row


def long_build(path: Path, out: Path, form: str, jobs: int) -> dict:
    _progress(f"building the long document ({form})")
    seconds, peak = timed_build(path.parent, out, jobs, False)
    size = sum(f.stat().st_size for f in (out / ".current").resolve().rglob("*") if f.is_file())
    triples = json.loads((out / "report.json").read_text(encoding="utf-8"))["triples"]
    return {"form": form, "seconds": round(seconds, 1), "peak_rss_mb": round(peak), "triples": triples,
            "output_mb": round(size / 1e6), "output_per_input": round(size / path.stat().st_size, 1)}


# --- report ----------------------------------------------------------------------------------------------

def markdown(r: dict) -> str:
    m = r["machine"]
    lines = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; Python {m['python']}, "
             f"pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}; {r['date']}; kg build --jobs {r['jobs']}", "",
             "| documents | characters | validation | build | characters/s | documents/s | peak memory |",
             "| ---: | ---: | :---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {b['docs']:,} | {b['characters']:,} | {'yes' if b['validate'] else 'no'} | {b['seconds']:.1f} s | "
              f"{b['chars_per_s']:,} | {b['docs_per_s']:,} | {b['peak_rss_mb']:,} MB |" for b in r["builds"]]
    rb, st = r["rebuild"], r["store"]
    lines += ["", f"Rebuild of {rb['docs']:,} documents: nothing changed {rb['no_change_s']:.1f} s "
                  f"({rb['no_change_extracted']} read anew), one article changed {rb['one_change_s']:.1f} s "
                  f"({rb['one_change_extracted']} read anew; {rb['change']}); one changed with --no-files --no-view "
                  f"{rb['one_change_no_files_no_view_s']:.1f} s.", "",
              f"Default graph of {st['docs']:,} documents: {st['default_graph_triples']:,} triples"
              + ("" if st["at_least_1m"] else f" (fewer than {TARGET_TRIPLES:,}: not the target scale)")
              + f"; rdflib loaded it (N-Triples) in {r['rdflib_load_s']} s.", "",
              "| query | rows | Oxigraph ms | rdflib ms | rdflib ms, plain form | rdflib (faster form) / Oxigraph | Oxigraph ≤ 100 ms "
              "| Oxigraph ms after a one-article rebuild |",
              "| --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: |"]
    lines += [f"| {q['query']} | {_rows_cell(q)} | {q['oxigraph_ms']} | {q['rdflib_ms']} | {q.get('rdflib_plain_ms', '')} | "
              f"{q['ratio'] or '?'} | {'yes' if q['meets_100ms'] else 'no'} | {q.get('oxigraph_after_update_ms', '')} |"
              for q in r["queries"]]
    if "view" in r:
        v = r["view"]
        lines += ["", "| view nodes | edges | file | write | first draw |", "| ---: | ---: | ---: | ---: | ---: |",
                  f"| {v['nodes']:,} | error: {v['error']} | | | |" if "error" in v else
                  f"| {v['nodes']:,} | {v['edges']:,} | {v['file_mb']} MB | {v['write_s']} s | {v['first_draw_s']} s |"]
    if "long_document" in r:
        d = r["long_document"]
        lines += ["", f"One long document ({d['articles']:,} articles run together, {d['characters']:,} characters): "
                      + (f"error: {d['error']}" if "error" in d else
                         f"kg extract {d['seconds']:.1f} s = {d['chars_per_s']:,} characters/s, {d['relations']:,} relations.")]
        if "builds" in d:
            lines += ["", f"kg build of that one document ({d['bytes'] / 1e6:.1f} MB):", "",
                      "| form | build | peak memory | triples | published | per input byte |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
            lines += [f"| {b['form']} | {b['seconds']:.1f} s | {b['peak_rss_mb']:,} MB | {b['triples']:,} | {b['output_mb']:,} MB | "
                      f"{b['output_per_input']} |" for b in d["builds"]]
    return "\n".join(lines)


def _rows_cell(q: dict) -> str:
    """Oxigraph's row count, and rdflib's when the two engines disagree."""
    ox, rd = q["oxigraph_rows"], q.get("rdflib_rows", q.get("rdflib_plain_rows"))
    cell = "?" if ox is None else str(ox)
    return cell if rd is None or rd == ox else f"{cell} (rdflib {rd})"


if __name__ == "__main__":
    main()
