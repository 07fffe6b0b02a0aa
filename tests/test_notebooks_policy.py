"""How chapter notebooks are kept in git (README, "Notebooks in git"), checked on every chapter.

- stored WITH outputs from one clean top-to-bottom run (reviewers see them; nbval compares them),
- paired with a `# %%` .py file (jupytext) whose cells match, for readable review diffs,
- at least one `# NBVAL_CHECK_OUTPUT` cell, so nbval checks real facts,
- no error outputs, no paths of the machine that ran them, no oversize outputs,
- the first code cell calls `notebook.setup()` (repo root as working directory, run parameters).

The fix for most failures: `python -m dbdesign.review.report --refresh notebooks/NN_name.ipynb`.
"""
from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from dbdesign.review.report import NOTEBOOK_PATTERN

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for p in (REPO / "notebooks").glob("*.ipynb") if NOTEBOOK_PATTERN.match(p.name))
REFRESH = "run `python -m dbdesign.review.report --refresh notebooks/{name}`"
MAX_BYTES = 2_000_000


def test_there_are_chapters():
    assert NOTEBOOKS, "no chapter notebooks found in notebooks/"


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def chapter(request):
    path = request.param
    return path, nbformat.read(str(path), as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_paired_py_file_matches(chapter):
    path, nb = chapter
    py = path.with_suffix(".py")
    assert py.is_file(), f"{path.name}: no paired {py.name}; run `jupytext --set-formats ipynb,py:percent {path}`"
    paired = jupytext.read(str(py))
    mine = [(c.cell_type, c.source.strip()) for c in nb.cells]
    theirs = [(c.cell_type, c.source.strip()) for c in paired.cells]
    assert mine == theirs, (f"{path.name} and {py.name} differ; run `jupytext --sync {py}` "
                            "(the newer file wins), then " + REFRESH.format(name=path.name))


def test_stored_from_one_clean_run(chapter):
    path, nb = chapter
    counts = [c.execution_count for c in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), \
        f"{path.name}: execution counts {counts} are not one top-to-bottom run; " + REFRESH.format(name=path.name)


def test_has_checked_cells(chapter):
    path, nb = chapter
    checked = [c for c in code_cells(nb) if "NBVAL_CHECK_OUTPUT" in c.source]
    assert checked, f"{path.name}: no `# NBVAL_CHECK_OUTPUT` cell, so nbval checks no facts here"
    for c in checked:
        assert c.outputs, f"{path.name}: checked cell without stored output: {c.source.splitlines()[1:2]}"


def test_no_errors_or_machine_paths(chapter):
    path, nb = chapter
    home = str(Path.home())
    forbidden = {str(REPO), str(Path(sys.prefix).resolve()), "/tmp/"} | ({home} if home != "/" else set())
    for i, c in enumerate(code_cells(nb), 1):
        for out in c.outputs:
            assert out.output_type != "error", f"{path.name} code cell {i}: stored error output"
            texts = [out.get("text", "")] + [v for v in (out.get("data") or {}).values() if isinstance(v, str)]
            for text in texts:
                assert "Traceback (most recent call last)" not in text, f"{path.name} code cell {i}: traceback"
                for p in forbidden:
                    assert p not in text, f"{path.name} code cell {i}: output contains the machine path {p}"


def test_size_and_setup(chapter):
    path, nb = chapter
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: over {MAX_BYTES} bytes; keep big outputs out of git"
    first = code_cells(nb)[0].source
    assert "setup()" in first, f"{path.name}: the first code cell must call dbdesign.review.notebook.setup()"
