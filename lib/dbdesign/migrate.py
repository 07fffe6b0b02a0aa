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

from .engines import Engine, connect
from .errors import DbDesignError, EngineError, InputError
from .model import Schema
from .parse import parse_sql, split_statements
from .source import MIGRATION_RE, MigrationFile, discover_migrations

HISTORY_TABLE = "dbdesign_schema_history"
STATES = ("applied", "pending", "failed", "modified")
# Versions below this are sequence numbers (0001, 0002 ...) and gaps between them are reported;
# larger ones are timestamps (20240101120000), where gaps are the norm.
SEQUENCE_LIMIT = 1_000_000
NO_TRANSACTION_MARKER = "dbdesign:no-transaction"


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
class Migration:
    """One migration pair as found on disk, parsed up front (bad input fails before any
    database is touched)."""
    version: int
    version_text: str
    name: str
    up: str
    down: str | None
    checksum: str
    is_data: bool
    no_transaction: bool = False  # e.g. CREATE INDEX CONCURRENTLY on PostgreSQL

    @property
    def label(self) -> str:
        return f"{self.version_text}_{self.name}"


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

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "name": self.name, "applied": self.applied,
                "state": self.state, "applied_at": self.applied_at, "checksum": self.checksum}


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

    def to_dict(self) -> dict[str, Any]:
        return {"migrations": [m.to_dict() for m in self.migrations],
                "problems": [{"kind": p.kind, "version": p.version, "message": p.message,
                              "blocking": p.blocking} for p in self.problems]}

    def format_text(self) -> str:
        lines = [f"{m.version:>14}  {m.state:<8}  {m.name}" + (f"  ({m.applied_at})" if m.applied_at else "")
                 for m in self.migrations]
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


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason}); save the file as UTF-8", path) from None


def load_folder(directory: str) -> list[Migration]:
    """Discover and parse every migration in `directory`. Raises InputError (missing folder,
    down without up, duplicate version, syntax error with file:line:col) before anything runs."""
    files, _diagnostics = discover_migrations(directory)
    migrations = []
    for mf in files:
        texts = {}
        for path in (mf.up, mf.down):
            if path is not None:
                texts[path] = _read(path)
                split_statements(texts[path], path)  # syntax errors -> InputError now
        up_text = texts[mf.up]
        no_tx = NO_TRANSACTION_MARKER in up_text or bool(
            re.search(r"\b(CREATE|DROP)\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b", up_text, re.I))
        migrations.append(Migration(mf.version, mf.version_text, mf.name, mf.up, mf.down,
                                    file_checksum(mf.up), mf.is_data, no_tx))
    return migrations


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
    text = _read(path)
    statements = [st for st in split_statements(text, path) if st.expression is not None]
    if dialect == "postgres":
        return RenderedFile([Step(st.sql.strip(), path, st.line) for st in statements], [])
    if exact_lines:
        return _render_per_statement(text, path, dialect, schema_before, statements)
    rendered, notes, fk_off = _render_text(text, dialect, path, schema_before)
    first = statements[0].line if statements else 1
    return RenderedFile([Step(r, path, first) for r in rendered if r.strip()], notes, fk_off,
                        lambda: _render_per_statement(text, path, dialect, schema_before, statements))


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
    from .dialects import render_statements  # the foundation's dialect layer
    out = render_statements(text, dialect, file=path, schema_before=schema)
    return list(out.statements), [str(n) for n in out.notes], bool(out.foreign_keys_off)


# -- per-engine strategies -------------------------------------------------------------------

