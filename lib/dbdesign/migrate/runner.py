"""A migrations runner teams can trust: history, checksums, a lock, one transaction per migration.

Files are golang-migrate pairs (``{version}_{name}.up.sql`` / ``.down.sql``) in PostgreSQL
dialect, rendered per target engine statement by statement (so a failure names the source
``file:line``). What the runner keeps in the target database, in ``dbdesign_schema_history``:

==============  ==========================================================================
version         the migration's number (primary key)
name            the name part of the file name
checksum        sha256 of the up file's bytes; a mismatch later means "edited after apply"
applied_at      ISO 8601 UTC text (the same on every engine, sorts as time)
execution_ms    how long the up took
applied_by      user@host that ran it
state           ``applied`` or ``failed`` (only engines without transactional DDL keep a
                ``failed`` row: elsewhere a failing migration is rolled back entirely)
error           the failing file:line and the engine's message, for ``failed`` rows
==============  ==========================================================================

Engine differences live in two small strategy tables (sqlglot's style, not scattered ifs):
``LOCKS`` (how two concurrent runs are kept apart, keyed by engine name) and ``APPLIERS``
(keyed by the ``transactional_ddl`` capability: all-or-nothing vs. a pessimistic ``failed``
row that only success turns into ``applied``, Flyway's approach on MySQL).

Prior art (the project brief's survey of migration runners): Flyway's history + repair, golang-migrate's dirty flag,
Liquibase's lock row that goes stale after a crash (ours cannot: every lock here is released by
the operating system or the server when its holder dies).
"""
from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import getpass
import hashlib
import os
import re
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from dbdesign.engines import Engine, Params, connect
from dbdesign.errors import DbDesignError, EngineError, InputError, read_text
from dbdesign.model import Schema
from dbdesign.schema.parse import parse_sql, split_statements
from dbdesign.schema.source import MIGRATION_RE, Folder, Migration, discover, split_verbatim
from dbdesign.dialects import get_dialect

HISTORY_TABLE = "dbdesign_schema_history"
STATES = ("applied", "pending", "failed", "modified", "missing")
# Versions below this are sequence numbers (0001, 0002 ...) and gaps between them are reported;
# larger ones are timestamps (20240101120000), where gaps are the norm.
SEQUENCE_LIMIT = 1_000_000
NO_TRANSACTION_MARKER = "dbdesign:no-transaction"
# First-line markers for "run this file outside a transaction": ours, dbmate's
# (`-- migrate:up transaction:false`) and goose's (`-- +goose NO TRANSACTION`).
NO_TRANSACTION_MARKERS = re.compile(r"no[-_\s]transaction|transaction\s*:\s*false", re.I)
# Statements that end or open a transaction: inside a transactional migration they would commit
# half of it and leave no history row.
TRANSACTION_CONTROL = re.compile(r"^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|END|ABORT|"
                                 r"START\s+TRANSACTION)\b", re.I)
CONCURRENTLY = re.compile(r"\b(CREATE|DROP)\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b|"
                          r"\bREINDEX\b[^;]*\bCONCURRENTLY\b|\bDETACH\s+PARTITION\b[^;]*\bCONCURRENTLY\b",
                          re.I)
REPEATABLE_TABLE = "dbdesign_repeatable_history"


# -- errors ----------------------------------------------------------------------------------

class MigrationError(DbDesignError):
    """The runner refused or a migration failed. The CLI prints one line and exits 1."""


