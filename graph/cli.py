"""The ``kg`` command: thin wrappers over the public API."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
EXTRACT_FORMATS = {"facts-json": None, "turtle": "TURTLE", "trig": "TRIG", "nquads": "N_QUADS", "json-ld": "JSON_LD"}


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # a bare kg: what it can do
        parser.print_help()
        return 0
    try:
        commands = {"build": _build, "extract": _extract, "query": _query, "serve": _serve, "push": _push,
                    "view": _view, "export": _export, "fetch": _fetch, "correct": _correct}
        return commands[args.command](args)
    except KeyboardInterrupt:
        print("kg: interrupted; the outputs are those of the last build that finished", file=sys.stderr)
        return 130
    except BrokenPipeError:  # kg query … | head: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 141
    except OSError as exc:  # a page or an export to be written where it cannot go, a full disk
        from .builder import os_reason

        print(f"kg: {os_reason(exc)}", file=sys.stderr)
        return 2


def make_parser() -> argparse.ArgumentParser:
    """The command line: every command and argument, each with its help."""
    from . import __version__

    parser = argparse.ArgumentParser(prog="kg", description="Knowledge graph of China's East–West collaboration.")
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help="what to do (kg COMMAND --help says more)")
    b = sub.add_parser("build", help="build articles into RDF files, an Oxigraph store and facts JSON")
    b.add_argument("paths", nargs="*", help=f"files or folders (default: the bundled corpus, {BUNDLED_CORPUS})")
    b.add_argument("--out", default="out", help="output folder (default: out)")
    b.add_argument("--validate", action=argparse.BooleanOptionalAction, default=False,
                   help="check each newly read document against the SHACL shapes (about 0.3 s a document)")
    b.add_argument("--no-files", dest="files", action="store_false",
                   help="leave out the RDF files (dataset.trig/.nq/.jsonld, graph.ttl): the store and facts.json remain")
    b.add_argument("--no-view", dest="view", action="store_false", help="leave out graph.html (kg view writes it)")
    b.add_argument("--jobs", type=int, help="processes for extraction (default: all cores)")
    b.add_argument("--dask", metavar="ADDRESS", help="extract on a Dask cluster: a scheduler address, or 'local'")
    b.add_argument("--corrections", action="append", default=[], metavar="FILE",
                   help="a corrections file (TOML; kg correct writes it), besides the corrections.toml of each folder built")
    b.add_argument("--quiet", action="store_true", help="print only problems")
    f = sub.add_parser("fetch", help="download web pages into a folder kg build reads, each with its address",
                       description="Pages are saved as served, with an index (.kg-fetch.jsonl) of where each came "
                                   "from; robots.txt is obeyed and each host is asked at most once a --delay.")
    f.add_argument("urls", nargs="*", metavar="URL", help="addresses of pages (http or https)")
    f.add_argument("--into", default="fetched", help="folder to save the pages in (default: fetched)")
    f.add_argument("--list", action="append", default=[], metavar="FILE",
                   help="a file of addresses, one a line (blank lines and # comments skipped); - reads standard input")
    f.add_argument("--feed", action="append", default=[], metavar="URL",
                   help="an RSS or Atom feed: the pages it lists are fetched (the feed itself is not saved)")
    f.add_argument("--refresh", action="store_true",
                   help="ask again for pages already fetched (the server's ETag or Last-Modified spares unchanged ones)")
    f.add_argument("--delay", type=float, default=1.0,
                   help="seconds between two requests to one host (default: 1; longer if its robots.txt asks)")
    f.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for an answer (default: 20)")
    f.add_argument("--retries", type=int, default=2,
                   help="tries again after a timeout, a broken connection or HTTP 429/5xx, waiting 1 s, 2 s… (default: 2)")
    f.add_argument("--max-size", type=float, default=20.0, metavar="MIB",
                   help="largest page, in MiB (default: 20, the largest kg build reads)")
    f.add_argument("--quiet", action="store_true", help="print only problems")
    _correct_parser(sub)
    e = sub.add_parser("extract", help="print the facts of one article")
    e.add_argument("file", help="an article: text, HTML, or a JSON Lines file's first record")
    e.add_argument("--format", choices=sorted(EXTRACT_FORMATS), default="facts-json",
                   help="facts JSON (the evaluation schema, default) or the document's RDF graph")
    e.add_argument("--corrections", action="append", default=[], metavar="FILE",
                   help="apply the entries of a corrections file (TOML) that concern this article")
    q = sub.add_parser("query", help="ask the built graph with SPARQL (text, a .rq file, or a bundled query's name)",
                       description="Bundled queries: " + ", ".join(_bundled_names()))
    q.add_argument("query", help="SPARQL text, a .rq file, or the name of a bundled query (see --list)", nargs="?")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="value for ?NAME in the query")
    q.add_argument("--format", choices=["table", "csv", "tsv", "json", "xml"], default="table",
                   help="an aligned table (default) or a SPARQL results format; CONSTRUCT prints Turtle")
    q.add_argument("--out", default="out", help="the folder kg build wrote (default: out)")
    q.add_argument("--timeout", type=float, default=60, help="seconds before the query is stopped (default: 60)")
    q.add_argument("--allow-service", action="store_true", help="allow SERVICE clauses that reach other servers")
    q.add_argument("--list", action="store_true", help="list the bundled queries and what they answer")
    v = sub.add_parser("serve", help="a SPARQL 1.1 endpoint over the built store (oxigraph server)")
    v.add_argument("--out", default="out", help="the folder kg build wrote (default: out)")
    v.add_argument("--host", default="127.0.0.1",
                   help="address to listen on, and the one name besides localhost it answers to (default: 127.0.0.1)")
    v.add_argument("--port", type=int, default=7878, help="port to listen on (default: 7878)")
    v.add_argument("--writable", action="store_true", help="accept updates (read-only by default)")
    v.add_argument("--timeout", type=float, default=60, help="seconds before a query is stopped (default: 60)")
    v.add_argument("--allow-service", action="store_true", help="allow SERVICE clauses that reach other servers")
    p = sub.add_parser("push", help="send the dataset to a SPARQL server, one named graph per document")
    p.add_argument("--endpoint", required=True, help="Graph Store Protocol URL (or Update URL with --protocol update)")
    p.add_argument("--protocol", choices=["gsp", "update"], default="gsp",
                   help="Graph Store Protocol PUTs (default) or SPARQL Update requests")
    p.add_argument("--out", default="out", help="the folder kg build wrote (default: out)")
    w = sub.add_parser("view", help="(re)write the interactive HTML page of the built graph")
    w.add_argument("--out", default="out", help="the folder kg build wrote (default: out)")
    w.add_argument("--to", help="file to write (default: OUT/graph.html)")
    w.add_argument("--layout", choices=["geo", "force"], default="geo", help="map positions (default) or a force layout")
    w.add_argument("--types", nargs="+", metavar="TYPE", help="entity types to show (default: all)")
    w.add_argument("--relations", nargs="+", metavar="REL", help="relations to show (pairedWith funds coBuilds partOf)")
    w.add_argument("--open", action="store_true", help="open the page in the default browser")
    x = sub.add_parser("export", help="write the graph for Gephi, spreadsheets and other tools (GraphML, GEXF, JSON, JSON-LD, CSV)")
    x.add_argument("--format", choices=["graphml", "gexf", "json", "jsonld", "csv"], required=True,
                   help="GraphML or GEXF (Gephi, laid out as the page), node-link JSON (networkx), JSON-LD, "
                        "or CSV (nodes.csv and edges.csv, for Excel)")
    x.add_argument("--out", default="out", help="the folder kg build wrote (default: out)")
    x.add_argument("--to", help="file to write (default: OUT/graph.FORMAT); for CSV, the folder (default: OUT)")
    x.add_argument("--types", nargs="+", metavar="TYPE", help="entity types to keep (default: all)")
    x.add_argument("--relations", nargs="+", metavar="REL", help="relations to keep (pairedWith funds coBuilds partOf)")
    return parser


def _correct_parser(sub) -> None:
    c = sub.add_parser("correct", help="add an entry to a corrections file, which every build then applies",
                       description="Each entry needs a --note saying why. kg build reads corrections.toml in each folder "
                                   "it builds, and any file given with --corrections. See docs/corrections.md.")
    actions = c.add_subparsers(dest="action", metavar="ACTION", required=True, help="what the entry does")

    def common(p, document_required=False):
        p.add_argument("--note", required=True, help="why: the reason a reader of the graph will see")
        p.add_argument("--author", help="who made the correction")
        p.add_argument("--date", help="when (YYYY-MM-DD; default: today)")
        p.add_argument("--document", required=document_required,
                       help="the document's file name or id" + ("" if document_required else " (default: every document)"))
        p.add_argument("--file", default="corrections.toml",
                       help="the corrections file to add to (default: corrections.toml; put it in the corpus folder)")

    def selectors(p, prefix="", what="the fact"):
        p.add_argument(f"--{prefix}kind", choices=["pairedWith", "funds", "coBuilds"], help=f"{what}'s kind")
        p.add_argument(f"--{prefix}giver", help=f"{what}'s giver (funds): a division's name or code")
        p.add_argument(f"--{prefix}receiver", help=f"{what}'s receiver (funds): a division's name or code")
        p.add_argument(f"--{prefix}partner", action="append", help=f"a partner of {what} (give it once for each)")
        p.add_argument(f"--{prefix}amount", help=f"{what}'s amount: yuan, or as articles write it (1.2亿元)")
        p.add_argument(f"--{prefix}year", type=int, help=f"{what}'s year")
        p.add_argument(f"--{prefix}funding", choices=["FiscalAid", "Donation", "Investment"], help=f"{what}'s kind of funding")

    s = actions.add_parser("suppress", help="take a wrong fact out of every output (it stays in the graph of corrections)")
    s.add_argument("--fact", help="the fact's IRI (https://w3id.org/ewc/id/funding/…), as kg query shows it")
    selectors(s)
    s.add_argument("--park", help="the co-built park's name")
    common(s)
    t = actions.add_parser("set", help="change a fact's amount, year, kind of funding or partners")
    t.add_argument("--fact", help="the fact's IRI (https://w3id.org/ewc/id/funding/…), as kg query shows it")
    selectors(t)
    t.add_argument("--park", help="the co-built park's name")
    t.add_argument("--to-amount", help="the right amount (1.2亿元)")
    t.add_argument("--to-year", type=int, help="the right year")
    t.add_argument("--to-funding", choices=["FiscalAid", "Donation", "Investment"], help="the right kind of funding")
    t.add_argument("--to-giver", help="the right giver")
    t.add_argument("--to-receiver", help="the right receiver")
    t.add_argument("--to-partner", action="append", help="a right partner (give it once for each)")
    common(t)
    a = actions.add_parser("add", help="add a fact the text states but the builder missed, with the passage that states it")
    selectors(a)
    a.add_argument("--park", help="the co-built park's name (coBuilds)")
    a.add_argument("--passage", required=True, help="the words of the document that state the fact, exactly as written")
    common(a, document_required=True)
    al = actions.add_parser("alias", help="say that a name means a division (or a park)")
    al.add_argument("name", help="the name as documents write it")
    means = al.add_mutually_exclusive_group(required=True)
    means.add_argument("--means", help="the division's name or code")
    means.add_argument("--park", help="the park's name")
    common(al)
    n = actions.add_parser("not-a-place", help="say that a name is no place")
    n.add_argument("name", help="the name as documents write it")
    common(n)


def _correct(args) -> int:
    import datetime

    from .corrections import CorrectionsError, correct
    from .query import shown

    fields = ("name", "means", "fact", "kind", "giver", "receiver", "partner", "park", "amount", "year", "funding", "passage",
              "document", "note", "author")
    values = {("partners" if k == "partner" else k): getattr(args, k) for k in fields if getattr(args, k, None) is not None}
    to = {k[3:].replace("partner", "partners"): v for k, v in vars(args).items() if k.startswith("to_") and v is not None}
    if args.action == "set":
        values["to"] = to
    if "amount" in values and values["amount"].replace(".", "", 1).isdigit():  # yuan
        values["amount"] = float(values["amount"]) if "." in values["amount"] else int(values["amount"])
    if args.date:
        try:
            values["date"] = datetime.date.fromisoformat(args.date)
        except ValueError:
            values["date"] = args.date  # said to be no date, as a build would
    try:
        line = correct(args.action, args.file, **values)
    except ValueError as exc:
        print(f"kg: correct {args.action}: {shown(str(exc))}; {args.file} is unchanged", file=sys.stderr)
        return 2
    except CorrectionsError as exc:
        print(f"kg: {shown(str(exc))}", file=sys.stderr)
        return 2
    print(f"{args.file}:{line}: added [[{args.action}]]; kg build applies it (from the corpus folder that holds "
          f"{Path(args.file).name}, or with --corrections {args.file})")
    return 0


def _build(args) -> int:
    from .builder import BuildError, build
    from .query import shown  # names and messages from documents, printed with their control characters escaped

    paths = args.paths or [BUNDLED_CORPUS]
    if args.dask and args.dask != "local":  # else the address is read only when the first batch starts, in a traceback
        try:
            from distributed.comm import get_address_host_port

            get_address_host_port(args.dask)
        except ImportError:
            print("kg: --dask: dask.distributed is not installed (pip install 'ewc-graph[dask]')", file=sys.stderr)
            return 2
        except ValueError as exc:
            print(f"kg: --dask {args.dask}: not a scheduler address ({exc}); give HOST:PORT, tcp://HOST:PORT or local",
                  file=sys.stderr)
            return 2
    progress = _progress if sys.stderr.isatty() and not args.quiet else None
    try:
        report = build(paths, args.out, validate=args.validate, files=args.files, view=args.view, progress=progress,
                       jobs=args.jobs, dask=args.dask, corrections=args.corrections)
    except BuildError as exc:
        print(f"kg: {shown(str(exc))}", file=sys.stderr)
        return 2
    for problem in report.failed:
        print(f"kg: skipped {shown(problem)}", file=sys.stderr)
    for problem in report.corrections.get("problems", ()):
        print(f"kg: corrections: {shown(problem)}", file=sys.stderr)
    for stale in report.corrections.get("stale", ()):
        print(f"kg: corrections: stale: {shown(stale)}", file=sys.stderr)
    for violation in report.violations:
        print(f"kg: SHACL: {shown(violation)}", file=sys.stderr)
    for disagreement in report.disagreements[:5]:
        print(f"kg: documents disagree: {shown(disagreement)}", file=sys.stderr)
    if len(report.disagreements) > 5:
        print(f"kg: … and {len(report.disagreements) - 5} more disagreements (report.json; kg query disagreements)",
              file=sys.stderr)
    if not args.quiet:
        print(f"Built {report.documents} document(s) into {shown(args.out)}/ in {report.seconds:.1f} s "
              f"({report.extracted} read anew, "
              + (f"{report.recorrected} corrected anew, " if report.recorrected else "")
              + f"{report.documents - report.extracted - report.recorrected} unchanged; store {report.store}"
              f"{' and compacted' if report.compacted and report.store == 'updated' else ''}, "
              f"{report.triples} triples; "
              f"SHACL: {report.shacl}; {len(report.failed)} skipped)")
        print("  entities:  " + ", ".join(f"{k} {v}" for k, v in report.entities.items()))
        print("  relations: " + (", ".join(f"{k} {v}" for k, v in report.relations.items()) or "none"))
        print(f"  figures:   {report.observations}")
        if report.corrections:
            c = report.corrections
            print(f"  corrections: {c['applied']} of {c['entries']} entries applied ({len(c['stale'])} stale, "
                  f"{len(c['problems'])} with problems; kg query corrections lists them)")
        for name, path in report.outputs.items():
            print(f"  {shown(str(path))}")
    return 1 if report.violations else 0


def _progress(done: int, total: int | None, path) -> None:
    # the corpus is streamed, so the total is known only at the end
    if done and (done % 20 == 0 or total is not None):
        print(f"\r  {done} documents", end="\n" if total is not None else "", file=sys.stderr, flush=True)


def _fetch(args) -> int:
    from .fetcher import FetchError, fetch, read_list
    from .query import shown

    urls = list(args.urls)
    for name in args.list:
        try:
            urls += read_list(sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as exc:
            print(f"kg: --list {shown(name)}: cannot be read ({getattr(exc, 'strerror', None) or exc})", file=sys.stderr)
            return 2
    if not urls and not args.feed:
        print("kg: nothing to fetch: give addresses, --list FILE or --feed URL", file=sys.stderr)
        return 2
    if args.delay < 0 or args.timeout <= 0 or args.retries < 0 or args.max_size <= 0:
        print("kg: --delay and --retries cannot be negative, --timeout and --max-size must be more than 0",
              file=sys.stderr)
        return 2
    bar = sys.stderr.isatty() and not args.quiet
    clear = "\r\x1b[K" if bar else ""  # a failure's line takes the place of the bar, which is drawn again after

    def progress(done: int, total: int) -> None:
        filled = 30 * done // total
        print(f"\r  [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", end="\n" if done == total else "",
              file=sys.stderr, flush=True)

    def problem(line: str) -> None:
        print(f"{clear}kg: cannot fetch {shown(line)}", file=sys.stderr, flush=True)

    try:
        report = fetch(urls, args.into, feeds=args.feed, refresh=args.refresh, delay=args.delay, timeout=args.timeout,
                       retries=args.retries, max_bytes=int(args.max_size * 2**20), progress=progress if bar else None,
                       problem=problem)
    except KeyboardInterrupt:
        print(f"{clear}kg: interrupted; the pages fetched so far are saved and indexed", file=sys.stderr)
        return 130
    except FetchError as exc:  # the folder, not a page: nothing was fetched
        print(f"kg: {shown(str(exc))}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"Fetched {len(report.fetched)} page(s) into {shown(str(args.into))}/ ({len(report.kept)} already there, "
              f"{len(report.unchanged)} unchanged, {len(report.failed)} failed); then: kg build {shown(str(args.into))}")
    return 0 if report.present else 2


def _extract(args) -> int:
    import gc

    from .documents import DocumentError
    from .extraction import extract
    from .gazetteer import gazetteer
    import pyoxigraph as ox

    from .rdf import CORRECTIONS_GRAPH, PREFIXES, facts_json, quads

    try:
        gazetteer()
        # its objects (a million when it is built, not read from the cache) live as long as this process: out of the
        # collector's sight, which would walk them for nothing; not done in the library, where a caller's would be too
        gc.freeze()
        facts = extract(args.file)
        if args.corrections:
            from .corrections import CorrectionsError, read

            try:
                fixes = read(args.corrections)
            except CorrectionsError as exc:
                print(f"kg: {exc}", file=sys.stderr)
                return 2
            facts, _, problems = fixes.apply(facts)
            for problem in [*fixes.problems, *problems]:
                print(f"kg: corrections: {problem}", file=sys.stderr)
        graph = quads(facts)
    except DocumentError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a fault of ours on this document: one line, as kg build reports it, and status 3
        from .builder import fault

        print(f"kg: {fault(args.file, exc)}", file=sys.stderr)
        return 3
    if args.format == "facts-json":
        print(json.dumps(facts_json(graph, facts.document.name), ensure_ascii=False, indent=2))
        return 0
    fmt = getattr(ox.RdfFormat, EXTRACT_FORMATS[args.format])
    if fmt not in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):  # a graph format: the document's graph alone
        graph = [q.triple for q in graph if not q.graph_name.value.startswith(CORRECTIONS_GRAPH)]
    sys.stdout.buffer.write(ox.serialize(graph, format=fmt, prefixes={k: str(v) for k, v in PREFIXES.items()}
                                         if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None))
    return 0


def _graph(args):
    from .views.networkx import DEFAULT_RELATIONS, to_networkx

    return to_networkx(args.out, types=args.types, relations=args.relations or DEFAULT_RELATIONS)


def _view(args) -> int:
    from .query import QueryError
    from .views import html

    try:
        path = html.write(_graph(args), args.to or Path(args.out) / "graph.html", layout=args.layout)
    except (QueryError, ValueError) as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {path}")
    if args.open:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return 0


def _export(args) -> int:
    from .query import QueryError
    from .views.networkx import export

    try:
        default = Path(args.out) if args.format == "csv" else Path(args.out) / f"graph.{args.format}"
        path = export(_graph(args), args.to or default, args.format)
    except (QueryError, ValueError) as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {path / 'nodes.csv'} and {path / 'edges.csv'}" if args.format == "csv" else f"Wrote {path}")
    return 0


def _bundled_names() -> list[str]:
    from .query import bundled_queries

    return list(bundled_queries())


def _query(args) -> int:
    from .query import TERMINAL_BYTES, QueryError, bundled_queries, escaped, question, run_with_timeout

    if args.list or not args.query:
        for name, path in bundled_queries().items():
            print(f"{name:14} {question(path)}")
        return 0 if args.list else 2
    params = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep:
            print(f"kg: --param {item!r}: write it as NAME=VALUE", file=sys.stderr)
            return 2
        params[name] = value
    stdout = sys.stdout.buffer
    terminal = sys.stdout.isatty()  # a table escapes control characters itself; CSV, JSON and XML only on a terminal

    def write(chunk: bytes) -> None:
        stdout.write(escaped(chunk, TERMINAL_BYTES) if terminal else chunk)
        stdout.flush()  # so that the line of a query that fails later comes after the rows printed

    try:
        run_with_timeout(args.out, args.query, fmt=args.format, timeout=args.timeout, params=params,
                         allow_service=args.allow_service, write=write)
    except QueryError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return 2
    return 0


def _serve(args) -> int:
    from .server import serve
    from .store import StoreError

    try:
        serve(args.out, host=args.host, port=args.port, writable=args.writable, timeout=args.timeout,
              allow_service=args.allow_service, announce=lambda line: print(line, flush=True))
    except StoreError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


def _push(args) -> int:
    from .store import StoreError, push

    try:
        sent = push(args.out, args.endpoint, protocol=args.protocol)
    except StoreError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return 2
    print(f"Sent {len(sent)} graph(s) to {args.endpoint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
