"""Migration-safety lint: risky operations in up/down files, aware of what earlier migrations made.

The lint replays the folder on the schema model (`parse`), so every rule knows whether a table
existed *before* the migration being checked. That is what separates a dangerous statement from
a harmless one: `CREATE INDEX` without CONCURRENTLY locks writes on a live table, but not on a
table created a few lines earlier in the same file (squawk's most common false positive).

Rules (findings use the design lint's `Finding`: rule, severity, file, line, message):

=====================================  ========  ===============================================
rule                                   severity  what
=====================================  ========  ===============================================
migration-down-missing                 error     an up file without a down file: no rollback
migration-destructive                  warning   DROP TABLE, DROP COLUMN, TRUNCATE in an up file
migration-not-null-without-default     error     ADD COLUMN ... NOT NULL, no DEFAULT, on a table
                                                 that exists already (fails on any row)
migration-index-not-concurrent         warning   PostgreSQL: CREATE INDEX without CONCURRENTLY on
                                                 a table created in an *earlier* migration
migration-mixes-data-and-schema        warning   DML and DDL in one file (or DDL in a data file)
migration-rename                       warning   RENAME of a table or column (breaks deployed code)
migration-type-change                  warning   ALTER COLUMN ... TYPE (rewrite, exclusive lock)
migration-version-conflict             error     two files claim one version
migration-unique-on-existing           warning   UNIQUE / PRIMARY KEY / SET NOT NULL on existing
                                                 data; the message carries the probe query
migration-irreversible                 error     up then down does not give back the model from
                                                 before (static, on the model; `verify` checks
                                                 the real engines)
migration-checksum-mismatch            error     an applied file changed (needs a database:
                                                 `lint_migrations(..., url=...)` or `verify`)
migration-model-mismatch               error     `verify`: after up the engine holds something
                                                 other than the declared model
migration-not-idempotent               error     `verify`: a second up was not a no-op
migration-up-failed                    error     `verify`: an up file fails on an engine
=====================================  ========  ===============================================

Compared with squawk 2.x on the same files (tests/test_migration_lint.py runs both):

=================================  ======================================  =====================
squawk rule                        ours                                    difference
=================================  ======================================  =====================
require-concurrent-index-creation  migration-index-not-concurrent          squawk also flags
                                                                           tables created in the
                                                                           same file; we do not
adding-required-field              migration-not-null-without-default      same idea; we skip
                                                                           tables new in the file
adding-not-nullable-field          migration-unique-on-existing            same; ours adds the
(SET NOT NULL)                                                             probe query
ban-drop-column / ban-drop-table   migration-destructive                   same; squawk does not
                                                                           flag TRUNCATE
renaming-column / renaming-table   migration-rename                        same
changing-column-type               migration-type-change                   same
disallowed-unique-constraint       migration-unique-on-existing            ours gives the probe
                                                                           query and also checks
                                                                           CREATE UNIQUE INDEX;
                                                                           squawk wants USING
                                                                           INDEX
prefer-robust-stmts, require-*-    (none)                                  operational advice,
timeout, prefer-text-field,                                                left to squawk / the
prefer-bigint-over-int                                                     design lint
(none)                             down-missing, irreversible, mixes-      squawk reads single
                                   data-and-schema, version-conflict,      files; it knows no
                                   checksum-mismatch                       pairs or history
=================================  ======================================  =====================
"""
from __future__ import annotations

import contextlib
import copy
import os
from dataclasses import dataclass
from typing import Any, Iterator

from sqlglot import exp

from .errors import InputError
from .lint import Finding
from .model import Schema
from .parse import Statement, parse_sql, split_statements
from .source import MIGRATION_RE, MigrationFile

