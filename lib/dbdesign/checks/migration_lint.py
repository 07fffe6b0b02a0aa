"""Migration-safety lint: risky operations in up/down files, aware of what earlier migrations made.

The lint replays the folder on the schema model (`parse`), so every rule knows whether a table
existed *before* the migration being checked. That is what separates a dangerous statement from
a harmless one: `CREATE INDEX` without CONCURRENTLY locks writes on a live table, but not on a
table created a few lines earlier in the same file (squawk's most common false positive).

Rules: `RULES` (id -> severity, why, fix); findings use the design lint's `Finding` and carry
a probe query where the risk depends on the data (duplicates, NULLs, rows a new constraint
rejects, the table's size). The lock rules are PostgreSQL's (they read PostgreSQL-dialect
files); `migration-table-copy` asks a real MariaDB/MySQL server (`table_copy`). A migration of
the same unapplied batch (`batch_from`, or what `url` has not applied) that created a table
makes it "new" for the later files too. A file whose first line is `-- dbdesign:no-transaction`
runs outside the runner's transaction: CONCURRENTLY and transaction control are allowed there.

squawk (PyPI `squawk-cli`) runs on the same files when installed (`run_squawk`);
`compare_with_squawk` lines both up rule by rule (`SQUAWK_PAIRS`), chapter 03 shows the table.
In short: squawk also flags tables created in the same file and down files, and adds
operational advice (statement_timeout, IF NOT EXISTS, text over varchar); we add pairs and
history (down missing, irreversible, version conflicts, checksums), data probes, batch
awareness, NOT VALID constraints never validated, and the server's own COPY answer on MariaDB.
"""
from __future__ import annotations

import contextlib
import copy
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from sqlglot import exp

from dbdesign.errors import InputError, read_text
from dbdesign.checks.lint import Finding
from dbdesign.model import Schema
from dbdesign.schema.parse import Statement, parse_sql, split_statements
from dbdesign.schema.source import MIGRATION_RE, Migration

RULES: dict[str, tuple[str, str, str]] = {
    # rule: (severity, why it matters, what to do)
    "migration-down-missing": ("error", "no rollback path", "write the down file"),
    "migration-destructive": ("warning", "data is gone and deployed code still reads it",
                              "stop using it in one release, drop it in the next, back up first"),
    "migration-not-null-without-default": ("error", "fails on the first existing row",
                                           "add nullable, backfill, then SET NOT NULL"),
    "migration-index-not-concurrent": ("warning", "CREATE INDEX holds a SHARE lock: writes wait for "
                                       "the whole build", "CREATE INDEX CONCURRENTLY, no-transaction file"),
    "migration-mixes-data-and-schema": ("warning", "cannot be retried or reverted separately",
                                        "one data migration, one schema migration"),
    "migration-rename": ("warning", "deployed code uses the old name", "expand/contract"),
    "migration-type-change": ("warning", "rewrite under ACCESS EXCLUSIVE, may fail on values",
                              "new column + backfill"),
    "migration-version-conflict": ("error", "two branches claim one version", "renumber"),
    "migration-unique-on-existing": ("warning", "fails if existing rows collide",
                                     "run the probe query first"),
    "migration-constraint-not-valid": ("warning", "PostgreSQL: ADD FOREIGN KEY / CHECK scans the table "
                                       "while writes wait", "ADD ... NOT VALID, then VALIDATE CONSTRAINT"),
    "migration-lock-timeout-missing": ("warning", "PostgreSQL: a statement queued for a strong lock "
                                       "blocks every query behind it while it waits",
                                       "SET lock_timeout first, retry on timeout"),
    "migration-volatile-default": ("warning", "PostgreSQL: a volatile default rewrites every row "
                                   "under ACCESS EXCLUSIVE", "add without default, backfill in batches"),
    "migration-set-not-null": ("warning", "PostgreSQL: SET NOT NULL scans the table under ACCESS "
                               "EXCLUSIVE and fails on a NULL",
                               "validated CHECK (col IS NOT NULL) NOT VALID first (PG 12+)"),
    "migration-drop-index-not-concurrent": ("warning", "PostgreSQL: DROP INDEX takes ACCESS EXCLUSIVE "
                                            "on the table", "DROP INDEX CONCURRENTLY, no-transaction file"),
    "migration-transaction-control": ("error", "BEGIN/COMMIT inside a file breaks the runner's one "
                                      "transaction: half stays, no history row",
                                      "remove it, or mark the file -- dbdesign:no-transaction"),
    "migration-concurrently-in-transaction": ("error", "PostgreSQL: CONCURRENTLY cannot run in a "
                                              "transaction block", "own file, marked -- dbdesign:no-transaction"),
    "migration-add-primary-key": ("warning", "PostgreSQL: ADD PRIMARY KEY / UNIQUE builds the index "
                                  "under ACCESS EXCLUSIVE", "CREATE UNIQUE INDEX CONCURRENTLY, then "
                                  "ADD CONSTRAINT ... USING INDEX"),
    "migration-table-copy": ("warning", "MariaDB/MySQL: the server answers that the ALTER can run "
                             "neither INSTANT nor INPLACE, so it copies the table and blocks writes",
                             "expand/contract, or an online schema change tool"),
    "migration-irreversible": ("error", "up then down does not restore the schema", "fix the down file"),
    "migration-checksum-mismatch": ("error", "an applied file changed", "restore it or `repair`"),
    # found by `verify` on real engines only
    "migration-model-mismatch": ("error", "the engine holds something else than the model", "see the diff"),
    "migration-not-idempotent": ("error", "a second up was not a no-op", "see the history"),
    "migration-up-failed": ("error", "an up file fails on an engine", "see the message"),
    "migration-data-failed": ("error", "an up file fails on a database that holds rows",
                              "run the probe query, fix the rows in a data migration before it"),
}
SEVERITY = {rule: spec[0] for rule, spec in RULES.items()}
POSTGRES_ONLY = frozenset(rule for rule, spec in RULES.items() if spec[1].startswith("PostgreSQL:"))
_DML = (exp.Insert, exp.Update, exp.Delete, exp.Merge)
_DDL = (exp.Create, exp.Alter, exp.Drop, exp.TruncateTable)


