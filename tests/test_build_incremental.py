"""Rebuilds, parallel and distributed builds, more input formats, and builds that are killed part-way."""
import json
import multiprocessing
import os
import pickle
import resource
import shutil
import signal
import subprocess
import time

import networkx as nx
import pyoxigraph as ox
import pytest

import graph
from graph import documents
from graph.builder import build
from graph.views import networkx
from tests.conftest import ROOT

real_update = networkx.update
ARTICLE = (ROOT / "corpus" / "sushaan-2018-01-08.txt").read_text(encoding="utf-8")
SMALL = "标题{n}\n\n2019-06-12 08:00|来源:宁夏日报\n\n  2019年,福建省向我区援助财政资金{n}亿元。福州市与固原市结对帮扶。\n"


def snapshot(out):
    """What a build means, independent of serialisation order: the sorted quads of the files and of the store
    (the default graph and the inferred triples too), and the facts."""
    quads = sorted((out / "dataset.nq").read_text(encoding="utf-8").splitlines())
    store = ox.Store.read_only(str(out / "store"))
    stored = sorted(str(q) for q in store.quads_for_pattern(None, None, None))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return quads, stored, report["triples"], json.loads((out / "facts.json").read_text(encoding="utf-8"))


def corpus(path, names):
    path.mkdir(parents=True, exist_ok=True)
    for n in names:
        (path / f"doc{n}.txt").write_text(SMALL.format(n=n), encoding="utf-8")
    return path


