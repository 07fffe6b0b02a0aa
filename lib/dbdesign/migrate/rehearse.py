"""Lock rehearsal: pending migrations applied to a populated database while a writer writes.

`rehearse(folder, server_url, rows)` makes a throw-away database on the server, applies the
baseline migrations (those already deployed), fills the tables with `datagen` (N rows in the
largest table), then applies each pending migration through the real runner while a writer
thread inserts and updates rows of the tables that migration touches. Per migration it records

- the duration of the migration (runner time, history row included);
- the locks the migration's session held, sampled while it ran (PostgreSQL `pg_locks`;
  MariaDB the processlist state of the migration and `INNODB_LOCK_WAITS`);
- the writer's longest blocked write, its longest and p99 write latency during the migration,
  and how often the server refused a write for a lock.

The writer waits for no lock: each write runs with a lock timeout of (nearly) zero and is
retried at once when refused, so "blocked" is the server's answer (a refusal for a lock), not
a latency threshold, and the blocked time of a write runs from its first try to its success.
Each migration's row names the lint rules that predicted a lock on that file (`migration_lint`
with the rehearsed batch, plus `table_copy` on MariaDB/MySQL), or "unpredicted" when the
writer was blocked and no rule had said so.
"""
from __future__ import annotations

import copy
import contextlib
import random
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from sqlglot import exp

from dbdesign.engines.base import Params
from dbdesign.errors import EngineError, InputError
from dbdesign.model import Schema
from dbdesign.dialects import get_dialect

# The lint rules that predict a lock held against writers (the others are about data or history).
LOCK_RULES = ("migration-index-not-concurrent", "migration-lock-timeout-missing",
              "migration-constraint-not-valid", "migration-volatile-default", "migration-set-not-null",
              "migration-drop-index-not-concurrent", "migration-add-primary-key", "migration-type-change",
              "migration-table-copy", "migration-destructive", "migration-not-null-without-default",
              "migration-unique-on-existing")
_LOCK_REFUSED = re.compile(r"lock timeout|lock wait timeout|could not obtain lock", re.I)


@dataclass
class _Dialect:
    """How the rehearsal talks to one server: never wait for a lock, who am I, what locks."""
    no_wait: tuple[str, ...]
    session_id: str
    locks: str  # parameter: the migration's session id -> rows of text
    waits: str  # -> one row, one count: lock waits right now


DIALECTS: dict[str, _Dialect] = {
    "postgres": _Dialect(
        no_wait=("SET lock_timeout = '1ms'",),
        session_id="SELECT pg_backend_pid()",
        locks="SELECT c.relname || ':' || l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
              "WHERE l.pid = %s AND l.granted AND l.locktype = 'relation' AND c.relkind IN ('r', 'p') "
              "AND c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE 'dbdesign\\_%%'",
        waits="SELECT count(*) FROM pg_locks WHERE NOT granted AND database = "
              "(SELECT oid FROM pg_database WHERE datname = current_database())"),
    "mysql": _Dialect(
        no_wait=("SET SESSION lock_wait_timeout = 0", "SET SESSION innodb_lock_wait_timeout = 0"),
        session_id="SELECT CONNECTION_ID()",
        locks="SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = %s AND STATE <> ''",
        waits="SELECT count(*) FROM information_schema.INNODB_LOCK_WAITS"),
}


@dataclass
class StepResult:
    """One rehearsed migration."""
    version: int
    name: str
    duration_ms: float
    blocked_write_ms: float  # longest write the server refused at least once (first try to success)
    max_write_ms: float  # longest write that overlapped the migration
    p99_write_ms: float
    writes: int  # writes that overlapped the migration
    refused: int  # tries the server refused for a lock while the migration ran
    locks: list[str] = field(default_factory=list)
    predicted_by: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return self.refused > 0

    @property
    def prediction(self) -> str:
        if self.predicted_by:
            return ", ".join(self.predicted_by)
        return "unpredicted" if self.blocked else "-"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "blocked": self.blocked, "prediction": self.prediction}


