"""Verify a migrations folder on real engines: what nobody else checks (PRIOR_ART.md, runners).

On a throw-away database of each engine, migration by migration, through the real runner:

==============  =============================================================================
check           passes when
==============  =============================================================================
up              after `up` to this version the engine holds the declared model: the schema the
                up files describe, rendered for the engine (`dialects.render(...).model`), read
                back with `introspect()` and compared with `diff(..., engine=...)`
idempotent      a second `up` applies nothing: history rows and schema unchanged
down restores   `down` gives back exactly the schema from before this migration (introspected
                and diffed, no engine allowances: both sides come from the same engine)
re-up           `up` after `down` gives the same schema as the first `up`
==============  =============================================================================

With ``rows`` (``--rows N``) each engine also runs the folder on a populated database: after
every version the tables that are still empty are filled by `datagen` (table sizes from
`datagen.plan_rows` on the final model, N rows in the largest; tables already filled keep their
rows, as in production), so the next migration meets duplicates, NULLs and rows a new CHECK or
FK rejects. Its ``with data`` cell fails with ``migration-data-failed``: the statement's
file:line, the engine's message, the migration lint's probe query for that statement
(`migration_lint.statement_probes`) and the first offending rows; each step's duration on the
populated database is kept in ``populated``.

A last row, ``all``, runs the folder the way a deploy does on a fresh database: `up` all ==
the declared model, `up` again is a no-op, `down --to 0` leaves an empty database, and `up`
all again gives the same schema.

Findings use the design lint's `Finding` (rule, severity, file, line, message):
``migration-irreversible`` (the diff in the message), ``migration-model-mismatch``,
``migration-not-idempotent``, ``migration-up-failed`` and, for databases where the folder
is already applied (``against``: staging, production; read only), ``migration-checksum-mismatch``.
After a failure the engine's run continues on a fresh database brought up to the next
version, so one broken down file does not hide the problems of later ones.
"""
from __future__ import annotations

import contextlib
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

from dbdesign import engines as _engines
from dbdesign.schema.diff import SchemaDiff, diff
from dbdesign.engines import Engine
from dbdesign.checks.lint import Finding
from dbdesign.errors import EngineError, InputError
from dbdesign.migrate.runner import HistoryRow, Migration, MigrationError, Migrator, load_folder
from dbdesign.checks.migration_lint import SEVERITY, checksum_findings, schema_shape
from dbdesign.model import Schema
from dbdesign.dialects import get_dialect

CHECKS = ("up", "idempotent", "down restores", "re-up")
DATA_CHECK = "with data"  # the populated run's column (only with rows)
OFFENDING_ROWS = 5  # offending rows shown per probe
ALL = "all"  # the label of the whole-folder row
PASS, FAIL, SKIP = "pass", "FAIL", "skip"
MAX_DIFF_LINES = 12
# What a run can raise for one migration: the runner's failure, or a file the dialect layer
# cannot render for this engine (InputError with file:line). Both become findings here.
FAILURES = (MigrationError, InputError)


@dataclass
class CheckResult:
    """One cell of the matrix: `result` is pass, FAIL or skip (with why in `detail`)."""
    engine: str
    version: int | None  # None for the ``all`` row
    migration: str  # file label, e.g. 0003_create_posts, or "all"
    check: str  # one of CHECKS
    result: str
    detail: str = ""


@dataclass
class PopulatedStep:
    """One migration applied to a populated database: how long it took, with how many rows
    present, and when it failed the probe query (engine dialect) and the first offending rows."""
    engine: str
    version: int
    migration: str
    rows_present: int  # rows in the database's tables before the migration ran
    duration_ms: float
    result: str  # pass or FAIL
    error: str = ""
    probe: str = ""
    offending_rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # tables left empty before it ran, and why


