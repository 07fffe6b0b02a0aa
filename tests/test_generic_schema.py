"""The index lab on schemas that are not the example: a derived workload runs end to end, and
nothing names the example's tables."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO
from dbdesign import bench, datagen, workload
from dbdesign.source import load_source

CORPUS = REPO.parent / "shared" / "corpus"
SMALL = REPO / "tests" / "fixtures" / "shop_generic.sql"


def _schemas():
    out = [pytest.param(str(SMALL), id="shop_generic")]
    north = CORPUS / "northwind-postgres.sql"
    out.append(pytest.param(str(north), id="northwind", marks=pytest.mark.skipif(
        not north.exists(), reason=f"corpus not found at {CORPUS}")))
    return out


def test_derived_workload_covers_keys_fks_indexes_and_live_rows():
    qs = workload.derive(load_source(str(SMALL)))
    names = {q.name for q in qs}
    assert {"customers-by-Email", "order-by-customer_id", "order-by-state-created_at",
            "order-by-created_at", "customers-live", "line-join-order"} <= names
    email = workload.get_query("customers-by-Email", qs)
    assert email.sql == 'SELECT id FROM customers WHERE "Email" = :Email'
    assert email.variants["mysql"] == "SELECT id FROM customers WHERE `Email` = :Email"
    live = workload.get_query("customers-live", qs)
    assert [c.where for c in live.candidates] == [None, "deleted_at IS NULL"]


@pytest.mark.parametrize("path", _schemas())
def test_derived_workload_has_a_list_per_foreign_key(path):
    schema = load_source(path)
    qs = workload.derive(schema, limit=200)
    fks = {(t.name, tuple(fk.columns)) for t in schema.tables.values() for fk in t.foreign_keys}
    listed = {(q.tables[0], tuple(c.columns)) for q in qs for c in q.candidates[:1]}
    assert fks <= listed
    assert not any("posts" in q.sql for q in qs)


def test_derived_workload_runs_on_sqlite_and_never_names_the_example():
    schema = load_source(str(SMALL))
    assert "posts" not in schema.tables
    qs = workload.derive(schema, limit=8)
    tables = datagen.with_parents(schema, sorted({t for q in qs for t in q.tables}))
    data = datagen.generate(schema, 1500, tables=tables, progress=False)
    res = bench.run_workload("sqlite", data, schema, qs, warmup=1, repeat=3)
    assert {r["query"] for r in res} == {q.name for q in qs}
    assert any(r["uses_index"] for r in res if r["index"])
    assert not any("posts" in (r.get("sql") or "") for r in res)
    wc = bench.write_cost("sqlite", data, schema, index_counts=(0, 1), single_rows=20)
    assert wc and all(r["single_inserts_per_s"] for r in wc)


def test_lint_loads_no_database_driver():
    code = ("import sys, dbdesign.lint, dbdesign.engines; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('psycopg', 'pymysql', 'duckdb', 'adbc_driver_sqlite', 'adbc_driver_manager')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_pool_command_bad_input_is_one_line_exit_2():
    out = subprocess.run([sys.executable, "-m", "dbdesign.pool", "abc", "2", "100"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


def _chapter_texts(html: str) -> dict[str, str]:
    """The visible text of each chapter of the report (tags, scripts and styles removed)."""
    import re
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    parts = re.split(r'id="(chapter-[a-z0-9-]+)"', html)
    return {parts[k]: re.sub(r"<[^>]+>", " ", parts[k + 1]) for k in range(1, len(parts) - 1, 2)}


@pytest.mark.parametrize("path", _schemas())
def test_every_chapter_builds_on_a_schema_that_is_not_the_example(path, tmp_path):
    """`DBDESIGN_SOURCE=any.sql make report`: every chapter runs on that schema, and the index
    lab's chapter and its documentation are about it, not about the example."""
    import json

    from dbdesign.report import build_report
    index = build_report(tmp_path / "report", "small", source=path)
    chapters = _chapter_texts(index.read_text(encoding="utf-8"))
    names = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [c.removeprefix("chapter-") for c in sorted(chapters)] == \
        [n.replace("_", "-") for n in names]
    lab = chapters["chapter-02-indexing-strategy"]
    assert "posts" not in lab
    doc = (tmp_path / "report" / "index-documentation.md").read_text(encoding="utf-8")
    assert "posts" not in doc
    assert any(t in doc for t in load_source(path).tables)  # about this schema's tables
    manifest = json.loads((tmp_path / "report" / "manifest.json").read_text(encoding="utf-8"))
    assert "index-documentation.md" in json.dumps(manifest)
