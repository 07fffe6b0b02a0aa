"""Migration-safety lint: each rule on a risky fixture, the clean example, and squawk side by side."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dbdesign.errors import InputError
from dbdesign.checks.migration_lint import (RULES, SEVERITY, compare_with_squawk, lint_migrations, run_squawk,
                                     squawk_path)
from dbdesign.cli.migrate import migrate

REPO = Path(__file__).resolve().parent.parent
RISKY = REPO / "tests" / "fixtures" / "migrations_risky"
EXAMPLE = REPO / "migrations"
PG_LOCKS = REPO / "tests" / "fixtures" / "migrations_pg_locks"
MYSQL_COPY = REPO / "tests" / "fixtures" / "migrations_mysql_copy"


def where(findings, rule):
    return [(Path(f.file).name, f.line) for f in findings if f.rule == rule]


@pytest.fixture(scope="module")
def risky():
    return lint_migrations(str(RISKY))


def test_every_static_rule_fires_where_expected(risky):
    assert where(risky, "migration-version-conflict") == [("0003_other_branch.up.sql", 1)]
    assert where(risky, "migration-down-missing") == [("0003_cleanup.up.sql", 1)]
    assert where(risky, "migration-mixes-data-and-schema") == [("0002_risky_changes.up.sql", 9)]
    # line 1 only: idx_accounts_name (0001:7) is on a table created in the same file
    assert where(risky, "migration-index-not-concurrent") == [("0002_risky_changes.up.sql", 1)]
    assert where(risky, "migration-not-null-without-default") == [("0002_risky_changes.up.sql", 3)]
    assert where(risky, "migration-unique-on-existing") == [
        ("0002_risky_changes.up.sql", 2), ("0002_risky_changes.up.sql", 6)]
    assert where(risky, "migration-set-not-null") == [("0002_risky_changes.up.sql", 5)]
    assert where(risky, "migration-rename") == [("0002_risky_changes.up.sql", 7)]
    assert where(risky, "migration-type-change") == [("0002_risky_changes.up.sql", 8)]
    assert where(risky, "migration-destructive") == [
        ("0003_cleanup.up.sql", 1), ("0003_cleanup.up.sql", 2), ("0003_cleanup.up.sql", 3)]
    assert where(risky, "migration-irreversible") == [("0002_risky_changes.down.sql", 1)]
    assert all(f.severity == SEVERITY[f.rule] for f in risky)


def test_messages_carry_probe_queries_and_the_diff(risky):
    msgs = {f.line: f.message for f in risky if f.rule in ("migration-unique-on-existing", "migration-set-not-null")}
    assert "SELECT LOWER(email), count(*) FROM accounts GROUP BY LOWER(email) HAVING count(*) > 1" in msgs[2]
    assert "SELECT count(*) FROM accounts WHERE email IS NULL" in msgs[5]
    assert "SELECT name, count(*) FROM accounts GROUP BY name HAVING count(*) > 1" in msgs[6]
    irr = next(f.message for f in risky if f.rule == "migration-irreversible")
    assert "column accounts.tier left behind" in irr and "type 'BIGINT' -> 'DECIMAL(20)'" in irr


def test_example_migrations_are_clean():
    assert lint_migrations(str(EXAMPLE)) == []


def test_data_migration_with_ddl_is_flagged(tmp_path):
    (tmp_path / "0001_t.up.sql").write_text("CREATE TABLE t (id INT PRIMARY KEY, v INT);\n")
    (tmp_path / "0001_t.down.sql").write_text("DROP TABLE t;\n")
    (tmp_path / "0002_data_fill.up.sql").write_text("UPDATE t SET v = 1;\nCREATE INDEX idx_t_v ON t (v);\n")
    (tmp_path / "0002_data_fill.down.sql").write_text("DROP INDEX idx_t_v;\n")
    found = lint_migrations(str(tmp_path))
    assert where(found, "migration-mixes-data-and-schema") == [("0002_data_fill.up.sql", 1)]


def test_bad_input_raises(tmp_path):
    with pytest.raises(InputError, match="no such migrations folder"):
        lint_migrations(str(tmp_path / "nope"))
    res = CliRunner().invoke(migrate, ["lint", "--dir", str(REPO / "tests/fixtures/migrations_bad_syntax")])
    assert res.exit_code == 2 and "0002_broken.up.sql:3:29" in res.stderr


def test_cli_json_and_exit_code():
    res = CliRunner().invoke(migrate, ["lint", "--dir", str(RISKY), "--format", "json"])
    assert res.exit_code == 1
    rows = json.loads(res.output)["findings"]
    assert {"rule", "severity", "file", "line", "message"} <= set(rows[0])
    assert CliRunner().invoke(migrate, ["lint", "--dir", str(EXAMPLE)]).exit_code == 0


@pytest.fixture(scope="module")
def pg_locks():
    return lint_migrations(str(PG_LOCKS))


def test_postgres_lock_rules_fire_and_stay_quiet(pg_locks):
    """0001 creates both tables and alters them in the same file: no lock rule fires there.
    0002 does the risky forms on live tables; 0003-0005 the safe ones (lock_timeout first,
    NOT VALID + VALIDATE, a validated CHECK before SET NOT NULL, CONCURRENTLY in a marked file,
    USING INDEX); 0006 commits inside the runner's transaction."""
    up2 = "0002_risky.up.sql"
    assert where(pg_locks, "migration-constraint-not-valid") == [
        (up2, 1), (up2, 7), ("0003_safe_not_valid.up.sql", 5)]  # the last: NOT VALID, never validated
    assert "never validated" in next(f.message for f in pg_locks if f.rule == "migration-constraint-not-valid"
                                     and f.line == 5)
    assert where(pg_locks, "migration-volatile-default") == [(up2, 2)]  # not line 3: constant default
    assert where(pg_locks, "migration-set-not-null") == [(up2, 4)]  # not 0004:4 (validated CHECK first)
    assert where(pg_locks, "migration-drop-index-not-concurrent") == [(up2, 5)]
    assert where(pg_locks, "migration-add-primary-key") == [(up2, 6)]  # not 0005:4 (USING INDEX)
    assert where(pg_locks, "migration-lock-timeout-missing") == [(up2, n) for n in range(1, 8)]
    assert where(pg_locks, "migration-transaction-control") == [
        ("0006_commits_inside.up.sql", 2), ("0006_commits_inside.up.sql", 4)]
    # 0005 is marked `-- dbdesign:no-transaction`: CONCURRENTLY is allowed there, not in 0006
    assert where(pg_locks, "migration-concurrently-in-transaction") == [
        ("0006_commits_inside.down.sql", 1), ("0006_commits_inside.up.sql", 5)]
    assert not [f for f in pg_locks if Path(f.file).name.startswith("0001")]
    assert all(f.severity == SEVERITY[f.rule] for f in pg_locks)