@dataclass
class VerifyResult:
    directory: str
    engines: list[str]
    checks: list[CheckResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # per engine; not for checked output
    rows: int | None = None  # rows in the largest table of the populated run (None: not run)
    populated: list["PopulatedStep"] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (not any(f.severity == "error" for f in self.findings)
                and all(c.result != FAIL for c in self.checks))

    def frame(self):
        """One row per (engine, migration, check): the long form of `matrix`."""
        import pandas as pd
        return pd.DataFrame([asdict(c) for c in self.checks],
                            columns=["engine", "version", "migration", "check", "result", "detail"])

    def matrix(self):
        """Migrations as rows, (engine, check) as columns, pass / FAIL / skip in the cells."""
        import pandas as pd
        df = self.frame()
        if df.empty:
            return pd.DataFrame()
        order = list(dict.fromkeys(df["migration"]))
        wide = df.pivot(index="migration", columns=["engine", "check"], values="result")
        cols = pd.MultiIndex.from_tuples([(e, c) for e in self.engines for c in CHECKS + (DATA_CHECK,)
                                          if (e, c) in wide.columns], names=["engine", "check"])
        return wide.reindex(index=order, columns=cols).fillna("")

    def to_dict(self) -> dict[str, Any]:
        out = {"ok": self.ok, "directory": self.directory, "engines": self.engines,
               "checks": [asdict(c) for c in self.checks],
               "findings": [f.to_dict() for f in self.findings]}
        if self.rows is not None:
            out["rows"] = self.rows
            out["populated"] = [asdict(p) for p in self.populated]
        return out

    def format_text(self) -> str:
        lines = [f.format() for f in self.findings]
        for engine in self.engines if self.rows is not None else ():
            steps = [p for p in self.populated if p.engine == engine]
            if steps:
                slow = max(steps, key=lambda p: p.duration_ms)
                lines.append(f"{engine} with {self.rows} rows: {sum(p.result == PASS for p in steps)} of "
                             f"{len(steps)} migrations ran, slowest {slow.migration} "
                             f"{slow.duration_ms:.1f} ms on {slow.rows_present} rows")
        passed = sum(c.result == PASS for c in self.checks)
        failed = sum(c.result == FAIL for c in self.checks)
        lines.append(f"{'ok' if self.ok else 'FAILED'}: {passed} checks passed, {failed} failed, "
                     f"{len(self.checks) - passed - failed} skipped on {', '.join(self.engines)}")
        return "\n".join(lines)


def _finding(rule: str, message: str, file: str | None, line: int | None = 1,
             d: SchemaDiff | None = None) -> Finding:
    """A finding in the lint's format; a single-object diff also fills table/column/index."""
    table = column = index = None
    if d is not None and d.changes:
        first = d.changes[0]
        table = first.table
        if first.object_type == "column":
            column = first.name
        elif first.object_type == "index":
            index = first.name
    return Finding(rule, SEVERITY[rule], message, table=table, column=column, index=index,
                   file=file, line=line)


def _same_engine_diff(a: Schema, b: Schema) -> SchemaDiff:
    """Exact diff of two schemas read from the same engine. Most of them are equal: comparing
    the plain models first skips the expression canonicalisation (most of diff's time)."""
    if schema_shape(a) == schema_shape(b):
        return SchemaDiff()
    return diff(a, b)


def _diff_text(d: SchemaDiff) -> str:
    lines = [str(c) for c in d.changes]
    more = len(lines) - MAX_DIFF_LINES
    return "; ".join(lines[:MAX_DIFF_LINES]) + (f"; ... {more} more" if more > 0 else "")


class _EngineRun:
    """The checks for one engine. Keeps at most one throw-away database open at a time."""

    def __init__(self, directory: str, name: str, result: VerifyResult):
        self.directory, self.name, self.result = directory, name, result
        self.stack = contextlib.ExitStack()
        self.engine: Engine | None = None
        self.m: Migrator | None = None
        self.declared: dict[int, Schema] = {}

    # -- plumbing -------------------------------------------------------------------------
    def fresh(self, upto: int | None = None) -> None:
        """A new empty database (the old one is dropped), migrated up to `upto`."""
        self.stack.close()
        self.stack = contextlib.ExitStack()
        self.engine = self.stack.enter_context(_engines.throwaway(self.name))
        old, self.m = self.m, Migrator(self.directory, self.engine)
        if old is not None:  # same folder, same dialect: reuse the rendered files and models
            self.m._rendered, self.m.folder = old._rendered, old.folder
        if upto is not None:
            self.m.up(target=upto)

    def schema(self) -> Schema:
        return self.engine.introspect()

    def history(self) -> dict[int, HistoryRow]:
        return self.m.history.rows()

    def model(self, version: int | None) -> Schema:
        """The declared model after `version` (None: after all), as this engine holds it."""
        key = -1 if version is None else version
        if key not in self.declared:
            from dbdesign.dialects import render
            self.declared[key] = render(self.m.folder.schema_at(version, self.name), self.name).model
        return self.declared[key]

    def modelled(self, mg: Migration) -> bool:
        """Whether the declared model describes this engine after `mg`: not once a file in
        another dialect than the model's ran here (an engine override, or `--read` files)."""
        def foreign(m: Migration) -> bool:
            verbatim = self.m.file_for(m, "up")[1]
            return verbatim and self.m.read != self.name
        return not any(foreign(m) for m in self.m.migrations if m.version <= mg.version)

    def has_down(self, mg: Migration) -> bool:
        """A down file runs here, or neither file does (a version with no file for this engine)."""
        up, down, _ = mg.files_for(self.name)
        return down is not None or up is None

    def cell(self, mg: Migration | None, check: str, ok: bool | None, detail: str = "") -> None:
        result = SKIP if ok is None else PASS if ok else FAIL
        self.result.checks.append(CheckResult(self.name, mg.version if mg else None,
                                              mg.label if mg else ALL, check, result, detail))

    def find(self, rule: str, message: str, file: str | None, line: int | None = 1,
             d: SchemaDiff | None = None, unless_found: bool = False) -> None:
        """Record a finding; `unless_found`: only when this engine has none yet (the whole-folder
        row repeats what the per-migration rows already said)."""
        prefix = f"{self.name}: "
        if unless_found and any(f.message.startswith(prefix) for f in self.result.findings):
            return
        self.result.findings.append(_finding(rule, prefix + message, file, line, d))

    def compare(self, mg: Migration | None, check: str, d: SchemaDiff, rule: str, message: str,
                file: str | None, unless_found: bool = False) -> SchemaDiff:
        """One check that two schemas match: its cell, and a finding `message: <the diff>`
        when they differ. Returns the diff."""
        self.cell(mg, check, d.is_empty, _diff_text(d))
        if d:
            self.find(rule, f"{message}: {_diff_text(d)}", file, 1, d, unless_found)
        return d

    @staticmethod
    def failed(err: Exception, default_file: str | None) -> tuple[str | None, int | None]:
        return getattr(err, "file", None) or default_file, getattr(err, "line", None) or 1

    @staticmethod
    def why(err: Exception) -> str:
        return getattr(err, "detail", None) or getattr(err, "message", None) or str(err)

    # -- checks ---------------------------------------------------------------------------
    def run(self, rows: int | None = None, seed: int = 42) -> None:
        try:
            if rows is not None:
                self.populated_run(rows, seed)
            self.fresh()
            previous = self.schema()
            broken: str | None = None
            for mg in self.m.migrations:
                if broken:
                    for check in CHECKS:
                        self.cell(mg, check, None, f"not reached: {broken} fails on {self.name}")
                    continue
                after = self.one(mg, previous)
                if after is None:  # this database is unusable now: start over on a fresh one
                    try:
                        self.fresh(upto=mg.version)
                        after = self.schema()
                    except FAILURES:
                        broken = mg.label
                previous = after
            self.whole()
        finally:
            self.stack.close()

    # -- the populated run ------------------------------------------------------------------
    def populated_run(self, rows: int, seed: int) -> None:
        """Each migration on a database filled with generated rows after every version; after a
        failure the run goes on from a fresh database brought up to that version and filled."""
        from dbdesign.lab import datagen
        self.fresh()
        final = self.m.folder.schema_at(None, self.name)
        sizes = {p.name: p.rows for p in datagen.plan_rows(final, rows)} if final.tables else {}
        loaded: dict[str, int] = {}
        notes: list[str] = []
        for mg in self.m.migrations:
            present = sum(loaded.values())
            start = time.perf_counter()
            try:
                self.m.up(target=mg.version)
                ok = True
            except FAILURES as err:
                ok, failure = False, err
            ms = round((time.perf_counter() - start) * 1000, 1)
            step = PopulatedStep(self.name, mg.version, mg.label, present, ms, PASS if ok else FAIL,
                                 notes=notes)
            self.result.populated.append(step)
            if not ok:
                self.data_failure(mg, step, failure)
                try:
                    self.fresh(upto=mg.version)
                except FAILURES:
                    self.cell(mg, DATA_CHECK, False, step.error)
                    return
                loaded = {}
            self.cell(mg, DATA_CHECK, ok, step.error or "; ".join(notes))
            if mg.version != self.m.migrations[-1].version:
                notes = self.fill(mg, loaded, sizes, seed)

    def fill(self, mg: Migration, loaded: dict[str, int], sizes: dict[str, int], seed: int) -> list[str]:
        """Generate and load rows into the tables of the model after `mg` that are still empty;
        the filled ones are pinned to the rows they hold, so new foreign keys find their parents.
        A table whose generated rows the engine refuses stays empty, table by table; one whose
        generated rows its constraints partly rejected (a UNIQUE on a value list keeps one row
        per value) holds the rest. Returns one note per such table."""
        import copy

        from dbdesign.lab import datagen
        schema = copy.deepcopy(self.m.folder.schema_at(mg.version, self.name))
        empty = [name for name in schema.tables if name not in loaded]
        if not empty:
            return []
        counts = {name: loaded.get(name, sizes.get(name)) for name in schema.tables
                  if name in loaded or name in sizes}
        try:
            data = datagen.generate(schema, max(sizes.values(), default=1), seed=seed, counts=counts,
                                    progress=False)
        except InputError as err:
            return [f"no rows generated after {mg.label}: {err}"]
        notes = []
        for plan in data.plan:
            if plan.name not in empty:
                continue
            one = datagen.Dataset(data.conn, schema, seed, [plan], {plan.name: data.counts[plan.name]})
            try:
                loaded.update(datagen.load(one, self.engine, schema, create=False, indexes="none").rows)
            except (EngineError, InputError) as err:
                notes.append(f"{plan.name} left empty after {mg.label}: the engine refused its "
                             f"generated rows: {err}")
                continue
            rejected = data.rejection().get(plan.name)
            if rejected:
                notes.append(f"{plan.name} filled after {mg.label} with {data.counts[plan.name]} of "
                             f"{rejected['generated']} generated rows; its constraints rejected the rest "
                             f"({', '.join(f'{k}: {n}' for k, n in rejected['reasons'].items())})")
        return notes

    def data_failure(self, mg: Migration, step: PopulatedStep, err: Exception) -> None:
        """The finding for a migration that failed on the populated database: where, the engine's
        message, the lint's probe for that statement and the first rows it finds."""
        from dbdesign.checks.migration_lint import statement_probes
        file, line = self.failed(err, self.m.file_for(mg, "up")[0])
        step.error = self.why(err)
        probes = []
        with contextlib.suppress(InputError, OSError):
            probes = statement_probes(file, self.m.schema_before(mg.version), mg.version).get(line, [])
        for probe in probes:
            sql = self.engine_sql(probe.rows_sql(OFFENDING_ROWS))
            try:
                found = self.engine.query(sql)
            except Exception as perr:  # noqa: BLE001 - a probe that does not run here is reported
                step.probe = step.probe or f"{sql} (did not run on {self.name}: {perr})"
                continue
            if found or not step.probe:
                step.probe = sql
                step.offending_rows = [[_plain(v) for v in row] for row in found]
            if found:
                break
        shown = "; ".join(str(tuple(r)) for r in step.offending_rows)
        self.find("migration-data-failed",
                  f"{mg.label} fails on a database holding {step.rows_present} generated rows: "
                  f"{step.error}" + (f"; probe: {step.probe}" if step.probe else "; no probe query for "
                                     "this statement") + (f"; first offending rows: {shown}" if shown else ""),
                  file, line)

    def engine_sql(self, sql: str) -> str:
        """A probe (PostgreSQL dialect, as the lint writes it) in this engine's dialect."""
        import sqlglot
        if get_dialect(self.name).MIGRATION_VERBATIM:
            return sql
        return sqlglot.transpile(sql, read="postgres", write=self.engine.dialect)[0]

    def up_to(self, mg: Migration, what: str, report: bool = True) -> bool:
        try:
            self.m.up(target=mg.version)
            return True
        except FAILURES as err:
            if report:
                file, line = self.failed(err, self.m.file_for(mg, 'up')[0])
                self.find("migration-up-failed" if what == "up" else "migration-irreversible",
                          f"{what} of {mg.label} failed: {self.why(err)}", file, line)
            return False

    def one(self, mg: Migration, previous: Schema) -> Schema | None:
        """The four checks for one migration; returns the schema after its up (None: broken)."""
        if not self.up_to(mg, "up"):
            for check in CHECKS:
                self.cell(mg, check, False if check == "up" else None, "up failed")
            return None
        after = self.schema()
        up_file = self.m.file_for(mg, "up")[0]
        if self.modelled(mg):
            self.compare(mg, "up", diff(self.model(mg.version), after, engine=self.name),
                         "migration-model-mismatch", f"after {mg.label} the engine holds something "
                         "other than the declared model (- declared only, + engine only)", up_file)
        else:
            self.cell(mg, "up", None, f"an engine override ran verbatim on {self.name} (at or "
                                      "before this version): checked by idempotent, down and re-up")
        self.idempotent(mg, after, lambda: self.m.up(target=mg.version).versions, up_file)
        if not self.has_down(mg):
            self.cell(mg, "down restores", None, "no down file (see migration-down-missing)")
            self.cell(mg, "re-up", None, "no down file")
            return after
        try:
            self.m.down(steps=1)
        except FAILURES as err:
            file, line = self.failed(err, self.m.file_for(mg, 'down')[0])
            self.find("migration-irreversible", f"down of {mg.label} failed: "
                      f"{self.why(err)}", file, line)
            self.cell(mg, "down restores", False, "down failed")
            self.cell(mg, "re-up", None, "down failed")
            return None
        d = self.compare(mg, "down restores", _same_engine_diff(previous, self.schema()),
                         "migration-irreversible", f"up then down of {mg.label} does not restore "
                         "the schema before it (- lost, + left behind)", self.m.file_for(mg, 'down')[0])
        # After a dirty down the re-up usually trips over the leftovers: one finding is enough.
        if not self.up_to(mg, "up after down", report=not d):
            self.cell(mg, "re-up", False, "up after down failed")
            return None
        self.compare(mg, "re-up", _same_engine_diff(after, self.schema()), "migration-irreversible",
                     f"up -> down -> up of {mg.label} gives a different schema than the first up "
                     "(- first, + second)", self.m.file_for(mg, 'down')[0])
        return None if d else after  # a dirty down leaves this database unusable for the rest

    def idempotent(self, mg: Migration | None, schema: Schema, again: Callable[[], list[int]],
                   file: str | None) -> None:
        rows = self.history()
        applied = again()
        same_rows = rows == self.history()
        d = _same_engine_diff(schema, self.schema())
        ok = not applied and same_rows and d.is_empty
        detail = "" if ok else (f"applied {applied} again" if applied else
                                "history changed" if not same_rows else _diff_text(d))
        self.cell(mg, "idempotent", ok, detail)
        if not ok:
            self.find("migration-not-idempotent", f"a second up after {mg.label if mg else 'all'} "
                      f"was not a no-op: {detail}", file)

    def whole(self) -> None:
        """The deploy path on a fresh database: up all, again, down to 0, up all again."""
        self.fresh()
        last = self.m.migrations[-1] if self.m.migrations else None
        try:
            self.m.up()
        except FAILURES as err:
            file, line = self.failed(err, None)
            self.find("migration-up-failed", f"up of the whole folder failed: "
                      f"{self.why(err)}", file, line, unless_found=True)
            for check in CHECKS:
                self.cell(None, check, False if check == "up" else None, "up failed")
            return
        after = self.schema()
        last_file = self.m.file_for(last, "up")[0] if last else None
        if all(self.modelled(mg) for mg in self.m.migrations) and not self.m.folder.repeatables:
            self.compare(None, "up", diff(self.model(None), after, engine=self.name),
                         "migration-model-mismatch", "after up of the whole folder the engine holds "
                         "something other than the declared model", last_file, unless_found=True)
        else:
            self.cell(None, "up", None, "engine overrides or repeatables run verbatim here")
        self.idempotent(None, after, lambda: self.m.up().versions, last_file)
        if not all(self.has_down(mg) for mg in self.m.migrations):
            self.cell(None, "down restores", None, "a migration has no down file")
            self.cell(None, "re-up", None, "a migration has no down file")
            return
        try:
            self.m.down(to=0)
        except FAILURES as err:
            file, line = self.failed(err, None)
            self.find("migration-irreversible", f"down --to 0 failed: {self.why(err)}", file, line,
                      unless_found=True)
            self.cell(None, "down restores", False, f"down to 0 failed: {self.why(err)}")
            self.cell(None, "re-up", None, "down failed")
            return
        self.compare(None, "down restores", _same_engine_diff(Schema(), self.schema()),
                     "migration-irreversible", "down --to 0 does not leave an empty database "
                     "(+ left behind)", self.m.file_for(self.m.migrations[0], "down")[0],
                     unless_found=True)
        try:
            self.m.up()
        except FAILURES as err:
            file, line = self.failed(err, None)
            self.find("migration-irreversible", f"up after down --to 0 failed: {self.why(err)}",
                      file, line, unless_found=True)
            self.cell(None, "re-up", False, f"up after down to 0 failed: {self.why(err)}")
            return
        self.compare(None, "re-up", _same_engine_diff(after, self.schema()), "migration-irreversible",
                     "up -> down --to 0 -> up gives a different schema",
                     self.m.file_for(last, "down")[0], unless_found=True)


def _plain(value: Any) -> Any:
    """A value of an offending row as JSON can carry it."""
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def verify(directory: str, engines: Iterable[str] = ("sqlite", "duckdb"),
           against: Iterable[str] = (),
           on_engine: Callable[[str], None] | None = None,
           rows: int | None = None, seed: int = 42) -> VerifyResult:
    """Run every check on a throw-away database of each engine (servers: `postgres`, `mysql`
    via `engines.server_url`). `against`: URLs of databases where the folder is applied
    already (read only) whose history checksums are compared with the files. `rows`: also
    run the folder on a database populated with that many generated rows (largest table).

    Bad input (missing folder, unparsable file, unknown engine) raises InputError before any
    database is created; an unreachable server raises EngineUnavailable."""
    names = list(dict.fromkeys(engines))
    if rows is not None and rows < 1:
        raise InputError(f"--rows must be at least 1 (got {rows})")
    for name in names:
        _engines.engine_class(name)  # unknown engine -> InputError now
    for url in against:  # a bad URL or a missing file -> InputError before anything runs
        _engines.connect(url, create=False).close()
    if not load_folder(directory):  # bad input -> InputError before any database exists
        raise InputError("no migrations in this folder (NNNN_name.up.sql files); nothing to "
                         "verify", directory)
    result = VerifyResult(os.path.normpath(directory), names, rows=rows)
    for name in names:
        if on_engine:
            on_engine(name)
        start = time.perf_counter()
        _EngineRun(directory, name, result).run(rows, seed)
        result.seconds[name] = round(time.perf_counter() - start, 3)
    for url in against:
        from dbdesign.migrate.runner import open_migrator
        with open_migrator(directory, url, create=False) as m:
            status = m.status()
            result.findings.extend(checksum_findings(status, m))
            result.findings.extend(history_findings(status))
    return result


def history_findings(status) -> list[Finding]:
    """Applied migrations whose files are gone, and failed ones: errors, like edited files."""
    rules = {"missing-file": "migration-file-missing", "failed": "migration-failed"}
    return [Finding(rules[p.kind], "error", p.message) for p in status.problems if p.kind in rules]


# -- the rollback drill: what a failing migration leaves behind -----------------------------

DRILL_UP = """-- Drill: statement 1 works, statement 2 fails on the dev seed (an author has two posts).
ALTER TABLE posts ADD COLUMN reading_minutes INTEGER;
CREATE UNIQUE INDEX idx_posts_one_per_author ON posts (user_id);
"""
DRILL_DOWN = """DROP INDEX idx_posts_one_per_author;
ALTER TABLE posts DROP COLUMN reading_minutes;
"""


@dataclass
class Drill:
    """What happened, step by step, when a migration failed half-way on one engine, and what
    it took to get back to a good state. Paths are shown relative (``migrations/...``)."""
    engine: str
    transactional: bool
    failed_file: str
    failed_line: int | None
    error: str
    left_behind: str  # diff of the schema before -> after the failed up
    state_after_failure: str  # the failed migration's state in the history
    second_up: str  # what running `up` again says before anyone fixed anything
    manual_fix: str  # what a human had to do to the database
    repair: str  # what `repair` reported
    final_state: str
    final_matches_model: bool

    def steps(self) -> list[tuple[str, str]]:
        return [("failed at", f"{self.failed_file}:{self.failed_line}"),
                ("left behind", self.left_behind),
                ("history", self.state_after_failure),
                ("up again", self.second_up),
                ("manual fix in the database", self.manual_fix),
                ("repair", self.repair),
                ("after fixing the file: up", self.final_state)]


def drill_frame(drills: Iterable[Drill]):
    """The drills side by side: one row per step, one column per engine."""
    import pandas as pd
    drills = list(drills)
    frame = pd.DataFrame({d.engine: dict(d.steps()) for d in drills})
    frame.index.name = "step"
    return frame.reset_index()


def failure_drill(engine_name: str, directory: str = "migrations", seeds_dir: str = "seeds",
                  env: str = "dev") -> Drill:
    """Rollback drill on a throw-away database: apply `directory` and the `env` seed, add a
    migration whose second statement fails on that data (a UNIQUE index the data violates),
    run `up`, and record what is left, what the history says, what a second `up` does, the
    fix (file corrected; on engines without transactional DDL also the half-applied change
    undone by hand and `repair`), and that the end state equals what a clean `up` of the
    fixed folder builds."""
    import shutil
    import tempfile

    from dbdesign.migrate.runner import MigrationBlocked, MigrationFailed
    from dbdesign.generate.seeds import apply_seeds

    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "migrations")
        shutil.copytree(directory, folder)
        rel = lambda text: str(text).replace(tmp + os.sep, "")  # noqa: E731 - paths as a reader sees them
        existing = load_folder(folder)
        last = existing[-1]
        width = len(last.version_text)
        base = os.path.join(folder, f"{last.version + 1:0{width}d}_add_posts_reading_minutes")
        with open(base + ".up.sql", "w", encoding="utf-8") as fh:
            fh.write(DRILL_UP)
        with open(base + ".down.sql", "w", encoding="utf-8") as fh:
            fh.write(DRILL_DOWN)
        with _engines.throwaway(engine_name) as eng:
            m = Migrator(folder, eng)
            m.up(target=last.version)
            apply_seeds(eng, m.schema_before(last.version + 1), seeds_dir, env)
            before = eng.introspect()
            try:
                m.up()
                raise InputError(f"the drill's migration did not fail on the {env} seed: it needs "
                                 "two posts by one author", seeds_dir)
            except MigrationFailed as err:
                failed = err
            left = diff(before, eng.introspect())
            drill_row = m.status().migrations[-1]
            try:
                m.up()
                second = "runs it again (fails the same way until the file or the data is fixed)"
            except MigrationBlocked as err:
                second = "refused: " + rel(err)
            except MigrationFailed:
                second = "runs it again and fails the same way: nothing to clean up first"
            with open(base + ".up.sql", "w", encoding="utf-8") as fh:  # the fix: not UNIQUE
                fh.write(DRILL_UP.replace("CREATE UNIQUE INDEX", "CREATE INDEX"))
            manual = "none"
            if left:
                eng.execute("ALTER TABLE posts DROP COLUMN reading_minutes")
                manual = "ALTER TABLE posts DROP COLUMN reading_minutes"
            m = Migrator(folder, eng)
            repaired = m.repair()
            applied = m.up().versions
            end = eng.introspect()
            with _engines.throwaway(engine_name) as fresh:  # engine overrides run verbatim, so
                Migrator(folder, fresh).up()                # the target is what a clean up builds
                matches = diff(fresh.introspect(), end, engine=engine_name).is_empty
            return Drill(engine_name, bool(eng.capabilities.transactional_ddl),
                         rel(failed.file), failed.line, rel(failed.detail),
                         left.format_text(), drill_row.state, second, manual,
                         "; ".join(rel(r) for r in repaired) or "nothing to repair",
                         f"applied {applied}, state {m.status().migrations[-1].state}", matches)