@dataclass
class _File:
    version: int
    name: str
    version_text: str = ""
    up: str | None = None
    down: str | None = None

    @property
    def is_data(self) -> bool:
        return Migration(self.version, "", self.name, None, None).is_data


def _finding(rule: str, message: str, file: str | None, line: int | None = None,
             table: str | None = None, column: str | None = None, index: str | None = None) -> Finding:
    return Finding(rule, SEVERITY[rule], message, table=table, column=column, index=index,
                   file=file, line=line)


def _scan(directory: str) -> tuple[list[_File], list[Finding]]:
    """Pair the files by (version, name); two names on one version is a finding, not a crash."""
    if not os.path.isdir(directory):
        raise InputError("no such migrations folder; give a folder of {version}_{name}.up.sql files",
                         directory)
    files: dict[tuple[int, str], _File] = {}
    for entry in sorted(os.listdir(directory)):
        m = MIGRATION_RE.match(entry)
        if not m:
            continue
        key = (int(m.group("version")), m.group("name"))
        f = files.setdefault(key, _File(*key, m.group("version")))
        setattr(f, m.group("direction"), os.path.join(directory, entry))
    findings = []
    by_version: dict[int, list[_File]] = {}
    for f in files.values():
        if f.up is None:
            raise InputError(f"migration {f.version}_{f.name} has a down file but no up file; add the "
                             ".up.sql", f.down)
        by_version.setdefault(f.version, []).append(f)
    for version, group in by_version.items():
        for f in group[1:]:
            findings.append(_finding(
                "migration-version-conflict",
                f"version {version} is used by {len(group)} migrations "
                f"({', '.join(g.name for g in group)}); renumber all but one above the highest "
                "version (two branches merged?)", f.up, 1))
    return sorted(files.values(), key=lambda f: (f.version, f.name)), findings


def _table(node: exp.Expression | None) -> str:
    t = node.find(exp.Table) if node is not None and not isinstance(node, exp.Table) else node
    if t is None:
        return "?"
    return f"{t.db}.{t.name}" if t.db else t.name


def _ident_names(node: exp.Expression) -> list[str]:
    return [i.name for i in node.find_all(exp.Identifier)]


@dataclass
class _Folder:
    """What the lint remembers across the files of one run: tables created by the files of the
    unapplied batch so far, indexes built CONCURRENTLY, CHECK (col IS NOT NULL) constraints
    and which constraints were validated, NOT VALID constraints still waiting for VALIDATE."""
    batch_tables: set[str] = field(default_factory=set)
    concurrent_indexes: set[str] = field(default_factory=set)
    not_null_checks: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (table, col)
    validated: set[str] = field(default_factory=set)
    waiting: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # name -> (file, line, table)


_TX_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START\s+TRANSACTION|END|ABORT)\b",
                         re.I)
_NOT_VALID = re.compile(r"\bNOT\s+VALID\s*$", re.I)
_VALIDATE = re.compile(r"^\s*ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?(?P<table>[\w.\"]+)\s+"
                       r"VALIDATE\s+CONSTRAINT\s+(?P<name>[\w\"]+)", re.I)
_USING_INDEX = re.compile(r"^\s*ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?(?P<table>[\w.\"]+)\s+ADD\s+"
                          r"(?:CONSTRAINT\s+[\w\"]+\s+)?(?P<kind>PRIMARY\s+KEY|UNIQUE)\s+USING\s+INDEX\s+"
                          r"(?P<index>[\w\"]+)", re.I)
_VARCHAR_LENGTH = re.compile(r"^\s*(?:VARCHAR|CHAR|CHARACTER(?:\s+VARYING)?)\s*\(\s*(\d+)\s*\)\s*$", re.I)
_LOCK_TIMEOUT = re.compile(r"\block_timeout\b", re.I)
_CONCURRENTLY = re.compile(r"\b(CREATE|DROP)\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b|\bREINDEX\b.*\bCONCURRENTLY\b"
                           r"|\bREFRESH\s+MATERIALIZED\s+VIEW\s+CONCURRENTLY\b|\bDETACH\s+PARTITION\b.*\bCONCURRENTLY\b",
                           re.I | re.S)
# Functions PostgreSQL marks VOLATILE that appear as column defaults: the value differs per row,
# so ADD COLUMN ... DEFAULT f() must rewrite every row (a constant default is stored once, PG 11+).
VOLATILE_FUNCTIONS = {"gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
                      "random", "clock_timestamp", "timeofday", "nextval", "txid_current",
                      "gen_random_bytes", "uuidv7", "uuidv4"}
_SERIAL_TYPES = {"SERIAL", "BIGSERIAL", "SMALLSERIAL"}


def no_transaction_marked(text: str) -> bool:
    """True when the file's first line is a comment carrying the runner's no-transaction marker
    (`-- dbdesign:no-transaction`): the runner runs it statement by statement, outside a
    transaction, so CONCURRENTLY and explicit transaction control are allowed in it."""
    from dbdesign.migrate.runner import NO_TRANSACTION_MARKER
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    return first.startswith("--") and NO_TRANSACTION_MARKER in first


