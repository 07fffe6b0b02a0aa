"""The `dbdesign` command end to end: exit codes 0 / 1 / 2, one-line errors, stdout vs stderr."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from dbdesign.cli import main

from conftest import EXAMPLE_MIGRATIONS, REPO


def run(*args: str, cwd=REPO):
    runner = CliRunner()
    import os
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def test_lint_example_is_clean_and_json_has_the_documented_shape():
    res = run("lint", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) == {"findings", "summary", "skipped"}
    assert data["summary"]["error"] == 0
    for f in data["findings"]:
        assert {"rule", "severity", "message", "file", "line"} <= set(f)


def test_lint_exit_1_on_error_findings(tmp_path):
    (tmp_path / "s.sql").write_text("CREATE TABLE things (name TEXT);\n")
    res = run("lint", str(tmp_path / "s.sql"), cwd=tmp_path)
    assert res.exit_code == 1
    assert f"{tmp_path / 's.sql'}:1: error primary-key-missing" in res.stdout


def test_malformed_sql_is_one_line_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE TABLE users (\n  id UUID PRIMARY KEY,\n  email VARCHAR(255 NOT NULL\n);\n")
    proc = subprocess.run([sys.executable, "-m", "dbdesign.cli", "lint", str(bad)], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith(f"dbdesign: {bad}:3:")


def test_ddl_sql_on_stdout_notes_on_stderr():
    res = run("ddl", "--dialect", "duckdb")
    assert res.exit_code == 0
    assert "CREATE TABLE users" in res.stdout and "duckdb:" not in res.stdout
    lines = res.stderr.strip().splitlines()
    # 0007 sets its lock_timeout; 0008 is the data migration; 0009/0011's trigger functions
    assert lines[-1] == ("32 statements without design effect skipped: 15 CREATE FUNCTION, "
                         "15 CREATE TRIGGER, 1 SET, 1 UPDATE")
    notes = lines[:-1]
    assert notes and all(n.startswith("duckdb: ") for n in notes)
    assert any("ON DELETE" in n or "CASCADE" in n for n in notes)


def test_ddl_unknown_dialect_is_a_usage_error():
    res = run("ddl", "--dialect", "oracle")
    assert res.exit_code == 2 and "oracle" in res.output


def test_catalog_json():
    res = run("catalog", "--format", "json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    kinds = {c["kind"] for c in data["constraints"]}
    assert {"PRIMARY KEY", "FOREIGN KEY", "UNIQUE", "CHECK", "NOT NULL"} <= kinds


def test_inspect_a_live_sqlite_database(tmp_path):
    db = tmp_path / "blog.db"
    up = run("migrate", "up", "--dir", str(EXAMPLE_MIGRATIONS), "--db", f"sqlite:///{db}")
    assert up.exit_code == 0, up.output
    res = run("inspect", "--db", f"sqlite:///{db}", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    files = {f["file"] for f in data["findings"] if f["file"] and "#" in f["file"]}
    assert files and all(f.startswith(f"sqlite:///{db}#") for f in files)


@pytest.mark.parametrize("url, message", [
    ("oracle://x/y", "unknown database URL scheme 'oracle'"),
    ("postgresql://nobody@127.0.0.1:1/none", "postgres: cannot connect"),
    ("sqlite:///no/such/folder/x.db", "no database file no/such/folder/x.db"),
])
def test_inspect_bad_urls_exit_2(url, message):
    res = run("inspect", "--db", url)
    assert res.exit_code == 2
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_missing_source_exit_2(tmp_path):
    res = run("lint", str(tmp_path / "nope"), cwd=tmp_path)
    assert res.exit_code == 2
    assert "no such file or folder" in res.stderr


def test_rules_lists_every_rule_with_rationale():
    res = run("rules", "--format", "json")
    rules = json.loads(res.stdout)
    ids = {r["id"] for r in rules}
    assert {"fk-missing-index", "unique-ignores-soft-delete", "serial-type"} <= ids
    assert all(r["rationale"] and r["source"] for r in rules)


@pytest.mark.parametrize("args, message", [
    (["inspect", "--db", "mysql://root@h:99999/x"], "the port must be a number"),
    (["inspect", "--db", "sqlite:///typo.db"], "no database file typo.db"),
    (["erd", "-o", "/nonexistent-dir/x.svg"], "/nonexistent-dir/x.svg: No such file or directory"),
])
def test_more_bad_input_is_one_line_exit_2(tmp_path, args, message):
    res = run(*args, cwd=tmp_path) if args[0] != "erd" else run(*args)
    assert res.exit_code == 2, res.output
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "typo.db").exists()  # inspect never creates a database


def test_a_bug_is_one_line_exit_3_not_a_traceback(monkeypatch):
    import dbdesign.generate.catalog
    def boom(schema):
        raise KeyError("oops")
    monkeypatch.setattr(dbdesign.generate.catalog, "build_catalog", boom)
    res = run("catalog")
    assert res.exit_code == 3
    assert "internal error (KeyError: 'oops'); please report it" in res.stderr
    assert "Traceback" not in res.output


@pytest.mark.parametrize("args, message", [
    (["--query", "nosuch"], "unknown query 'nosuch'; choose one of user-by-email"),
    (["--db", "postgresql://nobody@127.0.0.1:1/none"], "postgres: cannot connect"),
    (["--queries", "{tmp}/bad.sql"], "bad.sql:2: query does not parse"),
    (["--queries", "{tmp}/missing.sql"], "missing.sql: cannot read queries file"),
])
def test_bench_bad_input_is_one_line_exit_2(tmp_path, args, message):
    (tmp_path / "bad.sql").write_text("-- name: broken\nSELECT FROM WHERE posts (;\n")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    res = run("bench", str(EXAMPLE_MIGRATIONS), "--engine", "sqlite", "--rows", "300", "--repeat", "1",
              *args)
    assert res.exit_code == 2, res.output
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert res.stdout == ""


def test_bench_unknown_engine_is_a_usage_error():
    res = run("bench", str(EXAMPLE_MIGRATIONS), "--engine", "nosuch")
    assert res.exit_code == 2 and "'nosuch' is not one of 'sqlite', 'duckdb'" in res.stderr


def test_record_encoder_writes_what_the_json_encoder_writes():
    """The reused C encoder for JSON records gives `JSONEncoder(default=str).encode`'s text:
    unicode, escapes, NUL, NaN, big ints, nested values and values only `str` can write."""
    import datetime
    import decimal
    import random
    from dbdesign.cli.tools import _COMPACT, _encode_record
    values = [None, True, False, 0, -5, 2 ** 70, 1.5, float("nan"), float("inf"), "x",
              "é\"\\\n\x00\u2028", [1, "a", None], {"k": [1, {"z": None}]},
              datetime.date(2026, 1, 2), decimal.Decimal("1.20"), (1, 2)]
    rng = random.Random(1)
    for _ in range(500):
        record = {rng.choice(["a", "b", "é", 'k"1']): rng.choice(values) for _ in range(rng.randint(0, 6))}
        assert _encode_record(record) == _COMPACT.encode(record)
