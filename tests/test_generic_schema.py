"""The index lab on schemas that are not the example: a derived workload runs end to end, and
nothing names the example's tables."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO
from dbdesign.lab import bench, datagen, workload
from dbdesign.schema.source import load_source

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
    listed = {(c.table, tuple(c.columns)) for q in qs for c in q.candidates[:1]}
    assert fks <= listed
    assert not any("posts" in q.sql for q in qs)


@pytest.mark.parametrize("path", _schemas())
def test_derived_workload_runs_on_sqlite_and_never_names_the_example(path):
    schema = load_source(path)
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


@pytest.mark.parametrize("path", _schemas())
def test_audit_demo_takes_its_tables_from_the_schema(path):
    from dbdesign.generate import audit
    demo = audit.trail_demo("sqlite", load_source(path))
    assert demo.update_audit_rows == 1 and demo.n_updated == demo.n_audit_rows
    assert demo.delete_recorded and demo.rolled_back_audit_rows == 0 and demo.actor_recorded
    assert not {r["table_name"] for r in demo.log} & {"posts", "tags", "users"}


def test_lint_loads_no_database_driver():
    code = ("import sys, dbdesign.checks.lint, dbdesign.engines; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('psycopg', 'pymysql', 'duckdb', 'adbc_driver_sqlite', 'adbc_driver_manager')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_pool_command_bad_input_is_one_line_exit_2():
    out = subprocess.run([sys.executable, "-m", "dbdesign.generate.pool", "abc", "2", "100"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


def test_derived_workload_quotes_words_one_engine_reserves():
    """`release` is reserved on MariaDB only (a MusicBrainz column): the derived query quotes
    it, and runs there."""
    from conftest import require_engine
    from dbdesign.schema.parse import parse_sql
    schema = parse_sql("CREATE TABLE album (id INTEGER PRIMARY KEY, title VARCHAR(80) NOT NULL);"
                       "CREATE TABLE track (id INTEGER PRIMARY KEY, release INTEGER NOT NULL REFERENCES album (id),"
                       " position INTEGER NOT NULL);"
                       "CREATE INDEX track_release ON track (release);")
    qs = workload.derive(schema, limit=8)
    by_release = [q for q in qs if "release" in q.sql]
    assert by_release and all("`release`" in q.sql_for("mysql") for q in by_release)
    require_engine("mysql")
    data = datagen.generate(schema, 500, progress=False)
    res = bench.run_workload("mysql", data, schema, qs, warmup=1, repeat=2)
    assert {r["query"] for r in res} == {q.name for q in qs}


def test_write_cost_leaves_out_what_uses_a_function_the_schema_does_not_define():
    """MusicBrainz's CHECKs call its own functions, defined outside the tables' DDL: the
    write-cost databases are made like every load (`datagen.engine_gaps`), not refused."""
    from conftest import require_engine
    from dbdesign.schema.parse import parse_sql
    require_engine("postgres")
    schema = parse_sql("CREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL "
                       "CHECK (controlled_for_whitespace(name)), made TIMESTAMP NOT NULL);"
                       "CREATE INDEX item_made ON item (made);")
    data = datagen.generate(schema, 300, progress=False)
    rows = bench.write_cost("postgres", data, schema, "item", index_counts=(0, 1), single_rows=20, repeat=2)
    assert [r["indexes"] for r in rows] == [0, 1] and all(r["single_inserts_per_s"] for r in rows)
