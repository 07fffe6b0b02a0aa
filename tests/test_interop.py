"""Export/import in other tools' layouts: both ways on the example and fixtures, each layout's
documented shape, and the real tools (dbmate, Knex, Alembic) on PostgreSQL and MariaDB.

goose, Flyway, Liquibase and Prisma Migrate cannot be installed from the registries here (goose's
npm wrapper and Prisma's engines download from GitHub / their own CDN; Flyway and Liquibase are
jars): their layouts are tested against the tools' documented formats only."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import IN_CI, require_engine
from dbdesign.errors import InputError
from dbdesign.migrate.interop import FORMATS, engine_files, export_folder, import_folder, round_trip, tool_command
from dbdesign.migrate.runner import load_folder
from dbdesign.cli.migrate import migrate
from dbdesign.schema.parse import split_statements

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "migrations"
REHEARSAL = REPO / "tests" / "fixtures" / "migrations_rehearsal"
PG_LOCKS = REPO / "tests" / "fixtures" / "migrations_pg_locks"


def statements(path: Path) -> list[str]:
    return [s.sql.strip().rstrip(";") for s in split_statements(path.read_text()) if s.expression is not None]


@pytest.mark.parametrize("folder", [EXAMPLE, PG_LOCKS, REHEARSAL], ids=lambda p: p.name)
@pytest.mark.parametrize("fmt", FORMATS)
def test_export_then_import_gives_the_same_migrations(tmp_path, fmt, folder):
    export_folder(str(folder), str(tmp_path / "out"), fmt)
    res = import_folder(str(tmp_path / "out"), str(tmp_path / "back"), fmt)
    files = engine_files(str(folder))  # a tool's folder holds what runs on one engine
    if fmt == "prisma":  # up only, and said so
        files = {n: p for n, p in files.items() if n.endswith(".up.sql")}
        assert any("no down files" in n for n in res.notes)
    back = sorted(p.name for p in (tmp_path / "back").iterdir())
    assert back == sorted(files)
    for name in back:
        assert statements(tmp_path / "back" / name) == statements(Path(files[name])), name
    # what the runner runs outside a transaction stays so
    assert [m.no_transaction for m in load_folder(str(tmp_path / "back"))] == \
        [m.no_transaction for m in load_folder(str(folder)) if m.files_for("postgres")[0]]


def test_layouts_follow_the_documented_formats(tmp_path):
    out = {fmt: tmp_path / fmt for fmt in FORMATS}
    for fmt, path in out.items():
        export_folder(str(REHEARSAL), str(path), fmt)
    # Flyway: V{n}__name.sql, U{n}__name.sql, executeInTransaction=false in a script config file
    assert (out["flyway"] / "V0002__index_events_account.sql").exists()
    assert (out["flyway"] / "U0002__index_events_account.sql").exists()
    assert (out["flyway"] / "V0003__index_events_kind_concurrently.sql.conf").read_text() == "executeInTransaction=false\n"
    # dbmate: one file, -- migrate:up / -- migrate:down, transaction:false
    text = (out["dbmate"] / "0003_index_events_kind_concurrently.sql").read_text()
    assert text.startswith("-- migrate:up transaction:false\n") and "\n-- migrate:down transaction:false\n" in text
    # goose: -- +goose Up / Down, NO TRANSACTION first
    text = (out["goose"] / "0003_index_events_kind_concurrently.sql").read_text()
    assert text.startswith("-- +goose NO TRANSACTION\n-- +goose Up\n") and "\n-- +goose Down\n" in text
    # Liquibase formatted SQL: header, one changeset per migration, rollback lines
    text = (out["liquibase"] / "changelog.sql").read_text()
    assert text.startswith("--liquibase formatted sql\n")
    assert "--changeset dbdesign:0003_index_events_kind_concurrently runInTransaction:false\n" in text
    assert "--rollback DROP INDEX idx_events_account;" in text
    # Alembic: a revision chain of op.execute calls; CONCURRENTLY in an autocommit block
    v3 = (out["alembic"] / "versions" / "0003_index_events_kind_concurrently.py").read_text()
    assert "revision = '0003'\ndown_revision = '0002'" in v3 and "autocommit_block()" in v3
    assert "down_revision = None" in (out["alembic"] / "versions" / "0001_create_events.py").read_text()
    # Knex: exports.up/down calling knex.raw, config.transaction = false
    js = (out["knex"] / "migrations" / "0003_index_events_kind_concurrently.js").read_text()
    assert "exports.up = async function (knex)" in js and "await knex.raw(" in js
    assert "exports.config = { transaction: false };" in js
    # Prisma Migrate: a folder per migration with migration.sql, and the provider lock file
    assert (out["prisma"] / "0002_index_events_account" / "migration.sql").exists()
    assert 'provider = "postgresql"' in (out["prisma"] / "migration_lock.toml").read_text()


def test_a_mariadb_export_holds_mariadb_sql(tmp_path):
    export_folder(str(EXAMPLE), str(tmp_path / "m"), "dbmate", dialect="mysql")
    text = (tmp_path / "m" / "0001_create_users.sql").read_text()
    assert "TIMESTAMPTZ" not in text and "ENGINE=InnoDB" in text or "DATETIME" in text


def test_flyway_repeatable_and_knex_bindings(tmp_path):
    src = tmp_path / "fw"
    src.mkdir()
    (src / "V1__t.sql").write_text("CREATE TABLE t (id INT PRIMARY KEY, tags JSONB);\n")
    (src / "U1__t.sql").write_text("DROP TABLE t;\n")
    (src / "R__view.sql").write_text("CREATE OR REPLACE VIEW v AS SELECT id FROM t WHERE tags ? 'a';\n")
    res = import_folder(str(src), str(tmp_path / "back"), "flyway")
    assert sorted(p.name for p in (tmp_path / "back").iterdir()) == [
        "1_t.down.sql", "1_t.up.sql", "2_view.down.sql", "2_view.up.sql"]
    assert any("repeatable R__view.sql became version 2" in n for n in res.notes)
    export_folder(str(tmp_path / "back"), str(tmp_path / "knex"), "knex")
    js = (tmp_path / "knex" / "migrations" / "2_view.js").read_text()
    assert "tags \\\\? 'a'" in js  # knex.raw would read a bare ? as a binding


def test_bad_input(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "0001_a.sql").write_text("CREATE TABLE a (id INT);\n")
    with pytest.raises(InputError, match="no `-- migrate:up` section|no `.*` section"):
        import_folder(str(tmp_path / "x"), str(tmp_path / "y"), "dbmate")
    assert not (tmp_path / "y").exists()  # nothing half-written
    (tmp_path / "x" / "0001_a.sql").write_text("-- migrate:up\nCREATE TABLE a (id INT;\n-- migrate:down\n")
    res = CliRunner().invoke(migrate, ["import", str(tmp_path / "x"), "--format", "dbmate", "--out", str(tmp_path / "y")])
    assert res.exit_code == 2 and "syntax error" in res.stderr and not (tmp_path / "y").exists()
    res = CliRunner().invoke(migrate, ["export", "--dir", str(EXAMPLE), "--format", "flyway", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "not empty" in res.stderr


@pytest.mark.parametrize("engine_name", ["postgres", "mysql"])
@pytest.mark.parametrize("fmt", ["dbmate", "knex", "alembic"])
def test_real_tool_round_trip(fmt, engine_name):
    """Export, the real tool's up, introspect, diff against our runner's schema: empty; the
    tool's down leaves nothing but its bookkeeping table."""
    require_engine(engine_name)
    if tool_command(fmt) is None:
        if IN_CI:
            pytest.fail(f"{fmt} not installed under CI (make interop-tools / requirements.txt)")
        pytest.skip(f"{fmt} not installed (make interop-tools)")
    result = round_trip(str(EXAMPLE), fmt, engine_name)
    assert result.tables == 7
    assert result.up_differences == [] and result.left_after_down == [], result
    if engine_name == "postgres":  # CONCURRENTLY outside a transaction, through the tool's own switch
        assert round_trip(str(REHEARSAL), fmt, engine_name).ok