class MigrationFailed(MigrationError):
    """A statement of a migration failed; `file`/`line` point at it."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 version: int | None = None):
        self.file, self.line, self.version, self.detail = file, line, version, message
        prefix = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(prefix + message)


class MigrationBlocked(MigrationError):
    """The history is in a state that needs a human first (failed, modified, out of order)."""


class LockTimeout(MigrationError):
    """Another run holds the migrations lock for longer than the timeout."""


# -- data ------------------------------------------------------------------------------------

@dataclass
class Step:
    """One statement to run, rendered for the target engine, and where it came from."""
    sql: str
    file: str
    line: int


@dataclass
class HistoryRow:
    version: int
    name: str
    checksum: str
    applied_at: str
    execution_ms: int
    applied_by: str
    state: str
    error: str | None = None


@dataclass
class MigrationStatus:
    version: int
    name: str
    applied: bool
    state: str  # one of STATES
    applied_at: str | None
    checksum: str | None  # recorded checksum when applied, else the file's
    file_checksum: str | None = None
    error: str | None = None
    note: str | None = None  # e.g. "no file for mysql": recorded, nothing ran

    def to_dict(self) -> dict[str, Any]:
        out = {"version": self.version, "name": self.name, "applied": self.applied,
               "state": self.state, "applied_at": self.applied_at, "checksum": self.checksum}
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Problem:
    """Something about the folder/history a human should know (gap, out of order ...)."""
    kind: str  # "gap" | "out-of-order" | "missing-file" | "failed" | "modified"
    message: str
    version: int | None = None
    blocking: bool = False

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass
class Status:
    migrations: list[MigrationStatus]
    problems: list[Problem] = field(default_factory=list)
    repeatables: list[MigrationStatus] = field(default_factory=list)  # R__ files, name = R__x

    @property
    def ok(self) -> bool:
        """Nothing modified, missing, failed or out of order (pending and gaps are fine)."""
        return not any(p.blocking for p in self.problems) and \
            not any(r.state == "failed" for r in self.repeatables)

    def to_dict(self) -> dict[str, Any]:
        return {"migrations": [m.to_dict() for m in self.migrations],
                "repeatables": [{"name": r.name, "state": r.state, "applied_at": r.applied_at,
                                 "checksum": r.file_checksum} for r in self.repeatables],
                "problems": [{"kind": p.kind, "version": p.version, "message": p.message,
                              "blocking": p.blocking} for p in self.problems],
                "ok": self.ok}

    def format_text(self) -> str:
        lines = [f"{m.version:>14}  {m.state:<8}  {m.name}" + (f"  ({m.applied_at})" if m.applied_at else "")
                 + (f"  [{m.note}]" if m.note else "") for m in self.migrations]
        lines += [f"{'R':>14}  {r.state:<8}  {r.name}" + (f"  ({r.applied_at})" if r.applied_at else "")
                  for r in self.repeatables]
        lines += [str(p) for p in self.problems]
        return "\n".join(lines)


@dataclass
class RunResult:
    """What `up`/`down` did: versions in the order they were applied or rolled back."""
    direction: str
    versions: list[int] = field(default_factory=list)
    timings_ms: dict[int, int] = field(default_factory=dict)

    def format_text(self) -> str:
        if not self.versions:
            return "nothing to do"
        verb = "applied" if self.direction == "up" else "rolled back"
        return "\n".join(f"{verb} {v} ({self.timings_ms.get(v, 0)} ms)" for v in self.versions)


# -- reading the folder ----------------------------------------------------------------------

def file_checksum(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def first_comment_line(text: str) -> str:
    """The first line of a file when it is a comment (where run-mode markers live)."""
    line = text.lstrip("\ufeff").lstrip().split("\n", 1)[0].strip()
    return line if line.startswith(("--", "/*", "#")) else ""


def wants_no_transaction(path: str) -> bool:
    """A file marked on its first line to run outside a transaction (``-- dbdesign:no-transaction``,
    dbmate's ``transaction:false``, goose's ``NO TRANSACTION``), or one using CONCURRENTLY,
    which PostgreSQL refuses inside a transaction."""
    text = read_text(path)
    return bool(NO_TRANSACTION_MARKERS.search(first_comment_line(text)) or CONCURRENTLY.search(text))


def transaction_control(path: str, engine: str | None) -> tuple[bool, list]:
    """(wrapped, statements): the transaction-control statements of a file, and whether they
    only wrap the whole file in one BEGIN ... COMMIT (golang-migrate users' way to get one
    transaction: the runner drops the pair and runs the body in its own transaction)."""
    statements = split_verbatim(read_text(path), path, engine or "postgres")
    found = [i for i, st in enumerate(statements) if TRANSACTION_CONTROL.match(st.sql)]
    wrapped = (len(found) == 2 and found == [0, len(statements) - 1]
               and re.match(r"(BEGIN|START)\b", statements[0].sql, re.I) is not None
               and re.match(r"(COMMIT|END)\b", statements[-1].sql, re.I) is not None)
    return wrapped, [statements[i] for i in found]


def check_transaction_control(path: str, engine: str | None) -> None:
    """Refuse BEGIN/COMMIT/ROLLBACK/SAVEPOINT/... in a file the runner runs in a transaction
    (it would commit part of it and leave no history row), unless the file is marked to run
    outside one or the pair only wraps the whole file. Raises InputError file:line."""
    if wants_no_transaction(path):
        return
    wrapped, found = transaction_control(path, engine)
    if found and not wrapped:
        st = found[0]
        verb = TRANSACTION_CONTROL.match(st.sql).group(1).upper()
        raise InputError(f"{verb} in a migration the runner runs in one transaction (it would "
                         "commit part of it and leave no history row); remove it, or mark the "
                         "file with a first line `-- dbdesign:no-transaction` to run it as written",
                         path, st.line)


def default_read() -> str:
    """The dialect migration files are read as when not given: the `--read` of the running
    command (`parse.current_read`, PostgreSQL by default)."""
    from dbdesign.schema.parse import current_read
    return current_read()


def read_folder(directory: str, read: str = "postgres") -> Folder:
    """Discover a folder and check every file before anything runs. Raises InputError (missing
    folder, misnamed file, down without up, duplicate version, syntax error file:line:col,
    transaction control in a transactional file). `read`: the dialect of the root files."""
    folder = discover(directory)
    for m in folder.migrations + folder.repeatables:
        for path in (m.up, m.down):
            if path is not None:
                if read == "postgres":
                    split_statements(read_text(path), path)  # syntax errors -> InputError now
                check_transaction_control(path, None if read == "postgres" else read)
        for engine, files in m.overrides.items():
            for path in files:
                if path is not None:
                    check_transaction_control(path, engine)
    return folder


def load_folder(directory: str, read: str = "postgres") -> list[Migration]:
    """The versioned migrations of `directory`, checked (see `read_folder`)."""
    return read_folder(directory, read).migrations


# -- rendering per engine --------------------------------------------------------------------

@dataclass
class RenderedFile:
    """One migration file for one engine: statements with source lines, portability notes, and
    whether SQLite must switch foreign keys off around it (a table rebuild)."""
    steps: list[Step]
    notes: list[str]
    foreign_keys_off: bool = False
    _locate: Callable[[], "RenderedFile"] | None = field(default=None, repr=False)

    def line_of(self, index: int) -> int:
        """The source line of step `index`: rendering statement by statement (slower) is done
        only when someone asks, i.e. when a statement failed."""
        if self._locate is not None:
            exact = self._locate()
            self.steps = exact.steps if len(exact.steps) == len(self.steps) else self.steps
            self._locate = None
        return self.steps[index].line


def render_file(path: str, dialect: str, schema_before: Schema | None = None,
                exact_lines: bool = False) -> RenderedFile:
    """The statements of one migration file for `dialect` plus portability notes.

    PostgreSQL statements map 1:1 to the source. For the other engines the whole file is
    rendered at once (fast); a step's source line is found on demand (`line_of`) by rendering
    one source statement at a time, or up front with `exact_lines` (for `plan`)."""
    text = read_text(path)
    statements = [st for st in split_statements(text, path) if st.expression is not None]
    if get_dialect(dialect).MIGRATION_VERBATIM:
        return RenderedFile([Step(st.sql.strip(), path, st.line) for st in statements], [])
    if exact_lines:
        return _render_per_statement(text, path, dialect, schema_before, statements)
    rendered, notes, fk_off = _render_text(text, dialect, path, schema_before)
    first = statements[0].line if statements else 1
    return RenderedFile([Step(r, path, first) for r in rendered if r.strip()], notes, fk_off,
                        lambda: _render_per_statement(text, path, dialect, schema_before, statements))


def verbatim_file(path: str, engine: str) -> RenderedFile:
    """An engine override (or a file written for this engine): its statements as written."""
    return RenderedFile([Step(st.sql, path, st.line) for st in split_verbatim(read_text(path), path, engine)], [])


def _render_per_statement(text: str, path: str, dialect: str, schema_before: Schema | None,
                          statements: list) -> RenderedFile:
    out = RenderedFile([], [])
    schema = copy.deepcopy(schema_before) if schema_before is not None else Schema()
    for stmt in statements:
        sql = stmt.sql.strip()
        # Pad with newlines so every line the dialect layer reports is the file's own line.
        rendered, notes, fk_off = _render_text("\n" * (stmt.line - 1) + sql, dialect, path, schema)
        out.steps.extend(Step(r, path, stmt.line) for r in rendered if r.strip())
        out.notes.extend(n for n in notes if n not in out.notes)
        out.foreign_keys_off |= fk_off
        with contextlib.suppress(InputError):  # the model follows along for the next statement
            parse_sql(sql, path, schema)
    return out


def _render_text(text: str, dialect: str, path: str, schema: Schema | None
                 ) -> tuple[list[str], list[str], bool]:
    from dbdesign.dialects.statements import render_statements
    out = render_statements(text, dialect, file=path, schema_before=schema)
    return list(out.statements), [str(n) for n in out.notes], bool(out.foreign_keys_off)


# -- per-engine strategies -------------------------------------------------------------------

class Lock:
    """Keeps two runs apart. Every implementation is released by the OS or the server when
    the holder dies, so a crashed run can never leave a stale lock. `on_wait` is told once who
    holds it when a run has to wait."""

    def __init__(self, engine: Engine, on_wait: Callable[[str], None] | None = None):
        self.engine = engine
        self.on_wait = on_wait

    def acquire(self, timeout: float) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def release(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def holder(self) -> str:
        """Who holds the lock now, as the server or the lock file says (or "unknown")."""
        return "unknown"

    def _waiting(self) -> str:
        who = self.holder()
        if self.on_wait:
            self.on_wait(f"waiting for the migrations lock held by {who}")
        return who


class PostgresAdvisoryLock(Lock):
    """Session-level `pg_advisory_lock`: scoped to the database, freed on disconnect. The
    holding session checks every second that its client is still there
    (`client_connection_check_interval`, PostgreSQL 14+), so a killed runner's lock goes
    within about a second even while its statement runs."""
    KEY = int.from_bytes(hashlib.sha256(HISTORY_TABLE.encode()).digest()[:8], "big", signed=True)
    CHECK_INTERVAL = "1s"

    def acquire(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        who = None
        while not self.engine.query("SELECT pg_try_advisory_lock(%s)", (self.KEY,))[0][0]:
            if who is None:
                who = self._waiting()
            if time.monotonic() >= deadline:
                raise LockTimeout(f"another migration run holds pg_advisory_lock({self.KEY}) on this "
                                  f"database: {self.holder()}; waited {timeout:g} s")
            time.sleep(0.05)
        with contextlib.suppress(EngineError):  # PostgreSQL < 14 has no such setting
            self.engine.execute(f"SET client_connection_check_interval = '{self.CHECK_INTERVAL}'")

    def holder(self) -> str:
        key = self.KEY & 0xFFFFFFFFFFFFFFFF
        rows = self.engine.query(
            "SELECT a.pid, host(a.client_addr), a.client_hostname, a.client_port, a.usename, "
            "a.application_name, to_char(a.backend_start AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), a.state "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s "
            "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database "
            "WHERE datname = current_database())", (key >> 32, key & 0xFFFFFFFF))
        if not rows:
            return "a session that just ended"
        pid, addr, hostname, port, user, app, started, state = rows[0]
        where = hostname or addr or "local socket"
        return (f"pid {pid} ({user}@{where}{':' + str(port) if port and port > 0 else ''}"
                f"{', ' + app if app else ''}), connected since {started}, {state}")

    def release(self) -> None:
        with contextlib.suppress(EngineError):
            self.engine.query("SELECT pg_advisory_unlock(%s)", (self.KEY,))


class MariaDBGetLock(Lock):
    """`GET_LOCK(name, timeout)`: server-wide names, so the database name is part of it;
    freed when the connection ends. MariaDB has no setting like PostgreSQL's
    client_connection_check_interval: a killed runner's lock goes when its running statement
    ends (or at once when it was between statements)."""

    def name(self) -> str:
        db = self.engine.query("SELECT DATABASE()")[0][0] or ""
        return ("dbdesign_migrate." + db)[:64]

    def acquire(self, timeout: float) -> None:
        if self.engine.query("SELECT GET_LOCK(%s, 0)", (self.name(),))[0][0] == 1:
            return
        self._waiting()
        got = self.engine.query("SELECT GET_LOCK(%s, %s)", (self.name(), timeout))[0][0]
        if got != 1:
            raise LockTimeout(f"another migration run holds GET_LOCK('{self.name()}'): "
                              f"{self.holder()}; waited {timeout:g} s")

    def holder(self) -> str:
        rows = self.engine.query(
            "SELECT p.ID, p.USER, p.HOST, p.TIME, p.COMMAND, "
            "DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL p.TIME SECOND, '%%Y-%%m-%%dT%%H:%%i:%%sZ') "
            "FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK(%s)", (self.name(),))
        if not rows:
            return "a connection that just ended"
        cid, user, host, _secs, command, since = rows[0]
        return f"connection id {cid} ({user}@{host}), in its current state since {since}, {command}"

    def release(self) -> None:
        with contextlib.suppress(EngineError):
            self.engine.query("SELECT RELEASE_LOCK(%s)", (self.name(),))


class FileLock(Lock):
    """An exclusive `flock` on ``<database file>.dbdesign-lock`` for the embedded engines.
    The kernel drops it when the holder's process dies (no pid/timestamp guessing needed).
    In-memory databases belong to one process and need no lock."""

    def __init__(self, engine: Engine, on_wait: Callable[[str], None] | None = None):
        super().__init__(engine, on_wait)
        self._fd: int | None = None

    @property
    def path(self) -> str | None:
        db = getattr(self.engine, "path", ":memory:")
        return None if db == ":memory:" else os.path.abspath(db) + ".dbdesign-lock"

    def acquire(self, timeout: float) -> None:
        import fcntl
        if self.path is None:
            return
        parent = os.path.dirname(self.path)
        if not os.path.isdir(parent):
            raise InputError(f"folder {parent} does not exist; create it first", self.engine.url)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + timeout
        waiting = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waiting:
                    self._waiting()
                    waiting = True
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockTimeout(f"another migration run holds {self.path} ({self.holder()}); "
                                      f"waited {timeout:g} s") from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()} {_now()}\n".encode())
        self._fd = fd
        self._open_engine(deadline)

    def holder(self) -> str:
        """The holder writes "pid host start-time" into the lock file."""
        try:
            with open(self.path or "", encoding="utf-8") as fh:
                pid, host, started = (fh.read().split() + ["?", "?", "?"])[:3]
        except OSError:
            return "unknown"
        return f"pid {pid} on {host}, since {started}"

    def _open_engine(self, deadline: float) -> None:
        """DuckDB allows one writing process per file: the previous holder may still be
        closing its connection for a moment after releasing the lock, so retry opening."""
        while True:
            try:
                self.engine.conn
                return
            except Exception as err:  # duckdb.IOException "Could not set lock on file"
                if "lock" not in str(err).lower() or time.monotonic() >= deadline:
                    self.release()
                    raise EngineError(f"{self.engine.name}: {str(err).splitlines()[0]}") from err
                time.sleep(0.05)

    def release(self) -> None:
        import fcntl
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


LOCKS: dict[str, type[Lock]] = {
    "postgres": PostgresAdvisoryLock,
    "mysql": MariaDBGetLock,
    "sqlite": FileLock,
    "duckdb": FileLock,
}


# SQLite table rebuilds need foreign keys off around the transaction (the pragma is ignored
# inside one): (before BEGIN, check before COMMIT, after the transaction).
FK_SWITCH: dict[str, tuple[str, str, str]] = {
    "sqlite": ("PRAGMA foreign_keys=OFF", "PRAGMA foreign_key_check", "PRAGMA foreign_keys=ON"),
}


class Applier:
    """How one migration's statements and its history row are made durable together. `engine`
    is the database, or a `ScriptWriter` when `plan` writes the same steps as SQL."""
    uses_transaction = True

    def __init__(self, history: "History"):
        self.history = history

    def run(self, migration: Migration, rendered: RenderedFile, direction: str) -> int:  # pragma: no cover
        raise NotImplementedError

    def record(self, migration: Migration, direction: str, state: str, elapsed: int,
               error: str | None = None) -> None:
        """The history change for `direction` (repeatables: upsert their row)."""
        if migration.repeatable:
            self.history.record_repeatable(migration, state, elapsed, error)
        elif direction == "up":
            self.history.insert(migration, state, elapsed, error)
        else:
            self.history.delete(migration.version)


class TransactionalApplier(Applier):
    """All statements and the history change in one transaction: a failure leaves the database
    exactly as before this migration (SQLite, DuckDB, PostgreSQL)."""

    def run(self, migration: Migration, rendered: RenderedFile, direction: str) -> int:
        eng = self.history.engine
        switch = FK_SWITCH.get(eng.name) if rendered.foreign_keys_off else None
        start = time.perf_counter()
        if switch:
            eng.execute(switch[0])
        eng.begin()
        try:
            _execute_all(eng, rendered, migration)
            if switch and eng.query(switch[1]):
                raise MigrationFailed(f"{eng.name}: foreign key violations after rebuilding tables",
                                      rendered.steps[-1].file if rendered.steps else None, None,
                                      migration.version)
            elapsed = int((time.perf_counter() - start) * 1000)
            self.record(migration, direction, "applied", elapsed)
            eng.commit()
        except BaseException:
            eng.rollback()
            raise
        finally:
            if switch:
                eng.execute(switch[2])
        return elapsed


class NonTransactionalApplier(Applier):
    """No transactional DDL (MariaDB), or a file marked to run outside a transaction
    (CREATE INDEX CONCURRENTLY): write a ``failed`` row *first* and turn it into ``applied``
    only on success, so a failure - or a crash half-way - blocks later runs until `repair`."""
    uses_transaction = False

    def run(self, migration: Migration, rendered: RenderedFile, direction: str) -> int:
        start = time.perf_counter()
        note = "started; did not finish (crash or failure)"
        if migration.repeatable:
            self.history.record_repeatable(migration, "failed", 0, note)
        elif direction == "up":
            self.history.insert(migration, "failed", 0, error=note)
        else:
            self.history.set_state(migration.version, "failed", error="down " + note)
        try:
            _execute_all(self.history.engine, rendered, migration)
        except MigrationFailed as err:
            self.history.engine.rollback()  # a file's own BEGIN may have left a failed transaction
            if migration.repeatable:
                self.history.record_repeatable(migration, "failed", 0, f"{err}"[:2000])
            else:
                self.history.set_state(migration.version, "failed", error=f"{direction}: {err}"[:2000])
            raise MigrationFailed(
                f"{err.detail} -- {self.history.engine.name} has no transactional DDL: "
                "statements before this one stay applied; fix the database by hand, then run "
                "`dbdesign migrate repair`", err.file, err.line, migration.version) from err
        elapsed = int((time.perf_counter() - start) * 1000)
        if migration.repeatable:
            self.history.record_repeatable(migration, "applied", elapsed)
        elif direction == "up":
            self.history.set_state(migration.version, "applied", execution_ms=elapsed)
        else:
            self.history.delete(migration.version)
        return elapsed


def _execute_all(engine: Engine, rendered: RenderedFile, migration: Migration) -> None:
    for i, step in enumerate(rendered.steps):
        if hasattr(engine, "source_line"):
            engine.source_line(step)
        try:
            engine.execute(step.sql)
        except EngineError as err:
            raise MigrationFailed(str(err).splitlines()[0], step.file, rendered.line_of(i),
                                  migration.version) from err


def applier_for(history: "History", migration: Migration, path: str | None = None) -> Applier:
    """All-or-nothing where the engine has transactional DDL and the file (`path`, the one
    that runs) is not marked to run outside a transaction."""
    marked = wants_no_transaction(path) if path else False
    transactional = history.engine.capabilities.transactional_ddl and not marked
    return APPLIERS[transactional](history)


APPLIERS: dict[bool, type[Applier]] = {True: TransactionalApplier, False: NonTransactionalApplier}


# -- plan: the executor writing SQL ----------------------------------------------------------

def sql_literal(engine: str, value: Any) -> str:
    """A value as a literal of `engine`'s SQL, for the history writes of a `plan` script: the
    dialect's one literal function (MariaDB's backslashes included)."""
    from dbdesign.dialects import DIALECTS
    return DIALECTS[engine].literal(value)


class ScriptWriter:
    """Stands in for the engine while `plan` runs the same appliers as `up`/`down`: every
    statement, transaction boundary and history write becomes a line of the script. Reads
    (`table_names`, `capabilities`) go to the real database."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.name, self.dialect, self.capabilities = engine.name, engine.dialect, engine.capabilities
        self.lines: list[str] = []

    def source_line(self, step: Step) -> None:
        self.lines.append(f"-- {os.path.basename(step.file)}:{step.line}")

    def execute(self, sql: str, params: Params | None = None) -> None:
        if params is not None:
            sql = params.inline(sql, lambda v: sql_literal(self.name, v))
        self.lines.append(sql.rstrip().rstrip(";") + ";")

    def query(self, sql: str, params: Params | None = None) -> list[tuple]:
        self.execute(sql, params)
        if sql.startswith("PRAGMA foreign_key_check"):
            self.lines[-1] += "  -- must return no rows"
        return []

    def begin(self) -> None:
        self.lines.append("BEGIN;")

    def commit(self) -> None:
        self.lines.append("COMMIT;")

    def rollback(self) -> None:
        pass

    def table_names(self) -> list[str]:
        return self.engine.table_names()