def test_a_rebuild_after_a_bad_input_was_removed_no_longer_reports_it(tmp_path):
    src = corpus(tmp_path / "src", [1])
    (src / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    assert build([src], out, validate=False).failed == [f"{src}/empty.txt: empty file"]
    (src / "empty.txt").unlink()
    again = build([src], out, validate=False)
    assert (again.extracted, again.store, again.failed) == (0, "unchanged", [])
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["failed"] == []


def test_rebuild_reads_only_what_changed_and_equals_a_clean_build(tmp_path):
    src = corpus(tmp_path / "src", [1, 2, 3])
    (src / "doc3.txt").write_text(SMALL.format(n=3).replace("福州市与固原市", "闽侯县与西吉县"), encoding="utf-8")
    out = tmp_path / "out"
    assert build([src], out, validate=False).extracted == 3
    assert "闽侯县" in (out / "graph.ttl").read_text(encoding="utf-8")  # with what it infers: 闽侯县 is in 福建省
    (src / "doc2.txt").write_text(SMALL.format(n=7), encoding="utf-8")  # changed
    (src / "doc3.txt").unlink()  # removed
    (src / "doc4.txt").write_text(SMALL.format(n=4), encoding="utf-8")  # added
    (src / "doc5.txt").write_text(SMALL.format(n=1).replace("福州市与固原市", "厦门市与临夏回族自治州"), encoding="utf-8")
    report = build([src], out, validate=False)
    assert (report.documents, report.extracted, report.store) == (4, 3, "updated")
    clean = tmp_path / "clean"
    clean_report = build([src], clean, validate=False)
    assert snapshot(out) == snapshot(clean)
    assert "doc3.txt" not in (out / "dataset.nq").read_text(encoding="utf-8")
    def stamps():  # of every output and of what the published build's folder holds, but the report
        return {p.name: p.lstat().st_mtime_ns for p in [*out.iterdir(), *(out / ".current").iterdir()]
                if p.name != "report.json" and not p.name.startswith(".gen-")}

    before = stamps()
    again = build([src], out, validate=False)
    assert (again.extracted, again.store, again.documents) == (0, "unchanged", 4) and clean_report.store == "rebuilt"
    assert stamps() == before
    assert snapshot(out) == snapshot(clean)


def test_a_rebuild_writes_the_very_files_and_page_of_a_clean_build(tmp_path, monkeypatch):
    src = corpus(tmp_path / "src", range(1, 41))  # runs of unchanged documents around changes and a removal
    (src / "doc5.txt").write_text(SMALL.format(n=5).replace("福州市与固原市", "闽侯县与西吉县"), encoding="utf-8")
    out = tmp_path / "out"
    build([src], out, validate=False)

    def same_as_a_clean_build(*names):
        clean = tmp_path / f"clean{len(list(tmp_path.glob('clean*')))}"
        build([src], clean, validate=False)
        for name in names:
            assert (out / name).read_bytes() == (clean / name).read_bytes(), name

    (src / "doc2.txt").write_text(SMALL.format(n=7), encoding="utf-8")
    (src / "doc4.txt").unlink()
    (src / "doc5.txt").write_text(SMALL.format(n=5).replace("固原市结对", "固原市彭阳县结对"), encoding="utf-8")
    (src / "doc41.txt").write_text(SMALL.format(n=41).replace("标题41", "新标题"), encoding="utf-8")
    updates = []  # the page's graph is updated, not read again: only what the changed documents touched
    monkeypatch.setattr(networkx, "update", lambda G, source, iris: updates.append(iris) or real_update(G, source, iris))
    assert build([src], out, validate=False).extracted == 3
    assert len(updates) == 1 and any("350121" in iri for iri in updates[0])  # 闽侯县, stated only by doc5 before
    same_as_a_clean_build("dataset.trig", "dataset.nq", "dataset.jsonld", "graph.ttl", "facts.json", "graph.html")
    kept = nx.node_link_graph(json.loads((out / ".current" / ".view").read_bytes())["graph"], edges="edges")  # a full read's
    G = graph.to_networkx(out)
    assert list(kept.nodes(data=True)) == list(G.nodes(data=True))
    assert list(kept.edges(keys=True, data=True)) == list(G.edges(keys=True, data=True))
    (out / ".current" / ".view").write_bytes(b"not JSON")  # a graph that cannot be read is made again
    (src / "doc1.txt").unlink()
    assert build([src], out, validate=False).documents == 39 and len(updates) == 1
    same_as_a_clean_build("graph.html")
    for n in range(10, 20):  # a quarter of the documents changed: reading the page's graph whole is quicker
        (src / f"doc{n}.txt").write_text(SMALL.format(n=n + 100), encoding="utf-8")
    assert build([src], out, validate=False).extracted == 10 and len(updates) == 1
    same_as_a_clean_build("graph.html")


def test_small_rebuilds_add_up_until_the_store_is_compacted(tmp_path):
    src = corpus(tmp_path / "src", range(10))
    out = tmp_path / "out"
    compacted = [build([src], out, files=False, view=False).compacted]
    for n in (1, 2, 3, 4, 5):  # one document in ten changed each time: the third makes more than a fifth
        (src / f"doc{n}.txt").write_text(SMALL.format(n=n + 20), encoding="utf-8")
        compacted.append(build([src], out, files=False, view=False).compacted)
    assert compacted == [True, False, False, True, False, False]
    assert build([src], out, files=False, view=False).compacted is False  # nothing changed


def test_files_unchanged_since_the_last_build_are_not_read_and_an_edit_that_keeps_size_and_time_is_seen(tmp_path, monkeypatch):
    src = corpus(tmp_path / "src", [1, 2, 3])
    out = tmp_path / "out"
    build([src], out)
    # as if the files had been written well before the build (one changed within 2 s of a build is read again)
    manifest = json.loads((out / ".current" / ".manifest").read_bytes())
    manifest["started"] += 60 * 10**9
    (out / ".current" / ".manifest").write_text(json.dumps(manifest))
    read, real = [], documents.read_bytes
    monkeypatch.setattr(documents, "read_bytes", lambda path: read.append(path.name) or real(path))
    doc2 = src / "doc2.txt"
    st = doc2.stat()
    doc2.write_text(SMALL.format(n=8), encoding="utf-8")  # same size
    os.utime(doc2, ns=(st.st_atime_ns, st.st_mtime_ns))  # same modification time: only the ctime tells
    (src / "doc4.txt").write_text(SMALL.format(n=4), encoding="utf-8")
    report = build([src], out, jobs=1)
    assert set(read) == {"doc2.txt", "doc4.txt"} and report.extracted == 2
    clean = tmp_path / "clean"
    build([src], clean)
    assert snapshot(out) == snapshot(clean)
    report = build([src], out, validate=True, jobs=1)  # every document again, unread ones read now by path
    assert report.extracted == 4 and report.shacl == "conforms"


def stored(out):
    return sorted(str(q) for q in ox.Store.read_only(str(out / "store")).quads_for_pattern(None, None, None))


def test_builds_without_files_and_view_keep_the_store_and_drop_stale_outputs(tmp_path):
    src = corpus(tmp_path / "src", [1, 2, 3])
    out = tmp_path / "out"
    build([src], out)
    (src / "doc2.txt").write_text(SMALL.format(n=7), encoding="utf-8")
    report = build([src], out, files=False, view=False)
    assert (report.extracted, report.store) == (1, "updated")
    assert not [p.name for p in out.iterdir() if p.suffix in (".nq", ".trig", ".jsonld", ".ttl", ".html")]
    assert set(report.outputs) == {"facts.json", "report.json", "store"}
    clean = tmp_path / "clean"
    build([src], clean)
    assert stored(out) == stored(clean)
    report = build([src], out)  # the files again: every document is read anew to write them
    assert report.extracted == 3 and snapshot(out) == snapshot(clean) and (out / "graph.html").exists()


def test_parallel_and_dask_builds_equal_a_serial_one(tmp_path):
    src = corpus(tmp_path / "src", range(1, 9))
    shutil.copy(ROOT / "corpus" / "sushaan-2018-01-08.txt", src)
    build([src], tmp_path / "serial", validate=False, jobs=1)
    build([src], tmp_path / "parallel", validate=False, jobs=2)
    build([src], tmp_path / "dask", validate=False, jobs=2, dask="local")
    assert snapshot(tmp_path / "serial") == snapshot(tmp_path / "parallel") == snapshot(tmp_path / "dask")


def test_json_lines_globs_and_html(tmp_path):
    (tmp_path / "feed.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"text": "福州市与固原市结对帮扶。", "title": "闽宁", "date": "2019-06-12", "source": "宁夏日报", "url": "http://x/1"},
        {"title": "no text"},
    ]) + "\nnot json\n", encoding="utf-8")
    (tmp_path / "a.html").write_text('<html><head><title>苏陕</title><link rel="canonical" href="https://example.org/sx/1.html">'
                                     "</head><body><p>南京市与商洛市结对。</p></body></html>", encoding="utf-8")
    report = build([tmp_path / "feed.jsonl", str(tmp_path / "*.html")], tmp_path / "out", validate=False)
    assert report.documents == 2
    assert any("feed.jsonl:2" in f and "text" in f for f in report.failed)
    assert any("feed.jsonl:3" in f and "not a JSON object" in f for f in report.failed)
    facts = {f["id"]: f for f in json.loads((tmp_path / "out" / "facts.json").read_text(encoding="utf-8"))}
    assert {"rel": "pairedWith", "a": "固原市", "b": "福州市"} in facts["feed.jsonl#http://x/1"]["relations"] or \
        {"rel": "pairedWith", "a": "福州市", "b": "固原市"} in facts["feed.jsonl#http://x/1"]["relations"]
    assert any(r["rel"] == "pairedWith" for r in facts["a.html"]["relations"])
    kg = graph.load(tmp_path / "out")  # where each article was published, for the reader to follow
    assert {r["url"] for r in kg.query("evidence", params={"a": "福州市", "b": "固原市"})} == {"http://x/1"}
    assert {r["url"] for r in kg.query("evidence", params={"a": "南京市", "b": "商洛市"})} == {"https://example.org/sx/1.html"}
    G = kg.to_networkx()
    assert [d["urls"] for *_, d in G.edges(data=True) if d["relation"] == "pairedWith"] in (
        [["http://x/1"], ["https://example.org/sx/1.html"]], [["https://example.org/sx/1.html"], ["http://x/1"]])


