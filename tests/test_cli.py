"""The kg command as users run it: one-line errors, exit statuses, outputs."""
import json
import os
import subprocess

from tests.conftest import ROOT


def run(kg, *args, cwd=None):
    return subprocess.run([kg, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_extract_prints_facts_json(kg):
    r = run(kg, "extract", str(ROOT / "corpus" / "sushaan-2018-01-08.txt"))
    assert r.returncode == 0, r.stderr
    facts = json.loads(r.stdout)
    assert facts["doc"] == "sushaan-2018-01-08.txt"
    assert {"rel": "funds", "from": "江苏省", "to": "延安市", "amount_cny": 20000000, "year": 2017, "kind": "FiscalAid"} in facts["relations"]


def test_extract_turtle_parses(kg):
    from rdflib import Graph

    r = run(kg, "extract", str(ROOT / "corpus" / "sushaan-2018-01-08.txt"), "--format", "turtle")
    assert r.returncode == 0 and len(Graph().parse(data=r.stdout, format="turtle")) > 500


def test_bad_inputs_give_one_line_and_status_2(kg, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 \xff\xfe".encode("latin-1") * 3)
    cases = {"empty.txt": "empty file", "image.txt": "binary", "latin1.txt": "undecodable", "missing.txt": "cannot be read"}
    for name, reason in cases.items():
        r = run(kg, "extract", str(tmp_path / name))
        assert r.returncode == 2 and r.stdout == ""
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0] and reason in lines[0] and "Traceback" not in r.stderr


def test_build_skips_bad_documents_and_builds_the_rest(kg, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("标题\n\n  南京市与商洛市结对。\n", encoding="utf-8")
    (corpus / "bad.txt").write_bytes(b"\x00\x00")
    r = run(kg, "build", str(corpus), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert "bad.txt: binary" in r.stderr and "Traceback" not in r.stderr
    assert "Built 1 document(s)" in r.stdout and str(tmp_path / "out" / "store") in r.stdout


def test_a_build_with_no_workers_is_refused_in_one_line(kg, tmp_path):
    for jobs in ("0", "-3"):
        r = run(kg, "build", "--jobs", jobs, "--out", str(tmp_path / "out"))
        assert (r.returncode, r.stderr) == (2, f"kg: --jobs must be at least 1, not {jobs}\n")
    assert not (tmp_path / "out").exists()


def test_build_with_nothing_to_build_exits_2_and_writes_nothing(kg, tmp_path):
    (tmp_path / "empty").mkdir()
    r = run(kg, "build", str(tmp_path / "empty"), str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert r.returncode == 2
    assert "folder holds no text files" in r.stderr and "no such file or folder" in r.stderr
    assert not (tmp_path / "out" / "facts.json").exists()


def test_a_second_build_into_the_same_folder_is_refused_while_one_runs(kg, tmp_path):
    import fcntl
    import os

    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out / ".lock", os.O_CREAT | os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        r = run(kg, "build", "--out", str(out))
    finally:
        os.close(fd)
    assert r.returncode == 2 and "another build is writing there" in r.stderr


def test_a_fault_of_ours_on_one_document_is_one_line_not_a_traceback(monkeypatch, tmp_path, capsys):
    from graph import cli, extraction

    def fail(doc, found):
        raise KeyError("宁夏回族自治区")

    monkeypatch.setattr(extraction, "relate", fail)  # as the park-name bug of 2026-11-29 did
    article = ROOT / "corpus" / "sushaan-2018-01-08.txt"
    assert cli.main(["extract", str(article)]) == 3
    err = capsys.readouterr().err
    assert err == f"kg: {article}: could not be processed (KeyError: '宁夏回族自治区')\n"
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text(article.read_text(encoding="utf-8"), encoding="utf-8")
    assert cli.main(["build", str(tmp_path / "corpus"), "--out", str(tmp_path / "out"), "--jobs", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "a.txt: could not be processed (KeyError" in err[0] and "nothing was built" in err[0]
    assert not (tmp_path / "out" / "store").exists()


def test_outputs_where_they_cannot_go_give_one_line_and_status_2(kg, tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder", encoding="utf-8")
    r = run(kg, "build", "--out", str(a_file))
    assert (r.returncode, r.stderr) == (2, f"kg: {a_file}: cannot make the output folder (File exists: {a_file})\n")
    out = tmp_path / "out"
    assert run(kg, "build", "--out", str(out)).returncode == 0
    for command in (["view", "--to", str(a_file / "graph.html")], ["export", "--format", "graphml", "--to", str(a_file / "g.graphml")]):
        r = run(kg, *command, "--out", str(out))
        assert r.returncode == 2 and "Traceback" not in r.stderr
        [line] = r.stderr.splitlines()
        assert line.startswith("kg: ") and str(a_file) in line
    assert a_file.read_text(encoding="utf-8") == "not a folder"


def test_a_pipe_or_a_device_is_refused_in_one_line_not_waited_for(kg, tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")  # no writer: opening it would wait forever
    os.mkfifo(tmp_path / "feed.jsonl")
    for path in (tmp_path / "pipe.txt", "/dev/zero"):  # /dev/zero never ends
        r = subprocess.run([kg, "extract", str(path)], capture_output=True, text=True, timeout=60)
        assert (r.returncode, r.stderr) == (2, f"kg: {path}: not a regular file (a device, a pipe or a socket)\n")
    good = tmp_path / "good.txt"
    good.write_text("标题\n\n  南京市与商洛市结对。\n", encoding="utf-8")
    r = subprocess.run([kg, "build", str(tmp_path / "pipe.txt"), str(tmp_path / "feed.jsonl"), str(good),
                        "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Built 1 document(s)" in r.stdout
    assert r.stderr.splitlines() == [f"kg: skipped {tmp_path / name}: not a regular file (a device, a pipe or a socket)"
                                     for name in ("pipe.txt", "feed.jsonl")]


def test_a_damaged_store_is_one_line_for_every_command_and_the_next_build_makes_it_afresh(kg, tmp_path):
    out = tmp_path / "out"
    assert run(kg, "build", "--out", str(out)).returncode == 0
    (out / "store" / "CURRENT").write_text("damaged\n")  # as a crash of the disk or a copy cut short leaves it
    for command in (["query", "pairings"], ["view"], ["export", "--format", "json"], ["push", "--endpoint", "http://127.0.0.1:9/s"],
                    ["serve", "--port", "9"]):
        r = run(kg, *command, "--out", str(out))
        assert (r.returncode, r.stdout) == (2, ""), command
        assert r.stderr.startswith(f"kg: {out / 'store'}: the store cannot be opened (") and len(r.stderr.splitlines()) == 1
    r = run(kg, "build", "--out", str(out))
    assert r.returncode == 0 and "store rebuilt" in r.stdout
    assert run(kg, "query", "pairings", "--out", str(out)).stdout.endswith("(2 rows)\n")


def test_a_pipe_and_links_that_lead_nowhere_in_a_folder_are_a_line_each_not_waited_for(kg, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("标题\n\n  南京市与商洛市结对。\n", encoding="utf-8")
    os.mkfifo(corpus / "pipe.txt")  # no writer: opening it would wait forever
    os.symlink("loop.txt", corpus / "loop.txt")
    os.symlink("nowhere", corpus / "gone.txt")
    r = subprocess.run([kg, "build", str(corpus), "--out", str(tmp_path / "out"), "--no-view"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Built 1 document(s)" in r.stdout, r.stderr
    assert sorted(r.stderr.splitlines()) == [f"kg: skipped {corpus}/gone.txt: a broken symbolic link (to a missing file or folder)",
                                             f"kg: skipped {corpus}/loop.txt: a loop of symbolic links",
                                             f"kg: skipped {corpus}/pipe.txt: not a regular file (a pipe)"]


def test_a_dask_address_that_is_none_is_one_line_and_status_2(kg, tmp_path):
    for address in ("not-an-address", "tcp://host:port", "nosuch://host:8786"):
        r = run(kg, "build", "--dask", address, "--out", str(tmp_path / "out"))
        assert (r.returncode, r.stdout) == (2, "")
        [line] = r.stderr.splitlines()
        assert line.startswith(f"kg: --dask {address}: not a scheduler address (") and line.endswith("or local")
    assert not (tmp_path / "out").exists()


def test_build_shows_control_characters_in_names_escaped(kg, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad\x1b[2K\rx.txt").write_bytes(b"\x00\x01binary")
    for name, amount in (("a\x1b]0;title\x07.txt", "3亿元"), ("b\x9b2K.txt", "3.5亿元")):  # two amounts: a disagreement
        (corpus / name).write_text(f"标题\n\n  2019年,福建省向宁夏回族自治区援助资金{amount}。\n", encoding="utf-8")
    r = subprocess.run([kg, "build", str(corpus), "--out", str(tmp_path / "out"), "--no-view"], capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    stderr = r.stderr.decode("utf-8")
    assert not [ch for ch in stderr + r.stdout.decode("utf-8") if ch < " " and ch != "\n" or "\x7f" <= ch <= "\x9f"]
    assert f"kg: skipped {corpus}/bad\\x1b[2K\\rx.txt: binary file" in stderr
    assert "(a\\x1b]0;title\\x07.txt)" in stderr and "(b\\x9b2K.txt)" in stderr and "kg: documents disagree: " in stderr


def test_a_reader_that_stops_early_ends_kg_query_quietly(kg, tmp_path):
    out = tmp_path / "out"
    assert run(kg, "build", "--out", str(out), "--no-view", "--no-files").returncode == 0
    for form in ("table", "csv"):  # kg query … | head -1
        proc = subprocess.Popen([kg, "query", "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c }", "--out", str(out), "--format", form],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout.readline()
        proc.stdout.close()
        assert proc.wait(timeout=120) == 141 and proc.stderr.read() == b"", form


def test_bare_kg_prints_help_and_version_and_every_argument_says_what_it_does(kg):
    from graph import __version__
    from graph.cli import make_parser

    bare = run(kg)
    assert bare.returncode == 0 and bare.stdout.startswith("usage: kg") and "build" in bare.stdout
    assert run(kg, "--version").stdout == f"kg {__version__}\n"
    def silent(parser, prefix="kg"):  # every argument of every command and of their actions (kg correct suppress)
        for action in parser._actions:
            if not action.help:
                yield f"{prefix} {action.dest}"
            for name, sub in (action.choices or {}).items() if isinstance(action.choices, dict) else ():
                yield from silent(sub, f"{prefix} {name}")

    assert list(silent(make_parser())) == []


def test_a_misspelt_bundled_query_is_named_with_the_nearest(kg, built_corpus):
    wrong = run(kg, "query", "pairing", "--out", str(built_corpus))
    assert (wrong.returncode, wrong.stderr) == (2, "kg: no bundled query named 'pairing'; did you mean 'pairings'?\n")
    assert run(kg, "query", "nothing.rq", "--out", str(built_corpus)).stderr == "kg: nothing.rq: no such query file\n"


def test_export_csv_writes_nodes_and_edges_for_a_spreadsheet(kg, built_corpus, tmp_path):
    r = run(kg, "export", "--format", "csv", "--out", str(built_corpus), "--to", str(tmp_path / "tables"))
    assert r.returncode == 0 and r.stdout == f"Wrote {tmp_path / 'tables' / 'nodes.csv'} and {tmp_path / 'tables' / 'edges.csv'}\n"
    edges = (tmp_path / "tables" / "edges.csv").read_text(encoding="utf-8-sig").splitlines()
    assert edges[0].startswith("relation,source_code,source,source_en,target_code,target,target_en,")
    assert any(line.startswith("funds,320000,江苏省,Jiangsu Province,610600,延安市,Yan'an City,") for line in edges)
    r = run(kg, "export", "--format", "csv", "--out", str(built_corpus), "--to", str(tmp_path / "graph.csv"))
    assert (r.returncode, r.stdout) == (2, "") and r.stderr.endswith("give a folder to write them in\n")
    assert not (tmp_path / "graph.csv").exists()