# -- the history table -----------------------------------------------------------------------

class History:
    """Reads and writes ``dbdesign_schema_history`` (and ``dbdesign_repeatable_history`` for
    ``R__`` files, keyed by name) with portable SQL only."""

    _ROW = ("checksum VARCHAR(64) NOT NULL, applied_at VARCHAR(40) NOT NULL, "
            "execution_ms INTEGER NOT NULL, applied_by VARCHAR(255) NOT NULL, "
            "state VARCHAR(16) NOT NULL, error TEXT)")
    DDL = (f"CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (version BIGINT NOT NULL PRIMARY KEY, "
           f"name VARCHAR(255) NOT NULL, {_ROW}")
    REPEATABLE_DDL = f"CREATE TABLE IF NOT EXISTS {REPEATABLE_TABLE} (name VARCHAR(255) NOT NULL PRIMARY KEY, {_ROW}"
    COLUMNS = "version, name, checksum, applied_at, execution_ms, applied_by, state, error"
    REPEATABLE_COLUMNS = "name, checksum, applied_at, execution_ms, applied_by, state, error"

    def __init__(self, engine: Engine, who: str | None = None):
        self.engine = engine
        self.who = who  # applied_by; default: user@host of this process

    def exists(self, table: str = HISTORY_TABLE) -> bool:
        return table in self.engine.table_names()

    def ensure(self, repeatables: bool = False) -> None:
        """Create the history table (and, when the folder has ``R__`` files, theirs)."""
        names = self.engine.table_names()
        if HISTORY_TABLE not in names:
            self.engine.execute(self.DDL)
        if repeatables and REPEATABLE_TABLE not in names:
            self.engine.execute(self.REPEATABLE_DDL)

    def rows(self) -> dict[int, HistoryRow]:
        if not self.exists():
            return {}
        rows = self.engine.query(f"SELECT {self.COLUMNS} FROM {HISTORY_TABLE} ORDER BY version")
        return {int(r[0]): HistoryRow(int(r[0]), r[1], r[2], r[3], int(r[4]), r[5], r[6], r[7])
                for r in rows}

    def repeatable_rows(self) -> dict[str, HistoryRow]:
        if not self.exists(REPEATABLE_TABLE):
            return {}
        rows = self.engine.query(f"SELECT {self.REPEATABLE_COLUMNS} FROM {REPEATABLE_TABLE} ORDER BY name")
        return {r[0]: HistoryRow(0, r[0], r[1], r[2], int(r[3]), r[4], r[5], r[6]) for r in rows}

    def insert(self, m: Migration, state: str, execution_ms: int, error: str | None = None) -> None:
        p = Params()
        values = (m.version, m.name, m.checksum, _now(), execution_ms, self.who or _who(), state, error)
        self.engine.execute(f"INSERT INTO {HISTORY_TABLE} ({self.COLUMNS}) VALUES "
                            f"({', '.join(map(p, values))})", p)

    def record_repeatable(self, m: Migration, state: str, execution_ms: int,
                          error: str | None = None) -> None:
        """Replace the row of repeatable `m` (delete + insert: portable on every engine)."""
        p = Params()
        self.engine.execute(f"DELETE FROM {REPEATABLE_TABLE} WHERE name = {p(m.name)}", p)
        values = (m.name, m.checksum, _now(), execution_ms, self.who or _who(), state, error)
        self.engine.execute(f"INSERT INTO {REPEATABLE_TABLE} ({self.REPEATABLE_COLUMNS}) VALUES "
                            f"({', '.join(map(p, values))})", p)

    def set_state(self, version: int, state: str, execution_ms: int | None = None,
                  error: str | None = None) -> None:
        p = Params()
        timing = "" if execution_ms is None else \
            f", execution_ms = {p(execution_ms)}, applied_at = {p(_now())}"
        self.engine.execute(f"UPDATE {HISTORY_TABLE} SET state = {p(state)}, error = {p(error)}"
                            f"{timing} WHERE version = {p(version)}", p)

    def set_checksum(self, version: int, checksum: str) -> None:
        p = Params()
        self.engine.execute(f"UPDATE {HISTORY_TABLE} SET checksum = {p(checksum)} "
                            f"WHERE version = {p(version)}", p)

    def delete(self, version: int) -> None:
        p = Params()
        self.engine.execute(f"DELETE FROM {HISTORY_TABLE} WHERE version = {p(version)}", p)

    def forget_repeatables(self) -> None:
        self.engine.execute(f"DELETE FROM {REPEATABLE_TABLE}")

    def delete_repeatable(self, name: str) -> None:
        p = Params()
        self.engine.execute(f"DELETE FROM {REPEATABLE_TABLE} WHERE name = {p(name)}", p)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _who() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"[:255]