class Lock:
    """Keeps two runs apart. Every implementation is released by the OS or the server when
    the holder dies, so a crashed run can never leave a stale lock."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def acquire(self, timeout: float) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def release(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class PostgresAdvisoryLock(Lock):
    """Session-level `pg_advisory_lock`: scoped to the database, freed on disconnect."""
    KEY = int.from_bytes(hashlib.sha256(HISTORY_TABLE.encode()).digest()[:8], "big", signed=True)

    def acquire(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.engine.query("SELECT pg_try_advisory_lock(%s)", (self.KEY,))[0][0]:
            if time.monotonic() >= deadline:
                raise LockTimeout(f"another migration run holds pg_advisory_lock({self.KEY}) "
                                  f"on this database; waited {timeout:g} s")
            time.sleep(0.05)

    def release(self) -> None:
        with contextlib.suppress(EngineError):
            self.engine.query("SELECT pg_advisory_unlock(%s)", (self.KEY,))


class MariaDBGetLock(Lock):
    """`GET_LOCK(name, timeout)`: server-wide names, so the database name is part of it;
    freed when the connection ends."""

    def name(self) -> str:
        db = self.engine.query("SELECT DATABASE()")[0][0] or ""
        return ("dbdesign_migrate." + db)[:64]

    def acquire(self, timeout: float) -> None:
        got = self.engine.query("SELECT GET_LOCK(%s, %s)", (self.name(), timeout))[0][0]
        if got != 1:
            raise LockTimeout(f"another migration run holds GET_LOCK('{self.name()}'); "
                              f"waited {timeout:g} s")

    def release(self) -> None:
        with contextlib.suppress(EngineError):
            self.engine.query("SELECT RELEASE_LOCK(%s)", (self.name(),))


class FileLock(Lock):
    """An exclusive `flock` on ``<database file>.dbdesign-lock`` for the embedded engines.
    The kernel drops it when the holder's process dies (no pid/timestamp guessing needed).
    In-memory databases belong to one process and need no lock."""

    def __init__(self, engine: Engine):
        super().__init__(engine)
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
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockTimeout(f"another migration run holds {self.path}; waited {timeout:g} s") from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()} {_now()}\n".encode())
        self._fd = fd
        self._open_engine(deadline)

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
# Bind parameters differ per driver (sqlite3/duckdb: qmark; psycopg/PyMySQL: format).
PLACEHOLDERS: dict[str, str] = {"postgres": "%s", "mysql": "%s", "sqlite": "?", "duckdb": "?"}


# SQLite table rebuilds need foreign keys off around the transaction (the pragma is ignored
# inside one): (before BEGIN, check before COMMIT, after the transaction).
FK_SWITCH: dict[str, tuple[str, str, str]] = {
    "sqlite": ("PRAGMA foreign_keys=OFF", "PRAGMA foreign_key_check", "PRAGMA foreign_keys=ON"),
}


class Applier:
    """How one migration's statements and its history row are made durable together."""
    uses_transaction = True

    def __init__(self, history: "History"):
        self.history = history

    def run(self, migration: Migration, rendered: RenderedFile, direction: str) -> int:  # pragma: no cover
        raise NotImplementedError


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
                                      rendered.steps[-1].file, None, migration.version)
            elapsed = int((time.perf_counter() - start) * 1000)
            if direction == "up":
                self.history.insert(migration, "applied", elapsed)
            else:
                self.history.delete(migration.version)
            eng.commit()
        except BaseException:
            eng.rollback()
            raise
        finally:
            if switch:
                eng.execute(switch[2])
        return elapsed


class NonTransactionalApplier(Applier):
    """No transactional DDL (MariaDB), or a statement that refuses to run in a transaction
    (CREATE INDEX CONCURRENTLY): write a ``failed`` row *first* and turn it into ``applied``
    only on success, so a failure - or a crash half-way - blocks later runs until `repair`."""
    uses_transaction = False

    def run(self, migration: Migration, rendered: RenderedFile, direction: str) -> int:
        start = time.perf_counter()
        note = "started; did not finish (crash or failure)"
        if direction == "up":
            self.history.insert(migration, "failed", 0, error=note)
        else:
            self.history.set_state(migration.version, "failed", error="down " + note)
        try:
            _execute_all(self.history.engine, rendered, migration)
        except MigrationFailed as err:
            self.history.set_state(migration.version, "failed",
                                   error=f"{direction}: {err}"[:2000])
            raise MigrationFailed(
                f"{err.detail} -- {self.history.engine.name} has no transactional DDL: "
                "statements before this one stay applied; fix the database by hand, then run "
                "`dbdesign migrate repair`", err.file, err.line, migration.version) from err
        elapsed = int((time.perf_counter() - start) * 1000)
        if direction == "up":
            self.history.set_state(migration.version, "applied", execution_ms=elapsed)
        else:
            self.history.delete(migration.version)
        return elapsed


def _execute_all(engine: Engine, rendered: RenderedFile, migration: Migration) -> None:
    for i, step in enumerate(rendered.steps):
        try:
            engine.execute(step.sql)
        except EngineError as err:
            raise MigrationFailed(str(err).splitlines()[0], step.file, rendered.line_of(i),
                                  migration.version) from err