@dataclass(frozen=True)
class Probe:
    """The query for the existing rows that make a statement fail: rows matching `where`
    (NULLs before SET NOT NULL, rows a CHECK or FK rejects; None: any row), or with `keys`
    the groups of rows that collide before a UNIQUE. PostgreSQL dialect, as the lint reads."""
    table: str
    where: str | None = None
    keys: tuple[str, ...] = ()
    alias: str | None = None  # the table's alias in `where` (the FK probe names it t)

    def _from(self) -> str:
        return f"{self.table} {self.alias}" if self.alias else self.table

    @property
    def count_sql(self) -> str:
        """How many rows (or groups) fail: what the lint's messages show."""
        if self.keys:
            return _dup_probe(self.table, list(self.keys), self.where)
        return f"SELECT count(*) FROM {self._from()}" + (f" WHERE {self.where}" if self.where else "")

    def rows_sql(self, limit: int = 5) -> str:
        """The first `limit` offending rows (or colliding groups with their count)."""
        if self.keys:
            return f"{_dup_probe(self.table, list(self.keys), self.where)} LIMIT {int(limit)}"
        star = f"{self.alias}.*" if self.alias else "*"
        where = f" WHERE {self.where}" if self.where else ""
        return f"SELECT {star} FROM {self._from()}{where} LIMIT {int(limit)}"


def _size_probe(table: str) -> str:
    """A PostgreSQL query for the size of `table` (a qualified model name): the name as
    regclass text, each part quoted as the DDL writes it, in one string literal."""
    from dbdesign.dialects import DIALECTS
    pg = DIALECTS["postgres"]
    name = pg.literal(".".join(pg.quote(part) for part in table.split(".")))
    return (f"SELECT reltuples::bigint AS rows, pg_size_pretty(pg_total_relation_size({name})) "
            f"FROM pg_class WHERE oid = {name}::regclass")