# -- other runners' history tables (for `baseline`) -----------------------------------------

@dataclass
class ForeignHistory:
    """What another migration tool says is applied: the highest version, from its own table."""
    tool: str
    table: str
    version: int | None
    detail: str


def _golang_migrate(engine: Engine) -> ForeignHistory:
    rows = engine.query("SELECT version, dirty FROM schema_migrations")
    if not rows:
        return ForeignHistory("golang-migrate", "schema_migrations", None, "no row: nothing applied")
    version, dirty = int(rows[0][0]), rows[0][1]
    if dirty in (True, 1, "t", "true"):
        raise MigrationBlocked(f"golang-migrate left version {version} dirty (it failed half-way); "
                               "fix the database by hand and `migrate force` it with golang-migrate, "
                               "then baseline")
    return ForeignHistory("golang-migrate", "schema_migrations", version, f"version {version}, clean")


def _flyway(engine: Engine) -> ForeignHistory:
    rows = engine.query("SELECT version, success FROM flyway_schema_history WHERE version IS NOT NULL")
    failed = [r[0] for r in rows if r[1] not in (True, 1, "t", "true")]
    if failed:
        raise MigrationBlocked(f"flyway_schema_history has failed versions {failed}; run "
                               "`flyway repair` first, then baseline")
    numbers = [_version_number(r[0], "flyway_schema_history") for r in rows]
    top = max(numbers, default=None)
    return ForeignHistory("Flyway", "flyway_schema_history", top, f"{len(numbers)} successful versions")


