"""`migrate baseline` adopts databases other runners manage, read from real tables of each
tool's shape (golang-migrate, Flyway, Alembic) on the engines they run on."""
from __future__ import annotations

from pathlib import Path

import pytest

from dbdesign import engines
from dbdesign.migrate.runner import HISTORY_TABLE, MigrationBlocked, Migrator

SIMPLE = str(Path(__file__).parent / "fixtures" / "migrations_simple")

GOLANG_MIGRATE = {  # golang-migrate v4's own DDL per driver
    "postgres": "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)",
    "mysql": "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)",
    "sqlite": "CREATE TABLE schema_migrations (version uint64, dirty bool)",
}
FLYWAY = ("CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, "
          "version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, "
          "script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, "
          "installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time INT NOT NULL, "
          "success BOOLEAN NOT NULL)")
ALEMBIC = ("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
           "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")


def _managed_elsewhere(eng, ddl: str, rows: list[str]) -> None:
    """A database at version 2 whose history another tool keeps."""
    Migrator(SIMPLE, eng).up(target=2)
    eng.execute(f"DROP TABLE {HISTORY_TABLE}")
    eng.execute(ddl)
    for row in rows:
        eng.execute(row)


def _states(eng) -> list[str]:
    return [s.state for s in Migrator(SIMPLE, eng).status().migrations]


@pytest.mark.parametrize("engine", ["sqlite", "postgres", "mysql"])
def test_baseline_from_golang_migrate(engine):
    from conftest import require_engine
    require_engine(engine)
    with engines.throwaway(engine) as eng:
        _managed_elsewhere(eng, GOLANG_MIGRATE[engine], ["INSERT INTO schema_migrations VALUES (2, false)"])
        assert _states(eng) == ["pending"] * 3  # what `status` said before baseline
        done = Migrator(SIMPLE, eng).baseline()
        assert len(done) == 2 and "golang-migrate schema_migrations" in done[0]
        assert _states(eng) == ["applied", "applied", "pending"]
        assert Migrator(SIMPLE, eng).up().versions == [3]


def test_baseline_refuses_a_dirty_golang_migrate_database():
    with engines.throwaway("sqlite") as eng:
        _managed_elsewhere(eng, GOLANG_MIGRATE["sqlite"], ["INSERT INTO schema_migrations VALUES (2, 1)"])
        with pytest.raises(MigrationBlocked, match="version 2 dirty"):
            Migrator(SIMPLE, eng).baseline()
        assert _states(eng) == ["pending"] * 3


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_baseline_from_flyway(engine):
    from conftest import require_engine
    require_engine(engine)
    row = ("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
           "checksum, installed_by, execution_time, success) VALUES "
           "({r}, {v}, 'x', '{t}', 'V{r}__x.sql', 1, 'me', 1, {ok})")
    with engines.throwaway(engine) as eng:
        _managed_elsewhere(eng, FLYWAY, [row.format(r=1, v="'1'", t="SQL", ok="true"),
                                         row.format(r=2, v="'2'", t="SQL", ok="true"),
                                         row.format(r=3, v="NULL", t="SQL", ok="true")])  # an R__ row
        done = Migrator(SIMPLE, eng).baseline()
        assert len(done) == 2 and "Flyway" in done[0]
        assert _states(eng) == ["applied", "applied", "pending"]


def test_baseline_from_alembic_needs_a_version_for_hex_revisions():
    with engines.throwaway("postgres") as eng:
        _managed_elsewhere(eng, ALEMBIC, ["INSERT INTO alembic_version VALUES ('ae1027a6acf')"])
        with pytest.raises(MigrationBlocked, match="'ae1027a6acf'.*pass --version"):
            Migrator(SIMPLE, eng).baseline()
        done = Migrator(SIMPLE, eng).baseline(version=2)
        assert len(done) == 2
        assert _states(eng) == ["applied", "applied", "pending"]


def test_baseline_from_alembic_with_numbered_revisions():
    with engines.throwaway("sqlite") as eng:
        _managed_elsewhere(eng, ALEMBIC, ["INSERT INTO alembic_version VALUES ('0002')"])
        assert len(Migrator(SIMPLE, eng).baseline()) == 2


def test_baseline_refuses_a_database_it_manages_and_unknown_versions():
    with engines.throwaway("sqlite") as eng:
        with pytest.raises(MigrationBlocked, match="pass --version"):
            Migrator(SIMPLE, eng).baseline()
        with pytest.raises(MigrationBlocked, match="version 7 is not in"):
            Migrator(SIMPLE, eng).baseline(version=7)
        Migrator(SIMPLE, eng).up(target=1)
        with pytest.raises(MigrationBlocked, match="rows already"):
            Migrator(SIMPLE, eng).baseline(version=2)
