"""The migrations lock on the servers: a waiting run names the holder, and a runner killed with
SIGKILL in the middle of a statement gives the lock back within seconds on PostgreSQL
(client_connection_check_interval on the holding session)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dbdesign import engines
from dbdesign.migrate.runner import LOCKS, LockTimeout, Migrator

from conftest import require_engine
from test_migrate_layout import write_folder

SLEEP = {"postgres": "SELECT pg_sleep(60);\n", "mysql": "SELECT SLEEP(60);\n"}
RUNNING = {"postgres": "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%%' "
                       "AND datname = current_database()",
           "mysql": "SELECT count(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(60)%%' "
                    "AND DB = DATABASE()"}


def _start_runner(engine: str, eng, tmp_path: Path) -> subprocess.Popen:
    folder = write_folder(tmp_path, {"0001_a.up.sql": "CREATE TABLE a (id INT PRIMARY KEY);\n",
                                     "0001_a.down.sql": "DROP TABLE a;\n",
                                     "0002_slow.up.sql": SLEEP[engine],
                                     "0002_slow.down.sql": "SELECT 1;\n"})
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "lib")}
    proc = subprocess.Popen([sys.executable, "-m", "dbdesign.cli.migrate", "up", "--dir", str(folder),
                             "--db", eng.url], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not eng.query(RUNNING[engine])[0][0]:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the runner never started its slow statement"
        time.sleep(0.1)
    return proc


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_a_waiting_run_names_the_holder(engine, tmp_path):
    require_engine(engine)
    with engines.throwaway(engine) as eng:
        proc = _start_runner(engine, eng, tmp_path)
        try:
            told: list[str] = []
            with engines.connect(eng.url) as other:
                m = Migrator(str(tmp_path / "migrations"), other, lock_timeout=0.5)
                m.on_wait = told.append
                with pytest.raises(LockTimeout) as err:
                    m.up()
            word = "pid" if engine == "postgres" else "connection id"
            assert word in str(err.value) and "since 20" in str(err.value), str(err.value)
            assert told and told[0].startswith("waiting for the migrations lock held by " + word)
        finally:
            proc.kill()
            proc.wait()


def test_a_killed_runner_releases_the_postgres_lock_within_seconds(tmp_path):
    require_engine("postgres")
    with engines.throwaway("postgres") as eng:
        proc = _start_runner("postgres", eng, tmp_path)
        key = LOCKS["postgres"].KEY
        assert not eng.query("SELECT pg_try_advisory_lock(%s)", (key,))[0][0]
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed = time.monotonic()
        while not eng.query("SELECT pg_try_advisory_lock(%s)", (key,))[0][0]:
            assert time.monotonic() - killed < 15, "the killed runner's lock is still held"
            time.sleep(0.05)
        # the statement is 60 s long: the lock went because the server noticed the client left
        assert time.monotonic() - killed < 15
        eng.query("SELECT pg_advisory_unlock(%s)", (key,))
        m = Migrator(str(tmp_path / "migrations"), eng)
        assert [s.state for s in m.status().migrations] == ["applied", "pending"]
