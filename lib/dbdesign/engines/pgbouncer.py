"""pgbouncer in transaction mode in front of PostgreSQL: which of our features break through
it, and the fix for each, shown on a real pgbouncer (Debian package) started on 127.0.0.1.

In transaction pooling a client holds a server connection only for one transaction; the next
transaction may run on another one, and another client may get this one. Everything a session
keeps therefore leaks to, or is lost for, other clients:
- the migrator's session advisory lock (`pg_advisory_lock`) stays on a server connection that
  another client then uses - a second migrator "gets" the lock there (advisory locks are
  re-entrant per session). Fix: a transaction-level lock (`pg_advisory_xact_lock`) inside the
  transaction that does the work, or - our rule, since the runner spans many transactions -
  run migrations on a direct connection (port 5432), never through pgbouncer;
- the audit actor set with a session `SET app.user_id` / `set_config(..., false)` is read by the
  next client on that server connection: changes get attributed to the wrong user. Fix:
  `SET LOCAL` / `set_config('app.user_id', ..., true)` in the same transaction as the write;
- server-side prepared statements (psycopg prepares a query after 5 runs) exist on one server
  connection; another client preparing its own gets "prepared statement already exists"
  (pgbouncer 1.18 here; 1.21+ can track them with `max_prepared_statements`). Fix:
  `prepare_threshold=None` on connections that go through pgbouncer.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from typing import Any, Iterator
from urllib.parse import urlsplit

from dbdesign.errors import EngineUnavailable
from dbdesign.engines.localserver import free_port, process

BINARY = "/usr/sbin/pgbouncer"


def binary() -> str | None:
    return BINARY if os.path.exists(BINARY) else shutil.which("pgbouncer")


def version() -> str | None:
    exe = binary()
    if not exe:
        return None
    out = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    return out.split()[1] if out.split()[1:] else out.strip()


@contextlib.contextmanager
def running(pg_url: str, pool_size: int = 1, timeout: float = 10.0) -> Iterator[str]:
    """pgbouncer in transaction mode on a free 127.0.0.1 port, config and socket in a temp
    dir, `pool_size` server connections to `pg_url`'s database (and the alias `<db>_two` with
    two); yields the URL to connect through and stops pgbouncer afterwards. Run as root, it drops to the postgres user (it
    refuses to run as root)."""
    exe = binary()
    if exe is None:
        raise EngineUnavailable("pgbouncer is not installed (Debian package pgbouncer; make setup installs it as root)")
    u = urlsplit(pg_url)
    db, user = u.path.lstrip("/"), u.username or "postgres"
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="dbdesign-pgbouncer-")
    os.chmod(tmp, 0o777)
    ini = os.path.join(tmp, "pgbouncer.ini")
    with open(os.path.join(tmp, "users.txt"), "w") as fh:
        fh.write(f'"{user}" ""\n')
    with open(ini, "w") as fh:
        target = f"host={u.hostname or '127.0.0.1'} port={u.port or 5432} dbname={db} user={user}"
        fh.write(f"[databases]\n{db} = {target} pool_size={int(pool_size)}\n"
                 f"{db}_two = {target} pool_size=2\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\n"
                 f"listen_port = {port}\nunix_socket_dir = {tmp}\nauth_type = any\n"
                 f"auth_file = {tmp}/users.txt\npool_mode = transaction\nmax_client_conn = 100\n"
                 f"logfile = {tmp}/pgbouncer.log\npidfile = {tmp}/pgbouncer.pid\n"
                 "ignore_startup_parameters = extra_float_digits,options\n")
    for f in os.listdir(tmp):
        os.chmod(os.path.join(tmp, f), 0o666)
    cmd = [exe, ini] + (["-u", "postgres"] if os.geteuid() == 0 else [])
    try:
        with process(cmd, port, "pgbouncer", timeout):
            yield f"postgresql://{user}@127.0.0.1:{port}/{db}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def features(bouncer_url: str) -> list[dict[str, Any]]:
    """Each feature through pgbouncer (pool_size=1, two clients), broken and fixed: what a
    second client sees. Rows: feature, variant, what happened, broken (bool)."""
    import psycopg
    out: list[dict[str, Any]] = []
    key = 727_272

    def conn(**kw):
        return psycopg.connect(bouncer_url, autocommit=True, connect_timeout=5, prepare_threshold=None, **kw)

    from dbdesign import engines
    from dbdesign.generate.audit import set_actor
    from dbdesign.migrate.runner import PostgresAdvisoryLock
    first, second = engines.connect(bouncer_url), engines.connect(bouncer_url)
    try:
        # our migrator's lock, taken by two runs
        PostgresAdvisoryLock(first).acquire(timeout=1)
        try:
            PostgresAdvisoryLock(second).acquire(timeout=1)
            got = True
        except Exception:
            got = False
        out.append({"feature": "migration lock", "variant": "session pg_advisory_lock (dbdesign migrate's lock)",
                    "second client": "a second migration run acquires it too" if got else "waits (correct)",
                    "broken": got})
        second.query("SELECT pg_advisory_unlock_all()")
        # our audit actor
        set_actor(first, "alice")
        seen = second.query("SELECT current_setting('app.user_id', true)")[0][0]
        out.append({"feature": "audit actor", "variant": "session SET app.user_id (dbdesign.generate.audit.set_actor)",
                    "second client": f"its writes are attributed to {seen!r}" if seen else "sees no actor",
                    "broken": seen == "alice"})
        second.query("RESET app.user_id")
        first.begin()
        set_actor(first, "alice", local=True)
        inside = first.query("SELECT current_setting('app.user_id', true)")[0][0]
        first.commit()
        seen = second.query("SELECT current_setting('app.user_id', true)")[0][0]
        out.append({"feature": "audit actor", "variant": "SET LOCAL (set_actor(..., local=True)) in the write's transaction",
                    "second client": f"sees actor {seen!r}; the writer saw {inside!r}",
                    "broken": seen == "alice" or inside != "alice"})
    finally:
        first.close()
        second.close()
    two = bouncer_url + "_two"  # two server connections: a waiting client gets the other one
    with psycopg.connect(two, autocommit=True, prepare_threshold=None) as a, \
            psycopg.connect(two, autocommit=True, prepare_threshold=None) as b:
        with a.transaction():
            a.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
            with b.transaction():
                during = b.execute("SELECT pg_try_advisory_xact_lock(%s)", (key,)).fetchone()[0]
        with b.transaction():
            after = b.execute("SELECT pg_try_advisory_xact_lock(%s)", (key,)).fetchone()[0]
        out.append({"feature": "migration lock", "variant": "pg_advisory_xact_lock inside the transaction",
                    "second client": f"while held: {during}; after the first transaction ended: {after}",
                    "broken": during or not after})
    # prepared statements: psycopg prepares server-side from the first run with threshold 0
    broken_msg = ""
    with psycopg.connect(bouncer_url, autocommit=True, prepare_threshold=0) as a, \
            psycopg.connect(bouncer_url, autocommit=True, prepare_threshold=0) as b:
        a.execute("SELECT 1 + %s", (1,)).fetchone()
        try:
            b.execute("SELECT 2 + %s", (1,)).fetchone()
        except psycopg.Error as err:
            broken_msg = str(err).splitlines()[0]
    out.append({"feature": "prepared statements", "variant": "server-side prepared (psycopg prepare_threshold)",
                "second client": broken_msg or "no error", "broken": bool(broken_msg)})
    with conn() as a, conn() as b:
        a.execute("SELECT 1 + %s", (1,)).fetchone()
        r = b.execute("SELECT 2 + %s", (1,)).fetchone()[0]
    out.append({"feature": "prepared statements", "variant": "prepare_threshold=None (never prepare)",
                "second client": f"result {r}", "broken": r != 3})
    return out