def _alembic(engine: Engine) -> ForeignHistory:
    rows = engine.query("SELECT version_num FROM alembic_version")
    if len(rows) != 1:
        raise MigrationBlocked(f"alembic_version has {len(rows)} heads; merge them with Alembic "
                               "first, or pass --version")
    return ForeignHistory("Alembic", "alembic_version", _version_number(rows[0][0], "alembic_version"),
                          f"revision {rows[0][0]}")


def _version_number(text: Any, table: str) -> int:
    value = str(text).strip()
    if not value.isdigit():
        raise MigrationBlocked(f"{table} records version {value!r}, which is not a number this "
                               "folder's versions can match; pass --version N (the folder's last "
                               "version that database has)")
    return int(value)


# Table name -> reader; tried in this order when the tool is not named.
FOREIGN_HISTORIES: dict[str, tuple[str, Callable[[Engine], ForeignHistory]]] = {
    "golang-migrate": ("schema_migrations", _golang_migrate),
    "flyway": ("flyway_schema_history", _flyway),
    "alembic": ("alembic_version", _alembic),
}


def read_foreign_history(engine: Engine, tool: str | None = None) -> ForeignHistory | None:
    """The first other runner's history table found (or `tool`'s), None when there is none."""
    names = set(engine.table_names())
    for key, (table, reader) in FOREIGN_HISTORIES.items():
        if (tool is None or tool == key) and table in names:
            return reader(engine)
    if tool is not None:
        raise MigrationBlocked(f"no {FOREIGN_HISTORIES[tool][0]} table in this database "
                               f"({tool} history); pass --version N instead")
    return None


