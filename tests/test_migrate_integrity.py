"""History integrity and runner safety on real engines: transaction control refused or honoured,
edited/deleted/failed history makes `up`, `status` and `verify --db` exit 1, messages that
name what to act on."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dbdesign import engines
from dbdesign.errors import InputError
from dbdesign.migrate.runner import HISTORY_TABLE, Migrator
from dbdesign.cli.migrate import migrate

from test_migrate_layout import write_folder

SIMPLE = Path(__file__).parent / "fixtures" / "migrations_simple"
CORPUS = Path(__file__).resolve().parent.parent / ".." / "shared" / "corpus"


def cli(*args: str):
    return CliRunner().invoke(migrate, list(args))


@pytest.mark.parametrize("body, line", [
    ("CREATE TABLE a (id INT);\nCOMMIT;\nCREATE TABLE b (id INT);\n", 2),
    ("CREATE TABLE a (id INT);\nBEGIN;\nCREATE TABLE b (id INT);\nCOMMIT;\n", 2),
    ("SAVEPOINT s1;\nCREATE TABLE a (id INT);\n", 1),
    ("CREATE TABLE a (id INT);\n\nSTART TRANSACTION;\nCREATE TABLE b (id INT);\nEND;\n", 3),
])
def test_transaction_control_is_refused_before_anything_runs(tmp_path, body, line):
    folder = write_folder(tmp_path, {"0001_a.up.sql": body, "0001_a.down.sql": "DROP TABLE a;\n"})
    db = tmp_path / "app.db"
    res = cli("up", "--dir", str(folder), "--db", f"sqlite:///{db}")
    assert res.exit_code == 2, res.output
    assert f"0001_a.up.sql:{line}:" in res.output and "dbdesign:no-transaction" in res.output
    assert not db.exists()  # nothing applied: not even a database file


@pytest.mark.parametrize("engine", ["sqlite", "postgres", "mysql"])
def test_a_file_wrapped_in_begin_commit_runs_in_the_runners_transaction(engine, tmp_path):
    from conftest import require_engine
    require_engine(engine)
    folder = write_folder(tmp_path, {
        "0001_a.up.sql": "BEGIN;\nCREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (id INT);\nCOMMIT;\n",
        "0001_a.down.sql": "BEGIN;\nDROP TABLE b;\nDROP TABLE a;\nCOMMIT;\n"})
    with engines.throwaway(engine) as eng:
        m = Migrator(str(folder), eng)
        assert not any("BEGIN" in st.sql.upper() for st in m.steps(m.migrations[0], "up").steps)
        assert m.up().versions == [1]
        assert {"a", "b"} <= set(eng.table_names())
        assert m.down().versions == [1]


def test_marked_file_runs_as_written_with_concurrently_on_postgres(tmp_path):
    from conftest import require_engine
    require_engine("postgres")
    folder = write_folder(tmp_path, {
        "0001_a.up.sql": "CREATE TABLE a (id INT PRIMARY KEY, v INT);\n",
        "0001_a.down.sql": "DROP TABLE a;\n",
        "0002_idx.up.sql": "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY a_v ON a (v);\n"
                           "BEGIN;\nUPDATE a SET v = 1;\nCOMMIT;\n",
        "0002_idx.down.sql": "-- dbdesign:no-transaction\nDROP INDEX CONCURRENTLY a_v;\n"})
    with engines.throwaway("postgres") as eng:
        m = Migrator(str(folder), eng)
        assert m.up().versions == [1, 2]
        assert [r[0] for r in eng.query(f"SELECT state FROM {HISTORY_TABLE} ORDER BY version")] == \
            ["applied", "applied"]
        assert m.down().versions == [2]


def _applied_copy(tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "m"
    shutil.copytree(SIMPLE, folder)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert cli("up", "--dir", str(folder), "--db", url).exit_code == 0
    return folder, url


def test_status_exits_1_when_an_applied_file_was_edited_or_deleted(tmp_path):
    folder, url = _applied_copy(tmp_path)
    assert cli("status", "--dir", str(folder), "--db", url).exit_code == 0
    down = sorted(folder.glob("*.down.sql"))[0]
    down.write_text(down.read_text() + "-- edited\n")
    res = cli("status", "--dir", str(folder), "--db", url)
    assert res.exit_code == 1 and "modified" in res.output and down.name in res.output
    down.write_text(down.read_text().replace("-- edited\n", ""))
    last = sorted(folder.glob("*.up.sql"))[-1]
    last.unlink()
    last.with_name(last.name.replace(".up.", ".down.")).unlink()
    res = cli("status", "--dir", str(folder), "--db", url)
    assert res.exit_code == 1 and "missing" in res.output and "restore it" in res.output
    res = cli("up", "--dir", str(folder), "--db", url)
    assert res.exit_code == 1 and "has no file" in res.output
    res = cli("verify", "--dir", str(folder), "--engine", "sqlite", "--db", url)
    assert res.exit_code == 1 and "migration-file-missing" in res.output


def test_failed_row_makes_status_exit_1(tmp_path):
    folder, url = _applied_copy(tmp_path)
    with engines.connect(url) as eng:
        eng.execute(f"UPDATE {HISTORY_TABLE} SET state = 'failed', error = 'x' WHERE version = "
                    f"(SELECT MAX(version) FROM {HISTORY_TABLE})")
    res = cli("status", "--dir", str(folder), "--db", url)
    assert res.exit_code == 1 and "failed" in res.output


def test_pageship_postgres_folder_applies_as_golang_migrate_does():
    folder = CORPUS / "pageship-migrations"
    if not folder.is_dir():
        pytest.skip("corpus not found beside the repository (../shared/corpus)")
    from conftest import require_engine
    require_engine("postgres")
    with engines.throwaway("postgres") as pg, engines.throwaway("sqlite") as lite:
        for eng in (pg, lite):
            m = Migrator(str(folder), eng)
            assert m.up().versions == [1, 2, 3, 4, 5, 6]
            if eng is lite:  # run verbatim: the declared types stay
                assert [r[0] for r in lite.query("SELECT type FROM pragma_table_info('app')")][:2] == \
                    ["TEXT", "TIMESTAMP"]
            assert m.down(to=0).versions == [6, 5, 4, 3, 2, 1]
            assert [t for t in eng.table_names() if not t.startswith("dbdesign_")] == []


def test_a_failure_inside_a_marked_files_own_transaction_is_recorded_as_failed(tmp_path):
    from conftest import require_engine
    from dbdesign.migrate.runner import MigrationFailed
    require_engine("postgres")
    folder = write_folder(tmp_path, {
        "0001_a.up.sql": "-- dbdesign:no-transaction\nCREATE TABLE a (id INT);\nBEGIN;\n"
                         "INSERT INTO a VALUES (1);\nINSERT INTO missing VALUES (1);\nCOMMIT;\n"})
    with engines.throwaway("postgres") as eng:
        with pytest.raises(MigrationFailed, match=r"0001_a.up.sql:5: .*missing"):
            Migrator(str(folder), eng).up()
        assert eng.query(f"SELECT state FROM {HISTORY_TABLE}") == [("failed",)]
        assert eng.query("SELECT count(*) FROM a") == [(0,)]  # its own transaction rolled back


def test_sqlite_files_run_verbatim_when_read_as_sqlite(tmp_path):
    folder = write_folder(tmp_path, {
        "0001_a.up.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, at TIMESTAMP NOT NULL, "
                         "flag BOOL);\n",
        "0001_a.down.sql": "DROP TABLE a;\n"})
    with engines.throwaway("sqlite") as eng:
        m = Migrator(str(folder), eng, read="sqlite")
        assert m.up().versions == [1]
        assert [r[0] for r in eng.query("SELECT type FROM pragma_table_info('a')")] == \
            ["INTEGER", "TIMESTAMP", "BOOL"]
    with engines.throwaway("duckdb") as eng:
        with pytest.raises(InputError, match="written for sqlite"):
            Migrator(str(folder), eng, read="sqlite")