@dataclass
class Rehearsal:
    engine: str
    server_version: str
    rows: int
    baseline: int
    loaded_rows: dict[str, int]
    steps: list[StepResult]

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "server_version": self.server_version, "rows": self.rows,
                "baseline": self.baseline, "loaded_rows": self.loaded_rows,
                "steps": [s.to_dict() for s in self.steps]}

    def frame(self):
        import pandas as pd
        return pd.DataFrame([{"engine": self.engine, "version": s.version, "name": s.name,
                              "blocked_write_ms": round(s.blocked_write_ms, 1),
                              "duration_ms": round(s.duration_ms, 1), "max_write_ms": round(s.max_write_ms, 1),
                              "p99_write_ms": round(s.p99_write_ms, 1),
                              "writes": s.writes, "refused": s.refused, "blocked": s.blocked,
                              "predicted_by": s.prediction, "locks": " ".join(s.locks)} for s in self.steps])

    def format_text(self) -> str:
        lines = [f"rehearsal on {self.engine} {self.server_version}, {self.rows} rows "
                 f"(baseline: migrations up to {self.baseline})"]
        for s in self.steps:
            lines.append(f"{s.version:>6} {s.name:<32} blocked {s.blocked_write_ms:8.1f} ms  "
                         f"duration {s.duration_ms:8.1f} ms  p99 {s.p99_write_ms:7.1f} ms  "
                         f"refused {s.refused:>4}  {s.prediction}")
        return "\n".join(lines)


# -- the writer --------------------------------------------------------------------------------

class _Writer(threading.Thread):
    """Inserts and updates rows of `tables` in a loop on its own connection, each write in its
    own transaction, never waiting for a lock (a refused write is retried at once)."""

    def __init__(self, url: str, engine_name: str, schema: Schema, tables: list[str], seed: int = 7):
        super().__init__(daemon=True)
        from dbdesign import engines
        self.eng = engines.connect(url)
        self.dialect = DIALECTS[engine_name]
        for sql in self.dialect.no_wait:
            self.eng.execute(sql)
        self.rng = random.Random(seed)
        self.stop_flag = threading.Event()
        self.writes: list[tuple[float, float, int]] = []  # (start, end, refusals)
        self.refusals: list[float] = []  # when a try was refused
        self.notes: list[str] = []
        self.error: BaseException | None = None
        self.ops = [op for t in tables for op in self._ops(schema, t)]

    def _ops(self, schema: Schema, table: str) -> list[tuple[str, Callable[[], tuple]]]:
        """(sql, params) makers for one table: an UPDATE by key, and an INSERT copying a row
        under a new key where the key is one integer or UUID column."""
        t = schema.table(table)
        if t is None or t.primary_key is None or len(t.primary_key.columns) != 1:
            self.notes.append(f"{table}: no single-column primary key; not written")
            return []
        pk = t.primary_key.columns[0]
        q = _quote(self.eng.name)
        keys = [r[0] for r in self.eng.query(f"SELECT {q(pk)} FROM {q(table)} LIMIT 2000")]
        if not keys:
            self.notes.append(f"{table}: empty; not written")
            return []
        others = [c for c in t.columns if c != pk]
        ops = []

        def driver_sql(text: str) -> str:  # markers -> the driver's placeholders, % escaped
            return self.eng.bind(text, marks)[0]
        marks = Params()
        slot = marks(None)  # where a value goes; each run passes its own
        if others:
            col = q(others[0])
            ops.append((driver_sql(f"UPDATE {q(table)} SET {col} = {col} WHERE {q(pk)} = {slot}"),
                        lambda: (self.rng.choice(keys),)))
        pk_family = t.columns[pk].kind.family
        new_key = None
        if pk_family == "int":
            top = self.eng.query(f"SELECT COALESCE(MAX({q(pk)}), 0) FROM {q(table)}")[0][0]
            counter = iter(range(int(top) + 1, 2**62))
            new_key = (slot, lambda: next(counter))
        elif pk_family == "uuid":
            new_key = (get_dialect(self.eng.name).NEW_UUID_SQL, None)
        if new_key is not None and others:
            cols = ", ".join(q(c) for c in others)
            sql, value = new_key
            insert = driver_sql(f"INSERT INTO {q(table)} ({q(pk)}, {cols}) SELECT {sql}, {cols} "
                                f"FROM {q(table)} WHERE {q(pk)} = {slot}")
            ops.append((insert, (lambda: (value(), self.rng.choice(keys))) if value else
                        (lambda: (self.rng.choice(keys),))))
        return ops

    def run(self) -> None:
        if not self.ops:
            return
        disabled: set[int] = set()
        try:
            while not self.stop_flag.is_set():
                i = self.rng.randrange(len(self.ops))
                if i in disabled:
                    if len(disabled) == len(self.ops):
                        return
                    continue
                sql, params = self.ops[i]
                start, refused = time.perf_counter(), 0
                while True:
                    try:
                        self.eng.execute(sql, params())
                        break
                    except EngineError as err:
                        if _LOCK_REFUSED.search(str(err)):
                            refused += 1
                            self.refusals.append(time.perf_counter())
                            if self.stop_flag.is_set():
                                break
                            time.sleep(0.0005)
                            continue
                        disabled.add(i)  # e.g. a UNIQUE column the copied row collides on
                        self.notes.append(f"write disabled after: {str(err)[:120]}")
                        break
                self.writes.append((start, time.perf_counter(), refused))
        except BaseException as err:  # noqa: BLE001 - reported by the caller
            self.error = err
        finally:
            self.eng.close()


