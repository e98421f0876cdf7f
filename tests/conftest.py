import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def kg():
    """The installed `kg` command, as users run it."""
    exe = Path(sys.executable).with_name("kg")
    if not exe.exists():
        pytest.fail("the kg console script is not installed beside this Python; run the README's set-up command")
    return str(exe)


# Three documents of our own that report one year's funding differently (two say 10亿, one 12亿) and a second year.
DISAGREEING = {"a": "2017年，上海市向云南省投入财政援助资金10亿元。", "b": "2017年上海市安排云南省财政帮扶资金10亿元。",
               "c": "2017年上海市共向云南省投入财政援助资金12亿元。2018年，上海市投入云南省财政援助资金5亿元。"}


@pytest.fixture(scope="session")
def disagreeing_built(tmp_path_factory):
    """The DISAGREEING documents built (store only): the folder to load."""
    from graph.builder import build

    corpus = tmp_path_factory.mktemp("disagreeing")
    for name, text in DISAGREEING.items():
        (corpus / f"{name}.txt").write_text(f"沪滇协作\n\n  {text}\n", encoding="utf-8")
    build([corpus], corpus / "out", view=False, files=False)
    return corpus / "out"
