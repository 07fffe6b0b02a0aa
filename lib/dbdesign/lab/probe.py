"""Constraint proof: adversarial writes against every constraint of the model, on real engines.

Declaring a constraint is not having it. SQLite ignores VARCHAR lengths and (without a pragma)
foreign keys, DuckDB cannot cascade, MariaDB has no partial indexes. `run_probe` creates the
schema in a throw-away database, loads a minimal valid baseline (one row per table, parents
first), then runs one probe per constraint *in its own transaction that is rolled back*, so
probes never see each other's writes. Each probe knows what a correct engine does (reject the
write, cascade the delete, accept a soft-deleted email being reused) and compares that with
what the engine did.

Outcomes:
  rejected        the engine refused the write (message: its error, first line)
  accepted        the write went through unchanged - a finding when rejection was expected
  coerced         the write went through but the stored value differs (truncation, affinity)
  cascaded / set null / orphaned   what a parent delete did to the child row
  not expressible the dialect dropped the constraint (from the renderer's notes)
"""
from __future__ import annotations

import functools
import itertools
import json
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Iterator

import sqlglot
from sqlglot import exp

from dbdesign import dialects, engines
from dbdesign.engines.base import Engine, Params
from dbdesign.errors import EngineError, InputError
from dbdesign.model import Column, ForeignKey, Index, IndexColumn, Schema, Table, column_type

from dbdesign.checks.lint import Finding

ALL_ENGINES = ("sqlite", "duckdb", "postgres", "mysql")


# -- creating the schema on an engine ----------------------------------------------------------

def schema_statements(schema: Schema, dialect: str) -> tuple[list[str], list[str]]:
    """(statements, notes) that create `schema` on `dialect`: `dialects.render`'s DDL and a
    note for everything the engine could not hold."""
    rendered = dialects.render(schema, dialect)
    return list(rendered.statements), [str(n) for n in rendered.notes]


def install_schema(engine: Engine, schema: Schema) -> list[str]:
    """Create `schema` on `engine` (an empty database); return the renderer's notes."""
    statements, notes = schema_statements(schema, engine.name)
    engine.run_script(statements)
    return notes


# -- names: how one engine spells the model's tables and columns ------------------------------

@functools.lru_cache(maxsize=None)
def _dialect(name: str) -> dialects.Dialect:
    return dialects.get_dialect(name)


@functools.lru_cache(maxsize=4096)
def quote(name: str, dialect: str = "postgres") -> str:
    """One identifier as `dialect` writes it: quoted exactly when the DDL renderer quotes it
    (anything but plain lower-case snake case: `"User Accounts"`, `` `E-mail` ``), so generated
    DML always names what `dialects.render` created."""
    return dialects.DIALECTS[dialect].quote(name)


@dataclass(frozen=True)
class Names:
    """SQL spelling of the model's names on one engine. `held` maps a model qualname to the
    name the engine holds where they differ: engines without schemas (SQLite, MariaDB) get
    `app.orders` as `orders` (or `app_orders` on a clash), as `dialects.render` creates it.
    Build one with `names_for(schema, dialect)`; `Names()` is PostgreSQL with no renames."""
    dialect: str = "postgres"
    held: tuple[tuple[str, str], ...] = ()

    def held_name(self, table: Table | str) -> str:
        """The table's qualified name as the engine holds it (unquoted): `app.orders` on
        PostgreSQL and DuckDB, `orders` on SQLite and MariaDB."""
        qualname = table.qualname if isinstance(table, Table) else table
        return dict(self.held).get(qualname, qualname)

    def table(self, table: Table | str) -> str:
        """The table, quoted and qualified for a FROM / INSERT INTO / ON clause."""
        return ".".join(quote(part, self.dialect) for part in self.held_name(table).split("."))

    def col(self, name: str) -> str:
        return quote(name, self.dialect)

    def lit(self, value: Any) -> str:
        """`value` as a literal of this engine (`Dialect.literal`)."""
        return dialects.DIALECTS[self.dialect].literal(value)

    def cols(self, names: Iterable[str], prefix: str = "") -> str:
        """`a, "B c"` - or `NEW.a, NEW."B c"` with prefix 'NEW.'."""
        return ", ".join(prefix + self.col(n) for n in names)

    def derived(self, table: Table | str, pattern: str, qualify: bool = False) -> str:
        """A quoted name for an object made for `table` (trigger, function, view, index):
        `pattern` formatted with the held name (schema part joined by '_'), cut to 63
        characters (PostgreSQL's limit; MariaDB's is 64). With `qualify` it goes in the
        table's schema (PostgreSQL functions)."""
        held = self.held_name(table)
        schema, _, base = held.rpartition(".")
        name = pattern.format(base if qualify else held.replace(".", "_"))
        if len(name) > 63:
            import hashlib
            digest = hashlib.sha1(name.encode()).hexdigest()[:8]
            name = name[:54] + "_" + digest
        return (quote(schema, self.dialect) + "." if qualify and schema else "") + quote(name, self.dialect)