SEVERITY = {
    "migration-down-missing": "error",
    "migration-destructive": "warning",
    "migration-not-null-without-default": "error",
    "migration-index-not-concurrent": "warning",
    "migration-mixes-data-and-schema": "warning",
    "migration-rename": "warning",
    "migration-type-change": "warning",
    "migration-version-conflict": "error",
    "migration-unique-on-existing": "warning",
    "migration-irreversible": "error",
    "migration-checksum-mismatch": "error",
    # found by `verify` on real engines only
    "migration-model-mismatch": "error",
    "migration-not-idempotent": "error",
    "migration-up-failed": "error",
}
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
        return MigrationFile(self.version, "", self.name, None, None).is_data


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


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _table(node: exp.Expression | None) -> str:
    t = node.find(exp.Table) if node is not None and not isinstance(node, exp.Table) else node
    if t is None:
        return "?"
    return f"{t.db}.{t.name}" if t.db else t.name


def _ident_names(node: exp.Expression) -> list[str]:
    return [i.name for i in node.find_all(exp.Identifier)]


class _FileLint:
    """Rules over one up file, with `before` = the model after every earlier migration."""

    def __init__(self, f: _File, before: Schema):
        self.f = f
        self.before = before
        self.path = f.up
        self.created_here: set[str] = set()

    def existed(self, table: str) -> bool:
        return table not in self.created_here and self.before.table(table) is not None

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
        for stmt in statements:
            e = stmt.expression
            if isinstance(e, exp.Create):
                yield from self.create(stmt, e)
            elif isinstance(e, exp.Alter):
                yield from self.alter(stmt, e)
            elif isinstance(e, exp.Drop):
                kind = str(e.args.get("kind") or "").upper()
                if kind == "TABLE":
                    for t in e.args.get("tables") or []:
                        yield _finding("migration-destructive",
                                       f"DROP TABLE {_table(t)} deletes the table and its data; keep "
                                       "a backup, or rename it away first and drop it in a later release",
                                       self.path, stmt.line, table=_table(t))
            elif isinstance(e, exp.TruncateTable):
                for t in e.expressions:
                    yield _finding("migration-destructive",
                                   f"TRUNCATE {_table(t)} deletes every row; data changes belong in a "
                                   "reviewed data migration, and TRUNCATE is rarely what one means",
                                   self.path, stmt.line, table=_table(t))

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
        if not self.existed(table):
            return  # new table in this file: no rows, no readers, nothing to lock
        if not e.args.get("concurrently"):
            yield _finding("migration-index-not-concurrent",
                           f"CREATE INDEX {name} on {table} (created in an earlier migration) blocks "
                           "writes while it builds; on PostgreSQL use CREATE INDEX CONCURRENTLY (the "
                           "runner then runs this migration outside a transaction)",
                           self.path, stmt.line, table=table, index=name)
        if e.args.get("unique"):
            params = index.args.get("params")
            keys = [c.this.sql(dialect="postgres") if isinstance(c, exp.Ordered) else c.sql(dialect="postgres")
                    for c in (params.args.get("columns") or [])] if params else []
            where = params.args.get("where") if params else None
            probe = _dup_probe(table, keys, where.this.sql(dialect="postgres") if where is not None else None)
            yield _finding("migration-unique-on-existing",
                           f"unique index {name} on existing table {table} fails if rows already "
                           f"collide; check first: {probe}", self.path, stmt.line, table=table, index=name)

    def alter(self, stmt: Statement, e: exp.Alter) -> Iterator[Finding]:
        table = _table(e.this)
        existed = self.existed(table)
        for action in e.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                cons = [c.args.get("kind") for c in action.args.get("constraints") or []]
                not_null = any(isinstance(k, exp.NotNullColumnConstraint) and not k.args.get("allow_null")
                               for k in cons)
                has_default = any(isinstance(k, (exp.DefaultColumnConstraint,
                                                 exp.GeneratedAsIdentityColumnConstraint,
                                                 exp.ComputedColumnConstraint)) for k in cons)
                if existed and not_null and not has_default:
                    yield _finding("migration-not-null-without-default",
                                   f"ADD COLUMN {action.name} NOT NULL without a DEFAULT fails as soon "
                                   f"as {table} has a row; add it nullable, backfill in a data "
                                   "migration, then SET NOT NULL (or give a DEFAULT)",
                                   self.path, stmt.line, table=table, column=action.name)
            elif isinstance(action, exp.Drop):
                for col in action.args.get("tables") or []:
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
                    yield _finding("migration-type-change",
                                   f"ALTER COLUMN {table}.{col} TYPE {action.args['dtype'].sql(dialect='postgres')} "
                                   "may rewrite the table under an exclusive lock and can fail on "
                                   "existing values; prefer a new column + backfill", self.path,
                                   stmt.line, table=table, column=col)
                if action.args.get("allow_null") is False and existed:
                    yield _finding("migration-unique-on-existing",
                                   f"SET NOT NULL on {table}.{col} fails if a NULL exists; check first: "
                                   f"SELECT count(*) FROM {table} WHERE {col} IS NULL",
                                   self.path, stmt.line, table=table, column=col)
            elif isinstance(action, exp.AddConstraint) and existed:
                for c in action.expressions:
                    kind = c.expressions[0] if isinstance(c, exp.Constraint) and c.expressions else c
                    cols = _ident_names(kind.this) if isinstance(kind, exp.UniqueColumnConstraint) and kind.this \
                        else _ident_names(kind) if isinstance(kind, exp.PrimaryKey) else []
                    if not cols:
                        continue
                    what = "PRIMARY KEY" if isinstance(kind, exp.PrimaryKey) else "UNIQUE"
                    probe = _dup_probe(table, cols)
                    if what == "PRIMARY KEY":
                        probe += "; SELECT count(*) FROM {t} WHERE {w}".format(
                            t=table, w=" OR ".join(f"{c} IS NULL" for c in cols))
                    yield _finding("migration-unique-on-existing",
                                   f"adding {what} ({', '.join(cols)}) to existing table {table} fails "
                                   f"if rows already collide; check first: {probe}",
                                   self.path, stmt.line, table=table, column=cols[0])


