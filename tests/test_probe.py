"""Constraint proof on real engines: facts each engine must show (they fail if it changes)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dbdesign import engines
from dbdesign.lab import probe
from dbdesign.cli.probe import audit as audit_cmd, probe as probe_cmd


@pytest.fixture(scope="module")
def pg_result(example_schema):
    from conftest import require_engine
    require_engine("postgres")
    return probe.run_probe(example_schema, "postgres")


def outcome(result, engine, constraint):
    hits = [o for o in result.outcomes if o.engine == engine and o.constraint == constraint]
    assert len(hits) == 1, constraint
    return hits[0]


def test_every_constraint_of_the_example_has_a_probe(example_schema):
    cases = [c for c, _ in probe.build_cases(example_schema)]
    labels = {c.constraint for c in cases}
    assert len(labels) == len(cases)  # no two probes with the same label
    for t in example_schema.tables.values():
        for col in t.columns.values():
            if not col.nullable and not col.identity:
                assert f"{t.name}.{col.name} NOT NULL" in labels
        for fk in t.foreign_keys:
            assert any(l.startswith(f"{t.name}.{','.join(fk.columns)} -> ") and "ON DELETE" in l for l in labels)
        for ck in t.checks:
            assert f"{t.name} CHECK {ck.name}" in labels
    assert "users UNIQUE INDEX idx_users_email ((LOWER(email))) case variant" in labels
    assert "users UNIQUE INDEX idx_users_email ((LOWER(email))) reuse after soft delete" in labels


def test_fresh_rows_are_valid_on_every_engine(engine_name, example_schema):
    """The control: a probe row without its bad value is accepted, so a rejection is caused
    by the value under test."""
    with engines.throwaway(engine_name) as eng:
        probe.install_schema(eng, example_schema)
        values = probe.ValueFactory(example_schema)
        base = probe.load_baseline(eng, example_schema, values)
        ctx = probe._Ctx(eng, example_schema, base, values)
        for t in example_schema.tables.values():
            eng.execute(probe.insert_sql(t, ctx.fresh(t)))


def test_postgres_holds_every_guard(pg_result):
    bad = [o for o in pg_result.outcomes if not o.ok]
    assert bad == []
    assert outcome(pg_result, "postgres", "comments.post_id -> posts ON DELETE CASCADE").outcome == "cascaded"
    assert outcome(pg_result, "postgres", "posts.created_by -> users ON DELETE SET NULL").outcome == "set null"
    reuse = outcome(pg_result, "postgres", "users UNIQUE INDEX idx_users_email ((LOWER(email))) reuse after soft delete")
    assert reuse.outcome == "accepted"
    case = outcome(pg_result, "postgres", "users UNIQUE INDEX idx_users_email ((LOWER(email))) case variant")
    assert case.outcome == "rejected" and "idx_users_email" in case.message


def test_sqlite_facts(example_schema):
    result = probe.run_probe(example_schema, "sqlite")
    # type affinity: text in a TIMESTAMPTZ/UUID column is stored as is
    o = outcome(result, "sqlite", "posts.created_at TIMESTAMPTZ type")
    assert o.outcome == "accepted" and "STRICT" in probe.fix_for(o)
    # without the pragma, an orphan row goes in and a CASCADE does nothing
    assert outcome(result, "sqlite-nopragma", "comments.post_id -> posts orphan").outcome == "accepted"
    assert outcome(result, "sqlite-nopragma", "comments.post_id -> posts ON DELETE CASCADE").outcome == "orphaned"
    assert outcome(result, "sqlite", "comments.post_id -> posts ON DELETE CASCADE").outcome == "cascaded"
    # the renderer's CHECK (length(col) <= n) emulates VARCHAR(n)
    assert outcome(result, "sqlite", "users.email VARCHAR(255) length").outcome == "rejected"
    assert any(f.rule == "probe-type" for f in result.findings)


def test_duckdb_cannot_cascade_and_says_so(example_schema):
    result = probe.run_probe(example_schema, "duckdb")
    o = outcome(result, "duckdb", "comments.post_id -> posts ON DELETE CASCADE")
    assert o.outcome == "not expressible" and "ON DELETE CASCADE" in o.message
    reuse = outcome(result, "duckdb", "users UNIQUE INDEX idx_users_email ((LOWER(email))) duplicate")
    assert reuse.outcome == "not expressible"


def test_mariadb_partial_unique_index_is_reported(example_schema):
    from conftest import require_engine
    require_engine("mysql")
    result = probe.run_probe(example_schema, "mysql")
    assert "STRICT_TRANS_TABLES" in result.engine_info["mysql"]
    dup = outcome(result, "mysql", "posts UNIQUE INDEX idx_posts_slug (slug) duplicate")
    assert dup.outcome == "not expressible" and "partial index" in dup.message
    assert outcome(result, "mysql", "posts CHECK ck_posts_status").outcome == "rejected"


def test_matrix_and_json(pg_result):
    frame = pg_result.matrix()
    assert "postgres" in frame.columns and "expected" in frame.columns
    assert frame.loc["posts CHECK ck_posts_status", "postgres"] == "rejected"
    data = json.loads(pg_result.to_json())
    assert data["outcomes"] and data["seconds"]["postgres"] > 0


def test_violating_values_for_simple_checks(example_schema):
    t = example_schema.tables["comments"]
    assert probe._violating_value(t, "LENGTH(body) BETWEEN 1 AND 10000") == ("body", "")
    posts = example_schema.tables["posts"]
    assert probe._violating_value(posts, "view_count >= 0") == ("view_count", -1)
    assert probe._violating_value(posts, "status IN ('draft')")[1] not in ("draft",)
    assert probe._violating_value(posts, "foo(bar) = 1") is None


def test_cli_probe_and_audit(tmp_path):
    runner = CliRunner()
    res = runner.invoke(probe_cmd, ["migrations", "--engine", "sqlite", "--format", "json"])
    assert res.exit_code == 1, res.output  # SQLite has findings (types, no pragma)
    data = json.loads(res.output[res.output.index("{"):])
    assert any(f["rule"] == "probe-fk-orphan" for f in data["findings"])
    res = runner.invoke(audit_cmd, ["migrations", "--dialect", "postgres"])
    assert res.exit_code == 0 and "CREATE OR REPLACE TRIGGER trg_posts_audit" in res.output
    res = runner.invoke(audit_cmd, ["migrations", "--dialect", "postgres", "--table", "nope"])
    assert res.exit_code == 2 and "unknown table 'nope'" in res.output


def test_summary_and_grouped_findings(example_schema):
    result = probe.run_probe(example_schema, "sqlite")
    summary = result.summary()
    assert summary.loc["accepted !", "sqlite-nopragma"] == summary.loc["orphaned !", "sqlite-nopragma"]
    assert summary["sqlite"].sum() == sum(1 for o in result.outcomes if o.engine == "sqlite")
    grouped = result.findings_summary()
    assert grouped["probes"].sum() == len(result.findings)
    row = grouped[(grouped["engine"] == "sqlite-nopragma") & (grouped["kind"] == "fk-orphan")].iloc[0]
    assert "PRAGMA foreign_keys=ON" in row["fix"]
    assert result.outcome("sqlite", "posts CHECK ck_posts_status").outcome == "rejected"
    with pytest.raises(KeyError, match="nope"):
        result.outcome("sqlite", "nope")


def test_available_engines_reports_unreachable_servers(monkeypatch):
    monkeypatch.setenv("DBDESIGN_POSTGRES_URL", "postgresql://postgres@127.0.0.1:1/test")
    got = probe.available_engines(("sqlite", "duckdb", "postgres"))
    assert got.available == ["sqlite", "duckdb"]
    assert "postgres" in got.unavailable and "cannot connect" in got.unavailable["postgres"]
    assert "postgres: NOT reachable" in got.note()
    from dbdesign.errors import InputError
    with pytest.raises(InputError, match="unknown engine"):
        probe.available_engines(("oracle",))


GAPS_DDL = """
CREATE TABLE credit (id INT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE track (id INT PRIMARY KEY, name TEXT, credit INT REFERENCES credit (id),
                    CHECK (name <> '' AND (name IS NOT NULL OR credit IS NOT NULL)));
CREATE TABLE never (id INT PRIMARY KEY, n INT NOT NULL CHECK (n < 0 AND n > 0));
CREATE TABLE child (id INT PRIMARY KEY, never_id INT NOT NULL REFERENCES never (id));
"""


def test_a_table_without_a_baseline_row_is_not_probed_and_named():
    """`track` refuses the required-columns-only row (its CHECK wants name or credit), so it
    gets a row with every column; `never` takes no row at all, and `child` needs one of its
    rows: both are named with the reason and their probes say 'not probed'."""
    from dbdesign.schema.parse import parse_sql
    schema = parse_sql(GAPS_DDL)
    result = probe.run_probe(schema, ["sqlite"], sqlite_without_pragma=False)
    skipped = result.skipped["sqlite"]
    assert set(skipped) == {"never", "child"}
    assert "CHECK" in skipped["never"] and "never" in skipped["child"]
    mine = [o for o in result.outcomes if o.table in ("never", "child")]
    assert mine and all(o.outcome == "not probed" for o in mine)
    assert outcome(result, "sqlite", "track.credit -> credit orphan").outcome == "rejected"
    assert any("2 table(s) took no baseline row" in g for g in result.gaps())


def test_an_engine_that_cannot_create_the_schema_is_named():
    from conftest import require_engine
    from dbdesign.schema.parse import parse_sql
    require_engine("postgres")
    schema = parse_sql("CREATE TABLE a (id INT PRIMARY KEY, name TEXT CHECK (undefined_rule(name)));")
    result = probe.run_probe(schema, ["postgres"])
    assert "undefined_rule" in result.failed["postgres"]
    assert not [o for o in result.outcomes if o.engine == "postgres"]
    assert result.gaps() == [f"postgres: not probed - the schema could not be created: {result.failed['postgres']}"]
