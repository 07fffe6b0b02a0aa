"""Lock rehearsal on real servers: what blocks writes and what does not, at small scale.

No timing thresholds: "blocked" is the server refusing the writer's try for a lock (the writer
never waits for one), compared between migrations of the same run."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import require_engine
from dbdesign import engines
from dbdesign.errors import InputError
from dbdesign.cli.migrate import migrate
from dbdesign.migrate.rehearse import default_baseline, rehearse, touched_tables

REPO = Path(__file__).resolve().parent.parent
FOLDER = REPO / "tests" / "fixtures" / "migrations_rehearsal"


def by_name(result):
    return {s.name: s for s in result.steps}


def test_plain_index_build_blocks_writes_and_the_concurrent_one_does_not_on_postgres():
    require_engine("postgres")
    result = rehearse(str(FOLDER), engines.server_url("postgres"), 100_000)
    steps = by_name(result)
    plain, concurrent = steps["index_events_account"], steps["index_events_kind_concurrently"]
    assert result.baseline == 1 and result.loaded_rows == {"events": 100_000}
    assert plain.blocked and not concurrent.blocked
    assert plain.blocked_write_ms > concurrent.blocked_write_ms  # the same writer, the same table
    assert plain.writes > 0 and concurrent.writes > 0
    assert "events:ShareLock" in plain.locks
    assert plain.predicted_by == ["migration-index-not-concurrent", "migration-lock-timeout-missing"]
    assert concurrent.prediction == "-"
    rewrite = steps["widen_events_account"]  # bigint -> numeric rewrites under ACCESS EXCLUSIVE
    assert rewrite.blocked and "migration-type-change" in rewrite.predicted_by


def test_a_table_copy_blocks_writes_on_mariadb_and_the_server_predicted_it():
    require_engine("mysql")
    result = rehearse(str(FOLDER), engines.server_url("mysql"), 50_000)
    rewrite = by_name(result)["widen_events_account"]
    assert rewrite.blocked and "migration-table-copy" in rewrite.predicted_by
    assert "copy to tmp table" in rewrite.locks
    # PostgreSQL-only rules predict nothing on MariaDB
    assert not any("lock-timeout" in r for s in result.steps for r in s.predicted_by)


def test_baseline_and_touched_tables():
    from dbdesign.migrate.runner import Migrator
    assert default_baseline(str(FOLDER)) == 1
    assert default_baseline(str(REPO / "migrations")) == 6
    with engines.throwaway("sqlite") as eng:
        before = Migrator(str(FOLDER), eng).schema_before(2)
    assert touched_tables(str(FOLDER / "0002_index_events_account.up.sql"), before) == ["events"]


def test_bad_input(tmp_path):
    with pytest.raises(InputError, match="PostgreSQL or MariaDB"):
        rehearse(str(FOLDER), f"sqlite:///{tmp_path / 'x.db'}", 10)
    res = CliRunner().invoke(migrate, ["rehearse", "--dir", str(FOLDER), "--db", "sqlite:///x.db"])
    assert res.exit_code == 2 and "PostgreSQL or MariaDB" in res.stderr


def test_cli_json():
    require_engine("postgres")
    res = CliRunner().invoke(migrate, ["rehearse", "--dir", str(FOLDER), "--db", engines.server_url("postgres"),
                                       "--rows", "2000", "--baseline", "3", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [s["version"] for s in out["steps"]] == [4, 5]
    assert {"blocked_write_ms", "duration_ms", "p99_write_ms", "locks", "prediction"} <= set(out["steps"][0])
