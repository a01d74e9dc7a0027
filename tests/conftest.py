import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

from ntkbook.ledger import Ledger  # noqa: E402  (after the path set-up above)


@pytest.fixture
def ledger(request, tmp_path):
    """A throw-away ledger for the chapter a test module covers (test_du2019_b.py -> "du2019")."""
    match = re.match(r"test_([a-z]+\d{4}|foundations)", request.module.__name__.rsplit(".", 1)[-1])
    if not match:
        raise RuntimeError(f"no chapter in the module name {request.module.__name__!r}")
    return Ledger(match.group(1), "test", directory=tmp_path)


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module of tiny-matrix tests (thread start-up would dominate);
    restores the previous count afterwards. Use with ``pytestmark =
    pytest.mark.usefixtures("one_torch_thread")``."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