def names_for(schema: Schema, dialect: str) -> Names:
    """The `Names` of `schema` on `dialect`: the table names of `dialects.render`'s adapted
    model, so DML names exactly what the DDL created."""
    if not any(t.schema for t in schema.tables.values()) or _dialect(dialect).SCHEMAS:
        return Names(dialect)
    model = dialects.render(schema, dialect).model
    if len(model.tables) != len(schema.tables):  # pragma: no cover - a renderer bug
        raise EngineError(f"{dialect}: rendered model has {len(model.tables)} tables, "
                          f"the schema {len(schema.tables)}")
    held = tuple((qn, held) for qn, held in zip(schema.tables, model.tables) if qn != held)
    return Names(dialect, held)


# -- values ------------------------------------------------------------------------------------

def type_family(col_type: str) -> str:
    """uuid | text | int | numeric | bool | timestamp | date | time | interval | json | binary |
    other (`model.column_type`)."""
    return column_type(col_type).family


def is_email(column: str) -> bool:
    """email, user_email, "E-mail", "eMail Address": probes use e-mail-like values there."""
    return "email" in re.sub(r"[^a-z]", "", column.lower())


def max_length(col_type: str) -> int | None:
    """n of VARCHAR(n) / CHAR(n) (`model.column_type`)."""
    return column_type(col_type).length


def check_in_values(table: Table, column: str) -> list[str] | None:
    """Values of a `col IN ('a', 'b')` CHECK on `column`, if there is one."""
    for ck in table.checks:
        node = parse_expr(ck.expression)
        if isinstance(node, exp.In) and isinstance(node.this, exp.Column) and node.this.name == column:
            vals = [e.this for e in node.expressions if isinstance(e, exp.Literal)]
            if vals:
                return vals
    return None


def parse_expr(sql: str) -> exp.Expression | None:
    try:
        return sqlglot.parse_one(sql, read="postgres")
    except Exception:  # an expression we cannot read: the probe says "no generator"
        return None


