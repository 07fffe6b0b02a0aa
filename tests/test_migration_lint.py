"""Migration-safety lint: each rule on a risky fixture, the clean example, and squawk side by side."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dbdesign.errors import InputError
from dbdesign.migration_lint import SEVERITY, lint_migrations
from dbdesign.migrate_cli import migrate

REPO = Path(__file__).resolve().parent.parent
RISKY = REPO / "tests" / "fixtures" / "migrations_risky"
EXAMPLE = REPO / "migrations"
SQUAWK = Path(sys.executable).parent / "squawk"


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
        ("0002_risky_changes.up.sql", 2), ("0002_risky_changes.up.sql", 5), ("0002_risky_changes.up.sql", 6)]
    assert where(risky, "migration-rename") == [("0002_risky_changes.up.sql", 7)]
    assert where(risky, "migration-type-change") == [("0002_risky_changes.up.sql", 8)]
    assert where(risky, "migration-destructive") == [
        ("0003_cleanup.up.sql", 1), ("0003_cleanup.up.sql", 2), ("0003_cleanup.up.sql", 3)]
    assert where(risky, "migration-irreversible") == [("0002_risky_changes.down.sql", 1)]
    assert all(f.severity == SEVERITY[f.rule] for f in risky)


def test_messages_carry_probe_queries_and_the_diff(risky):
    msgs = {f.line: f.message for f in risky if f.rule == "migration-unique-on-existing"}
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


def _squawk(files: list[Path]) -> list[tuple[str, int, str]]:
    out = subprocess.run([str(SQUAWK), "--reporter", "json", *map(str, files)], capture_output=True,
                         text=True, timeout=60)
    return [(Path(f["file"]).name, f["line"] + 1, f["rule_name"]) for f in json.loads(out.stdout)]


@pytest.mark.skipif(not SQUAWK.exists(), reason="squawk-cli not installed in the venv")
def test_compare_with_squawk(tmp_path):
    """The differences the module docstring documents, checked against squawk itself."""
    example = _squawk(sorted(EXAMPLE.glob("*.up.sql")))
    same_file = [r for r in example if r[2] == "require-concurrent-index-creation"]
    # squawk flags every index of 0001-0006, all on tables created in that very file ...
    assert len(same_file) >= 20 and {r[0][:4] for r in same_file} == {"0001", "0002", "0003", "0004", "0005", "0006"}
    # ... we flag none of them.
    assert lint_migrations(str(EXAMPLE)) == []

    ours = lint_migrations(str(RISKY))
    theirs = _squawk(sorted(RISKY.glob("*.up.sql")))
    pairs = {  # squawk rule -> ours, on the same file and line
        "require-concurrent-index-creation": "migration-index-not-concurrent",
        "adding-required-field": "migration-not-null-without-default",
        "adding-not-nullable-field": "migration-unique-on-existing",
        "disallowed-unique-constraint": "migration-unique-on-existing",
        "renaming-column": "migration-rename",
        "changing-column-type": "migration-type-change",
        "ban-drop-column": "migration-destructive",
        "ban-drop-table": "migration-destructive",
    }
    ours_at = {(Path(f.file).name, f.line, f.rule) for f in ours}
    agreed = {(file, line, rule) for file, line, rule in theirs
              if rule in pairs and (file, line, pairs[rule]) in ours_at}
    disagreed = {(file, line, rule) for file, line, rule in theirs if rule in pairs} - agreed
    # the only squawk finding we do not share: the index on a table created in the same file
    assert disagreed == {("0001_create_accounts.up.sql", 7, "require-concurrent-index-creation")}
    assert len(agreed) == 8
    # what only we see: TRUNCATE, the unique *index* on existing data, pairs, history
    only_ours = {f.rule for f in ours} - set(pairs.values())
    assert only_ours == {"migration-version-conflict", "migration-down-missing",
                         "migration-mixes-data-and-schema", "migration-irreversible"}
    assert ("0003_cleanup.up.sql", 2) in where(ours, "migration-destructive")  # TRUNCATE
    assert not any(line == 2 and file == "0003_cleanup.up.sql" for file, line, _ in theirs if _ in pairs)


def test_checksum_mismatch_needs_a_database(tmp_path):
    from dbdesign import engines
    from dbdesign.migrate import Migrator
    folder = tmp_path / "m"
    shutil.copytree(REPO / "tests/fixtures/migrations_simple", folder)
    url = f"sqlite:///{tmp_path / 'c.db'}"
    with engines.connect(url) as eng:
        Migrator(str(folder), eng).up()
    assert lint_migrations(str(folder), url=url) == []
    (folder / "0001_create_authors.up.sql").write_text("CREATE TABLE authors (id INTEGER PRIMARY KEY);\n")
    found = [f for f in lint_migrations(str(folder), url=url) if f.rule == "migration-checksum-mismatch"]
    assert [(Path(f.file).name, f.severity) for f in found] == [("0001_create_authors.up.sql", "error")]
