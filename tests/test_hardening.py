"""No secret in any output, no endless wait on a silent server, stale throwaways cleaned,
read-only commands never create a database."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dbdesign import engines
from dbdesign.engines.base import THROWAWAY_PREFIX, drop_stale_throwaways, throwaway_age, throwaway_name
from dbdesign.errors import InputError, mask_secrets

from conftest import require_engine

SECRET = "Pl4nted-S3cret"
REPO = Path(__file__).resolve().parent.parent


def dbdesign(*args: str, cwd: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dbdesign.cli", *args], capture_output=True,
                          text=True, cwd=cwd or str(REPO), timeout=60,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("text", [
    f"mysql://root:{SECRET}@h:3306/db", f"postgresql://u:{SECRET}@h/db?x=1",
    f"postgresql://u:p@{SECRET}@h/db", f"postgresql://h/db?sslmode=require&password={SECRET}&a=b",
    f"host=h password='{SECRET} x' user=u", f"host=h password={SECRET} user=u",
    f"PGPASSWORD={SECRET} psql", f"MYSQL_PWD={SECRET}", f"redis://:{SECRET}@h",
])
def test_mask_secrets(text):
    assert SECRET not in mask_secrets(text)


def test_input_error_masks_its_file_and_message():
    err = InputError(f"bad mysql://u:{SECRET}@h/db", f"postgresql://u:{SECRET}@h/db")
    assert SECRET not in str(err)


# URLs refused before any connection: every command that takes --db is tried with them.
BAD_URLS = [
    f"oracle://u:{SECRET}@h/db",  # unknown scheme
    f"host=127.0.0.1 port=1 password={SECRET} dbname=x",  # a key=value DSN
    f"mysql://u:{SECRET}@127.0.0.1:notaport/db",  # bad port
    f"postgresql://u:{SECRET}@[::1/db",  # a broken URL
]
# URLs that reach the driver and fail there: tried with the commands that only connect.
UNREACHABLE_URLS = [
    f"postgresql://u:{SECRET}@127.0.0.1:notaport/db",
    f"mysql://u:{SECRET}@127.0.0.1:1/db",  # nothing listening
    f"postgresql://u:{SECRET}@127.0.0.1:1/db",
    f"postgresql://127.0.0.1:1/db?password={SECRET}",
    f"postgresql:///db?host=127.0.0.1&port=1&password={SECRET}",
    f"postgresql://u:{SECRET}@127.0.0.1:1/db?sslpassword={SECRET}",
    f"mysql://u:{SECRET}@no-such-host.invalid/db",  # unresolvable host
]
DB_COMMANDS = [["inspect"], ["migrate", "status"], ["migrate", "plan"], ["migrate", "up"],
               ["migrate", "verify", "--engine", "sqlite"], ["probe"], ["seed", "--env", "dev"],
               ["datagen", "--rows", "10"], ["bench", "--rows", "10"]]


def _no_secret(commands: list[list[str]], url: str) -> None:
    """Each command with `url`: exit 2, one error line, the planted secret nowhere (run
    in-process, so the matrix stays quick)."""
    from click.testing import CliRunner

    from dbdesign.cli import main
    for command in commands:
        result = CliRunner().invoke(main, [*command, "--db", url])
        out = result.output
        assert result.exit_code == 2, (command, out)
        errors = [ln for ln in result.stderr.splitlines() if not ln.startswith("verifying on")]
        assert len(errors) == 1 and errors[0].startswith("dbdesign: "), (command, out)
        assert SECRET not in out and "Traceback" not in out, (command, out)


@pytest.mark.parametrize("url", BAD_URLS)
def test_no_secret_when_a_url_is_refused(url):
    _no_secret(DB_COMMANDS, url)


@pytest.mark.parametrize("url", UNREACHABLE_URLS)
def test_no_secret_when_the_server_is_unreachable(url):
    _no_secret([["inspect"], ["migrate", "status"]], url)


def test_no_secret_from_a_real_process():
    proc = dbdesign("inspect", "--db", f"postgresql://u:{SECRET}@127.0.0.1:1/db")
    assert proc.returncode == 2 and SECRET not in proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "***" in proc.stderr


def _silent_server():
    """A socket on 127.0.0.1 that accepts connections and never sends a byte."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    return srv, stop, held


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_a_silent_server_fails_within_10_seconds(scheme):
    """The connection gives up within 10 s (timed in this process: a fresh interpreter's
    start-up on a busy machine is not the server's wait); the command says so in one line."""
    from dbdesign.errors import EngineUnavailable
    srv, stop, held = _silent_server()
    try:
        port = srv.getsockname()[1]
        url = f"{scheme}://u:{SECRET}@127.0.0.1:{port}/db"
        start = time.monotonic()
        with pytest.raises(EngineUnavailable):
            with engines.connect(url, create=False) as eng:
                eng.query("SELECT 1")
        took = time.monotonic() - start
        proc = dbdesign("inspect", "--db", url)
    finally:
        stop.set()
        for s in held:
            s.close()
        srv.close()
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert SECRET not in proc.stderr
    assert took < 10, took


