"""The workbook on schemas that are not the example: every chapter runs, the report builds, and
nothing in it speaks of the example's tables."""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from conftest import REPO
from dbdesign.review.notebook import EXAMPLE_TAG, example_cells_dropped, is_example
from dbdesign.review.report import build_report

CORPUS = REPO.parent / "shared" / "corpus"
CHAPTERS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_only_the_bundled_example_is_the_example():
    assert is_example("migrations", REPO)
    assert is_example(str(REPO / "migrations"), REPO)
    assert not is_example("tests/fixtures/shop_generic.sql", REPO)


def test_example_cells_are_left_out_for_another_schema():
    nb = nbformat.read(str(REPO / "notebooks" / "01_schema_design.ipynb"), as_version=4)
    before = len(nb.cells)
    dropped = example_cells_dropped(nb)
    assert dropped > 0 and len(nb.cells) == before - dropped
    assert not any(EXAMPLE_TAG in c.metadata.get("tags", []) for c in nb.cells)


def _schemas():
    north = CORPUS / "northwind-postgres.sql"
    return [pytest.param(REPO / "tests" / "fixtures" / "shop_generic.sql", ["customers", "line"],
                         id="shop_generic"),
            pytest.param(north, ["orders", "customers", "employees"], id="northwind",
                         marks=pytest.mark.skipif(not north.exists(), reason=f"no corpus at {CORPUS}"))]


@pytest.mark.parametrize("source, tables", _schemas())
def test_every_chapter_builds_for_a_schema_that_is_not_the_example(source, tables, tmp_path):
    from bs4 import BeautifulSoup
    index = build_report(tmp_path / "report", source=str(source))
    manifest = json.loads((tmp_path / "report" / "manifest.json").read_text())
    assert [c["name"] for c in manifest["chapters"]] == [p.name for p in CHAPTERS]
    text = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert not re.search(r"\bposts?\b", text), re.search(r".{60}\bposts?\b.{60}", text, re.S).group(0)
    for table in tables:  # the chapters speak of this schema
        assert re.search(rf"\b{table}\b", text), table