def test_new_rules_carry_probe_queries(pg_locks):
    msg = {(f.rule, f.line): f.message for f in pg_locks if Path(f.file).name == "0002_risky.up.sql"}
    assert "SELECT count(*) FROM orders WHERE NOT (total >= 0)" in msg["migration-constraint-not-valid", 1]
    assert "SELECT count(*) FROM customers WHERE email IS NULL" in msg["migration-set-not-null", 4]
    assert "pg_total_relation_size('orders')" in msg["migration-lock-timeout-missing", 1]
    assert "CLOCK_TIMESTAMP()" in msg["migration-volatile-default", 2]
    assert "USING INDEX" in msg["migration-add-primary-key", 6]
    assert all(len(RULES[f.rule]) == 3 and all(RULES[f.rule]) for f in pg_locks)


def test_a_table_created_earlier_in_the_same_unapplied_batch_is_not_live(tmp_path):
    (tmp_path / "0001_t.up.sql").write_text("CREATE TABLE p (id INT PRIMARY KEY);\n"
                                            "CREATE TABLE t (id INT PRIMARY KEY, v INT, p_id INT);\n")
    (tmp_path / "0001_t.down.sql").write_text("DROP TABLE t;\nDROP TABLE p;\n")
    (tmp_path / "0002_alter_t.up.sql").write_text(
        "ALTER TABLE t ADD CONSTRAINT fk_t_p FOREIGN KEY (p_id) REFERENCES p (id);\n"
        "ALTER TABLE t ADD CONSTRAINT ck_t_v CHECK (v > 0);\n"
        "ALTER TABLE t ADD COLUMN u UUID DEFAULT gen_random_uuid();\n"
        "ALTER TABLE t ALTER COLUMN v SET NOT NULL;\n"
        "CREATE INDEX idx_t_v ON t (v);\n"
        "DROP INDEX idx_t_v;\n"
        "ALTER TABLE t ADD CONSTRAINT uq_t_v UNIQUE (v);\n")
    (tmp_path / "0002_alter_t.down.sql").write_text(
        "ALTER TABLE t DROP CONSTRAINT uq_t_v;\nALTER TABLE t ALTER COLUMN v DROP NOT NULL;\n"
        "ALTER TABLE t DROP COLUMN u;\nALTER TABLE t DROP CONSTRAINT ck_t_v;\nALTER TABLE t DROP CONSTRAINT fk_t_p;\n")
    rules = ("migration-constraint-not-valid", "migration-volatile-default", "migration-set-not-null",
             "migration-drop-index-not-concurrent", "migration-add-primary-key",
             "migration-lock-timeout-missing", "migration-index-not-concurrent")
    alone = {f.rule for f in lint_migrations(str(tmp_path))}
    assert set(rules) <= alone  # 0002 deployed on its own: t holds rows
    batch = lint_migrations(str(tmp_path), batch_from=1)  # 0001 and 0002 deployed together
    assert not [f for f in batch if f.rule in rules]


