"""The design's promises shipped as migrations, and the checks the gate runs on what
`migrate up` builds."""
import os
import shutil

import pytest

from dbdesign import engines
from dbdesign.generate import deployed, seeds
from dbdesign.migrate.runner import Migrator
from dbdesign.schema.source import load_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIGRATIONS = os.path.join(ROOT, "migrations")


def test_committed_migrations_are_what_the_generators_write(tmp_path):
    schema = load_source(MIGRATIONS)
    folder = tmp_path / "m"
    shutil.copytree(MIGRATIONS, folder)
    files = deployed.audit_migrations(schema, 9) + deployed.soft_delete_migrations(schema, 10)
    for f in files:
        up, down = f.paths(MIGRATIONS)
        assert open(up, encoding="utf-8").read() == f.up, up
        assert open(down, encoding="utf-8").read() == f.down, down
    assert deployed.plan_versions(str(folder), deployed.SOFT_DELETE_NAMES)["live_uniques"] == 10


def test_down_statements_undo_each_generated_shape():
    assert deployed.down_statement('CREATE TRIGGER "t g" AFTER UPDATE ON app."Users" FOR EACH ROW x',
                                   "postgres") == 'DROP TRIGGER IF EXISTS "t g" ON app."Users"'
    assert deployed.down_statement("CREATE UNIQUE INDEX i ON `u s` (c)", "mysql") == "DROP INDEX i ON `u s`"
    with pytest.raises(ValueError):
        deployed.down_statement("DROP TABLE x", "sqlite")


def _migrate_with_overrides(eng, schema):
    """migrate up: the runner applies the engine overrides verbatim."""
    Migrator(MIGRATIONS, eng).up()


def test_migrated_sqlite_without_the_triggers_fails_the_checks(tmp_path):
    schema = load_source(MIGRATIONS)
    for f in os.listdir(MIGRATIONS):  # the folder as it was before the promises shipped
        if f.endswith(".sql") and int(f[:4]) <= 8:
            shutil.copy(os.path.join(MIGRATIONS, f), tmp_path / f)
    with engines.throwaway("sqlite") as eng:
        Migrator(str(tmp_path), eng).up()
        checks = deployed.check_database(eng, schema)
    failed = {c.criterion for c in checks if c.status == "failed"}
    assert failed == {"updated_at", "audit_log"}


def test_shipped_promises_hold_and_seeds_run_twice(engine_name):
    schema = load_source(MIGRATIONS)
    with engines.throwaway(engine_name) as eng:
        _migrate_with_overrides(eng, schema)
        checks = deployed.check_database(eng, schema)
        assert [c for c in checks if c.status == "failed"] == []
        assert {c.criterion for c in checks if c.status == "passed"} >= {"uniques", "checks", "fks"}
    with engines.throwaway(engine_name) as eng:  # the checks' baseline rows would meet the seed's
        _migrate_with_overrides(eng, schema)
        states = []
        for env in ("dev", "dev", "prod", "test", "test"):
            seeds.apply_seeds(eng, schema, os.path.join(ROOT, "seeds"), env)
            states.append((eng.query("SELECT count(*) FROM users")[0][0],
                           eng.query("SELECT count(*) FROM audit_log")[0][0],
                           str(eng.query("SELECT max(updated_at) FROM users")[0][0])))
        assert states[0] == states[1] == states[2], "a second dev seed, or prod after dev, changed rows"
        assert states[3] == states[4] and states[3][0] == states[0][0] + 3