def applier_for(history: "History", migration: Migration) -> Applier:
    transactional = history.engine.capabilities.transactional_ddl and not migration.no_transaction
    return APPLIERS[transactional](history)


APPLIERS: dict[bool, type[Applier]] = {True: TransactionalApplier, False: NonTransactionalApplier}


# -- the history table -----------------------------------------------------------------------

class History:
    """Reads and writes ``dbdesign_schema_history`` with portable SQL only."""

    DDL = (f"CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} ("
           "version BIGINT NOT NULL PRIMARY KEY, "
           "name VARCHAR(255) NOT NULL, "
           "checksum VARCHAR(64) NOT NULL, "
           "applied_at VARCHAR(40) NOT NULL, "
           "execution_ms INTEGER NOT NULL, "
           "applied_by VARCHAR(255) NOT NULL, "
           "state VARCHAR(16) NOT NULL, "
           "error TEXT)")
    COLUMNS = "version, name, checksum, applied_at, execution_ms, applied_by, state, error"

    def __init__(self, engine: Engine):
        self.engine = engine
        self.p = PLACEHOLDERS[engine.name]

    def exists(self) -> bool:
        return HISTORY_TABLE in self.engine.table_names()

    def ensure(self) -> None:
        if not self.exists():
            self.engine.execute(self.DDL)

    def rows(self) -> dict[int, HistoryRow]:
        if not self.exists():
            return {}
        rows = self.engine.query(f"SELECT {self.COLUMNS} FROM {HISTORY_TABLE} ORDER BY version")
        return {int(r[0]): HistoryRow(int(r[0]), r[1], r[2], r[3], int(r[4]), r[5], r[6], r[7])
                for r in rows}

    def insert(self, m: Migration, state: str, execution_ms: int, error: str | None = None) -> None:
        ps = ", ".join([self.p] * 8)
        self.engine.execute(f"INSERT INTO {HISTORY_TABLE} ({self.COLUMNS}) VALUES ({ps})",
                            (m.version, m.name, m.checksum, _now(), execution_ms, _who(), state, error))

    def set_state(self, version: int, state: str, execution_ms: int | None = None,
                  error: str | None = None) -> None:
        p = self.p
        if execution_ms is None:
            self.engine.execute(f"UPDATE {HISTORY_TABLE} SET state = {p}, error = {p} WHERE version = {p}",
                                (state, error, version))
        else:
            self.engine.execute(f"UPDATE {HISTORY_TABLE} SET state = {p}, error = {p}, execution_ms = {p}, "
                                f"applied_at = {p} WHERE version = {p}",
                                (state, error, execution_ms, _now(), version))

    def set_checksum(self, version: int, checksum: str) -> None:
        p = self.p
        self.engine.execute(f"UPDATE {HISTORY_TABLE} SET checksum = {p} WHERE version = {p}",
                            (checksum, version))

    def delete(self, version: int) -> None:
        self.engine.execute(f"DELETE FROM {HISTORY_TABLE} WHERE version = {self.p}", (version,))


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _who() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"[:255]


# -- the runner ------------------------------------------------------------------------------