def test_a_folder_that_links_back_up_is_read_once(tmp_path):
    src = corpus(tmp_path / "src", [1])
    corpus(src / "nested", [2])
    (src / "nested" / "up").symlink_to(src, target_is_directory=True)  # a loop: src/nested/up/nested/up/…
    report = build([src], tmp_path / "out", validate=False)
    assert report.documents == 2 and not report.failed
    assert [f["id"] for f in json.loads((tmp_path / "out" / "facts.json").read_text(encoding="utf-8"))] == ["doc1.txt", "nested/doc2.txt"]


def test_an_output_folder_inside_an_input_folder_is_not_read(tmp_path):
    src = corpus(tmp_path / "src", [1])
    (src / "page.html").write_text("<html><title>闽宁</title><body><p>福州市与固原市结对帮扶。</p></body></html>", encoding="utf-8")
    for paths, count in (([src], 2), ([src / "**" / "*.html"], 1)):  # kg build . writes ./out and its graph.html
        for _ in range(2):
            report = build(paths, src / "out", validate=False)
        assert (report.documents, report.extracted, report.failed) == (count, 0, [])


def test_a_json_lines_record_too_large_is_skipped_with_its_line_named(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "MAX_BYTES", 4096)
    records = [{"text": "福州市与固原市结对帮扶。" + "。" * 5000}, {"text": "南京市与商洛市结对。"}]
    (tmp_path / "feed.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    report = build([tmp_path / "feed.jsonl"], tmp_path / "out", files=False, view=False)
    [failed] = report.failed
    assert report.documents == 1 and failed.startswith(f"{tmp_path / 'feed.jsonl'}:1: too large")
    facts = json.loads((tmp_path / "out" / "facts.json").read_text(encoding="utf-8"))
    assert [f["id"] for f in facts] == ["feed.jsonl#2"]


def interrupted_build(kg, tmp_path, sig, afresh=False):
    """A build of 301 documents over a built one, sent ``sig`` part-way: the process, and the outputs before.
    ``afresh``: without the last build's manifest, so the store is loaded anew rather than updated."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(ROOT / "corpus" / "sushaan-2018-01-08.txt", src)
    out = tmp_path / "out"
    build([src], out, validate=False)
    before = snapshot(out)
    if afresh:
        (out / ".current" / ".manifest").unlink()
    for n in range(300):
        (src / f"copy{n}.txt").write_text(ARTICLE.replace("陕西日报", f"陕西日报{n}"), encoding="utf-8")
    # SIGINT as a terminal sends it, even when the tests run in the background (where the shell ignores it)
    proc = subprocess.Popen([kg, "build", str(src), "--out", str(out), "--jobs", "1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not list(out.glob(".build-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(sig)
    return proc, src, out, before


def test_a_killed_build_leaves_the_previous_outputs_and_the_next_build_recovers(kg, tmp_path):
    proc, src, out, before = interrupted_build(kg, tmp_path, signal.SIGKILL)
    proc.wait()
    assert snapshot(out) == before
    report = build([src], out, validate=False)
    assert report.documents == 301 and not list(out.glob(".build-*"))


def test_an_interrupted_build_says_so_cleans_up_and_leaves_the_previous_outputs(kg, tmp_path):
    proc, src, out, before = interrupted_build(kg, tmp_path, signal.SIGINT, afresh=True)
    err = proc.communicate(timeout=60)[1]
    assert (proc.returncode, err) == (130, "kg: interrupted; the outputs are those of the last build that finished\n")
    assert snapshot(out) == before and not list(out.glob(".build-*"))


def test_a_build_that_runs_out_of_space_says_so_in_one_line_and_leaves_the_previous_outputs(kg, tmp_path):
    src = corpus(tmp_path / "src", range(3))
    out = tmp_path / "out"
    build([src], out, validate=False)
    before = snapshot(out)
    for n in range(3, 60):
        (src / f"doc{n}.txt").write_text(ARTICLE.replace("陕西日报", f"陕西日报{n}"), encoding="utf-8")

    def no_file_over_200k():  # as a full disk does, writes fail (EFBIG) part-way through the build
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    r = subprocess.run([kg, "build", str(src), "--out", str(out), "--jobs", "1"], capture_output=True, text=True,
                       preexec_fn=no_file_over_200k, timeout=300)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    [line] = r.stderr.splitlines()
    assert line.startswith(f"kg: {out}: the build stopped (") and "File too large" in line
    assert line.endswith("; the previous outputs are unchanged")
    assert snapshot(out) == before and not list(out.glob(".build-*"))
    assert build([src], out, validate=False).documents == 60


class Payload:
    """A pickle that runs code when read: what a crafted output folder could hold."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_no_file_in_the_output_folder_can_run_code_on_the_next_build(tmp_path):
    src = corpus(tmp_path / "src", [1, 2])
    out = tmp_path / "out"
    build([src], out)
    marker = tmp_path / "ran"
    for path in (out / ".manifest", out / ".view", out / ".current" / ".manifest", out / ".current" / ".view"):
        path.write_bytes(pickle.dumps(Payload(marker)))
    (src / "doc3.txt").write_text(SMALL.format(n=3), encoding="utf-8")
    report = build([src], out)
    assert not marker.exists()
    assert (report.documents, report.extracted, report.store) == (3, 3, "rebuilt")  # an unreadable manifest: afresh


STEPS = ("rename", "replace", "symlink", "unlink", "rmtree")


def _publish_killed_at(step, src, out, counted):
    """Build ``src`` into ``out`` in this (forked) process, dying as kill -9 does before the ``step``-th file
    operation of publishing; ``counted`` receives the number of operations when none was the ``step``-th."""
    import graph.builder as b

    publishing, calls = [], []

    def counting(name, real):
        def op(*args, **kwargs):
            if publishing:
                calls.append(name)
                if len(calls) == step:
                    os._exit(9)
            return real(*args, **kwargs)
        return op

    for name in STEPS:
        module = shutil if name == "rmtree" else os
        setattr(module, name, counting(name, getattr(module, name)))
    real_publish = b._publish
    b._publish = lambda *a: publishing.append(1) or real_publish(*a)
    build([src], out, jobs=1)
    counted.put(len(calls))


def test_a_build_killed_at_any_step_of_publishing_leaves_one_build_whole_and_the_next_recovers(tmp_path):
    src = corpus(tmp_path / "src", [1, 2, 3])
    out, first, clean = tmp_path / "out", tmp_path / "first", tmp_path / "clean"
    build([src], first)
    before = snapshot(first)
    (src / "doc2.txt").write_text(SMALL.format(n=8), encoding="utf-8")
    (src / "doc4.txt").write_text(SMALL.format(n=4), encoding="utf-8")
    build([src], clean)
    after = snapshot(clean)
    ctx = multiprocessing.get_context("spawn")  # a fork would inherit the store's threads' locks, held
    counted = ctx.Queue()
    for step in range(1, 100):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(first, out, symlinks=True)  # the first build, as published
        proc = ctx.Process(target=_publish_killed_at, args=(step, src, out, counted))
        proc.start()
        proc.join()
        if proc.exitcode == 0:  # publishing has fewer operations than this: each one was a place to die
            assert counted.get() == step - 1 > 3 and snapshot(out) == after
            break
        assert proc.exitcode == 9
        assert snapshot(out) in (before, after), step  # what a reader sees: one build or the other, whole
        assert build([src], out, jobs=1).documents == 4 and snapshot(out) == after, step
        assert [p.name for p in out.glob(".gen-*")] == [os.readlink(out / ".current")] and not list(out.glob(".build-*"))
    else:
        pytest.fail("publishing never finished")