class _FileLint:
    """Rules over one migration file, with `before` = the model after every earlier migration
    and `folder` = what the earlier files of this run did."""

    def __init__(self, f: _File, before: Schema, folder: _Folder | None = None, path: str | None = None):
        self.f = f
        self.before = before
        self.folder = folder if folder is not None else _Folder()
        self.path = path or f.up
        self.created_here: set[str] = set()
        self.indexes_here: dict[str, str] = {}  # index -> table, for CREATE INDEX in this file
        self.lock_timeout_set = False
        self.marked = no_transaction_marked(read_text(self.path))
        self.probes: dict[int, list[Probe]] = {}  # statement line -> rows that make it fail

    def probe(self, stmt: Statement, probe: Probe) -> Probe:
        """Remember `probe` for the statement (for `statement_probes`) and return it."""
        self.probes.setdefault(stmt.line, []).append(probe)
        return probe

    def existed(self, table: str) -> bool:
        """The table holds rows and readers: it existed before this file and was not created by
        an earlier file of the same unapplied batch."""
        return (table not in self.created_here and table not in self.folder.batch_tables
                and self.before.table(table) is not None)

    def transaction_rules(self, statements: list[Statement]) -> Iterator[Finding]:
        """`migration-transaction-control` and `migration-concurrently-in-transaction`, for up
        and down files alike: both run inside the runner's transaction unless marked."""
        if self.marked:
            return
        for stmt in statements:
            m = _TX_CONTROL.match(stmt.sql)
            if m:
                yield _finding("migration-transaction-control",
                               f"{m.group(1).upper()} inside a migration ends or splits the transaction "
                               "the runner wraps around the file: what ran before it stays even if a "
                               "later statement fails, and the history row is not written with it. "
                               "Remove it (the runner commits), or mark the file with "
                               "`-- dbdesign:no-transaction` on its first line to run it without one",
                               self.path, stmt.line)
            if _CONCURRENTLY.search(stmt.sql):
                yield _finding("migration-concurrently-in-transaction",
                               "CONCURRENTLY cannot run inside a transaction block, and this file runs "
                               "in one; put the statement in its own migration whose first line is "
                               "`-- dbdesign:no-transaction`", self.path, stmt.line)

    def run(self, statements: list[Statement]) -> Iterator[Finding]:
        dml = [s for s in statements if isinstance(s.expression, _DML)]
        ddl = [s for s in statements if isinstance(s.expression, _DDL)]
        if dml and ddl:
            yield _finding("migration-mixes-data-and-schema",
                           f"data change ({type(dml[0].expression).__name__.upper()}) and schema change "
                           f"(line {ddl[0].line}) in one migration; move the data change to its own "
                           "migration with `data` in its name, so each can be retried and reverted "
                           "on its own", self.path, dml[0].line)
        elif ddl and self.f.is_data:
            yield _finding("migration-mixes-data-and-schema",
                           "a data migration (name contains `data`) changes the schema; move the DDL "
                           "to a schema migration", self.path, ddl[0].line)
        yield from self.transaction_rules(statements)
        for stmt in statements:
            e = stmt.expression
            if isinstance(e, exp.Set) and _LOCK_TIMEOUT.search(stmt.sql) or \
                    isinstance(e, exp.Select) and _LOCK_TIMEOUT.search(stmt.sql):
                self.lock_timeout_set = True
            if isinstance(e, exp.Create):
                yield from self.create(stmt, e)
            elif isinstance(e, exp.Alter):
                yield from self.alter(stmt, e)
            elif isinstance(e, exp.Drop):
                yield from self.drop(stmt, e)
            elif isinstance(e, exp.TruncateTable):
                for t in e.expressions:
                    yield _finding("migration-destructive",
                                   f"TRUNCATE {_table(t)} deletes every row; data changes belong in a "
                                   "reviewed data migration, and TRUNCATE is rarely what one means",
                                   self.path, stmt.line, table=_table(t))
                    yield from self.locks(stmt, _table(t), "ACCESS EXCLUSIVE")
            elif isinstance(e, exp.Command):
                yield from self.command(stmt)

    def locks(self, stmt: Statement, table: str, mode: str) -> Iterator[Finding]:
        """`migration-lock-timeout-missing`: a strong lock on a live table with no lock_timeout
        set earlier in the file - behind one long-running query the ALTER waits, and every
        query queued behind the ALTER waits too."""
        if self.lock_timeout_set or not self.existed(table):
            return
        yield _finding("migration-lock-timeout-missing",
                       f"this statement takes {'an' if mode[0] in 'AEIOU' else 'a'} {mode} lock on {table} "
                       "with no lock_timeout set; "
                       "while it waits for a running query, every read/write queues behind it. "
                       "Start the file with SET lock_timeout = '2s' (retry on timeout); "
                       f"see the table's size first: {_size_probe(table)}",
                       self.path, stmt.line, table=table)

    def create(self, stmt: Statement, e: exp.Create) -> Iterator[Finding]:
        kind = str(e.args.get("kind") or "").upper()
        if kind == "TABLE":
            self.created_here.add(_table(e.this))
            return
        if kind != "INDEX":
            return
        index = e.this
        table = _table(index.args.get("table"))
        name = index.name
        self.indexes_here[name] = table
        if e.args.get("concurrently"):
            self.folder.concurrent_indexes.add(name)
        if not self.existed(table):
            return  # new table in this file: no rows, no readers, nothing to lock
        if not e.args.get("concurrently"):
            yield _finding("migration-index-not-concurrent",
                           f"CREATE INDEX {name} on {table} (created in an earlier migration) blocks "
                           "writes while it builds; on PostgreSQL use CREATE INDEX CONCURRENTLY in a "
                           "migration of its own marked `-- dbdesign:no-transaction`",
                           self.path, stmt.line, table=table, index=name)
            yield from self.locks(stmt, table, "SHARE")
        if e.args.get("unique"):
            params = index.args.get("params")
            keys = [c.this.sql(dialect="postgres") if isinstance(c, exp.Ordered) else c.sql(dialect="postgres")
                    for c in (params.args.get("columns") or [])] if params else []
            where = params.args.get("where") if params else None
            probe = self.probe(stmt, Probe(table, where.this.sql(dialect="postgres") if where is not None
                                           else None, tuple(keys))).count_sql
            yield _finding("migration-unique-on-existing",
                           f"unique index {name} on existing table {table} fails if rows already "
                           f"collide; check first: {probe}", self.path, stmt.line, table=table, index=name)

    def drop(self, stmt: Statement, e: exp.Drop) -> Iterator[Finding]:
        kind = str(e.args.get("kind") or "").upper()
        if kind == "TABLE":
            for t in e.args.get("tables") or []:
                yield _finding("migration-destructive",
                               f"DROP TABLE {_table(t)} deletes the table and its data; keep "
                               "a backup, or rename it away first and drop it in a later release",
                               self.path, stmt.line, table=_table(t))
                yield from self.locks(stmt, _table(t), "ACCESS EXCLUSIVE")
        elif kind == "INDEX":
            for t in e.args.get("tables") or []:
                name = t.name
                owner = self.indexes_here.get(name) or next(
                    (tb.qualname for tb in self.before.tables.values() if any(i.name == name for i in tb.indexes)),
                    None)
                if owner is not None and not self.existed(owner):
                    continue
                if not e.args.get("concurrently"):
                    yield _finding("migration-drop-index-not-concurrent",
                                   f"DROP INDEX {name} takes an ACCESS EXCLUSIVE lock on "
                                   f"{owner or 'its table'}: reads and writes wait, and wait behind any "
                                   "running query; use DROP INDEX CONCURRENTLY in a migration marked "
                                   "`-- dbdesign:no-transaction`", self.path, stmt.line, table=owner, index=name)
                    if owner is not None:
                        yield from self.locks(stmt, owner, "ACCESS EXCLUSIVE")

    def command(self, stmt: Statement) -> Iterator[Finding]:
        """Statements sqlglot keeps as text: VALIDATE CONSTRAINT, ADD ... USING INDEX."""
        m = _VALIDATE.match(stmt.sql)
        if m:
            name = m.group("name").strip('"')
            self.folder.validated.add(name)
            self.folder.waiting.pop(name, None)
            return
        m = _USING_INDEX.match(stmt.sql)
        if m:
            table, index = m.group("table").strip('"'), m.group("index").strip('"')
            if self.existed(table) and index not in self.folder.concurrent_indexes:
                yield _finding("migration-add-primary-key",
                               f"ADD {m.group('kind').upper()} USING INDEX {index}: the index was not "
                               "built CONCURRENTLY in these migrations, so building it blocked writes "
                               "to " + table + "; build it with CREATE UNIQUE INDEX CONCURRENTLY first",
                               self.path, stmt.line, table=table, index=index)
            yield from self.locks(stmt, table, "ACCESS EXCLUSIVE")

    def alter(self, stmt: Statement, e: exp.Alter) -> Iterator[Finding]:
        table = _table(e.this)
        existed = self.existed(table)
        if existed and (e.args.get("actions") or []):
            yield from self.locks(stmt, table, "ACCESS EXCLUSIVE")
        for action in e.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                yield from self.add_column(stmt, table, existed, action)
            elif isinstance(action, exp.Drop):
                for col in action.args.get("tables") or []:
                    if str(action.args.get("kind") or "").upper() == "CONSTRAINT":
                        continue
                    yield _finding("migration-destructive",
                                   f"DROP COLUMN {table}.{col.name} deletes its data and breaks code that "
                                   "still reads it; stop using it in one release, drop it in the next",
                                   self.path, stmt.line, table=table, column=col.name)
            elif isinstance(action, exp.RenameColumn):
                old, new = action.this.name, action.args["to"].name
                yield _finding("migration-rename",
                               f"RENAME COLUMN {table}.{old} TO {new} breaks every deployed query that "
                               "uses the old name; expand/contract: add the new column, copy, switch "
                               "readers, drop the old one later", self.path, stmt.line, table=table, column=old)
            elif isinstance(action, exp.AlterRename):
                yield _finding("migration-rename",
                               f"RENAME TABLE {table} TO {_table(action.this)} breaks deployed code; "
                               "consider a view with the old name during the transition",
                               self.path, stmt.line, table=table)
            elif isinstance(action, exp.AlterColumn):
                col = action.name
                if action.args.get("dtype") is not None:
                    length = _VARCHAR_LENGTH.match(action.args["dtype"].sql(dialect="postgres"))
                    if length:  # values longer than the new length do not fit
                        self.probe(stmt, Probe(table, f"length({col}) > {int(length.group(1))}"))
                    yield _finding("migration-type-change",
                                   f"ALTER COLUMN {table}.{col} TYPE {action.args['dtype'].sql(dialect='postgres')} "
                                   "may rewrite the table under an exclusive lock and can fail on "
                                   "existing values; prefer a new column + backfill", self.path,
                                   stmt.line, table=table, column=col)
                if action.args.get("allow_null") is False and existed and not self.has_not_null_check(table, col):
                    yield _finding("migration-set-not-null",
                                   f"SET NOT NULL on {table}.{col} scans the whole table under an ACCESS "
                                   "EXCLUSIVE lock, and fails if a NULL exists; first ADD CONSTRAINT "
                                   f"... CHECK ({col} IS NOT NULL) NOT VALID, VALIDATE it (no write lock), "
                                   "then SET NOT NULL skips the scan (PostgreSQL 12+); check first: "
                                   f"{self.probe(stmt, Probe(table, f'{col} IS NULL')).count_sql}",
                                   self.path, stmt.line, table=table, column=col)
            elif isinstance(action, exp.AddConstraint):
                yield from self.add_constraint(stmt, table, existed, action)

    def has_not_null_check(self, table: str, col: str) -> bool:
        if any(t == table and c == col and name in self.folder.validated
               for name, (t, c) in self.folder.not_null_checks.items()):
            return True
        t = self.before.table(table)
        return t is not None and any(
            ck.validated and re.fullmatch(rf'\(?\s*"?{re.escape(col)}"?\s+IS\s+NOT\s+NULL\s*\)?',
                                          ck.expression, re.I) for ck in t.checks)

    def add_column(self, stmt: Statement, table: str, existed: bool, action: exp.ColumnDef) -> Iterator[Finding]:
        cons = [c.args.get("kind") for c in action.args.get("constraints") or []]
        not_null = any(isinstance(k, exp.NotNullColumnConstraint) and not k.args.get("allow_null")
                       for k in cons)
        has_default = any(isinstance(k, (exp.DefaultColumnConstraint,
                                         exp.GeneratedAsIdentityColumnConstraint,
                                         exp.ComputedColumnConstraint)) for k in cons)
        if existed and not_null and not has_default:
            self.probe(stmt, Probe(table))
            yield _finding("migration-not-null-without-default",
                           f"ADD COLUMN {action.name} NOT NULL without a DEFAULT fails as soon "
                           f"as {table} has a row; add it nullable, backfill in a data "
                           "migration, then SET NOT NULL (or give a DEFAULT)",
                           self.path, stmt.line, table=table, column=action.name)
        if not existed:
            return
        volatile = None
        for k in cons:
            if isinstance(k, exp.DefaultColumnConstraint):
                for fn in k.find_all(exp.Func):
                    fname = fn.sql(dialect="postgres").split("(", 1)[0].strip().lower()
                    if fname in VOLATILE_FUNCTIONS or isinstance(fn, exp.Rand):
                        volatile = fn.sql(dialect="postgres")
        kind = action.args.get("kind")
        if volatile is None and kind is not None and kind.this.name in _SERIAL_TYPES:
            volatile = f"nextval() of a new {kind.this.name.lower()} sequence"
        if volatile:
            yield _finding("migration-volatile-default",
                           f"ADD COLUMN {table}.{action.name} with the volatile default {volatile} "
                           "rewrites every row under an ACCESS EXCLUSIVE lock (a constant default "
                           "does not); add the column without a default, set the default after, "
                           f"backfill in batches; see the table's size: {_size_probe(table)}",
                           self.path, stmt.line, table=table, column=action.name)
        for k in cons:
            if isinstance(k, exp.Reference):
                ref = k.this
                ref_table = _table(ref.this if isinstance(ref, exp.Schema) else ref)
                yield _finding("migration-constraint-not-valid",
                               f"ADD COLUMN {table}.{action.name} REFERENCES {ref_table} validates the "
                               f"foreign key under a SHARE ROW EXCLUSIVE lock on {table} and {ref_table}; add the "
                               "column first, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID and "
                               "VALIDATE CONSTRAINT in a later statement",
                               self.path, stmt.line, table=table, column=action.name)

    def add_constraint(self, stmt: Statement, table: str, existed: bool,
                       action: exp.AddConstraint) -> Iterator[Finding]:
        not_valid = bool(_NOT_VALID.search(stmt.sql.strip().rstrip(";")))
        for c in action.expressions:
            name = c.name if isinstance(c, exp.Constraint) else None
            kind = c.expressions[0] if isinstance(c, exp.Constraint) and c.expressions else c
            if isinstance(kind, exp.CheckColumnConstraint):
                cond = kind.this
                if isinstance(cond, exp.Paren):
                    cond = cond.this
                if (name and isinstance(cond, exp.Is) and cond.args.get("negate")
                        and isinstance(cond.this, exp.Column) and isinstance(cond.expression, exp.Null)):
                    self.folder.not_null_checks[name] = (table, cond.this.name)
                if name and not not_valid:
                    self.folder.validated.add(name)
            if isinstance(kind, (exp.CheckColumnConstraint, exp.ForeignKey)):
                what = "CHECK" if isinstance(kind, exp.CheckColumnConstraint) else "FOREIGN KEY"
                if not_valid:
                    if name:
                        self.folder.waiting[name] = (self.path, stmt.line, table)
                elif existed:
                    yield _finding("migration-constraint-not-valid",
                                   f"ADD {what} {name or ''} on existing table {table} scans every row "
                                   f"under a lock that blocks writes{' to both tables' if what == 'FOREIGN KEY' else ''}; "
                                   "add it NOT VALID (instant), then ALTER TABLE ... VALIDATE CONSTRAINT "
                                   f"in a later statement (no write lock); rows that would fail: "
                                   f"{self.probe(stmt, _constraint_probe(table, kind)).count_sql}",
                                   self.path, stmt.line, table=table)
                continue
            if not existed:
                continue
            cols = _ident_names(kind.this) if isinstance(kind, exp.UniqueColumnConstraint) and kind.this \
                else _ident_names(kind) if isinstance(kind, exp.PrimaryKey) else []
            if not cols:
                continue
            what = "PRIMARY KEY" if isinstance(kind, exp.PrimaryKey) else "UNIQUE"
            probe = self.probe(stmt, Probe(table, keys=tuple(cols))).count_sql
            if what == "PRIMARY KEY":
                probe += "; " + self.probe(stmt, Probe(table, " OR ".join(f"{c} IS NULL" for c in cols))).count_sql
            yield _finding("migration-unique-on-existing",
                           f"adding {what} ({', '.join(cols)}) to existing table {table} fails "
                           f"if rows already collide; check first: {probe}",
                           self.path, stmt.line, table=table, column=cols[0])
            yield _finding("migration-add-primary-key",
                           f"adding {what} ({', '.join(cols)}) to existing table {table} builds its "
                           "index under an ACCESS EXCLUSIVE lock (no reads, no writes); build it "
                           "first with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... "
                           f"{what} USING INDEX (instant)", self.path, stmt.line, table=table, column=cols[0])