def _dup_probe(table: str, keys: list[str], where: str | None = None) -> str:
    k = ", ".join(keys)
    w = f" WHERE {where}" if where else ""
    return f"SELECT {k}, count(*) FROM {table}{w} GROUP BY {k} HAVING count(*) > 1"


# -- static reversibility on the model ---------------------------------------------------------

def _shape(schema: Schema) -> dict[str, Any]:
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
    sa, sb = _shape(a), _shape(b)
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
    parse_sql(_read(f.up), f.up, after_up)
    try:
        parse_sql(_read(f.down), f.down, after_up)
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

def lint_migrations(directory: str, config: Any = None, url: str | None = None) -> list[Finding]:
    """Every migration-safety finding for `directory`, in file order. With `url`, also compare
    the database's history checksums with the files (`migration-checksum-mismatch`)."""
    files, findings = _scan(directory)
    schema = Schema()
    for f in files:
        statements = [s for s in split_statements(_read(f.up), f.up) if s.expression is not None]
        if f.down is None:
            findings.append(_finding("migration-down-missing",
                                     f"{os.path.basename(f.up)} has no down file; write "
                                     f"{f.version_text}_{f.name}.down.sql (or state in it why it cannot be undone)",
                                     f.up, 1))
        else:
            split_statements(_read(f.down), f.down)  # syntax errors are bad input (exit 2)
        findings.extend(_FileLint(f, schema).run(statements))
        if f.down is not None:
            found = _irreversible(f, schema)
            if found:
                findings.append(found)
        with contextlib.suppress(InputError):
            parse_sql(_read(f.up), f.up, schema)
    if url is not None:
        from .migrate import open_migrator
        with open_migrator(directory, url) as m:
            findings.extend(checksum_findings(m.status(), m))
    return _configure(findings, config)


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
