import json
import os

from graph import usercache


def test_the_folder_is_under_xdg_cache_home_and_named_for_what_it_is_made_from(tmp_path, monkeypatch):
    monkeypatch.delenv("KG_CACHE", raising=False)
    source = tmp_path / "source.tsv"
    source.write_text("a\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = usercache.folder(source)
    assert first.parent == tmp_path / "cache" / "ewc-graph" and usercache.folder(source) == first
    source.write_text("b\n")
    assert usercache.folder(source) != first
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG specification: ignored
    assert usercache.folder(source).parent == tmp_path.home() / ".cache" / "ewc-graph"
    for off in ("off", "OFF", "0"):
        monkeypatch.setenv("KG_CACHE", off)
        assert usercache.folder(source) is None


def test_files_are_read_only_when_whole(tmp_path):
    sidecar = tmp_path / "key" / "entry.json"
    usercache.save(sidecar, {"a.tsv": b"one\ttwo\n", "b.bin": lambda path: open(path, "wb").write(b"\x00\x01")})
    sums = usercache.sidecar(sidecar)["sha256"]
    assert usercache.verified(tmp_path / "key" / "a.tsv", sums["a.tsv"]) == b"one\ttwo\n"
    assert usercache.verified(tmp_path / "key" / "b.bin", sums["b.bin"]) == b"\x00\x01"
    (tmp_path / "key" / "a.tsv").write_bytes(b"one\t")
    assert usercache.verified(tmp_path / "key" / "a.tsv", sums["a.tsv"]) is None
    assert usercache.verified(tmp_path / "key" / "missing", sums["a.tsv"]) is None
    assert usercache.verified(tmp_path / "key" / "b.bin", None) is None
    assert sorted(p.name for p in (tmp_path / "key").iterdir()) == ["a.tsv", "b.bin", "entry.json"]  # no temporaries
    for broken in (b"", b"[1, 2]", b'{"sha256": []}', b'{"sha256": {"a.tsv": '):
        sidecar.write_bytes(broken)
        assert usercache.sidecar(sidecar) is None
    assert usercache.sidecar(tmp_path / "missing.json") is None


def test_a_file_that_fails_to_be_written_leaves_nothing_behind(tmp_path):
    def fails(path):
        open(path, "wb").write(b"half")
        raise OSError("disk full")

    usercache.save(tmp_path / "key" / "entry.json", {"a.tsv": b"a", "b.bin": fails})
    assert [p.name for p in (tmp_path / "key").iterdir()] == ["a.tsv"]  # and no sidecar: the entry is not there


def test_an_unwritable_folder_is_no_error(tmp_path):
    (tmp_path / "cache").write_text("a file where the folder would be")
    usercache.save(tmp_path / "cache" / "key" / "entry.json", {"a.tsv": b"a"})
    assert (tmp_path / "cache").read_text() == "a file where the folder would be"


def test_a_new_key_folder_removes_the_oldest_others(tmp_path):
    root = tmp_path / "ewc-graph"
    old = [root / (f"{i:x}" * 32) for i in range(6)]
    for i, folder in enumerate(old):
        folder.mkdir(parents=True)
        os.utime(folder, (1_000_000 + i, 1_000_000 + i))
    (root / "notes").mkdir()
    usercache.save(root / ("a" * 32) / "entry.json", {"a.tsv": b"a"})
    kept = sorted(p.name for p in root.iterdir())
    assert kept == sorted(["a" * 32, "notes", *(f.name for f in old[-(usercache.KEPT - 1):])])
    usercache.save(root / ("a" * 32) / "other.json", {"b.tsv": b"b"})  # an entry added to a folder: none removed
    assert sorted(p.name for p in root.iterdir()) == kept
    assert json.loads((root / ("a" * 32) / "other.json").read_text())["sha256"].keys() == {"b.tsv"}