def _constraint_probe(table: str, kind: exp.Expression) -> Probe:
    """The rows a new CHECK or FOREIGN KEY would reject."""
    if isinstance(kind, exp.CheckColumnConstraint):
        return Probe(table, f"NOT ({kind.this.sql(dialect='postgres')})")
    cols = _ident_names(kind)[:len(kind.expressions)]
    ref = kind.args.get("reference")
    target = ref.this if ref is not None else None
    ref_table = _table(target.this if isinstance(target, exp.Schema) else target)
    ref_cols = [i.name for i in target.expressions] if isinstance(target, exp.Schema) else ["id"]
    on = " AND ".join(f"r.{rc} = t.{c}" for c, rc in zip(cols, ref_cols))
    present = " AND ".join(f"t.{c} IS NOT NULL" for c in cols)
    return Probe(table, f"{present} AND NOT EXISTS (SELECT 1 FROM {ref_table} r WHERE {on})", alias="t")


def _dup_probe(table: str, keys: list[str], where: str | None = None) -> str:
    k = ", ".join(keys)
    w = f" WHERE {where}" if where else ""
    return f"SELECT {k}, count(*) FROM {table}{w} GROUP BY {k} HAVING count(*) > 1"


# -- static reversibility on the model ---------------------------------------------------------