# -- the runner ------------------------------------------------------------------------------

class Migrator:
    """Runs one migrations folder against one database.

    The folder is read and checked when the Migrator is made; the database is touched only by
    the methods, so bad input never changes a database. `read` is the dialect the root files
    are written in: ``postgres`` (rendered per engine) or the target engine's own (verbatim)."""

    def __init__(self, directory: str, engine: Engine, lock_timeout: float = 60.0,
                 read: str | None = None):
        self.directory = directory
        self.read = read = read or default_read()
        self.folder = read_folder(directory, read)
        self.migrations = self.folder.migrations
        self.by_version = self.folder.by_version
        self.engine = engine
        self.lock_timeout = lock_timeout
        self.history = History(engine)
        self.on_wait: Callable[[str], None] | None = None  # told who holds the lock when waiting
        self._rendered: dict[tuple[Any, str], RenderedFile] = {}
        if read != "postgres" and read != engine.name and any(m.up for m in self.migrations):
            raise InputError(f"these migrations are written for {read} (--read {read}) and run "
                             f"verbatim there; {engine.name} needs PostgreSQL-dialect files or "
                             f"overrides in {engine.name}/", directory)

    # -- reading state ----------------------------------------------------------------------
    def status(self) -> Status:
        rows = self.history.rows()
        max_applied = max((v for v, r in rows.items() if r.state == "applied"), default=None)
        out: list[MigrationStatus] = []
        problems: list[Problem] = []
        for version in sorted(set(self.by_version) | set(rows)):
            m, row = self.by_version.get(version), rows.get(version)
            note = None if m is None or m.files_for(self.engine.name)[0] else f"no file for {self.engine.name}"
            if row is None:
                out.append(MigrationStatus(version, m.name, False, "pending", None, m.checksum,
                                           m.checksum, note=note))
                if max_applied is not None and version < max_applied:
                    problems.append(Problem("out-of-order", f"{m.label} is pending but {max_applied} "
                                            "is already applied; renumber it above the last applied "
                                            "version", version, blocking=True))
                continue
            state = row.state if row.state in ("applied", "failed") else "failed"
            if m is None:
                state = "missing" if state == "applied" else state
                problems.append(Problem("missing-file", f"version {version} ({row.name}) is recorded as "
                                        f"{row.state} but has no file in {self.directory}; restore it "
                                        "from version control", version, blocking=True))
            elif state == "applied" and row.checksum not in (m.checksum, m.legacy_checksum):
                state = "modified"
                problems.append(Problem("modified", f"{', '.join(os.path.relpath(p, self.directory) for p in m.all_files())} "
                                        f"changed after version {version} was applied (sha256 {row.checksum[:12]} -> "
                                        f"{m.checksum[:12]}, up and down files); restore them, or accept "
                                        "them with `dbdesign migrate repair`", version, blocking=True))
            if state == "failed":
                problems.append(Problem("failed", f"{row.name} ({version}) failed: {row.error or '?'}; "
                                        "fix the database by hand, then `dbdesign migrate repair`",
                                        version, blocking=True))
            out.append(MigrationStatus(version, row.name, state in ("applied", "modified"), state,
                                       row.applied_at, row.checksum, m.checksum if m else None, row.error,
                                       note))
        problems.extend(self._gaps())
        return Status(out, problems, self._repeatable_status())

    def _repeatable_status(self) -> list[MigrationStatus]:
        rows = self.history.repeatable_rows()
        out = []
        for r in self.folder.repeatables_for(self.engine.name):
            row = rows.get(r.name)
            state = ("pending" if row is None else "failed" if row.state != "applied"
                     else "applied" if row.checksum == r.checksum else "changed")
            out.append(MigrationStatus(0, r.label, state == "applied", state,
                                       row.applied_at if row else None, row.checksum if row else None,
                                       r.checksum, row.error if row else None))
        return out

    def _gaps(self) -> list[Problem]:
        seq = sorted(v for v in self.by_version if v < SEQUENCE_LIMIT)
        return [Problem("gap", f"versions {a} and {b} are not consecutive ({b - a - 1} missing)", b)
                for a, b in zip(seq, seq[1:]) if b - a > 1]

    def _blockers(self, status: Status, allow_out_of_order: bool = False) -> None:
        blocking = [p for p in status.problems if p.blocking
                    and not (allow_out_of_order and p.kind == "out-of-order")]
        if blocking:
            raise MigrationBlocked("; ".join(p.message for p in blocking))

    # -- rendering --------------------------------------------------------------------------
    def schema_before(self, version: int) -> Schema:
        """The declared model on this engine after every up file below `version`."""
        return self.folder.schema_before(version, self.engine.name)

    def file_for(self, migration: Migration, direction: str) -> tuple[str | None, bool]:
        """The file that runs for `direction` on this engine and whether it runs verbatim."""
        up, down, verbatim = migration.files_for(self.engine.name)
        if self.read != "postgres":
            verbatim = True
        return (up if direction == "up" else down), verbatim

    def steps(self, migration: Migration, direction: str, exact_lines: bool = False) -> RenderedFile:
        """The statements `direction` runs on this engine: rendered root files, verbatim
        overrides, or none (a version with no file for this engine is recorded, nothing runs)."""
        path, verbatim = self.file_for(migration, direction)
        if path is None:
            if migration.files_for(self.engine.name)[0] is None:
                return RenderedFile([], [])
            raise MigrationBlocked(f"{migration.label} has no down file for {self.engine.name}; write "
                                   f"{migration.label}.down.sql to roll it back")
        key = (migration.label, direction + ("!" if exact_lines else ""))
        if key not in self._rendered:
            if verbatim:
                rendered = verbatim_file(path, self.engine.name)
            else:
                before = self.schema_before(migration.version if direction == "up" else migration.version + 1)
                if migration.repeatable:
                    before = self.folder.schema_at(None, self.engine.name)
                rendered = render_file(path, self.engine.dialect, before, exact_lines)
            if not wants_no_transaction(path) and transaction_control(path, self.engine.name if verbatim else None)[0]:
                rendered.steps = [st for st in rendered.steps if not TRANSACTION_CONTROL.match(st.sql.lstrip())]
            self._rendered[key] = rendered
        return self._rendered[key]

    def pending(self, status: Status, target: int | None = None) -> list[Migration]:
        done = {s.version for s in status.migrations if s.state != "pending"}
        return [m for m in self.migrations if m.version not in done
                and (target is None or m.version <= target)]

    def repeatables_due(self, status: Status, target: int | None = None) -> list[Migration]:
        """``R__`` files new or changed since they last ran; after the last version only."""
        if target is not None and self.migrations and target < self.migrations[-1].version:
            return []
        due = {s.name for s in status.repeatables if s.state != "applied"}
        return [r for r in self.folder.repeatables_for(self.engine.name) if r.label in due]

    def to_roll_back(self, status: Status, steps: int | None = 1, to: int | None = None) -> list[Migration]:
        applied = [s.version for s in status.migrations if s.applied]
        if to is not None:
            chosen = [v for v in applied if v > to]
        else:
            chosen = applied[-steps:] if steps else []
        missing = [v for v in chosen if v not in self.by_version]
        if missing:
            raise MigrationBlocked(f"cannot roll back {missing}: no migration files for them in {self.directory}")
        return [self.by_version[v] for v in reversed(chosen)]

    # -- changing state ---------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        lock = LOCKS[self.engine.name](self.engine, self.on_wait)
        lock.acquire(self.lock_timeout)
        try:
            self.history.ensure(bool(self.folder.repeatables))
            yield
        finally:
            lock.release()

    def _apply(self, history: History, todo: list[Migration], direction: str, result: RunResult,
               on_step: Callable[[Migration], None] | None = None) -> None:
        """The one executor of `up`, `down` and `plan` (which passes a ScriptWriter history)."""
        for m in todo:  # render all first: an unrenderable file stops the run before any change
            self.steps(m, direction)
        for m in todo:
            if on_step:
                on_step(m)
            path, _ = self.file_for(m, direction)
            key = m.label if m.repeatable else m.version
            result.timings_ms[key] = applier_for(history, m, path).run(m, self.steps(m, direction), direction)
            result.versions.append(key)
        if direction == "down" and todo and self.folder.repeatables:
            history.forget_repeatables()  # what they build may be gone: the next `up` reruns them

    def up(self, target: int | None = None, allow_out_of_order: bool = False,
           on_step: Callable[[Migration], None] | None = None) -> RunResult:
        """Apply pending migrations in version order (up to `target`), then new or changed
        repeatables in name order. A no-op when none are pending. Stops at the first failure,
        which raises MigrationFailed (file:line)."""
        result = RunResult("up")
        with self.locked():
            status = self.status()  # read under the lock: the other run may have applied some
            self._blockers(status, allow_out_of_order)
            todo = self.pending(status, target) + self.repeatables_due(status, target)
            self._apply(self.history, todo, "up", result, on_step)
        return result

    def down(self, steps: int | None = 1, to: int | None = None) -> RunResult:
        """Roll back the last `steps` applied migrations, or every one above version `to`."""
        result = RunResult("down")
        with self.locked():
            status = self.status()
            self._blockers(status, allow_out_of_order=True)
            self._apply(self.history, self.to_roll_back(status, steps, to), "down", result)
        return result

    def repair(self, mark_applied: tuple[int, ...] = ()) -> list[str]:
        """After a human fixed the database: drop ``failed`` rows (the next `up` runs them
        again), or record them as applied when listed in `mark_applied` (finished by hand);
        accept the current checksum of modified files. Returns what was done."""
        done: list[str] = []
        with self.locked():
            status = self.status()
            for s in status.migrations:
                if s.state == "failed":
                    if s.version in mark_applied:
                        if s.version in self.by_version:
                            self.history.set_checksum(s.version, self.by_version[s.version].checksum)
                        self.history.set_state(s.version, "applied", execution_ms=0)
                        done.append(f"{s.version} {s.name}: failed -> applied (finished by hand)")
                    else:
                        self.history.delete(s.version)
                        done.append(f"{s.version} {s.name}: failed row removed; `up` will run it again")
                elif s.state == "modified":
                    self.history.set_checksum(s.version, s.file_checksum or "")
                    done.append(f"{s.version} {s.name}: accepted new checksum {(s.file_checksum or '')[:12]}")
            for r in status.repeatables:
                if r.state == "failed":
                    self.history.delete_repeatable(r.name[3:])
                    done.append(f"{r.name}: failed row removed; `up` will run it again")
            unknown = set(mark_applied) - {s.version for s in status.migrations if s.state == "failed"}
            if unknown:
                done.append(f"ignored --mark-applied {sorted(unknown)}: not failed")
        return done

    def baseline(self, version: int | None = None, tool: str | None = None) -> list[str]:
        """Adopt a database another runner manages (golang-migrate, Flyway, Alembic) or one
        built by hand: record every version up to `version` (default: what the other tool's
        history table says) as applied, without running anything. Refuses a database this
        runner manages already, and a version the folder does not have."""
        with self.locked():
            if self.history.rows():
                raise MigrationBlocked(f"this database has {HISTORY_TABLE} rows already; "
                                       "`migrate status` shows them (baseline is for adopting one)")
            foreign = read_foreign_history(self.engine, tool) if version is None or tool else None
            if version is None:
                if foreign is None:
                    raise MigrationBlocked("no schema_migrations, flyway_schema_history or "
                                           "alembic_version table here; pass --version N")
                version = foreign.version
            if version is None:
                return [f"{foreign.tool} {foreign.table}: {foreign.detail}; nothing to record"]
            if version not in self.by_version:
                raise MigrationBlocked(f"version {version} is not in {self.directory}; the folder "
                                       f"has {self.migrations[0].version if self.migrations else '-'}"
                                       f"..{self.migrations[-1].version if self.migrations else '-'}")
            source = f"{foreign.tool} {foreign.table} ({foreign.detail})" if foreign else "--version"
            done = []
            for m in self.migrations:
                if m.version <= version:
                    self.history.insert(m, "applied", 0)
                    done.append(f"{m.version} {m.name}: recorded as applied (baseline from {source})")
            return done

    def plan(self, direction: str = "up", steps: int | None = 1, to: int | None = None,
             target: int | None = None) -> str:
        """The SQL script `up`/`down` would run on this engine, written by the same executor
        (`_apply` with a ScriptWriter): statements, transactions and history writes, so the
        script run on the database gives what `up` gives. Reads the history; never writes."""
        status = self.status()
        chosen = (self.pending(status, target) + self.repeatables_due(status, target)
                  if direction == "up" else self.to_roll_back(status, steps, to))
        writer = ScriptWriter(self.engine)
        writer.lines.append(f"-- dbdesign migrate {direction} on {self.engine.name}: "
                            f"{len(chosen)} migration(s)")
        writer.lines.extend(f"-- {'BLOCKED ' if p.blocking else ''}{p}" for p in status.problems)
        history = History(writer, who="dbdesign migrate plan")  # type: ignore[arg-type]
        history.ensure(bool(self.folder.repeatables))
        for m in chosen:  # exact source lines in the comments
            self._rendered[(m.label, direction)] = self.steps(m, direction, exact_lines=True)

        def head(m: Migration) -> None:
            path, verbatim = self.file_for(m, direction)
            writer.lines.append(f"\n-- {m.label} {direction}: "
                                + (os.path.relpath(path, self.directory) if path else
                                   f"no file for {self.engine.name}; recorded only")
                                + ("" if applier_for(history, m, path).uses_transaction
                                   else " (no transaction)"))
            writer.lines.extend(f"-- note: {n}" for n in self.steps(m, direction).notes)
        self._apply(history, chosen, direction, RunResult(direction), head)
        return "\n".join(writer.lines)


