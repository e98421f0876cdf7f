"""The ``kg`` command: thin wrappers over the public API."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
EXTRACT_FORMATS = {"facts-json": None, "turtle": "turtle", "trig": "trig", "nquads": "nquads", "json-ld": "json-ld"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kg", description="Knowledge graph of China's East–West collaboration.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build articles into RDF files, an Oxigraph store and facts JSON")
    b.add_argument("paths", nargs="*", help=f"files or folders (default: the bundled corpus, {BUNDLED_CORPUS})")
    b.add_argument("--out", default="out", help="output folder (default: out)")
    b.add_argument("--no-validate", action="store_true", help="skip SHACL validation")
    b.add_argument("--quiet", action="store_true", help="print only problems")
    e = sub.add_parser("extract", help="print the facts of one article")
    e.add_argument("file")
    e.add_argument("--format", choices=sorted(EXTRACT_FORMATS), default="facts-json")
    args = parser.parse_args(argv)
    try:
        return {"build": _build, "extract": _extract}[args.command](args)
    except KeyboardInterrupt:
        print("kg: interrupted; the previous outputs are unchanged", file=sys.stderr)
        return 130


def _build(args) -> int:
    from .build import BuildError, build

    paths = args.paths or [BUNDLED_CORPUS]
    progress = _progress if sys.stderr.isatty() and not args.quiet else None
    try:
        report = build(paths, args.out, validate=not args.no_validate, progress=progress)
    except BuildError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return 2
    for problem in report.failed:
        print(f"kg: skipped {problem}", file=sys.stderr)
    for violation in report.violations:
        print(f"kg: SHACL: {violation}", file=sys.stderr)
    if not args.quiet:
        print(f"Built {report.documents} document(s) into {args.out}/ in {report.seconds:.1f} s "
              f"({report.triples} triples, SHACL: {report.shacl}, {len(report.failed)} skipped)")
        print("  entities:  " + ", ".join(f"{k} {v}" for k, v in report.entities.items()))
        print("  relations: " + (", ".join(f"{k} {v}" for k, v in report.relations.items()) or "none"))
        print(f"  figures:   {report.observations}")
        for name, path in report.outputs.items():
            print(f"  {path}")
    return 1 if report.violations else 0


def _progress(done: int, total: int, path) -> None:
    if total >= 20:
        end = "\n" if done == total else ""
        print(f"\r  {done}/{total} documents", end=end, file=sys.stderr, flush=True)


def _extract(args) -> int:
    from .documents import DocumentError
    from .extract import extract
    from .rdf import facts_json, graph_iri, to_rdf

    try:
        facts = extract(args.file)
    except DocumentError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return 2
    ds = to_rdf(facts)
    if args.format == "facts-json":
        print(json.dumps(facts_json(ds.graph(graph_iri(facts.document.id)), facts.document.name),
                         ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(ds.serialize(format=EXTRACT_FORMATS[args.format]) if args.format in ("trig", "nquads")
                         else ds.graph(graph_iri(facts.document.id)).serialize(format=EXTRACT_FORMATS[args.format]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