def schema_shape(schema: Schema) -> dict[str, Any]:
    """The model without source positions: what must come back after up -> down."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("source", "sources", "diagnostics")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return strip(schema.to_dict())


def model_difference(a: Schema, b: Schema) -> list[str]:
    """Short human lines: what differs between two models (tables, columns, indexes, others)."""
    sa, sb = schema_shape(a), schema_shape(b)
    out = []
    for t in sorted(set(sa["tables"]) | set(sb["tables"])):
        ta, tb = sa["tables"].get(t), sb["tables"].get(t)
        if ta is None or tb is None:
            out.append(f"table {t} {'left behind' if ta is None else 'missing'}")
            continue
        for c in sorted(set(ta["columns"]) | set(tb["columns"])):
            ca, cb = ta["columns"].get(c), tb["columns"].get(c)
            if ca is None or cb is None:
                out.append(f"column {t}.{c} {'left behind' if ca is None else 'missing'}")
            elif ca != cb:
                changed = ", ".join(f"{k} {ca[k]!r} -> {cb[k]!r}" for k in ca if ca[k] != cb.get(k))
                out.append(f"column {t}.{c}: {changed}")
        ia = {i["name"]: i for i in ta["indexes"]}
        ib = {i["name"]: i for i in tb["indexes"]}
        for i in sorted(set(ia) | set(ib)):
            if ia.get(i) != ib.get(i):
                out.append(f"index {i} on {t}: {'missing' if i not in ib else 'left behind' if i not in ia else 'changed'}")
        for key in ("primary_key", "foreign_keys", "uniques", "checks", "comment"):
            if ta[key] != tb[key]:
                out.append(f"{t}: {key.replace('_', ' ')} differ")
    for key in ("enums", "others"):
        out += _named_difference(key, sa[key], sb[key])
    return out


def _named_difference(key: str, a: Any, b: Any) -> list[str]:
    """`enum mood missing`, `view active_posts: changed (CREATE VIEW ...)`: objects by name."""
    def by_name(items: Any) -> dict[str, Any]:
        if isinstance(items, dict):
            return items
        return {f"{o.get('kind', key)} {o.get('name')}" if isinstance(o, dict) else repr(o): o for o in items}
    na, nb = by_name(a), by_name(b)
    label = "enum " if key == "enums" else ""
    out = []
    for name in sorted(set(na) | set(nb)):
        if name not in nb:
            out.append(f"{label}{name} missing")
        elif name not in na:
            out.append(f"{label}{name} left behind")
        elif na[name] != nb[name]:
            old, new = na[name], nb[name]
            if isinstance(old, dict) and isinstance(new, dict):
                old, new = ({k: v for k, v in d.items() if k not in ("name", "kind")} for d in (old, new))
                old, new = ({k: v for k, v in old.items() if v != new.get(k)},
                            {k: v for k, v in new.items() if v != old.get(k)})
            out.append(f"{label}{name}: {old!r} -> {new!r}")
    return out


def _irreversible(f: _File, before: Schema) -> Finding | None:
    after_up = copy.deepcopy(before)
    parse_sql(read_text(f.up), f.up, after_up)
    try:
        parse_sql(read_text(f.down), f.down, after_up)
    except InputError as err:
        return _finding("migration-irreversible", f"the down file does not apply after the up file: "
                        f"{err.message}", f.down, err.line)
    diff = model_difference(before, after_up)
    if diff:
        return _finding("migration-irreversible",
                        "up then down does not restore the schema before it: " + "; ".join(diff[:8])
                        + ("; ..." if len(diff) > 8 else ""), f.down, 1)
    return None


# -- entry points ----------------------------------------------------------------------------

def lint_migrations(directory: str, config: Any = None, url: str | None = None,
                    batch_from: int | None = None, copy_check_url: str | None = None) -> list[Finding]:
    """Every migration-safety finding for `directory`, in file order.

    `batch_from`: migrations from this version on are deployed together (one unapplied batch),
    so a table one of them creates has no rows or readers yet for the later ones. Without it
    each migration is its own deploy. With `url`, the batch is what that database has not
    applied, and edited applied files are reported (`migration-checksum-mismatch`).
    `copy_check_url`: a MariaDB/MySQL server where a throw-away database replays the folder and
    asks the server, per ALTER TABLE, whether it can run INSTANT or INPLACE
    (`migration-table-copy`)."""
    files, findings = _scan(directory)
    status = None
    if url is not None:
        from dbdesign.migrate.runner import open_migrator
        with open_migrator(directory, url) as m:
            status = m.status()
            findings.extend(checksum_findings(status, m))
        if batch_from is None:
            pending = [s.version for s in status.migrations if s.state == "pending"]
            batch_from = min(pending) if pending else None
    schema = Schema()
    folder = _Folder()
    for f in files:
        statements = [s for s in split_statements(read_text(f.up), f.up) if s.expression is not None]
        if f.down is None:
            findings.append(_finding("migration-down-missing",
                                     f"{os.path.basename(f.up)} has no down file; write "
                                     f"{f.version_text}_{f.name}.down.sql (or state in it why it cannot be undone)",
                                     f.up, 1))
        else:
            down = split_statements(read_text(f.down), f.down)  # syntax errors are bad input (exit 2)
            findings.extend(_FileLint(f, schema, folder, f.down).transaction_rules(down))
        lint = _FileLint(f, schema, folder)
        findings.extend(lint.run(statements))
        if batch_from is not None and f.version >= batch_from:
            folder.batch_tables |= lint.created_here
        if f.down is not None:
            found = _irreversible(f, schema)
            if found:
                findings.append(found)
        with contextlib.suppress(InputError):
            parse_sql(read_text(f.up), f.up, schema)
    for name, (path, line, table) in folder.waiting.items():
        findings.append(_finding("migration-constraint-not-valid",
                                 f"constraint {name} on {table} is added NOT VALID but never validated: "
                                 "existing rows stay unchecked; add ALTER TABLE ... VALIDATE CONSTRAINT "
                                 f"{name} in a later migration", path, line, table=table))
    if copy_check_url is not None:
        from dbdesign.migrate.table_copy import table_copy_findings
        findings.extend(table_copy_findings(directory, copy_check_url, batch_from))
    return _configure(findings, config)


def statement_probes(path: str, before: Schema, version: int = 0) -> dict[int, list[Probe]]:
    """{statement line: probes} for the up file `path` applied after the model `before`: the
    queries that find the existing rows on which each statement fails (the same probes the
    rule messages show; every table of `before` counts as holding rows)."""
    lint = _FileLint(_File(version, os.path.basename(path)), before, _Folder(), path)
    list(lint.run([s for s in split_statements(read_text(path), path) if s.expression is not None]))
    return lint.probes


def checksum_findings(status, migrator=None) -> list[Finding]:
    """`migration-checksum-mismatch` for every applied migration whose file changed."""
    out = []
    for s in status.migrations:
        if s.state == "modified":
            path = migrator.by_version[s.version].up if migrator else None
            out.append(_finding("migration-checksum-mismatch",
                                f"migration {s.version} ({s.name}) was edited after it was applied "
                                f"(recorded sha256 {str(s.checksum)[:12]}, file {str(s.file_checksum)[:12]}); "
                                "restore it and put the change in a new migration, or accept it with "
                                "`dbdesign migrate repair`", path, 1))
    return out


def _configure(findings: list[Finding], config: Any) -> list[Finding]:
    """Apply a dbdesign.toml config when given: disabled rules, severity overrides."""
    if config is None:
        return findings
    out = []
    for f in findings:
        if hasattr(config, "rule_enabled") and not config.rule_enabled(f.rule):
            continue
        sev = config.severity_for(f.rule) if hasattr(config, "severity_for") else None
        if sev:
            f.severity = sev
        out.append(f)
    return out


def format_text(findings: list[Finding]) -> str:
    lines = [f.format() for f in findings]
    errors = sum(f.severity == "error" for f in findings)
    lines.append(f"{errors} error(s), {len(findings) - errors} other finding(s)")
    return "\n".join(lines)


# -- squawk, side by side ----------------------------------------------------------------------

# squawk rule -> the rule of ours that looks for the same risk (matched on file and line).
SQUAWK_PAIRS: dict[str, str] = {
    "require-concurrent-index-creation": "migration-index-not-concurrent",
    "require-concurrent-index-deletion": "migration-drop-index-not-concurrent",
    "adding-required-field": "migration-not-null-without-default",
    "adding-not-nullable-field": "migration-set-not-null",
    "constraint-missing-not-valid": "migration-constraint-not-valid",
    "adding-foreign-key-constraint": "migration-constraint-not-valid",
    "adding-field-with-default": "migration-volatile-default",
    "require-lock-timeout": "migration-lock-timeout-missing",
    "disallowed-unique-constraint": "migration-add-primary-key",
    "adding-primary-key-constraint": "migration-add-primary-key",
    "transaction-nesting": "migration-transaction-control",
    "ban-concurrent-index-creation-in-transaction": "migration-concurrently-in-transaction",
    "renaming-column": "migration-rename",
    "renaming-table": "migration-rename",
    "changing-column-type": "migration-type-change",
    "ban-drop-column": "migration-destructive",
    "ban-drop-table": "migration-destructive",
    "ban-truncate-cascade": "migration-destructive",
}


@dataclass
class SquawkFinding:
    file: str
    line: int  # 1-based
    rule: str
    message: str


def squawk_path() -> str | None:
    """The squawk binary (PyPI `squawk-cli`, pinned in requirements.txt): beside this Python,
    else on PATH; None when it is not installed."""
    import shutil
    import sys
    here = os.path.join(os.path.dirname(sys.executable), "squawk")
    return here if os.access(here, os.X_OK) else shutil.which("squawk")


def squawk_version() -> str | None:
    import subprocess
    exe = squawk_path()
    if exe is None:
        return None
    return subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()


def run_squawk(paths: list[str]) -> list[SquawkFinding]:
    """squawk's findings on `paths` (JSON reporter). Files run inside the runner's transaction
    are checked with `--assume-in-transaction`, files marked `-- dbdesign:no-transaction` without
    it, so squawk sees each file as the runner runs it. [] when squawk is not installed."""
    import json
    import subprocess
    exe = squawk_path()
    if exe is None or not paths:
        return []
    marked = [p for p in paths if no_transaction_marked(read_text(p))]
    plain = [p for p in paths if p not in marked]
    out: list[SquawkFinding] = []
    for group, flags in ((plain, ["--assume-in-transaction"]), (marked, [])):
        if not group:
            continue
        proc = subprocess.run([exe, "--reporter", "json", *flags, *group], capture_output=True,
                              text=True, timeout=120)
        try:
            rows = json.loads(proc.stdout or "[]")
        except json.JSONDecodeError:
            raise InputError(f"squawk gave no JSON (exit {proc.returncode}): "
                             f"{(proc.stderr or proc.stdout).strip()[:200]}", group[0]) from None
        out += [SquawkFinding(r["file"], r["line"] + 1, r["rule_name"], r["message"]) for r in rows]
    return sorted(out, key=lambda f: (f.file, f.line, f.rule))


def migration_paths(directory: str) -> list[str]:
    """The up and down files of `directory` in version order (what both linters read)."""
    files, _ = _scan(directory)
    return [p for f in files for p in (f.up, f.down) if p is not None]


def compare_with_squawk(directory: str, ours: list[Finding] | None = None):
    """Rule by rule on `directory`: where our rule and its squawk counterpart flag the same
    file:line, and where only one of them does. A DataFrame with columns ours, squawk, both,
    only_ours, only_squawk, and `where_only_*` (file:line examples); None without squawk."""
    import pandas as pd
    if squawk_path() is None:
        return None
    ours = lint_migrations(directory) if ours is None else ours
    theirs = run_squawk(migration_paths(directory))
    def base(path: str) -> str:
        m = MIGRATION_RE.match(os.path.basename(path))
        return f"{m.group('version')}.{m.group('direction')}" if m else os.path.basename(path)
    ours_at: dict[str, set] = {}
    for f in ours:
        ours_at.setdefault(f.rule, set()).add((base(f.file or ""), f.line))
    theirs_at: dict[str, set] = {}
    for s in theirs:
        theirs_at.setdefault(s.rule, set()).add((base(s.file), s.line))
    rows = []
    paired_ours = set(SQUAWK_PAIRS.values())
    for rule in sorted(set(SQUAWK_PAIRS.values()) | set(ours_at)):
        mine = ours_at.get(rule, set())
        names = [s for s, o in SQUAWK_PAIRS.items() if o == rule]
        sq = set().union(*(theirs_at.get(n, set()) for n in names)) if names else set()
        if not mine and not sq:
            continue
        rows.append({"ours": rule, "squawk": ", ".join(n for n in names if n in theirs_at) or
                     ("-" if rule not in paired_ours else ", ".join(names[:1])),
                     "both": len(mine & sq), "only_ours": len(mine - sq), "only_squawk": len(sq - mine),
                     "where_only_ours": " ".join(f"{f}:{ln}" for f, ln in sorted(mine - sq)[:4]),
                     "where_only_squawk": " ".join(f"{f}:{ln}" for f, ln in sorted(sq - mine)[:4])})
    for name in sorted(set(theirs_at) - set(SQUAWK_PAIRS)):
        sq = theirs_at[name]
        rows.append({"ours": "-", "squawk": name, "both": 0, "only_ours": 0, "only_squawk": len(sq),
                     "where_only_ours": "", "where_only_squawk": " ".join(f"{f}:{ln}" for f, ln in sorted(sq)[:4])})
    return pd.DataFrame(rows, columns=["ours", "squawk", "both", "only_ours", "only_squawk",
                                       "where_only_ours", "where_only_squawk"])
