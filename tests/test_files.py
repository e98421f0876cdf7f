"""The output files: documents' parts concatenate into whole files that parse, and a kept part is copied as it was."""
import json

import pyoxigraph as ox

from graph.extraction import extract_text
from graph.files import FACTS, FILES, Writer
from graph.rdf import ontology_quads, quads

DOCS = {"a.txt": "福建省与宁夏回族自治区结对。\n", "b.txt": "2019年,福州市向固原市援助资金3亿元。\n", "c.txt": "南京市与商洛市结对。\n"}
FORMAT = {"dataset.nq": ox.RdfFormat.N_QUADS, "dataset.trig": ox.RdfFormat.TRIG, "graph.ttl": ox.RdfFormat.TURTLE,
          "dataset.jsonld": ox.RdfFormat.JSON_LD}


def parts(name):
    graph = quads(extract_text(DOCS[name], name))
    return {**{file: fmt.chunk(graph) for file, fmt in FILES.items()}, FACTS: json.dumps({"id": name}).encode()}, graph


def written(folder, last, docs, kept=None):
    writer = Writer(folder, last, (*FILES, FACTS))
    where = {name: writer.add(kept=kept[name]) if kept and name in kept else writer.add(parts=parts(name)[0])
             for name in docs}
    writer.close()
    return where


def test_the_parts_of_documents_make_files_that_parse_to_all_their_quads(tmp_path):
    written(tmp_path, tmp_path / "none", DOCS)
    stated = {q for name in DOCS for q in parts(name)[1]} | set(ontology_quads())
    for file, fmt in FORMAT.items():
        found = set(ox.parse(path=str(tmp_path / file), format=fmt))
        if FILES[file].triples:  # Turtle: one graph, the merge
            assert {q.triple for q in found} == {q.triple for q in stated}, file
        else:
            assert found == stated, file
    assert json.loads((tmp_path / FACTS).read_text()) == [{"id": name} for name in DOCS]


def test_kept_parts_are_copied_from_the_last_files_byte_for_byte(tmp_path):
    last = tmp_path / "last"
    last.mkdir()
    where = written(last, tmp_path / "none", ["a.txt", "b.txt"])
    # a and b copied: apart, with c new between them; together, in one run; in the other order
    for i, order in enumerate((["a.txt", "c.txt", "b.txt"], ["a.txt", "b.txt", "c.txt"], ["b.txt", "a.txt"])):
        new, clean = tmp_path / f"new{i}", tmp_path / f"clean{i}"
        new.mkdir(), clean.mkdir()
        written(new, last, order, kept=where)
        written(clean, tmp_path / "none", order)
        for file in (*FILES, FACTS):
            assert (new / file).read_bytes() == (clean / file).read_bytes(), (order, file)