# -- convenience entry points (URL + folder) -------------------------------------------------

@contextlib.contextmanager
def open_migrator(directory: str, url: str, lock_timeout: float = 60.0,
                  read: str | None = None, create: bool = True) -> Iterator[Migrator]:
    """Read the folder first (bad input raises before any connection), then connect.
    `create=False` for commands that only read: a missing SQLite/DuckDB file is an error."""
    read_folder(directory, read or default_read())  # validates before connecting
    engine = connect(url, create=create)
    try:
        yield Migrator(directory, engine, lock_timeout, read)
    finally:
        engine.close()


def new_migration(directory: str, name: str, now: _dt.datetime | None = None) -> tuple[str, str]:
    """Create ``{UTC timestamp}_{name}.up.sql`` and ``.down.sql``; returns both paths."""
    if not os.path.isdir(directory):
        raise InputError("no such migrations folder; create it first", directory)
    slug = re.sub(r"[^A-Za-z0-9_\-]+", "_", name.strip()).strip("_").lower()
    if not slug:
        raise InputError(f"migration name {name!r} has no letters or digits; use e.g. add_posts_slug")
    stamp = (now or _dt.datetime.now(_dt.timezone.utc)).strftime("%Y%m%d%H%M%S")
    base = os.path.join(directory, f"{stamp}_{slug}")
    up, down = base + ".up.sql", base + ".down.sql"
    if not MIGRATION_RE.match(os.path.basename(up)):  # pragma: no cover - slug is sanitised
        raise InputError(f"cannot build a valid file name from {name!r}")
    for path in (up, down):
        if os.path.exists(path):
            raise InputError("file exists already; wait a second or pick another name", path)
    kind = "data" if Migration(0, "", slug, None, None).is_data else "schema"
    with open(up, "w", encoding="utf-8") as fh:
        fh.write(f"-- {slug}: {kind} migration (PostgreSQL dialect). Keep data and schema changes "
                 "in separate migrations.\n")
    with open(down, "w", encoding="utf-8") as fh:
        fh.write(f"-- Reverses {os.path.basename(up)} exactly; `dbdesign migrate verify` checks it.\n")
    return up, down