class Migrator:
    """Runs one migrations folder against one database.

    The folder is read and parsed when the Migrator is made; the database is touched only by
    the methods, so bad input never changes a database."""

    def __init__(self, directory: str, engine: Engine, lock_timeout: float = 60.0):
        self.directory = directory
        self.migrations = load_folder(directory)
        self.by_version = {m.version: m for m in self.migrations}
        self.engine = engine
        self.lock_timeout = lock_timeout
        self.history = History(engine)
        self._models: dict[int, Schema] = {}
        self._rendered: dict[tuple[int, str], RenderedFile] = {}

    # -- reading state ----------------------------------------------------------------------
    def status(self) -> Status:
        rows = self.history.rows()
        max_applied = max((v for v, r in rows.items() if r.state == "applied"), default=None)
        out: list[MigrationStatus] = []
        problems: list[Problem] = []
        for version in sorted(set(self.by_version) | set(rows)):
            m, row = self.by_version.get(version), rows.get(version)
            if row is None:
                out.append(MigrationStatus(version, m.name, False, "pending", None, m.checksum, m.checksum))
                if max_applied is not None and version < max_applied:
                    problems.append(Problem("out-of-order", f"{m.label} is pending but {max_applied} "
                                            "is already applied; renumber it above the last applied "
                                            "version", version, blocking=True))
                continue
            state = row.state if row.state in ("applied", "failed") else "failed"
            if m is None:
                problems.append(Problem("missing-file", f"version {version} ({row.name}) is recorded as "
                                        f"{row.state} but has no file in {self.directory}", version))
            elif state == "applied" and row.checksum != m.checksum:
                state = "modified"
                problems.append(Problem("modified", f"{os.path.basename(m.up)} changed after it was "
                                        f"applied (sha256 {row.checksum[:12]} -> {m.checksum[:12]}); "
                                        "restore the file, or accept it with `dbdesign migrate repair`",
                                        version, blocking=True))
            if state == "failed":
                problems.append(Problem("failed", f"{row.name} ({version}) failed: {row.error or '?'}; "
                                        "fix the database by hand, then `dbdesign migrate repair`",
                                        version, blocking=True))
            out.append(MigrationStatus(version, row.name, state in ("applied", "modified"), state,
                                       row.applied_at, row.checksum, m.checksum if m else None, row.error))
        problems.extend(self._gaps())
        return Status(out, problems)

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
        """The declared model after every up file below `version` (context for rendering).
        Built once, incrementally; callers must not modify it."""
        if not self._models:
            schema = Schema()
            for m in self.migrations:
                self._models[m.version] = copy.deepcopy(schema)
                with contextlib.suppress(InputError):  # e.g. out-of-order files; the engine decides
                    parse_sql(_read(m.up), m.up, schema)
            self._models[-1] = schema  # after everything
        later = [v for v in self._models if v >= version]
        return self._models[min(later)] if later else self._models[-1]

    def steps(self, migration: Migration, direction: str, exact_lines: bool = False) -> RenderedFile:
        path = migration.up if direction == "up" else migration.down
        if path is None:
            raise MigrationBlocked(f"{migration.label} has no down file; write "
                                   f"{migration.label}.down.sql to roll it back")
        key = (migration.version, direction + ("!" if exact_lines else ""))
        if key not in self._rendered:
            before = self.schema_before(migration.version if direction == "up" else migration.version + 1)
            self._rendered[key] = render_file(path, self.engine.dialect, before, exact_lines)
        return self._rendered[key]

    def pending(self, status: Status, target: int | None = None) -> list[Migration]:
        done = {s.version for s in status.migrations if s.state != "pending"}
        return [m for m in self.migrations if m.version not in done
                and (target is None or m.version <= target)]

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
        lock = LOCKS[self.engine.name](self.engine)
        lock.acquire(self.lock_timeout)
        try:
            self.history.ensure()
            yield
        finally:
            lock.release()

    def up(self, target: int | None = None, allow_out_of_order: bool = False,
           on_step: Callable[[Migration], None] | None = None) -> RunResult:
        """Apply pending migrations in version order (up to `target`). A no-op when none are
        pending. Stops at the first failure, which raises MigrationFailed (file:line)."""
        result = RunResult("up")
        with self.locked():
            status = self.status()  # read under the lock: the other run may have applied some
            self._blockers(status, allow_out_of_order)
            todo = self.pending(status, target)
            for m in todo:  # render all first: an unrenderable file stops the run before any change
                self.steps(m, "up")
            for m in todo:
                if on_step:
                    on_step(m)
                result.timings_ms[m.version] = applier_for(self.history, m).run(m, self.steps(m, "up"), "up")
                result.versions.append(m.version)
        return result

    def down(self, steps: int | None = 1, to: int | None = None) -> RunResult:
        """Roll back the last `steps` applied migrations, or every one above version `to`."""
        result = RunResult("down")
        with self.locked():
            status = self.status()
            self._blockers(status, allow_out_of_order=True)
            todo = self.to_roll_back(status, steps, to)
            for m in todo:
                self.steps(m, "down")
            for m in todo:
                result.timings_ms[m.version] = applier_for(self.history, m).run(m, self.steps(m, "down"), "down")
                result.versions.append(m.version)
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
            unknown = set(mark_applied) - {s.version for s in status.migrations if s.state == "failed"}
            if unknown:
                done.append(f"ignored --mark-applied {sorted(unknown)}: not failed")
        return done

    def plan(self, direction: str = "up", steps: int | None = 1, to: int | None = None,
             target: int | None = None) -> str:
        """The SQL `up`/`down` would run on this engine, without running it (alembic's offline
        mode). Reads the history when the database has one; never writes."""
        status = self.status()
        chosen = (self.pending(status, target) if direction == "up"
                  else self.to_roll_back(status, steps, to))
        eng = self.engine
        out = [f"-- dbdesign migrate {direction} on {eng.name}: {len(chosen)} migration(s)"]
        for p in status.problems:
            out.append(f"-- {'BLOCKED ' if p.blocking else ''}{p}")
        for m in chosen:
            rf = self.steps(m, direction, exact_lines=True)
            rendered, notes = rf.steps, rf.notes
            applier = applier_for(self.history, m)
            path = m.up if direction == "up" else m.down
            out.append(f"\n-- {os.path.basename(path)}"
                       + ("" if applier.uses_transaction else " (no transaction on this engine)"))
            out.extend(f"-- note: {n}" for n in notes)
            switch = FK_SWITCH.get(eng.name) if rf.foreign_keys_off else None
            if switch:
                out.append(switch[0] + ";")
            if applier.uses_transaction:
                out.append("BEGIN;")
            for st in rendered:
                out.append(f"-- {os.path.basename(st.file)}:{st.line}")
                out.append(st.sql.rstrip().rstrip(";") + ";")
            out.append(f"-- history: {'record' if direction == 'up' else 'delete'} version "
                       f"{m.version} in {HISTORY_TABLE}")
            if switch:
                out.append(switch[1] + ";  -- must return no rows")
            if applier.uses_transaction:
                out.append("COMMIT;")
            if switch:
                out.append(switch[2] + ";")
        return "\n".join(out)


