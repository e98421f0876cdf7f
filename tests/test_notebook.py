"""notebooks/analysis.ipynb runs from top to bottom against a freshly built graph."""
import os

import nbformat
from nbclient import NotebookClient

from tests.conftest import ROOT


def test_notebook_runs_without_errors(built_corpus):
    nb = nbformat.read(ROOT / "notebooks" / "analysis.ipynb", as_version=4)
    os.environ["KG_OUT"] = str(built_corpus)
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    finally:
        del os.environ["KG_OUT"]
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the charts were drawn
    text = "".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for o in outputs)
    assert "江苏省" in text and "places, parks and programs" in text
