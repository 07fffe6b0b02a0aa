"""synth: the generated large schema is deterministic, parseable, modular, and real PostgreSQL."""
from __future__ import annotations

from collections import Counter

import pytest

from dbdesign import engines
from dbdesign.schema.parse import parse_sql, split_statements
from dbdesign.schema.synth import plural, synthetic_ddl

from conftest import require_engine


def _module(name: str) -> str:
    return name.split("_", 1)[0]


def test_deterministic_and_exact_size():
    assert synthetic_ddl(120, seed=3) == synthetic_ddl(120, seed=3)
    assert synthetic_ddl(120, seed=3) != synthetic_ddl(120, seed=4)
    for n in (1, 6, 7, 120):
        schema = parse_sql(synthetic_ddl(n))
        assert len(schema.tables) == n
        assert schema.diagnostics == []


def test_shape_of_a_large_schema():
    schema = parse_sql(synthetic_ddl(300, seed=0))
    modules = Counter(_module(t) for t in schema.tables)
    assert len(modules) >= 8 and max(modules.values()) <= 35
    fks = [(t, fk) for t in schema.tables.values() for fk in t.foreign_keys
           if fk.ref_table != "core_users"]
    inside = sum(_module(t.name) == _module(fk.ref_table) for t, fk in fks)
    assert 0.75 < inside / len(fks) < 1.0  # mostly inside the module, some across
    assert any(fk.ref_table == t.name for t, fk in fks)  # self-references
    assert sum(any(fk.columns == ["created_by"] for fk in t.foreign_keys)
               for t in schema.tables.values()) > 100  # the audit hub
    assert sum("deleted_at" in t.columns for t in schema.tables.values()) > 60
    assert any(t.primary_key and len(t.primary_key.columns) == 2 for t in schema.tables.values())
    # A few FK-like columns without a constraint (implied relationships), and unindexed FKs.
    fk_cols = {(t.name, c) for t in schema.tables.values() for fk in t.foreign_keys for c in fk.columns}
    implied = [(t.name, c) for t in schema.tables.values() for c in t.columns
               if c.endswith("_id") and (t.name, c) not in fk_cols]
    assert implied
    indexed = {(ix.table, ix.columns[0].column) for ix in schema.indexes()}
    pk_lead = {(t.name, t.primary_key.columns[0]) for t in schema.tables.values() if t.primary_key}
    assert any(k not in indexed and k not in pk_lead for k in fk_cols)


def test_plural():
    assert [plural(w) for w in ("invoice", "entry", "address", "day", "tax")] == \
        ["invoices", "entries", "addresses", "days", "taxes"]
    # the same plural lint checks: generated schemas never trip table-name-plural
    assert plural("ledger") == "ledger" and plural("order_history") == "order_history"


def test_generated_table_names_pass_the_plural_rule():
    from dbdesign.checks.lint import lint
    r = lint(parse_sql(synthetic_ddl(300, seed=5)))
    assert not [f for f in r.findings if f.rule == "table-name-plural"]


def test_runs_on_postgresql():
    require_engine("postgres")
    ddl = synthetic_ddl(60, seed=1)
    with engines.throwaway("postgres") as eng:
        eng.run_script([s.sql for s in split_statements(ddl) if s.expression is not None])
        assert len(eng.table_names()) == 60
