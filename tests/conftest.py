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
