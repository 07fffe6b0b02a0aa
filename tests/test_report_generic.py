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
    # the index lab and the soft-delete/audit demos ran on it, and their outputs show it
    assert all(c["cells"] > 10 for c in manifest["chapters"] if c["name"].startswith(("02_", "05_")))
    soup = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    markers = {m["id"]: m for m in soup.find_all("div", class_="dbdesign-chapter")}
    for anchor in ("chapter-02-indexing-strategy", "chapter-05-soft-delete-auditing"):
        shown = " ".join(_chapter_outputs(markers[anchor]))
        assert any(re.search(rf"\b{t}\b", shown) for t in tables), (anchor, tables)


def _chapter_outputs(marker):
    """The output text of a chapter: the page's cells from its marker to the next chapter
    or the table pages."""
    for el in marker.find_next_siblings():
        if "dbdesign-chapter" in (el.get("class") or []) or el.name == "section":
            return
        for out in el.select(".jp-OutputArea-output"):
            yield out.get_text(" ")


def test_the_lab_of_a_large_schema_runs_on_the_workloads_tables(monkeypatch):
    """At 375 tables (MusicBrainz) the lab works on the tables the workload queries and their
    parents, says so, and keeps what their CHECKs and types need; a small schema is whole."""
    from corpus_load import CORPUS
    from dbdesign.review import notebook as nbk
    path = CORPUS / "musicbrainz-combined.sql"
    if not path.is_file():
        pytest.skip(f"corpus not here: {path}")
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("DBDESIGN_SOURCE", str(path))
    wb = nbk.setup()
    scope = wb.lab_scope()
    hot = {t for q in wb.queries() for t in q.tables}
    assert scope.bounded and hot <= set(scope.tables) < set(wb.schema.tables)
    assert set(scope.schema.tables) == set(scope.tables)
    assert all(fk.ref_table in scope.schema.tables for t in scope.schema.tables.values() for fk in t.foreign_keys)
    assert scope.schema.domains == wb.schema.domains and scope.schema.enums == wb.schema.enums
    assert f"{len(scope.tables)} of {len(wb.schema.tables)} tables" in scope.note
    monkeypatch.delenv("DBDESIGN_SOURCE")
    small = nbk.setup()
    assert not small.lab_scope().bounded and small.lab_scope().schema is small.schema


def test_the_report_reuses_the_advice_chapter_2_measured(example_schema, monkeypatch):
    """Kept for one schema, workload, engine and size; any other key misses."""
    from dbdesign.lab import advisor, workload
    from dbdesign.review import notebook as nbk
    monkeypatch.chdir(REPO)
    queries = workload.derive(example_schema)
    advice = advisor.advise(example_schema, queries, "sqlite", rows=500, verify=False)
    nbk.keep_advice(advice, example_schema, queries, 500)
    try:  # keyed by the size asked for, whatever the largest table got
        kept = nbk.kept_advice(example_schema, queries, "sqlite", advice.baseline, 500)
        assert kept is not None and [p.label() for p in kept.proposals] == [p.label() for p in advice.proposals]
        assert nbk.kept_advice(example_schema, queries[1:], "sqlite", advice.baseline, 500) is None
        assert nbk.kept_advice(example_schema, queries, "sqlite", advice.baseline, 501) is None
    finally:
        nbk._advice_path(example_schema, queries, "sqlite", advice.baseline, 500).unlink()
