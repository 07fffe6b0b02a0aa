"""The migrations runner on real engines: up/no-op/down, failures, locks, checksums, bad input."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dbdesign import engines
from dbdesign.migrate.runner import (HISTORY_TABLE, LOCKS, LockTimeout, MigrationBlocked, MigrationFailed,
                              Migrator, new_migration)
from dbdesign.cli.migrate import migrate

FIXTURES = Path(__file__).parent / "fixtures"
SIMPLE = FIXTURES / "migrations_simple"
FAILING = FIXTURES / "migrations_failing"
REPO = Path(__file__).resolve().parent.parent
PY = sys.executable


def user_tables(eng) -> list[str]:
    return [t for t in eng.table_names() if t != HISTORY_TABLE]


def history_versions(eng) -> list[int]:
    return [int(r[0]) for r in eng.query(f"SELECT version FROM {HISTORY_TABLE} ORDER BY version")]


def copy_folder(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "migrations"
    shutil.copytree(src, dst)
    return dst


def test_up_is_idempotent_and_down_reverses(throwaway_engine):
    eng = throwaway_engine
    m = Migrator(str(SIMPLE), eng)
    assert m.up().versions == [1, 2, 3]
    assert user_tables(eng) == ["authors", "books"]
    assert m.up().versions == []  # running it again is a no-op
    st = m.status()
    assert [(s.version, s.state, s.applied) for s in st.migrations] == [
        (1, "applied", True), (2, "applied", True), (3, "applied", True)]
    assert st.problems == []
    row = eng.query(f"SELECT name, checksum, execution_ms, applied_by, state FROM {HISTORY_TABLE} "
                    "WHERE version = 2")[0]
    assert row[0] == "create_books" and len(row[1]) == 64 and row[4] == "applied" and "@" in row[3]
    assert m.down(steps=2).versions == [3, 2]
    assert user_tables(eng) == ["authors"] and history_versions(eng) == [1]
    assert m.down(to=0).versions == [1]
    assert user_tables(eng) == [] and history_versions(eng) == []
    assert m.up(target=2).versions == [1, 2]


def test_failing_migration(throwaway_engine, tmp_path):
    """Transactional DDL: nothing of the failing migration remains. MariaDB: recorded as failed,
    `up` refuses until `repair` after the user fixed things."""
    eng = throwaway_engine
    folder = copy_folder(FAILING, tmp_path)
    m = Migrator(str(folder), eng)
    with pytest.raises(MigrationFailed) as info:
        m.up()
    err = info.value
    assert err.file.endswith("0002_half_done.up.sql") and err.line == 5 and err.version == 2
    assert "no_such_table" in str(err) and str(err).startswith(f"{err.file}:5: ")
    assert "never_reached" not in eng.table_names()  # later migrations not attempted
    if eng.capabilities.transactional_ddl:
        assert user_tables(eng) == ["first_table"]
        assert history_versions(eng) == [1]
        assert [s.state for s in m.status().migrations] == ["applied", "pending", "pending"]
        return
    # MariaDB: half-applied, recorded failed, blocks
    assert "half_done" in eng.table_names()
    st = m.status()
    assert [s.state for s in st.migrations] == ["applied", "failed", "pending"]
    assert "no_such_table" in st.migrations[1].error
    with pytest.raises(MigrationBlocked, match="repair"):
        m.up()
    # the user fixes things: undoes the half-applied part and corrects the file
    eng.execute("DROP TABLE half_done")
    (folder / "0002_half_done.up.sql").write_text("CREATE TABLE half_done (id INTEGER PRIMARY KEY);\n")
    m = Migrator(str(folder), eng)
    assert any("removed" in line for line in m.repair())
    assert m.up().versions == [2, 3]
    assert [s.state for s in m.status().migrations] == ["applied"] * 3


def test_repair_mark_applied_on_mariadb(tmp_path):
    from conftest import require_engine
    require_engine("mysql")
    folder = copy_folder(FAILING, tmp_path)
    with engines.throwaway("mysql") as eng:
        m = Migrator(str(folder), eng)
        with pytest.raises(MigrationFailed):
            m.up()
        eng.execute("CREATE TABLE no_such_table (id INTEGER)")  # finish it by hand
        eng.execute("INSERT INTO no_such_table (id) VALUES (1)")
        assert "2 half_done: failed -> applied" in m.repair(mark_applied=(2,))[0]
        assert m.up().versions == [3]


def test_edited_after_apply_is_modified_and_blocks(throwaway_engine, tmp_path):
    eng = throwaway_engine
    folder = copy_folder(SIMPLE, tmp_path)
    m = Migrator(str(folder), eng)
    m.up(target=2)
    path = folder / "0002_create_books.up.sql"
    path.write_text(path.read_text() + "-- edited after it was applied\n")
    m = Migrator(str(folder), eng)
    st = m.status()
    assert [s.state for s in st.migrations] == ["applied", "modified", "pending"]
    assert st.migrations[1].applied is True
    assert any(p.kind == "modified" and p.blocking for p in st.problems)
    with pytest.raises(MigrationBlocked, match="0002_create_books.up.sql, 0002_create_books.down.sql changed after version 2 was applied"):
        m.up()
    assert history_versions(eng) == [1, 2]  # refused before doing anything
    assert "accepted new checksum" in m.repair()[0]
    assert m.up().versions == [3]


def test_gap_and_out_of_order(throwaway_engine, tmp_path):
    eng = throwaway_engine
    folder = copy_folder(SIMPLE, tmp_path)
    held = tmp_path / "held"
    held.mkdir()
    for f in folder.glob("0002_*"):
        f.rename(held / f.name)
    (folder / "0003_add_books_isbn.up.sql").write_text("CREATE TABLE publishers (id INTEGER PRIMARY KEY);\n")
    (folder / "0003_add_books_isbn.down.sql").write_text("DROP TABLE publishers;\n")
    m = Migrator(str(folder), eng)
    assert [p.kind for p in m.status().problems] == ["gap"]
    assert m.up().versions == [1, 3]
    for f in held.iterdir():  # a teammate's 0002 arrives after 0003 was applied
        f.rename(folder / f.name)
    m = Migrator(str(folder), eng)
    problems = m.status().problems
    assert [p.kind for p in problems] == ["out-of-order"] and problems[0].version == 2
    with pytest.raises(MigrationBlocked, match="renumber"):
        m.up()
    assert m.up(allow_out_of_order=True).versions == [2]


def test_plan_prints_sql_without_running(throwaway_engine):
    eng = throwaway_engine
    m = Migrator(str(SIMPLE), eng)
    text = m.plan("up")
    assert "-- 0001_create_authors.up.sql:2" in text and "CREATE INDEX idx_authors_name" in text
    assert ("BEGIN;" in text) == eng.capabilities.transactional_ddl
    assert user_tables(eng) == []
    m.up()
    down = m.plan("down", steps=2)
    assert down.index("0003_add_books_isbn.down.sql") < down.index("0002_create_books.down.sql")
    assert "DROP TABLE books;" in down
    assert user_tables(eng) == ["authors", "books"]


def test_status_json_shape(tmp_path):
    db = tmp_path / "s.db"
    runner = CliRunner()
    res = runner.invoke(migrate, ["up", "--dir", str(SIMPLE), "--db", f"sqlite:///{db}", "--target", "1"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(migrate, ["status", "--dir", str(SIMPLE), "--db", f"sqlite:///{db}", "--format", "json"])
    data = json.loads(res.output)
    assert [m["state"] for m in data["migrations"]] == ["applied", "pending", "pending"]
    first = data["migrations"][0]
    assert set(first) == {"version", "name", "applied", "state", "applied_at", "checksum"}
    assert first["applied"] is True and first["applied_at"].endswith("Z") and len(first["checksum"]) == 64


def test_cli_failure_is_one_line_exit_1(tmp_path):
    db = tmp_path / "f.db"
    res = CliRunner().invoke(migrate, ["up", "--dir", str(FAILING), "--db", f"sqlite:///{db}"])
    assert res.exit_code == 1
    line = res.stderr.strip().splitlines()[-1]
    assert "0002_half_done.up.sql:5: sqlite: no such table: no_such_table" in line


@pytest.mark.parametrize("args, expected", [
    (["--dir", str(SIMPLE), "--db", "oracle://x/y"], "unknown database URL scheme 'oracle'"),
    (["--dir", "does/not/exist", "--db", "DB"], "no such migrations folder"),
    (["--dir", str(FIXTURES / "migrations_bad_syntax"), "--db", "DB"], "0002_broken.up.sql:3:29: syntax error"),
    (["--dir", str(FIXTURES / "migrations_down_only"), "--db", "DB"], "has a down file but no up file"),
])
@pytest.mark.parametrize("command", ["up", "down", "status", "plan", "repair"])
def test_bad_input_one_line_exit_2_database_untouched(tmp_path, command, args, expected):
    db = tmp_path / "untouched.db"
    args = [a.replace("DB", f"sqlite:///{db}") if a == "DB" else a for a in args]
    res = CliRunner().invoke(migrate, [command, *args])
    assert res.exit_code == 2, res.output
    assert len(res.stderr.strip().splitlines()) == 1 and expected in res.stderr
    assert not db.exists()  # nothing was even opened


def test_new_creates_timestamped_pair(tmp_path):
    import datetime as dt
    up, down = new_migration(str(tmp_path), "Add posts slug!", dt.datetime(2024, 5, 6, 7, 8, 9))
    assert os.path.basename(up) == "20240506070809_add_posts_slug.up.sql"
    assert down.endswith("20240506070809_add_posts_slug.down.sql") and os.path.exists(down)
    assert Migrator(str(tmp_path), engines.connect("sqlite:///:memory:")).migrations[0].version == 20240506070809
    res = CliRunner().invoke(migrate, ["new", "backfill data", "--dir", str(tmp_path)])
    assert res.exit_code == 0 and "_backfill_data.up.sql" in res.output


# -- concurrency -----------------------------------------------------------------------------

HOLDER = """
import sys, time
from dbdesign import engines
from dbdesign.migrate.runner import LOCKS
eng = engines.connect(sys.argv[1])
LOCKS[eng.name](eng).acquire(5)
print("locked", flush=True)
time.sleep(120)
"""


def _run_up(url: str, folder: Path) -> subprocess.Popen:
    return subprocess.Popen([PY, "-m", "dbdesign.cli.migrate", "up", "--dir", str(folder), "--db", url,
                             "--lock-timeout", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=REPO)


def test_two_concurrent_up_runs_apply_each_migration_once(throwaway_engine, tmp_path):
    """The test holds the lock, starts two `migrate up` processes (both must wait), releases:
    exactly one of them applies the migrations, the other finds nothing pending."""
    eng = throwaway_engine
    url = eng.url
    lock = LOCKS[eng.name](eng)
    lock.acquire(5)
    procs = [_run_up(url, SIMPLE) for _ in range(2)]
    time.sleep(0.8)
    assert [p.poll() for p in procs] == [None, None]  # both are waiting for the lock
    lock.release()
    eng.close()  # DuckDB: one writing process per file
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    applied = [o[0].count("applied ") for o in outs]
    assert sorted(applied) == [0, 3], outs
    assert history_versions(eng) == [1, 2, 3]


def test_killed_lock_holder_does_not_block(throwaway_engine):
    eng = throwaway_engine
    holder = subprocess.Popen([PY, "-c", HOLDER, eng.url], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert holder.stdout.readline().strip() == "locked"
        m = Migrator(str(SIMPLE), eng, lock_timeout=0.3)
        with pytest.raises(LockTimeout):
            m.up()
        eng.close()
        holder.send_signal(signal.SIGKILL)  # a crash: no chance to release anything
        holder.wait(10)
        m = Migrator(str(SIMPLE), eng, lock_timeout=15)
        assert m.up().versions == [1, 2, 3]
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_example_migrations_up_and_down_on_every_engine(throwaway_engine):
    """The example (PostgreSQL dialect) rendered per engine by the dialect layer: all the way up,
    no-op, all the way down."""
    eng = throwaway_engine
    m = Migrator(str(REPO / "migrations"), eng)
    assert m.up().versions == list(range(1, 13))  # 0009-0011 from the engine overrides
    assert set(user_tables(eng)) == {"users", "profiles", "posts", "comments", "tags", "post_tags", "audit_log"}
    assert m.up().versions == []
    assert m.down(to=0).versions == list(range(12, 0, -1))
    assert user_tables(eng) == [] and history_versions(eng) == []


def test_data_migration_backfills_and_is_safe_to_run_twice(throwaway_engine):
    """0008 (a `data` migration) through the runner on every engine, on the dev seed where
    the published post predates 0007: backfilled once; a second run of its SQL and the
    (deliberately empty) down leave every value alone, including one the application wrote."""
    from dbdesign.generate.seeds import apply_seeds
    eng = throwaway_engine
    m = Migrator(str(REPO / "migrations"), eng)
    m.up(target=7)
    apply_seeds(eng, m.schema_before(8), str(REPO / "seeds"), "dev")
    eng.execute("UPDATE posts SET published_at = NULL WHERE status = 'published'")

    def state():
        backfilled = [r[0] for r in eng.query("SELECT slug FROM posts WHERE published_at = created_at ORDER BY slug")]
        missing = [r[0] for r in eng.query("SELECT slug FROM posts WHERE published_at IS NULL ORDER BY slug")]
        return backfilled, missing

    assert state() == (["old-news"], ["indexing-foreign-keys", "soft-delete-pitfalls"])
    data = m.by_version[8]
    assert data.is_data and m.up(target=8).versions == [8]
    after = state()
    assert after == (["indexing-foreign-keys", "old-news"], ["soft-delete-pitfalls"])  # drafts stay NULL
    for step in m.steps(data, "up").steps:  # the file itself, run again (a retry, a staging re-run)
        eng.execute(step.sql)
    assert state() == after
    eng.execute("UPDATE posts SET published_at = '2024-03-01 09:00:00' WHERE slug = 'indexing-foreign-keys'")
    for step in m.steps(data, "up").steps:
        eng.execute(step.sql)
    assert state() == (["old-news"], ["soft-delete-pitfalls"])  # the application's value survives
    assert m.steps(data, "down").steps == [] and m.down().versions == [8]  # the last applied
    assert state() == (["old-news"], ["soft-delete-pitfalls"]) and history_versions(eng)[-1] == 7


def test_timeline_and_erd_diff_of_the_example():
    from dbdesign.errors import InputError
    from dbdesign.migrate.runner import erd_diff_svg, timeline
    t = timeline(str(REPO / "migrations"))
    assert list(t["version"]) == [f"{v:04d}" for v in range(1, 13)]
    row = {r["version"]: r for r in t.to_dict("records")}
    assert row["0005"]["changes"] == "+ table post_tags: 6 columns; + table tags: 7 columns"
    assert row["0007"]["changes"] == "+ column posts.published_at: TIMESTAMPTZ"
    assert (row["0008"]["kind"], row["0008"]["changes"], row["0008"]["down_statements"]) == (
        "data", "data: UPDATE posts", 0)
    assert set(t[t["version"] != "0008"]["kind"]) == {"schema"} and len(set(t["checksum"])) == 12
    svg = erd_diff_svg(str(REPO / "migrations"), 4)
    assert svg.lstrip().startswith("<!--") or svg.lstrip().startswith("<svg")
    assert "comments" in svg and "<?xml" not in svg and "Generated by graphviz" not in svg
    with pytest.raises(InputError, match="no migration 42"):
        erd_diff_svg(str(REPO / "migrations"), 42)