class _Sampler(threading.Thread):
    """Polls the server for the locks the migration's session holds, while it runs."""

    def __init__(self, url: str, engine_name: str, session_id: Any, interval: float = 0.01):
        super().__init__(daemon=True)
        from dbdesign import engines
        self.eng = engines.connect(url)
        self.dialect = DIALECTS[engine_name]
        self.session_id, self.interval = session_id, interval
        self.stop_flag = threading.Event()
        self.seen: dict[str, None] = {}
        self.max_waits = 0

    def run(self) -> None:
        try:
            while not self.stop_flag.is_set():
                with contextlib.suppress(EngineError):
                    for (text,) in self.eng.query(self.dialect.locks, (self.session_id,)):
                        self.seen.setdefault(text, None)
                    self.max_waits = max(self.max_waits, int(self.eng.query(self.dialect.waits)[0][0]))
                time.sleep(self.interval)
        finally:
            self.eng.close()


def _quote(engine_name: str) -> Callable[[str], str]:
    return get_dialect(engine_name).quote


def _p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


# -- the rehearsal -----------------------------------------------------------------------------

def default_baseline(directory: str) -> int:
    """The last migration of the leading run that only creates tables: what a first deploy
    would have put in place before the data arrived (0 when the first one changes a table)."""
    from dbdesign.migrate.runner import model_steps
    last = 0
    for step in model_steps(directory):
        before, after = step.before.to_dict()["tables"], step.after.to_dict()["tables"]
        if any(after.get(name) != t for name, t in before.items()) or set(after) == set(before):
            break
        last = step.migration.version
    return last


def touched_tables(path: str, schema: Schema) -> list[str]:
    """Tables of `schema` (those that hold data) that the statements of `path` name."""
    from dbdesign.schema.parse import split_statements
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    out: dict[str, None] = {}
    for st in split_statements(text, path):
        if st.expression is None:
            continue
        for t in st.expression.find_all(exp.Table):
            found = schema.table(t.name)
            if found is not None:
                out.setdefault(found.qualname, None)
        if isinstance(st.expression, exp.Command):  # e.g. VALIDATE CONSTRAINT, USING INDEX
            m = re.match(r"\s*ALTER\s+TABLE\s+(?:ONLY\s+)?([\w\"]+)", st.sql, re.I)
            if m and schema.table(m.group(1).strip('"')) is not None:
                out.setdefault(schema.table(m.group(1).strip('"')).qualname, None)
    return list(out)