class ValueFactory:
    """Fresh, valid, deterministic values per column (a counter keeps UNIQUE columns apart)."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self.counter = itertools.count(1)
        self.full_rows: set[str] = set()  # tables whose rows fill every column (see load_baseline)

    def uuid(self) -> str:
        return f"00000000-0000-4000-8000-{next(self.counter):012d}"

    def value(self, table: Table, col: Column) -> Any:
        if col.type in self.schema.enums:
            return self.schema.enums[col.type].values[0]
        allowed = check_in_values(table, col.name)
        if allowed:
            return allowed[0]
        fam = type_family(col.type)
        n = next(self.counter)
        if fam == "uuid":
            return f"00000000-0000-4000-8000-{n:012d}"
        if fam == "text":
            text = f"u{n}@example.com" if is_email(col.name) else f"{col.name[:6]}-{n}"
            limit = max_length(col.type)
            return text[-limit:] if limit else text
        if fam in ("int", "numeric"):
            return n
        if fam == "bool":
            return True
        if fam == "timestamp":
            return "2024-01-02 03:04:05"
        if fam == "date":
            return "2024-01-02"
        if fam == "json":
            return "{}"
        return f"v{n}"

    def row(self, table: Table, parents: dict[str, dict[str, Any]],
            overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """A valid new row of `table`: required columns only (defaults do the rest), NOT NULL
        foreign keys pointing at the given parent rows, `overrides` applied last."""
        overrides = overrides or {}
        row: dict[str, Any] = {}
        fk_of = {c: fk for fk in table.foreign_keys for c in fk.columns}
        for col in table.columns.values():
            if col.identity or col.generated:
                continue
            required = not col.nullable and col.default is None
            fk = fk_of.get(col.name)
            if not required and not (table.qualname in self.full_rows
                                     and (fk is None or fk.ref_table in parents)):
                continue
            if fk is not None:
                parent = parents.get(fk.ref_table)
                if parent is None:
                    raise EngineError(f"no baseline row in {fk.ref_table} for "
                                      f"{table.qualname}.{col.name}")
                row[col.name] = parent[fk.ref_columns[fk.columns.index(col.name)]]
            else:
                row[col.name] = self.value(table, col)
        # Supply the primary key ourselves (when the database would generate it) so a probe
        # can find its row again on every engine.
        if table.primary_key:
            for c in table.primary_key.columns:
                col = table.columns[c]
                if c not in row and not col.identity and type_family(col.type) == "uuid":
                    row[c] = self.uuid()
        row.update(overrides)
        return row


def insert_sql(table: Table, row: dict[str, Any], names: Names = Names(),
               params: Params | None = None) -> str:
    """INSERT of one row, every name quoted and qualified as `names`' engine holds it. With
    `params` the values are driver parameters (run it with `engine.execute(sql, params)`);
    without, literals of a script."""
    value = params if params is not None else names.lit
    vals = ", ".join(value(v) for v in row.values())
    return f"INSERT INTO {names.table(table)} ({names.cols(row)}) VALUES ({vals})"


def where_sql(row: dict[str, Any], names: Names = Names(), params: Params | None = None) -> str:
    """`col = value AND ...` (IS NULL for None); '1=1' for an empty row. Values as in
    `insert_sql`: driver parameters with `params`, else literals."""
    value = params if params is not None else names.lit
    parts = [f"{names.col(c)} IS NULL" if v is None else f"{names.col(c)} = {value(v)}"
             for c, v in row.items()]
    return " AND ".join(parts) or "1=1"


def table_order(schema: Schema) -> list[Table]:
    """Tables parents-first along NOT NULL foreign keys (`dialects.fk_order`), keyed by
    qualified name like the foreign keys."""
    order = dialects.fk_order(schema, follows=lambda t, fk: any(
        not t.columns[c].nullable for c in fk.columns if c in t.columns))
    if order.cycles:  # a cycle of NOT NULL FKs: cannot seed it in plain INSERTs
        raise InputError("cycle of NOT NULL foreign keys between " + ", ".join(order.cycles[0][:-1])
                         + "; make one of them nullable or DEFERRABLE")
    return [schema.tables[n] for n in order.names]


# -- probes ------------------------------------------------------------------------------------

@dataclass
class ProbeCase:
    """One adversarial write: `steps(ctx)` runs it, the expectation says what a guard does."""
    constraint: str  # readable label: "users.email NOT NULL"
    kind: str  # not-null | unique | unique-case | unique-reuse | check | enum | fk-orphan | length | type | on-delete
    table: str  # qualified name: "app.orders"
    expect: str  # rejected | accepted | cascaded | set null
    column: str | None = None
    index: str | None = None
    value: Any = None
    detail: str = ""
    objects: tuple[str, ...] = ()  # renderer note objects that explain a different outcome


@dataclass
class ProbeOutcome:
    constraint: str
    kind: str
    table: str
    engine: str
    outcome: str
    expect: str
    message: str = ""
    column: str | None = None
    index: str | None = None

    @property
    def ok(self) -> bool:
        """True when the engine did what a working guard does (or the probe could not run)."""
        return self.outcome in (self.expect, "not probed")


@dataclass
class ProbeResult:
    outcomes: list[ProbeOutcome] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)  # engine -> renderer notes
    engine_info: dict[str, str] = field(default_factory=dict)  # engine -> version / mode
    seconds: dict[str, float] = field(default_factory=dict)
    schema: Schema | None = None
    skipped: dict[str, dict[str, str]] = field(default_factory=dict)  # engine -> table -> no baseline row, why
    failed: dict[str, str] = field(default_factory=dict)  # engine -> why the schema could not be created

    def gaps(self) -> list[str]:
        """One line per engine that was not probed, or probed without some tables, and why."""
        lines = [f"{e}: not probed - the schema could not be created: {why}" for e, why in self.failed.items()]
        for e, tables in self.skipped.items():
            if tables:
                first, why = next(iter(tables.items()))
                lines.append(f"{e}: {len(tables)} table(s) took no baseline row, their probes are "
                             f"'not probed' ({', '.join(tables)}; {first}: {why})")
        return lines

    def matrix(self):
        """pandas DataFrame: one row per constraint probe, one column per engine (the outcome,
        with a '!' suffix when it is not what a correct guard does)."""
        import pandas as pd
        rows: dict[tuple[str, str], dict[str, str]] = {}
        for o in self.outcomes:
            cell = o.outcome if o.ok else o.outcome + " !"
            rows.setdefault((o.constraint, o.expect), {})[o.engine] = cell
        engines_seen = list(dict.fromkeys(o.engine for o in self.outcomes))
        frame = pd.DataFrame(
            [{"constraint": c, "expected": e, **{eng: cells.get(eng, "") for eng in engines_seen}}
             for (c, e), cells in rows.items()])
        return frame.set_index("constraint") if len(frame) else frame

    @property
    def findings(self) -> list[Finding]:
        out = []
        for o in self.outcomes:
            if o.ok:
                continue
            src = self.schema.table(o.table).source if self.schema and self.schema.table(o.table) else None
            out.append(Finding(
                rule=f"probe-{o.kind}", severity="error" if o.outcome in ("accepted", "orphaned") else "warning",
                message=f"{o.engine}: {o.constraint}: expected {o.expect}, got {o.outcome}"
                        + (f" ({o.message})" if o.message else "") + f"; fix: {fix_for(o)}",
                table=o.table, column=o.column, index=o.index,
                file=src.file if src else None, line=src.line if src else None))
        return out

    def summary(self):
        """DataFrame engine x outcome -> number of probes; a trailing ' !' marks outcomes that
        are not what a working guard does (the findings). Stable: a checked notebook cell."""
        import pandas as pd
        counts: dict[str, dict[str, int]] = {}
        for o in self.outcomes:
            label = o.outcome if o.ok else o.outcome + " !"
            counts.setdefault(o.engine, {}).setdefault(label, 0)
            counts[o.engine][label] += 1
        frame = pd.DataFrame(counts).fillna(0).astype(int)
        return frame.loc[sorted(frame.index, key=lambda k: (k.endswith("!"), k))]

    def findings_summary(self):
        """DataFrame of the findings grouped by engine, kind and outcome: how many, one
        example constraint and the fix. The per-constraint list is `findings`."""
        import pandas as pd
        groups: dict[tuple[str, str, str], list[ProbeOutcome]] = {}
        for o in self.outcomes:
            if not o.ok:
                groups.setdefault((o.engine, o.kind, o.outcome), []).append(o)
        rows = [{"engine": e, "kind": k, "outcome": out, "probes": len(os_),
                 "example": os_[0].constraint, "fix": fix_for(os_[0])}
                for (e, k, out), os_ in groups.items()]
        return pd.DataFrame(rows, columns=["engine", "kind", "outcome", "probes", "example", "fix"])

    def outcome(self, engine: str, constraint: str) -> ProbeOutcome:
        """The one outcome of `constraint` on `engine` (KeyError naming both when absent)."""
        for o in self.outcomes:
            if o.engine == engine and o.constraint == constraint:
                return o
        raise KeyError(f"no probe {constraint!r} on {engine!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"outcomes": [dict(asdict(o), ok=o.ok) for o in self.outcomes], "notes": self.notes,
                "engines": self.engine_info, "seconds": self.seconds}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)


def fix_for(o: ProbeOutcome) -> str:
    """The usual fix for a guard that did not hold, per engine and kind."""
    fixes = {
        ("sqlite-nopragma", "fk-orphan"): "run PRAGMA foreign_keys=ON right after every connect",
        ("sqlite-nopragma", "on-delete"): "run PRAGMA foreign_keys=ON right after every connect",
        ("sqlite", "length"): "declare TEXT CHECK (length(col) <= n) or use a STRICT table with the check",
        ("duckdb", "length"): "add CHECK (length(col) <= n); DuckDB ignores VARCHAR(n)",
        ("sqlite", "type"): "use a STRICT table (typed columns) or a CHECK (typeof(col) = ...)",
        ("duckdb", "on-delete"): "DuckDB has no ON DELETE actions: delete (or soft-delete) children in the "
                                 "application first, each DELETE committed before the parent's",
        ("mysql", "unique-reuse"): "MariaDB has no partial index: UNIQUE on a generated column that is NULL for deleted rows",
        ("mysql", "unique-case"): "a case-insensitive collation or UNIQUE on a generated lower(col) column",
        ("mysql", "unique"): "UNIQUE on a generated column (no expression/partial indexes in MariaDB)",
        ("duckdb", "unique"): "DuckDB has no partial index (a plain UNIQUE would block reusing soft-deleted "
                              "values): check uniqueness of live rows in the application",
        ("duckdb", "unique-reuse"): "DuckDB has no partial index: enforce uniqueness of live rows in the application",
        ("duckdb", "unique-case"): "store the email lower-cased (CHECK (email = lower(email))) and index it",
    }
    if (o.engine, o.kind) in fixes:
        return fixes[(o.engine, o.kind)]
    return {"not-null": "declare the column NOT NULL", "check": "add the CHECK (or a trigger / app-level check)",
            "fk-orphan": "declare the FOREIGN KEY", "length": "add CHECK (length(col) <= n)",
            "type": "a stricter column type or a CHECK", "unique": "add the UNIQUE index",
            "unique-case": "unique index on lower(col)", "unique-reuse": "partial unique index WHERE deleted_at IS NULL",
            "on-delete": "declare the ON DELETE action or do it in the application"}.get(o.kind, "app-level check")


class _Ctx:
    """What a probe sees: the engine, the baseline rows, the value factory."""

    def __init__(self, engine: Engine, schema: Schema, baseline: dict[str, dict[str, Any]],
                 values: ValueFactory, names: Names | None = None):
        self.engine, self.schema, self.baseline, self.values = engine, schema, baseline, values
        self.names = names or names_for(schema, engine.name)

    def insert(self, table: Table, row: dict[str, Any]) -> str | None:
        """Insert `row`; None on success, the engine's first error line on failure."""
        p = Params()
        return _try(self, insert_sql(table, row, self.names, p), p)

    def fresh(self, table: Table, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """A new valid row. A NOT NULL foreign key that is part of a unique key (1:1 tables,
        join tables) gets a new parent row of its own (inserted now), so the row cannot
        collide with the baseline for a reason other than the one under test."""
        overrides = dict(overrides or {})
        unique_cols = {c for cols in table.unique_column_sets() for c in cols}
        parents = dict(self.baseline)
        for fk in table.foreign_keys:
            if set(fk.columns) & set(overrides) or not set(fk.columns) <= unique_cols:
                continue
            if fk.ref_table == table.qualname or any(table.columns[c].nullable for c in fk.columns):
                continue
            parent_t = self.schema.tables[fk.ref_table]
            parent = self.fresh(parent_t)
            p = Params()
            self.engine.execute(insert_sql(parent_t, parent, self.names, p), p)
            overrides.update({c: parent[rc] for c, rc in zip(fk.columns, fk.ref_columns)})
        return self.values.row(table, parents, overrides)


def build_cases(schema: Schema) -> list[tuple[ProbeCase, Callable[[_Ctx], tuple[str, str]]]]:
    """Every probe the model implies, each with the function that runs it and returns
    (outcome, message). Labels and `table` use qualified names (`app.orders.total`)."""
    cases: list[tuple[ProbeCase, Callable[[_Ctx], tuple[str, str]]]] = []

    def add(case: ProbeCase, fn: Callable[[_Ctx], tuple[str, str]]) -> None:
        cases.append((case, fn))

    for table in schema.tables.values():
        qn = table.qualname
        fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
        for col in table.columns.values():
            if col.identity or col.generated:
                continue
            label = f"{qn}.{col.name}"
            if not col.nullable:
                # SQLite's INTEGER PRIMARY KEY is the rowid alias: a NULL id is generated, and
                # the renderer says so in a note on this column
                pk_note = (label,) if table.primary_key and col.name in table.primary_key.columns else ()
                add(ProbeCase(f"{label} NOT NULL", "not-null", qn, "rejected", col.name, value=None,
                              objects=pk_note),
                    _write_probe(table, col.name, None))
            limit = max_length(col.type)
            if limit:
                add(ProbeCase(f"{label} {col.type} length", "length", qn, "rejected", col.name,
                              value="x" * (limit + 1)),
                    _write_probe(table, col.name, "x" * (limit + 1), compare="length"))
            fam = type_family(col.type)
            if fam in ("int", "numeric", "uuid", "timestamp", "date", "bool") and col.name not in fk_cols:
                bad = "not-a-" + fam
                add(ProbeCase(f"{label} {col.type} type", "type", qn, "rejected", col.name, value=bad),
                    _write_probe(table, col.name, bad))
            enum = schema.enums.get(col.type)
            if enum is not None:
                bad = "zz_not_allowed"
                while bad in enum.values:
                    bad += "_"
                add(ProbeCase(f"{label} ENUM {col.type}", "enum", qn, "rejected", col.name, value=bad),
                    _write_probe(table, col.name, bad))
        for ck in table.checks:
            bad = _violating_value(table, ck.expression)
            name = ck.name or ck.expression
            if bad is None:
                add(ProbeCase(f"{qn} CHECK {name}", "check", qn, "rejected",
                              ck.columns[0] if ck.columns else None, detail="no generator"),
                    lambda ctx: ("not probed", "no violating value generated for this expression"))
                continue
            colname, val = bad
            add(ProbeCase(f"{qn} CHECK {name}", "check", qn, "rejected", colname, value=val),
                _write_probe(table, colname, val))
        for fk in table.foreign_keys:
            label = f"{qn}.{','.join(fk.columns)} -> {fk.ref_table}"
            # the renderer names a dropped FK (or FK action) like this in its notes
            objects = (fk.name or f"{qn}({', '.join(fk.columns)})",)
            add(ProbeCase(f"{label} orphan", "fk-orphan", qn, "rejected", fk.columns[0],
                          objects=objects),
                _orphan_probe(table, fk))
            action = (fk.on_delete or "NO ACTION").upper()
            expect = {"CASCADE": "cascaded", "SET NULL": "set null"}.get(action, "rejected")
            add(ProbeCase(f"{label} ON DELETE {action}", "on-delete", qn, expect, fk.columns[0],
                          objects=objects),
                _delete_probe(table, fk))
        unique_sets: list[tuple[str, list[IndexColumn], Index | None]] = []
        if table.primary_key:
            unique_sets.append(("PRIMARY KEY", [IndexColumn(c) for c in table.primary_key.columns], None))
        for uq in table.uniques:
            unique_sets.append((f"UNIQUE {uq.name or ''}".strip(), [IndexColumn(c) for c in uq.columns], None))
        for ix in table.indexes:
            if ix.unique:
                unique_sets.append((f"UNIQUE INDEX {ix.name}", list(ix.columns), ix))
        for title, parts, ix in unique_sets:
            label = f"{qn} {title} ({', '.join(p.label for p in parts)})"
            objects = (ix.name,) if ix else ()
            index = ix.name if ix else None
            add(ProbeCase(f"{label} duplicate", "unique", qn, "rejected", index=index, objects=objects),
                _unique_probe(table, parts, variant="same"))
            plain, lowered = key_columns(table, parts)
            if lowered or any(is_email(c) for c in plain):
                # A case-insensitive unique index must catch 'User@X' against 'user@x'; a plain
                # one lets it through, which for emails is the bug.
                add(ProbeCase(f"{label} case variant", "unique-case", qn, "rejected", index=index,
                              objects=objects),
                    _unique_probe(table, parts, variant="case"))
            if ix is not None and ix.where and re.search(r"(?i)deleted_at\s+IS\s+NULL", ix.where):
                add(ProbeCase(f"{label} reuse after soft delete", "unique-reuse", qn, "accepted",
                              index=ix.name, objects=objects),
                    _unique_probe(table, parts, variant="reuse"))
    return cases


def key_columns(table: Table, parts: list[IndexColumn]) -> tuple[list[str], set[str]]:
    """(columns a key is made of, those it compares lower-cased): `(lower("E-mail"), org_id)`
    -> (['E-mail', 'org_id'], {'E-mail'}). Expressions are read with sqlglot, so quoted names
    work; a column the table does not have is left out."""
    plain: list[str] = []
    lowered: set[str] = set()
    for part in parts:
        if part.column is not None:
            found = [part.column]
        else:
            node = parse_expr(part.expression or "")
            found = [c.name for c in node.find_all(exp.Column)] if node is not None else []
            if node is not None:
                lowered |= {c.name for low in node.find_all(exp.Lower)
                            for c in low.find_all(exp.Column)}
        plain += [c for c in found if c in table.columns and c not in plain]
    return plain, lowered & set(plain)


def _violating_value(table: Table, expression: str) -> tuple[str, Any] | None:
    """(column, value) that breaks a simple CHECK: IN list, comparison, BETWEEN, length()."""
    node = parse_expr(expression)
    if node is None:
        return None
    if isinstance(node, exp.In) and isinstance(node.this, exp.Column):
        vals = [e.this for e in node.expressions if isinstance(e, exp.Literal)]
        col = table.columns.get(node.this.name)
        limit = max_length(col.type) if col else None
        bad = "zz_not_allowed"
        while bad in vals:
            bad += "_"
        return node.this.name, bad[:limit] if limit else bad
    target, lo, hi = None, None, None
    if isinstance(node, exp.Between):
        target, lo, hi = node.this, node.args.get("low"), node.args.get("high")
    elif isinstance(node, (exp.GTE, exp.GT)) and isinstance(node.expression, exp.Literal):
        target, lo = node.this, node.expression
    elif isinstance(node, (exp.LTE, exp.LT)) and isinstance(node.expression, exp.Literal):
        target, hi = node.this, node.expression
    if target is None:
        return None
    low = float(lo.this) if isinstance(lo, exp.Literal) and not lo.is_string else None
    high = float(hi.this) if isinstance(hi, exp.Literal) and not hi.is_string else None
    strict_gt = isinstance(node, exp.GT)
    strict_lt = isinstance(node, exp.LT)
    if isinstance(target, exp.Length) or (isinstance(target, exp.Anonymous) and target.name.lower() in ("length", "char_length")):
        col = target.this if isinstance(target, exp.Length) else target.expressions[0]
        if not isinstance(col, exp.Column):
            return None
        if low is not None and low >= 1:
            return col.name, "x" * int(low - (0 if strict_gt else 1))
        if high is not None:
            return col.name, "x" * int(high + (0 if strict_lt else 1))
        return None
    if isinstance(target, exp.Column):
        if low is not None:
            return target.name, int(low) - (0 if strict_gt else 1)
        if high is not None:
            return target.name, int(high) + (0 if strict_lt else 1)
    return None




def _try(ctx: _Ctx, sql: str, params: Params | None = None) -> str | None:
    """Run `sql`; return None on success, the engine's first error line on failure."""
    try:
        ctx.engine.execute(sql, params or ())
        return None
    except EngineError as err:
        return str(err).splitlines()[0]


def _write_probe(table: Table, column: str, value: Any, compare: str = "equal"):
    """Insert an otherwise valid row with `column = value`; read it back if it went in."""
    def run(ctx: _Ctx) -> tuple[str, str]:
        n = ctx.names
        row = ctx.fresh(table, {column: value})
        err = ctx.insert(table, row)
        if err:
            return "rejected", err
        locate = {c: v for c, v in row.items() if c != column}
        p = Params()
        stored = ctx.engine.query(f"SELECT {n.col(column)} FROM {n.table(table)} "
                                  f"WHERE {where_sql(locate, n, p)}", p)
        if not stored:
            return "accepted", "row not found after insert"
        got = stored[0][0]
        if compare == "length":
            if got is not None and len(str(got)) == len(value):
                return "accepted", f"stored {len(str(got))} characters"
            return "coerced", f"stored {len(str(got)) if got is not None else 'NULL'} characters"
        if value is None:
            return ("accepted", "stored NULL") if got is None else ("coerced", f"stored {got!r}")
        if str(got) == str(value):
            return "accepted", f"stored {got!r}"
        return "coerced", f"stored {got!r} instead of {value!r}"
    return run


def _orphan_probe(table: Table, fk: ForeignKey):
    """A child row whose key (every column of a composite FK) matches no parent row."""
    def run(ctx: _Ctx) -> tuple[str, str]:
        missing = {}
        for c in fk.columns:
            fam = type_family(table.columns[c].type)
            missing[c] = (ctx.values.uuid() if fam == "uuid" else 987654321 if fam in ("int", "numeric")
                          else ctx.values.value(table, table.columns[c]))
        err = ctx.insert(table, ctx.fresh(table, missing))
        return ("rejected", err) if err else ("accepted", f"child row points at a missing {fk.ref_table}")
    return run


def _delete_probe(table: Table, fk: ForeignKey):
    """A fresh parent with one fresh child under test; delete the parent; look at the child."""
    def run(ctx: _Ctx) -> tuple[str, str]:
        n = ctx.names
        parent_t = ctx.schema.tables[fk.ref_table]
        parent = ctx.fresh(parent_t)
        err = ctx.insert(parent_t, parent)
        if err:
            return "error", f"could not insert the parent: {err}"
        link = {c: parent[rc] for c, rc in zip(fk.columns, fk.ref_columns)}
        child = ctx.fresh(table, link)
        err = ctx.insert(table, child)
        if err:
            return "error", f"could not insert the child: {err}"
        pkey = {c: parent[c] for c in (parent_t.primary_key.columns if parent_t.primary_key else parent)}
        p = Params()
        err = _try(ctx, f"DELETE FROM {n.table(parent_t)} WHERE {where_sql(pkey, n, p)}", p)
        if err:
            return "rejected", err
        ckey = {c: child[c] for c in (table.primary_key.columns if table.primary_key else child)}
        rows = ctx.engine.query(f"SELECT {n.cols(fk.columns)} FROM {n.table(table)} "
                                f"WHERE {where_sql(ckey, n, p)}", p)
        if not rows:
            return "cascaded", "child row deleted with the parent"
        if all(v is None for v in rows[0]):
            return "set null", "child's reference set to NULL"
        return "orphaned", "parent deleted, child still points at it"
    return run


def _unique_probe(table: Table, parts: list[IndexColumn], variant: str):
    """Insert a second row with the baseline row's values in the unique columns: the same
    values, a case variant (for lower(...) indexes and email columns), or the same values after
    the baseline row was soft-deleted (which a partial unique index must accept)."""
    plain, lowered = key_columns(table, parts)

    def run(ctx: _Ctx) -> tuple[str, str]:
        n = ctx.names
        base = ctx.baseline[table.qualname]
        if any(c not in base for c in plain):
            return "not probed", "key generated by the database (identity); nothing to duplicate"
        dup = {c: base[c] for c in plain}
        if variant == "case":
            dup = {c: v.swapcase() if isinstance(v, str) and (c in lowered or is_email(c)) else v
                   for c, v in dup.items()}
        if variant == "reuse":
            pkey = {c: base[c] for c in table.primary_key.columns}
            p = Params()
            err = _try(ctx, f"UPDATE {n.table(table)} SET {n.col('deleted_at')} = CURRENT_TIMESTAMP "
                            f"WHERE {where_sql(pkey, n, p)}", p)
            if err:
                return "error", f"could not soft-delete the baseline row: {err}"
        err = ctx.insert(table, ctx.fresh(table, dup))
        return ("rejected", err) if err else ("accepted", "second row stored")
    return run


# -- running -----------------------------------------------------------------------------------

def load_baseline(engine: Engine, schema: Schema, values: ValueFactory,
                  names: Names | None = None,
                  skipped: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """One valid row per table, parents first, committed: the state every probe starts from.
    Keyed by qualified name (`app.orders`), as foreign keys name their parents.
    A table whose required-columns-only row is refused (a CHECK over several nullable columns,
    `name IS NOT NULL OR credit IS NOT NULL`) gets a row with every column filled, and so do
    its later fresh rows (`values.full_rows`). A table that still takes no row is left out and
    named in `skipped` (table -> the engine's reason); its probes report "not probed"."""
    names = names or names_for(schema, engine.name)
    baseline: dict[str, dict[str, Any]] = {}
    for table in table_order(schema):
        try:
            row = values.row(table, baseline)
        except EngineError as err:  # a NOT NULL parent without a baseline row
            if skipped is None:
                raise
            skipped[table.qualname] = str(err).splitlines()[0]
            continue
        p = Params()
        err = _insert_now(engine, insert_sql(table, row, names, p), p)
        if err:
            values.full_rows.add(table.qualname)
            row = values.row(table, baseline)
            p = Params()
            err = _insert_now(engine, insert_sql(table, row, names, p), p)
            if err:
                values.full_rows.discard(table.qualname)
                if skipped is None:
                    raise EngineError(f"{engine.name}: baseline row of {table.qualname}: {err}")
                skipped[table.qualname] = err
                continue
        baseline[table.qualname] = row
    return baseline


def _insert_now(engine: Engine, sql: str, params: Params) -> str | None:
    """Run one committed INSERT; None, or the engine's first error line (nothing left open)."""
    engine.begin()
    try:
        engine.execute(sql, params)
    except EngineError as err:
        engine.rollback()
        return str(err).splitlines()[0]
    engine.commit()
    return None


# The setting that decides coercion or enforcement, per engine: shown next to the version.
MODE_QUERIES: dict[str, tuple[str, str]] = {
    "mysql": ("sql_mode", "SELECT @@SESSION.sql_mode"),
    "sqlite": ("foreign_keys", "PRAGMA foreign_keys"),
}


def engine_mode(engine: Engine) -> str:
    """Version, plus the setting that decides coercion where there is one (MariaDB sql_mode,
    SQLite's foreign_keys pragma)."""
    version = engine.version()
    if engine.name not in MODE_QUERIES:
        return version
    label, sql = MODE_QUERIES[engine.name]
    value = engine.query(sql)[0][0]
    if isinstance(value, int):
        value = "ON" if value else "OFF"
    return f"{version}; {label}={value}"


def probe_engine(engine: Engine, schema: Schema, notes: list[str] | None = None,
                 kinds: set[str] | None = None, label: str | None = None,
                 skipped: dict[str, str] | None = None) -> list[ProbeOutcome]:
    """Run every probe (or those of `kinds`) on `engine`, which already holds the schema; each
    probe in its own transaction, rolled back. Tables that took no baseline row are added to
    `skipped` (table -> why) and their probes come back "not probed"."""
    names = names_for(schema, engine.name)
    values = ValueFactory(schema)
    skipped = {} if skipped is None else skipped
    baseline = load_baseline(engine, schema, values, names, skipped)
    ctx = _Ctx(engine, schema, baseline, values, names)
    out = []
    for case, fn in build_cases(schema):
        if kinds and case.kind not in kinds:
            continue
        missing = [t for t in (case.table, *_parents_of(schema, case)) if t in skipped]
        if missing:
            out.append(ProbeOutcome(case.constraint, case.kind, case.table, label or engine.name,
                                    "not probed", case.expect, f"no baseline row in {missing[0]}: "
                                    f"{skipped[missing[0]]}", case.column, case.index))
            continue
        engine.begin()
        try:
            outcome, message = fn(ctx)
        finally:
            engine.rollback()
        dropped = _dropped_note(case, notes or [], names)
        if dropped and outcome != case.expect:
            outcome, message = "not expressible", dropped
        out.append(ProbeOutcome(case.constraint, case.kind, case.table, label or engine.name, outcome,
                                case.expect, message, case.column, case.index))
    return out


def _parents_of(schema: Schema, case: ProbeCase) -> list[str]:
    """The tables a foreign-key probe also writes to (its parent)."""
    if case.kind not in ("fk-orphan", "on-delete"):
        return []
    table = schema.tables.get(case.table)
    return [fk.ref_table for fk in (table.foreign_keys if table else [])
            if case.constraint.startswith(f"{case.table}.{','.join(fk.columns)} -> {fk.ref_table} ")]


def _dropped_note(case: ProbeCase, notes: list[str], names: Names = Names()) -> str | None:
    """A renderer note that says this constraint was dropped or changed on this dialect. Notes
    name objects as the engine holds them (`orders(account_id)` where `app.` was flattened)."""
    held = names.held_name(case.table)
    keys = {k for o in case.objects for k in (o, o.replace(case.table, held, 1) if
                                              o.startswith(case.table) else o)}
    for note in notes:
        if any(f" {k}: " in note for k in keys):
            return note.splitlines()[0]
    return None


@dataclass
class Availability:
    """Which engines this machine can reach right now, and why the others cannot be."""
    available: list[str]
    unavailable: dict[str, str]  # engine -> the connection error, first line

    def note(self) -> str:
        """One line per engine for a notebook or report: 'postgres: reachable' ..."""
        lines = [f"{n}: reachable" for n in self.available]
        lines += [f"{n}: NOT reachable - {why}" for n, why in self.unavailable.items()]
        return "\n".join(lines)


def available_engines(names: tuple[str, ...] | list[str] = ALL_ENGINES) -> Availability:
    """Which engines can run here (`engines.availability`: embedded ones always; a server after
    one `SELECT 1` through its configured URL, cached per process). Notebooks use it to show a
    clear note instead of failing when a server is not running."""
    found = engines.availability(names)
    return Availability([n for n, why in found.items() if why is None],
                        {n: why for n, why in found.items() if why is not None})


def run_probe(schema: Schema, targets: str | list[str] = ALL_ENGINES,
              sqlite_without_pragma: bool = True) -> ProbeResult:
    """Probe `schema` on each target: an engine name (a throw-away database is created and
    dropped) or a database URL (must be empty: the schema is created there).

    With `sqlite_without_pragma`, the foreign-key probes also run on SQLite as a plain
    `sqlite3.connect()` leaves it (no `PRAGMA foreign_keys=ON`), column `sqlite-nopragma`:
    what every tool that forgets the pragma gets."""
    if isinstance(targets, str):
        targets = [targets]
    result = ProbeResult(schema=schema)
    if sqlite_without_pragma and "sqlite" in targets:
        targets = list(targets) + ["sqlite-nopragma"]
    for target in targets:
        started = time.perf_counter()
        if target == "sqlite-nopragma":
            with engines.throwaway("sqlite") as engine:
                engine._conn = _sqlite_connect_plain(engine.path)
                try:
                    notes = install_schema(engine, schema)
                except EngineError as err:
                    result.failed[target] = str(err).splitlines()[0]
                    continue
                result.engine_info[target] = engine_mode(engine)
                result.outcomes += probe_engine(engine, schema, notes, {"fk-orphan", "on-delete"}, target,
                                                skipped=result.skipped.setdefault(target, {}))
            result.seconds[target] = round(time.perf_counter() - started, 3)
            continue
        with _open(target) as engine:
            try:
                notes = install_schema(engine, schema)
            except EngineError as err:
                result.failed[engine.name] = str(err).splitlines()[0]
                continue
            result.notes[engine.name] = notes
            result.engine_info[engine.name] = engine_mode(engine)
            skipped = result.skipped.setdefault(engine.name, {})
            result.outcomes += probe_engine(engine, schema, notes, skipped=skipped)
        result.seconds[engine.name] = round(time.perf_counter() - started, 3)
    return result


def _sqlite_connect_plain(path: str):
    """sqlite3 as most code opens it: no foreign_keys pragma (autocommit, so BEGIN is ours)."""
    import sqlite3
    return sqlite3.connect(path, isolation_level=None)


def _open(target: str):
    if "://" in target:
        import contextlib

        @contextlib.contextmanager
        def opened() -> Iterator[Engine]:
            eng = engines.connect(target)
            try:
                if eng.table_names():
                    raise InputError("the probe creates the schema itself; give an empty database", target)
                yield eng
            finally:
                eng.close()
        return opened()
    return engines.throwaway(target)


def main() -> None:
    """`python -m dbdesign.lab.probe [SOURCE] [OUT]`: probe all four engines, time it, write JSON
    (default data/results/probe.json) - the quality bar is under 30 s for the example."""
    import os

    import click

    @click.command(name="python -m dbdesign.lab.probe")
    @click.argument("source", default="migrations")
    @click.argument("out", default=os.path.join("data", "results", "probe.json"))
    def run(source: str, out: str) -> None:
        from dbdesign.schema.source import load_source
        started = time.perf_counter()
        result = run_probe(load_source(source))
        total = round(time.perf_counter() - started, 3)
        data = result.to_dict() | {"total_seconds": total, "probes": len(result.outcomes),
                                   "findings": len(result.findings)}
        os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, default=str)
        click.echo(f"{len(result.outcomes)} probes on {len(result.seconds)} engines in {total} s -> {out}")
    run()


if __name__ == "__main__":
    main()