def test_transaction_control_is_allowed_in_a_marked_file(tmp_path):
    (tmp_path / "0001_t.up.sql").write_text("CREATE TABLE t (id INT PRIMARY KEY);\n")
    (tmp_path / "0001_t.down.sql").write_text("DROP TABLE t;\n")
    body = "SAVEPOINT s;\nCREATE INDEX CONCURRENTLY idx_t_id ON t (id);\nROLLBACK;\n"
    (tmp_path / "0002_idx.up.sql").write_text(body)
    (tmp_path / "0002_idx.down.sql").write_text("DROP INDEX IF EXISTS idx_t_id;\n")
    found = lint_migrations(str(tmp_path))
    assert where(found, "migration-transaction-control") == [("0002_idx.up.sql", 1), ("0002_idx.up.sql", 3)]
    assert where(found, "migration-concurrently-in-transaction") == [("0002_idx.up.sql", 2)]
    (tmp_path / "0002_idx.up.sql").write_text("-- dbdesign:no-transaction\n" + body)
    found = lint_migrations(str(tmp_path))
    assert not where(found, "migration-transaction-control")
    assert not where(found, "migration-concurrently-in-transaction")


def test_mariadb_table_copy_is_the_servers_answer():
    """MariaDB itself decides: ADD COLUMN runs INSTANT, CREATE INDEX INPLACE, a type change
    only as COPY; the same type change on the table created in the same file is not asked."""
    from conftest import require_engine

    from dbdesign import engines
    from dbdesign.migrate.table_copy import table_copy_findings
    require_engine("mysql")
    decisions = []
    found = table_copy_findings(str(MYSQL_COPY), engines.server_url("mysql"), decisions=decisions)
    assert [(Path(f).name, line, algo) for f, line, _t, algo, _r in decisions] == [
        ("0002_alter_orders.up.sql", 1, "INSTANT"), ("0002_alter_orders.up.sql", 2, "INPLACE"),
        ("0002_alter_orders.up.sql", 3, "COPY"), ("0002_alter_orders.up.sql", 4, "COPY")]
    assert where(found, "migration-table-copy") == [("0002_alter_orders.up.sql", 3), ("0002_alter_orders.up.sql", 4)]
    assert "Cannot change column type" in found[0].message
    in_one_batch = lint_migrations(str(MYSQL_COPY), copy_check_url=engines.server_url("mysql"), batch_from=1)
    assert not where(in_one_batch, "migration-table-copy")  # orders is created by the same batch


needs_squawk = pytest.mark.skipif(squawk_path() is None, reason="squawk-cli not installed (pip install -r requirements.txt)")


@needs_squawk
def test_squawk_runs_on_the_same_files():
    theirs = run_squawk([str(p) for p in sorted(PG_LOCKS.glob("*.sql"))])
    assert {(Path(f.file).name, f.line, f.rule) for f in theirs} >= {
        ("0002_risky.up.sql", 1, "constraint-missing-not-valid"),
        ("0002_risky.up.sql", 5, "require-concurrent-index-deletion"),
        ("0006_commits_inside.up.sql", 2, "transaction-nesting"),
        ("0006_commits_inside.up.sql", 4, "transaction-nesting")}
    res = CliRunner().invoke(migrate, ["lint", "--dir", str(PG_LOCKS), "--format", "json"])
    squawk_rows = json.loads(res.output)["squawk"]
    assert {"file", "line", "rule", "message"} <= set(squawk_rows[0])