def predictions(directory: str, baseline: int, engine_name: str, server_url: str) -> dict[str, list[str]]:
    """{up file path: lock rules that fire on it}, for the batch after `baseline`. On
    MariaDB/MySQL the PostgreSQL-only rules are left out and the server's COPY answer added."""
    from dbdesign.checks.migration_lint import POSTGRES_ONLY, lint_migrations
    dialect = get_dialect(engine_name)
    findings = lint_migrations(directory, batch_from=baseline + 1,
                               copy_check_url=server_url if dialect.TABLE_COPY_CHECK else None)
    out: dict[str, list[str]] = {}
    for f in findings:
        if f.rule not in LOCK_RULES or (not dialect.POSTGRES_LOCKS and f.rule in POSTGRES_ONLY):
            continue
        rules = out.setdefault(f.file or "", [])
        if f.rule not in rules:
            rules.append(f.rule)
    return out


def rehearse(directory: str, server_url: str, rows: int, baseline: int | None = None, seed: int = 42,
             lead_s: float = 0.3, on_step: Callable[[str], None] | None = None) -> Rehearsal:
    """Rehearse the migrations after `baseline` (default: `default_baseline`) on a throw-away
    database of the server at `server_url`, filled with `rows` generated rows."""
    from dbdesign import engines
    from dbdesign.lab import datagen
    from dbdesign.migrate.runner import Migrator, load_folder
    probe = engines.connect(server_url)
    name = probe.name
    probe.close()
    if name not in DIALECTS:
        raise InputError(f"rehearse needs a PostgreSQL or MariaDB/MySQL server (got {name}); locks "
                         "between sessions are what it measures", server_url)
    if rows < 1:
        raise InputError(f"--rows must be at least 1 (got {rows})")
    migrations = load_folder(directory)
    baseline = default_baseline(directory) if baseline is None else baseline
    pending = [m for m in migrations if m.version > baseline]
    if not pending:
        raise InputError(f"no migration after the baseline {baseline} to rehearse", directory)
    predicted = predictions(directory, baseline, name, server_url)
    say = on_step or (lambda _msg: None)
    with engines.engine_class(name).throwaway(server_url) as eng:
        runner = Migrator(directory, eng)
        if baseline:
            runner.up(target=baseline)
        schema = copy.deepcopy(runner.schema_before(pending[0].version))
        say(f"generating {rows} rows for {len(schema.tables)} table(s)")
        data = datagen.generate(schema, rows, seed=seed, progress=False)
        report = datagen.load(data, eng, schema, create=False, indexes="none")
        dialect = DIALECTS[name]
        session = eng.query(dialect.session_id)[0][0]
        steps = []
        for m in pending:
            say(f"rehearsing {m.label}")
            before = runner.schema_before(m.version)
            tables = touched_tables(m.up, before)
            writer = _Writer(eng.url, name, before, tables)
            sampler = _Sampler(eng.url, name, session)
            writer.start()
            sampler.start()
            time.sleep(lead_s if writer.ops else 0)
            t0 = time.perf_counter()
            runner.up(target=m.version)
            t1 = time.perf_counter()
            sampler.stop_flag.set()
            time.sleep(lead_s if writer.ops else 0)
            writer.stop_flag.set()
            writer.join(30)
            sampler.join(30)
            if writer.error is not None:
                raise writer.error
            during = [(s, e, r) for s, e, r in writer.writes if s < t1 and e > t0]
            latencies = [(e - s) * 1000 for s, e, _r in during]
            blocked = [(e - s) * 1000 for s, e, r in during if r]
            steps.append(StepResult(
                m.version, m.name, (t1 - t0) * 1000, max(blocked, default=0.0), max(latencies, default=0.0),
                _p99(latencies),
                len(during), sum(1 for when in writer.refusals if t0 <= when <= t1),
                list(sampler.seen), predicted.get(m.up, []), tables, writer.notes))
        return Rehearsal(name, eng.version(), rows, baseline, dict(report.rows), steps)