def test_throwaway_names_carry_their_age():
    name = throwaway_name(now=1_800_000_000)
    assert name.startswith(THROWAWAY_PREFIX)
    assert throwaway_age(name, now=1_800_000_100) == 100
    assert throwaway_age("dbdesign_tmp_abc") is None and throwaway_age("production") is None


@pytest.mark.parametrize("name", ["postgres", "mysql"])
def test_stale_throwaways_are_dropped_and_young_ones_kept(name):
    require_engine(name)
    cls = engines.engine_class(name)
    stale = throwaway_name(now=time.time() - 7200)
    young = throwaway_name(now=time.time() - 60)
    with cls(engines.server_url(name)) as admin:
        for db in (stale, young):
            admin.execute(cls.CREATE_DATABASE.format(name=db))
        try:
            dropped = drop_stale_throwaways(admin)
            left = {r[0] for r in admin.query(cls.LIST_DATABASES)}
            assert stale in dropped and stale not in left
            assert young in left
        finally:
            for db in (stale, young):
                admin.execute(cls.DROP_DATABASE.format(name=db))


@pytest.mark.parametrize("command", [["inspect", "--db"], ["migrate", "status", "--db"],
                                     ["migrate", "plan", "--db"],
                                     ["migrate", "verify", "--engine", "sqlite", "--db"]])
@pytest.mark.parametrize("scheme", ["sqlite", "duckdb"])
def test_read_only_commands_never_create_a_database(tmp_path, command, scheme):
    path = tmp_path / "typo.db"
    proc = dbdesign(*command, f"{scheme}:///{path}")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no database file" in proc.stderr
    assert not path.exists()


@pytest.mark.parametrize("command", [["inspect", "--db"], ["datagen", "--rows", "10", "--db"],
                                     ["seed", "--env", "dev", "--db"], ["probe", "--db"],
                                     ["bench", "--db"], ["migrate", "status", "--db"]])
def test_a_folder_as_database_is_bad_input(tmp_path, command):
    proc = dbdesign(*command, f"sqlite:///{tmp_path}")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "folder" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_migrate_verify_on_an_empty_folder_is_bad_input(tmp_path):
    proc = dbdesign("migrate", "verify", "--dir", str(tmp_path))
    assert proc.returncode == 2 and "no migrations" in proc.stderr, proc.stderr


@pytest.mark.parametrize("command", [["migrate", "lint", "--dir", "{dir}"],
                                     ["advise", "--engine", "sqlite", "--queries", "{file}"]])
def test_non_utf8_files_are_bad_input_naming_the_file(tmp_path, command):
    path = tmp_path / "0001_a.up.sql"
    path.write_bytes(b"SELECT '\xff' FROM users;\n")
    (tmp_path / "0001_a.down.sql").write_text("SELECT 1;\n")
    proc = dbdesign(*[a.format(dir=tmp_path, file=path) for a in command])
    assert proc.returncode == 2, proc.stderr
    assert "0001_a.up.sql: not UTF-8" in proc.stderr


@pytest.mark.parametrize("name", ["postgres", "mysql"])
def test_own_queries_are_bounded_and_the_bound_is_lifted_after(name):
    require_engine(name)
    from dbdesign.errors import EngineError
    sleep = {"postgres": "SELECT pg_sleep(3)", "mysql": "SELECT SLEEP(3)"}[name]
    with engines.throwaway(name) as eng:
        start = time.monotonic()
        with eng.own_queries(1):
            try:
                eng.query(sleep)
            except EngineError:
                pass  # PostgreSQL cancels with an error; MariaDB's SLEEP returns 1 early
        assert time.monotonic() - start < 2.5
        start = time.monotonic()
        done = eng.query("SELECT 0 FROM pg_sleep(1.2)" if name == "postgres" else "SELECT SLEEP(1.2)")
        # not cancelled (PostgreSQL would raise) nor cut short (MariaDB's SLEEP returns 1 then)
        assert done == [(0,)] and time.monotonic() - start > 1.1


def test_mariadb_queries_may_outlast_the_connect_timeout():
    """The 5 s read timeout covers only the greeting: a query may run longer (migrations)."""
    require_engine("mysql")
    from dbdesign.engines.mysql import CONNECT_TIMEOUT
    with engines.throwaway("mysql") as eng:
        assert eng.query(f"SELECT SLEEP({CONNECT_TIMEOUT + 1})") == [(0,)]