@needs_squawk
def test_compare_with_squawk():
    """Where each finds what the other misses, rule by rule, on the example and the fixture."""
    example = compare_with_squawk(str(EXAMPLE)).set_index("ours", drop=False)
    # squawk flags indexes and constraints on tables created in the very same file; we do not
    assert lint_migrations(str(EXAMPLE)) == []
    assert example.loc[example["squawk"] == "prefer-text-field", "only_squawk"].sum() > 0

    cmp = compare_with_squawk(str(PG_LOCKS))
    row = {r["ours"]: r for r in cmp.to_dict("records") if r["ours"] != "-"}
    # both see these on the same lines
    for rule in ("migration-drop-index-not-concurrent", "migration-volatile-default",
                 "migration-set-not-null", "migration-add-primary-key", "migration-transaction-control",
                 "migration-lock-timeout-missing"):
        assert row[rule]["both"] >= 1, rule
    # squawk takes the COMMIT on 0006:4 as the end of the transaction and DROP INDEX CONCURRENTLY
    # in a transactional down file as fine; the runner would fail on both
    assert row["migration-concurrently-in-transaction"]["where_only_ours"] == "0006.down:1 0006.up:5"
    # only ours: the NOT VALID never validated (0003:5), a CHECK added in the same file we skip
    assert "0003.up:5" in row["migration-constraint-not-valid"]["where_only_ours"]
    # only squawk: the same-file cases (0001 creates the tables), down files
    assert "0001.up:8" in row["migration-set-not-null"]["where_only_squawk"]
    assert "0001.up:7" in row["migration-volatile-default"]["where_only_squawk"]
    # squawk does not judge volatility: the constant default on 0002:3 is quiet in both


def test_checksum_mismatch_needs_a_database(tmp_path):
    from dbdesign import engines
    from dbdesign.migrate.runner import Migrator
    folder = tmp_path / "m"
    shutil.copytree(REPO / "tests/fixtures/migrations_simple", folder)
    url = f"sqlite:///{tmp_path / 'c.db'}"
    with engines.connect(url) as eng:
        Migrator(str(folder), eng).up()
    assert where(lint_migrations(str(folder), url=url), "migration-checksum-mismatch") == []
    (folder / "0001_create_authors.up.sql").write_text("CREATE TABLE authors (id INTEGER PRIMARY KEY);\n")
    found = [f for f in lint_migrations(str(folder), url=url) if f.rule == "migration-checksum-mismatch"]
    assert [(Path(f.file).name, f.severity) for f in found] == [("0001_create_authors.up.sql", "error")]


def test_cli_batch_and_squawk_options():
    res = CliRunner().invoke(migrate, ["lint", "--dir", str(PG_LOCKS), "--batch-from", "1", "--no-squawk",
                                       "--format", "json"])
    rows = json.loads(res.output)
    assert rows["squawk"] == []
    # one batch: 0001 created both tables, so no lock rule fires anywhere
    assert not {r["rule"] for r in rows["findings"]} & {"migration-set-not-null", "migration-volatile-default",
                                                         "migration-lock-timeout-missing"}
    if squawk_path() is not None:
        text = CliRunner().invoke(migrate, ["lint", "--dir", str(PG_LOCKS)]).output
        assert "squawk: " in text and "squawk require-concurrent-index-deletion" in text


def test_size_probe_names_any_table_in_one_literal(tmp_path):
    """The size query a finding suggests runs as written, for a table name holding a quote."""
    from conftest import require_engine

    from dbdesign import engines
    require_engine("postgres")
    name = "Or'ders; DROP TABLE victim; --"
    quoted = '"' + name + '"'
    (tmp_path / "0001_base.up.sql").write_text(f"CREATE TABLE {quoted} (id INT PRIMARY KEY);\n")
    (tmp_path / "0002_alter.up.sql").write_text(f"ALTER TABLE {quoted} ADD COLUMN x INT NOT NULL DEFAULT 0;\n"
                                                f"ALTER TABLE {quoted} ALTER COLUMN x TYPE BIGINT;\n")
    found = [f for f in lint_migrations(str(tmp_path)) if f.rule == "migration-lock-timeout-missing"]
    assert found
    probe = found[0].message.split("see the table's size first: ", 1)[1]
    with engines.throwaway("postgres") as eng:
        eng.execute("CREATE TABLE victim (id INTEGER)")
        eng.execute(f"CREATE TABLE {quoted} (id INT PRIMARY KEY)")
        assert len(eng.query(probe)) == 1
        assert eng.query("SELECT count(*) FROM victim") == [(0,)]
