"""docs/course: the notebooks are built by make_course.py (and committed up to date), in Nielsen's order, name
no internal files, and run top to bottom without an error (nbclient; skipped when it is not installed, unless
LOOPNET_REQUIRE_TOOLS=1)."""
import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "docs" / "course"
sys.path.insert(0, str(COURSE))
import make_course  # noqa: E402


def test_notebooks_are_built_and_up_to_date(tmp_path):
    pytest.importorskip("nbformat")
    built = make_course.build(tmp_path)
    assert 6 <= len(built) <= 10
    for path in built:
        committed = COURSE / path.name
        assert committed.exists(), f"{path.name} is not committed: run python3 docs/course/make_course.py"
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), path.name
    titles = ["".join(json.loads(p.read_text())["cells"][0]["source"]) for p in built]
    order = ["Notation", "forward pass", "BP1", "BP2", "BP3", "Mini-batches", "Softmax", "Gradient checking",
             "Exercises"]
    assert [next(i for i, t in enumerate(titles) if word in t) for word in order] == sorted(range(len(order)))


def test_no_internal_names_reach_the_learner():
    for path in sorted(COURSE.glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        for word in ("seed", "loopnet/kernels", "issue", ".txt"):
            assert word not in text, (path.name, word)


def test_notebooks_execute_without_errors(monkeypatch):
    if importlib.util.find_spec("nbclient") is None or importlib.util.find_spec("ipykernel") is None:
        if os.environ.get("LOOPNET_REQUIRE_TOOLS"):
            pytest.fail("nbclient and ipykernel are required (LOOPNET_REQUIRE_TOOLS=1)")
        pytest.skip("nbclient/ipykernel not installed")
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    make_course.execute(sorted(COURSE.glob("*.ipynb")), timeout=300)