# -- convenience entry points (URL + folder) -------------------------------------------------

@contextlib.contextmanager
def open_migrator(directory: str, url: str, lock_timeout: float = 60.0,
                  create: bool = True) -> Iterator[Migrator]:
    """Read the folder first (bad input raises before any connection), then connect.
    `create=False` for commands that only read: a missing SQLite/DuckDB file is an error."""
    migrations_ok = load_folder(directory)  # noqa: F841 - validates before connecting
    engine = connect(url, create=create)
    try:
        yield Migrator(directory, engine, lock_timeout)
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
    kind = "data" if MigrationFile(0, "", slug, None, None).is_data else "schema"
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
        from .diff import diff
        return diff(self.before, self.after)


def model_steps(directory: str) -> list[ModelStep]:
    """The declared model migration by migration (no database): what each up file changes."""
    schema = Schema()
    out = []
    for m in load_folder(directory):
        before = copy.deepcopy(schema)
        parse_sql(_read(m.up), m.up, schema)
        out.append(ModelStep(m, before, copy.deepcopy(schema)))
    return out


def _statement_kinds(path: str | None) -> list[str]:
    """`UPDATE posts`, `CREATE TABLE`, ... for each statement of a file (display only)."""
    if path is None:
        return []
    kinds = []
    for st in split_statements(_read(path), path):
        if st.expression is None:
            continue
        words = st.sql.split()
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
    changes in the declared model (from `dbdesign.diff`; data migrations: their statements),
    statement counts, whether it runs in a transaction, and the checksum the history records."""
    import pandas as pd
    rows = []
    for step in model_steps(directory):
        m = step.migration
        d = step.diff()
        up_kinds = _statement_kinds(m.up)
        changes = "; ".join(str(c) for c in d.changes) if d.changes else \
            ("data: " + ", ".join(dict.fromkeys(up_kinds)) if up_kinds else "(nothing)")
        rows.append({"version": m.version_text, "name": m.name, "kind": "data" if m.is_data else "schema",
                     "changes": changes, "up_statements": len(up_kinds),
                     "down_statements": len(_statement_kinds(m.down)) if m.down else None,
                     "transaction": "no" if m.no_transaction else "yes", "checksum": m.checksum[:12]})
    return pd.DataFrame(rows, columns=["version", "name", "kind", "changes", "up_statements",
                                       "down_statements", "transaction", "checksum"])


def erd_diff_svg(directory: str, version: int, **opts) -> str:
    """Inline SVG of the ERD after migration `version`, with what it changed coloured (added
    green, removed red, changed amber); options as `erd.to_dot`."""
    from . import erd
    steps = {s.migration.version: s for s in model_steps(directory)}
    if version not in steps:
        raise InputError(f"no migration {version} in {directory}; have {', '.join(map(str, steps))}")
    step = steps[version]
    # erd has to_svg for one model but no public SVG for a diff yet: same two steps it uses.
    return erd.diff_svg(step.before, step.after, **opts)