# -- the folder as a story: for notebooks and reviews ----------------------------------------

@dataclass
class ModelStep:
    """One migration and the declared model (PostgreSQL dialect) before and after its up."""
    migration: Migration
    before: Schema
    after: Schema

    def diff(self):
        from dbdesign.schema.diff import diff
        return diff(self.before, self.after)


def model_steps(directory: str) -> list[ModelStep]:
    """The declared model migration by migration (no database): what each up file changes."""
    schema = Schema()
    out = []
    for m in load_folder(directory):
        before = copy.deepcopy(schema)
        if m.model_file():
            parse_sql(read_text(m.model_file()), m.model_file(), schema)
        out.append(ModelStep(m, before, copy.deepcopy(schema)))
    return out


def _statement_kinds(path: str | None) -> list[str]:
    """`UPDATE posts`, `CREATE TABLE`, ... for each statement of a file (display only)."""
    if path is None:
        return []
    kinds = []
    for st in split_statements(read_text(path), path):
        if st.expression is None:
            continue
        words = re.sub(r"(?i)^\s*CREATE\s+OR\s+REPLACE\s+", "CREATE ", st.sql).split()
        kind = " ".join(words[:2]).upper() if words[0].upper() in ("CREATE", "ALTER", "DROP", "COMMENT") \
            else words[0].upper()
        table = st.expression.find(_exp_table()) if kind in ("UPDATE", "INSERT", "DELETE") else None
        kinds.append(f"{kind} {table.name}" if table is not None else kind)
    return kinds


def _exp_table():
    from sqlglot import exp
    return exp.Table


def timeline(directory: str):
    """One row per migration, in order: version, name, kind (schema | data), what the up file
    changes in the declared model (from `dbdesign.schema.diff`; data migrations: their statements),
    statement counts, whether it runs in a transaction, and the checksum the history records."""
    import pandas as pd
    rows = []
    for step in model_steps(directory):
        m = step.migration
        d = step.diff()
        # the root files, else the PostgreSQL override, else the first engine's override
        up, down = (m.up, m.down) if m.up else (
            m.overrides.get("postgres") or next(iter(dict(sorted(m.overrides.items())).values()), (None, None)))
        up_kinds = _statement_kinds(up) if up else []
        changes = "; ".join(str(c) for c in d.changes) if d.changes else \
            (("data: " if m.is_data else "") + ", ".join(dict.fromkeys(up_kinds)) if up_kinds else "(nothing)")
        if m.overrides:
            changes += f" [engine files: {', '.join(sorted(m.overrides))}]"
        rows.append({"version": m.version_text, "name": m.name, "kind": "data" if m.is_data else "schema",
                     "changes": changes, "up_statements": len(up_kinds),
                     "down_statements": len(_statement_kinds(down)) if down else None,
                     "transaction": "no" if m.no_transaction else "yes", "checksum": m.checksum[:12]})
    return pd.DataFrame(rows, columns=["version", "name", "kind", "changes", "up_statements",
                                       "down_statements", "transaction", "checksum"])


def erd_diff_svg(directory: str, version: int, **opts) -> str:
    """Inline SVG of the ERD after migration `version`, with what it changed coloured (added
    green, removed red, changed amber); options as `erd.to_dot`."""
    from dbdesign.review import erd
    steps = {s.migration.version: s for s in model_steps(directory)}
    if version not in steps:
        raise InputError(f"no migration {version} in {directory}; have {', '.join(map(str, steps))}")
    step = steps[version]
    # erd has to_svg for one model but no public SVG for a diff yet: same two steps it uses.
    return erd.diff_svg(step.before, step.after, **opts)
