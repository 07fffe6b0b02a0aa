"""Render the schema model as DDL for one engine, and say what the engine could not hold.

One `Dialect` subclass per target (sqlglot's style): engine differences are capability flags
(the engine's `Capabilities` plus a few rendering flags kept here) and small method overrides,
never `if dialect == ...` in shared code. Rendering happens in two steps:

1. `adapt(schema)` turns a deep copy of the model into *the schema as the engine will hold it*
   (enum -> inline ENUM or TEXT + CHECK, UUID -> TEXT, VARCHAR(n) -> CHECK (length(col) <= n),
   partial index dropped, ...). Every loss or emulation becomes a `PortabilityNote`. In the
   adapted model, types, defaults, CHECK and index expressions are written in the *target*
   dialect (what the engine's catalogue would show), not in PostgreSQL's.
2. `create_statements(adapted)` builds sqlglot ASTs from the adapted model and generates SQL
   with `unsupported_level=RAISE`, so a construct sqlglot cannot express is a bug, not a
   silently wrong statement.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import ClassVar, Sequence

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from ..engines.base import Capabilities
from ..errors import InputError
from ..model import (CheckConstraint, Column, ForeignKey, Index, IndexColumn, Schema, Table)

ACTIONS = ("emulated", "dropped", "changed", "not enforced", "kept")
PG = "postgres"


@dataclass(frozen=True)
class PortabilityNote:
    """One thing an engine could not hold as written.

    `action` is 'emulated' (same behaviour by other means), 'dropped' (gone), 'changed'
    (kept with different behaviour), 'not enforced' (declared but the engine does not check
    it) or 'kept' (kept as written, with a caveat worth knowing)."""
    engine: str
    feature: str
    object: str
    action: str
    detail: str
    where: str | None = None  # file:line of the migration statement (render_statements only)

    def __str__(self) -> str:
        return f"{self.engine}: {self.feature} {self.object}: {self.action} ({self.detail})"


@dataclass
class Rendered:
    """DDL for one engine plus what it lost. `model` is the schema as the engine holds it.

    `foreign_keys_off`: the statements rebuild a SQLite table (the documented 12-step
    procedure); the caller must run ``PRAGMA foreign_keys=OFF`` *before* BEGIN and
    ``PRAGMA foreign_key_check`` / ``PRAGMA foreign_keys=ON`` after COMMIT, because SQLite
    ignores that pragma inside a transaction and a DROP TABLE would fire ON DELETE actions."""
    dialect: str
    statements: list[str]
    notes: list[PortabilityNote]
    model: Schema
    foreign_keys_off: bool = False

    @property
    def sql(self) -> str:
        return "".join(s + ";\n" for s in self.statements)


def clone(obj):
    """A deep copy of model objects (dataclasses, lists, dicts, strings) several times faster
    than copy.deepcopy, which dominated statement-by-statement rendering."""
    if isinstance(obj, (str, int, float, bool, type(None))):
        return obj
    if isinstance(obj, list):
        return [clone(x) for x in obj]
    if isinstance(obj, dict):
        return {k: clone(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(clone(x) for x in obj)
    if hasattr(obj, "__dataclass_fields__"):
        new = object.__new__(type(obj))
        new.__dict__.update({k: clone(v) for k, v in obj.__dict__.items()})
        return new
    return copy.deepcopy(obj)


def pg_expr(text: str) -> exp.Expression:
    return sqlglot.parse_one(text, read=PG)


class ColumnRef(str):
    """A note's object when it is a column: notes on several columns of one table with the
    same feature, action and detail are merged into one line, ``users(created_at, updated_at)``."""
    table: str
    column: str


def col_obj(table: Table, col: Column) -> ColumnRef:
    ref = ColumnRef(f"{table.qualname}.{col.name}")
    ref.table, ref.column = table.qualname, col.name
    return ref


@dataclass
class _Ctx:
    entries: list = field(default_factory=list)  # PortabilityNote | group key, in order
    groups: dict = field(default_factory=dict)  # group key -> column names

    @property
    def notes(self) -> list[PortabilityNote]:
        out = []
        for e in self.entries:
            if isinstance(e, PortabilityNote):
                out.append(e)
            else:
                engine, feature, table, action, detail = e
                cols = self.groups[e]
                out.append(PortabilityNote(engine, feature, f"{table}({', '.join(cols)})"
                                           if len(cols) > 1 else f"{table}.{cols[0]}", action, detail))
        return out


# PostgreSQL types other engines may lack: name -> (portable stand-in, what is lost).
PG_ONLY_TYPES: dict[str, tuple[str, str]] = {
    "ARRAY": ("JSON", "no array type: a JSON array"),
    "MONEY": ("DECIMAL(19, 4)", "no MONEY type: DECIMAL(19, 4), currency formatting is the application's"),
    "INET": ("VARCHAR(43)", "no network address type: text, no containment operators"),
    "CIDR": ("VARCHAR(43)", "no network address type: text, no containment operators"),
    "MACADDR": ("VARCHAR(17)", "no MAC address type: text"),
    "INTERVAL": ("VARCHAR(64)", "no INTERVAL type: ISO 8601 duration text, no date arithmetic"),
    "TSVECTOR": ("TEXT", "no tsvector: text; use the engine's own full-text index (FTS5, FULLTEXT)"),
    "CITEXT": ("VARCHAR(255)", "no citext: case-insensitivity comes from the collation or lower()"),
    "XML": ("TEXT", "no XML type: text, not validated"),
    "TIMETZ": ("TIME", "no TIME WITH TIME ZONE: TIME, the offset is lost"),
    "BIT": ("VARCHAR(64)", "no BIT(n) type: a text of 0/1 digits"),
}
_SERIAL_BASE = {exp.DataType.Type.SERIAL: "INT", exp.DataType.Type.BIGSERIAL: "BIGINT",
                exp.DataType.Type.SMALLSERIAL: "SMALLINT"}


def _pg_only_key(dt: exp.DataType) -> str | None:
    if dt.this == exp.DataType.Type.ARRAY:
        return "ARRAY"
    if dt.this == exp.DataType.Type.USERDEFINED:
        return (dt.args.get("kind") or "").upper() or None
    name = dt.this.name
    return name if name in PG_ONLY_TYPES else None


class Dialect:
    """Base dialect: PostgreSQL-like behaviour; subclasses switch flags and override hooks."""

    name: ClassVar[str] = "?"  # our engine name: 'postgres' | 'mysql' | 'sqlite' | 'duckdb'
    sqlglot_dialect: ClassVar[str] = PG
    caps: ClassVar[Capabilities] = Capabilities()
    # -- rendering flags not in engines.Capabilities (told to the lead) -------------------
    SCHEMAS: ClassVar[bool] = True  # CREATE SCHEMA / schema-qualified names
    CROSS_SCHEMA_FK: ClassVar[bool] = True
    COMMENTS: ClassVar[str | None] = "statement"  # 'statement' | 'inline' | None
    INDEX_COMMENTS: ClassVar[bool] = True
    FK_FORWARD_REFERENCE: ClassVar[bool] = False  # CREATE TABLE may reference a later table
    GENERATED_STORED: ClassVar[bool] = True
    DESC_NULLS_FIRST: ClassVar[bool] = True  # engine's natural NULL order for DESC keys
    DEFAULT_PARENS: ClassVar[bool] = False  # non-literal DEFAULT must be parenthesised
    INDEX_METHODS: ClassVar[tuple[str, ...]] = ("btree", "hash", "gin", "gist", "brin", "spgist")
    CHECK_UNSUPPORTED: ClassVar[tuple[type, ...]] = ()  # expression nodes a CHECK may not use
    LENGTH_CHECK_TYPE: ClassVar[str] = "TEXT"  # type that replaces VARCHAR(n) when emulated
    # PostgreSQL-only types this engine has natively; every other one in PG_ONLY_TYPES is
    # replaced by its portable stand-in, with a note (never passed through to fail later).
    NATIVE_PG_TYPES: ClassVar[frozenset[str]] = frozenset(PG_ONLY_TYPES)

    # Idempotent seeds: how an INSERT skips rows already there. ON CONFLICT DO NOTHING skips
    # uniqueness conflicts only (PostgreSQL, SQLite >= 3.24, DuckDB), so a CHECK or NOT NULL
    # violation still fails - unlike SQLite's INSERT OR IGNORE, which skips those rows too.
    # None: no such problem query; else SQL listing what the skip hid (MariaDB's warnings).
    INSERT_IF_ABSENT_PROBLEMS: ClassVar[str | None] = None

    def insert_if_absent(self, insert_sql: str, key: Sequence[str] = ()) -> str:
        """`insert_sql` (a rendered INSERT ... VALUES) made a no-op for rows whose key exists
        (`key`: the table's primary-key columns, for engines that need them named)."""
        return insert_sql.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"

    def __init__(self) -> None:
        self.ctx = _Ctx()

    # == public ============================================================================
    def render(self, schema: Schema) -> Rendered:
        self.ctx = _Ctx()
        model = self.adapt(schema)
        return Rendered(self.name, self.create_statements(model), list(self.ctx.notes), model)

    def note(self, feature: str, obj: str, action: str, detail: str) -> None:
        assert action in ACTIONS, action
        if self._recording is not None:
            self._recording.append((feature, obj, action, detail))
        if isinstance(obj, ColumnRef):
            key = (self.name, feature, obj.table, action, detail)
            if key not in self.ctx.groups:
                self.ctx.groups[key] = []
                self.ctx.entries.append(key)
            if obj.column not in self.ctx.groups[key]:
                self.ctx.groups[key].append(obj.column)
            return
        n = PortabilityNote(self.name, feature, str(obj), action, detail)
        if n not in self.ctx.entries:
            self.ctx.entries.append(n)

    def sql(self, node: exp.Expression, pretty: bool = False) -> str:
        return node.sql(dialect=self.sqlglot_dialect, unsupported_level=ErrorLevel.RAISE,
                        pretty=pretty)

    def parse(self, text: str) -> exp.Expression:
        """Parse text written in the target dialect (the adapted model's expressions)."""
        return sqlglot.parse_one(text, read=self.sqlglot_dialect)

    # == step 1: adapt the model ===========================================================
    def adapt(self, schema: Schema) -> Schema:
        # tables are cloned one by one in adapt_table_cached (or come from its cache)
        model = Schema(tables=dict(schema.tables), enums=clone(schema.enums),
                       others=clone(schema.others), diagnostics=[], sources=list(schema.sources))
        if not self.SCHEMAS and any(t.schema for t in model.tables.values()):
            model.tables = {qn: clone(t) for qn, t in model.tables.items()}
            self.flatten_schemas(model)
        enums_key = repr(sorted((k, e.values) for k, e in model.enums.items()))
        for qn in list(model.tables):
            model.tables[qn] = self.adapt_table_cached(model, model.tables[qn], enums_key)
        self.adapt_enums(model)
        self.adapt_foreign_keys(model)
        self.adapt_others(model)
        if self.COMMENTS is None:
            self.drop_comments(model)
        return model

    def flatten_schemas(self, model: Schema) -> None:
        """Engines without schemas get every table in the connected database."""
        renames: dict[str, str] = {}
        for qn, t in model.tables.items():
            if t.schema:
                plain = t.name if t.name not in model.tables and t.name not in renames.values() \
                    else f"{t.schema}_{t.name}"
                renames[qn] = plain
                self.note("schema", qn, "changed",
                          f"no schemas here: created as {plain} in the connected database")
        if not renames:
            return
        tables = {}
        for qn, t in model.tables.items():
            if qn in renames:
                t.name, t.schema = renames[qn], None
            tables[t.qualname] = t
            for ix in t.indexes:
                ix.table = t.qualname
            for fk in t.foreign_keys:
                fk.ref_table = renames.get(fk.ref_table, fk.ref_table)
        model.tables = tables
        enums = {}
        for qn, e in model.enums.items():
            e.name = qn.split(".")[-1]
            enums[e.name] = e
        model.enums = enums

    # Adapting a table is pure given the table and the enum types: the migrations runner
    # renders statement by statement and re-adapts the whole schema each time, so unchanged
    # tables come from this cache (with their notes replayed) instead of being re-parsed.
    _cache: ClassVar[dict] = {}
    _recording: list | None = None

    def adapt_table_cached(self, model: Schema, table: Table, enums_key: str) -> Table:
        key = (type(self).__name__, repr(table), enums_key)
        hit = self._cache.get(key)
        if hit is not None:
            adapted, calls = hit
            for args in calls:
                self.note(*args)
            return clone(adapted)
        table = clone(table)
        self._recording = []
        try:
            self.adapt_table(model, table)
            calls = self._recording
        finally:
            self._recording = None
        if len(self._cache) > 2000:
            self._cache.clear()
        self._cache[key] = (clone(table), calls)
        return table

    def adapt_table(self, model: Schema, table: Table) -> None:
        declared_checks = list(table.checks)  # emulations below add checks in target dialect
        for col in list(table.columns.values()):
            self.adapt_column(model, table, col)
        self.adapt_identity(model, table)
        for ch in declared_checks:
            self.adapt_check(table, ch)
        kept = []
        for ix in table.indexes:
            new = self.adapt_index(model, table, ix)
            if new is not None:
                kept.append(new)
        table.indexes = kept
        self.adapt_length_checks(table)

    # -- columns ---------------------------------------------------------------------------
    def enum_of(self, model: Schema, type_text: str):
        key = type_text.strip('"')
        return model.enums.get(key) or model.enums.get(key.split(".")[-1]) \
            or (model.enums.get(key[len("public."):]) if key.startswith("public.") else None)

    def adapt_column(self, model: Schema, table: Table, col: Column) -> None:
        obj = col_obj(table, col)
        enum = self.enum_of(model, col.type)
        if enum is not None:
            col.type = self.enum_column_type(table, col, enum)
        else:
            dt = self.adapt_serial(table, col, exp.DataType.build(col.type, dialect=PG, udt=True))
            dt = self.portable_type(table, col, dt)
            col.type = self.sql(self.map_type(table, col, dt))
        if col.default is not None:
            node = self.map_expression(pg_expr(col.default), obj, "default")
            col.default = self.sql(node)
        if col.generated is not None:
            node = self.map_expression(pg_expr(col.generated), obj, "generated column")
            col.generated = self.sql(node)
            if not self.GENERATED_STORED:
                self.note("generated column", obj, "changed",
                          "STORED is not supported: VIRTUAL (computed on read)")

    def adapt_serial(self, table: Table, col: Column, dt: exp.DataType) -> exp.DataType:
        """SERIAL types and `DEFAULT nextval('seq')` are PostgreSQL sequences: elsewhere they
        become an integer identity column (each dialect's identity handling takes over)."""
        if self.name == PG:
            return dt
        sequence_default = col.default is not None and col.default.lower().startswith("nextval(")
        if dt.this not in _SERIAL_BASE and not sequence_default:
            return dt
        what = dt.this.name if dt.this in _SERIAL_BASE else f"DEFAULT {col.default}"
        if dt.this in _SERIAL_BASE:
            dt = exp.DataType.build(_SERIAL_BASE[dt.this])
        col.default = None
        col.identity = col.identity or "by default"
        col.nullable = False
        self.note("serial", col_obj(table, col), "changed",
                  f"{what} is a PostgreSQL sequence: an identity column here")
        return dt

    def portable_type(self, table: Table, col: Column, dt: exp.DataType) -> exp.DataType:
        """A PostgreSQL-only type this engine lacks -> its stand-in, with a note."""
        key = _pg_only_key(dt)
        if key is None or key not in PG_ONLY_TYPES or key in self.NATIVE_PG_TYPES:
            return dt
        stand_in, lost = PG_ONLY_TYPES[key]
        self.note(key.lower() + " type", col_obj(table, col), "changed", lost)
        return exp.DataType.build(stand_in, dialect=PG)

    def enum_column_type(self, table: Table, col: Column, enum) -> str:
        """Enum types: kept where the engine has CREATE TYPE ... AS ENUM, else an inline
        ENUM(...) column type, else TEXT + CHECK (col IN (...))."""
        obj = col_obj(table, col)
        if self.caps.enum_type:
            return enum.name
        values = [exp.Literal.string(v) for v in enum.values]
        if self.caps.inline_enum:
            self.note("enum type", obj, "emulated",
                      f"no CREATE TYPE; {enum.name} written inline as ENUM({', '.join(enum.values)})")
            return self.sql(exp.DataType(this=exp.DataType.Type.ENUM, expressions=values))
        self.add_check(table, f"ck_{table.name}_{col.name}_enum",
                       exp.In(this=exp.column(col.name), expressions=values), [col.name])
        self.note("enum type", obj, "emulated",
                  f"no enum types; {enum.name} -> TEXT + CHECK ({col.name} IN (...))")
        return "TEXT"

    def add_check(self, table: Table, name: str, node: exp.Expression, columns: list[str]) -> None:
        """Append an emulation CHECK (already in the target dialect)."""
        table.checks.append(CheckConstraint(self.sql(node), name, columns, table.source))

    def map_type(self, table: Table, col: Column, dt: exp.DataType) -> exp.DataType:
        """Hook: a PostgreSQL type -> the target type (notes for any change)."""
        return dt

    def map_expression(self, node: exp.Expression, obj: str, where: str) -> exp.Expression:
        """Hook: fix functions inside defaults, CHECKs, generated columns, index expressions."""
        return node

    def adapt_identity(self, model: Schema, table: Table) -> None:
        """Hook: identity columns where the engine lacks GENERATED ... AS IDENTITY."""

    def adapt_check(self, table: Table, ch: CheckConstraint) -> None:
        obj = ch.name or f"{table.qualname} CHECK"
        node = pg_expr(ch.expression)
        bad = [n for t in self.CHECK_UNSUPPORTED for n in node.find_all(t)]
        if bad:
            table.checks.remove(ch)
            self.note("check", obj, "dropped",
                      f"{type(bad[0]).__name__} has no equivalent here; CHECK ({ch.expression}) "
                      "is not enforced - validate in the application")
            return
        ch.expression = self.sql(self.map_expression(node, obj, "check"))

    def length_limited(self, dt: exp.DataType) -> int | None:
        if dt.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR, exp.DataType.Type.NVARCHAR,
                       exp.DataType.Type.NCHAR) and dt.expressions:
            try:
                return int(dt.expressions[0].this.this)
            except (ValueError, AttributeError):
                return None
        return None

    def emulate_length(self, table: Table, col: Column, dt: exp.DataType) -> exp.DataType:
        """VARCHAR(n) whose length the engine ignores: TEXT + CHECK (length(col) <= n)."""
        n = self.length_limited(dt)
        if n is None:
            return dt
        table.__dict__.setdefault("_length_checks", []).append((col.name, n))
        return exp.DataType.build(self.LENGTH_CHECK_TYPE, dialect=self.sqlglot_dialect)

    def adapt_length_checks(self, table: Table) -> None:
        limits = table.__dict__.pop("_length_checks", [])
        for colname, n in limits:
            expr = exp.LTE(this=exp.Length(this=exp.column(colname)), expression=exp.Literal.number(n))
            self.add_check(table, f"ck_{table.name}_{colname}_length", expr, [colname])
        if limits:
            cols = ", ".join(f"{c}({n})" for c, n in limits)
            self.note("varchar length", table.qualname, "emulated",
                      f"VARCHAR(n) length is not enforced here; {self.LENGTH_CHECK_TYPE} + "
                      f"CHECK (length(col) <= n) for {cols}")

    # -- indexes ---------------------------------------------------------------------------
    def adapt_index(self, model: Schema, table: Table, ix: Index) -> Index | None:
        obj = ix.name
        if ix.method and ix.method not in self.INDEX_METHODS:
            if ix.method == "hash":
                self.note("index method", obj, "changed", "USING hash: a B-tree here")
                ix.method = None
            else:
                self.note("index method", obj, "dropped",
                          f"USING {ix.method} has no equivalent here (it serves containment / "
                          "full-text operators, a B-tree would not); index not created")
                return None
        if ix.where is not None and not self.caps.partial_index:
            if ix.unique:
                self.note("partial index", obj, "dropped",
                          f"UNIQUE ... WHERE {ix.where} cannot be expressed and a full UNIQUE would "
                          "forbid values the design allows (e.g. reusing a soft-deleted row's "
                          "value); alternative: a generated column that is NULL when the "
                          "predicate is false, with a UNIQUE index on it - or enforce in the "
                          "application")
            else:
                self.note("partial index", obj, "dropped",
                          f"no partial indexes; WHERE {ix.where} index not created (a full index "
                          "would also serve the queries, at a larger size: add one if needed)")
            return None
        if any(c.expression for c in ix.columns) and not self.caps.expression_index:
            self.note("expression index", obj, "dropped",
                      "no expression indexes; alternative: an indexed generated (VIRTUAL) column "
                      f"for {', '.join(c.expression for c in ix.columns if c.expression)}")
            return None
        if ix.where is not None:
            ix.where = self.sql(self.map_expression(pg_expr(ix.where), obj, "index"))
            self.partial_index_kept(ix)
        for part in ix.columns:
            if part.expression:
                part.expression = self.sql(self.map_expression(pg_expr(part.expression), obj, "index"))
            if part.desc and not self.caps.desc_index:
                part.desc = False
                self.note("descending index", obj, "dropped",
                          f"DESC on {part.label} is ignored by this engine; ascending index "
                          "(it can still be scanned backwards)")
        if ix.include and not self.caps.include_columns:
            if ix.unique:
                self.note("index include", obj, "dropped",
                          f"INCLUDE ({', '.join(ix.include)}) unsupported; adding them to the key "
                          "would change what is unique, so they are left out")
            else:
                self.note("index include", obj, "emulated",
                          f"INCLUDE ({', '.join(ix.include)}) unsupported; appended as trailing key "
                          "columns (still covering)")
                ix.columns += [IndexColumn(column=c) for c in ix.include
                               if c not in ix.column_names]
            ix.include = []
        if ix.method == "btree" and self.name != PG:
            ix.method = None
        if ix.comment and not self.INDEX_COMMENTS and self.COMMENTS is not None:
            self.note("comment", obj, "dropped", "index comments cannot be stored here")
            ix.comment = None
        return ix

    def partial_index_kept(self, ix: Index) -> None:
        """Hook: a caveat about partial indexes the engine keeps."""

    # -- enums, FKs, others ----------------------------------------------------------------
    def adapt_enums(self, model: Schema) -> None:
        """Engines without enum types: the type itself disappears (columns were adapted)."""
        if not self.caps.enum_type:
            model.enums = {}

    def adapt_foreign_keys(self, model: Schema) -> None:
        order, deferred = table_order(model, self.FK_FORWARD_REFERENCE)
        for t in model.tables.values():
            for fk in list(t.foreign_keys):
                obj = fk.name or f"{t.qualname}({', '.join(fk.columns)})"
                ref = model.tables.get(fk.ref_table)
                if not self.CROSS_SCHEMA_FK and ref is not None and ref.schema != t.schema:
                    t.foreign_keys.remove(fk)
                    self.note("foreign key", obj, "dropped",
                              f"foreign keys across schemas are not supported; {t.qualname} -> "
                              f"{fk.ref_table} is not enforced")
                    continue
                if id(fk) in deferred and not self.caps.alter_add_foreign_key:
                    t.foreign_keys.remove(fk)
                    self.note("foreign key", obj, "dropped",
                              f"part of a reference cycle and ALTER TABLE ADD FOREIGN KEY is not "
                              f"supported; {t.qualname} -> {fk.ref_table} is not enforced")
                    continue
                for attr, label in (("on_delete", "ON DELETE"), ("on_update", "ON UPDATE")):
                    action = getattr(fk, attr)
                    if action in ("CASCADE", "SET NULL", "SET DEFAULT") and not self.caps.fk_actions:
                        setattr(fk, attr, None)
                        self.note("fk action", obj, "dropped",
                                  f"{label} {action} unsupported (parser error); the FK now "
                                  f"refuses the {label.split()[1].lower()} of a referenced "
                                  f"{fk.ref_table} row - do it in the application")

    def adapt_others(self, model: Schema) -> None:
        """Views, functions, triggers, extensions: PostgreSQL only; listed as dropped elsewhere."""
        schemas = {t.schema for t in model.tables.values() if t.schema}
        others = []
        for o in model.others:
            if o.kind == "schema" and (o.name in schemas or not self.SCHEMAS):
                continue  # created by create_statements (IF NOT EXISTS) or flattened away
            others.append(o)
        model.others = others
        if self.name == PG:
            return
        for o in model.others:
            self.note(o.kind, o.name, "dropped",
                      "PostgreSQL-specific object; not rendered - port it by hand")
        model.others = []

    def drop_comments(self, model: Schema) -> None:
        count = 0
        for t in model.tables.values():
            count += t.comment is not None
            t.comment = None
            for c in t.columns.values():
                count += c.comment is not None
                c.comment = None
            for ix in t.indexes:
                count += ix.comment is not None
                ix.comment = None
        if count:
            self.note("comment", f"{count} objects", "dropped",
                      "no COMMENT ON here; the comments stay in the migrations and the catalogue")

    # == step 2: statements ================================================================
    def create_statements(self, model: Schema) -> list[str]:
        out: list[str] = []
        schemas = sorted({t.schema for t in model.tables.values() if t.schema})
        for s in schemas:
            out.append(self.sql(exp.Create(kind="SCHEMA", exists=True,
                                           this=exp.Table(db=exp.to_identifier(s)))))
        for e in model.enums.values():
            out.append(self.create_enum_sql(e))
        order, deferred = table_order(model, self.FK_FORWARD_REFERENCE)
        for t in order:
            out.extend(self.pre_table_statements(t))
            out.append(self.create_table_sql(t, skip_fks=deferred))
        for t in order:
            for fk in t.foreign_keys:
                if id(fk) in deferred:
                    out.append(self.add_fk_sql(t, fk))
        for t in order:
            for ix in t.indexes:
                out.append(self.create_index_sql(t, ix))
        if self.COMMENTS == "statement":
            for t in order:
                out.extend(self.comment_statements(t))
        for o in model.others:
            out.append(o.sql.strip().rstrip(";"))
        return out

    # -- AST builders ----------------------------------------------------------------------
    def table_node(self, qualname: str) -> exp.Table:
        parts = qualname.split(".")
        return exp.Table(this=exp.to_identifier(parts[-1], quoted=_needs_quote(parts[-1])),
                         db=exp.to_identifier(parts[0], quoted=_needs_quote(parts[0]))
                         if len(parts) > 1 else None)

    def ident(self, name: str) -> exp.Identifier:
        return exp.to_identifier(name, quoted=_needs_quote(name))

    def create_enum_sql(self, e) -> str:
        dt = exp.DataType(this=exp.DataType.Type.ENUM,
                          expressions=[exp.Literal.string(v) for v in e.values])
        return self.sql(exp.Create(kind="TYPE", this=self.table_node(e.name), expression=dt))

    def pre_table_statements(self, t: Table) -> list[str]:
        """Hook: statements a table needs first (DuckDB's identity sequences)."""
        return []

    def column_type_node(self, col: Column) -> exp.DataType:
        return exp.DataType.build(col.type, dialect=self.sqlglot_dialect, udt=True)

    def default_node(self, col: Column) -> exp.Expression:
        node = self.parse(col.default)
        if self.DEFAULT_PARENS and not isinstance(node, (exp.Literal, exp.Null, exp.Boolean,
                                                         exp.CurrentTimestamp, exp.Neg, exp.Paren)):
            node = exp.Paren(this=node)
        return node

    def column_def(self, t: Table, col: Column) -> exp.ColumnDef:
        cons: list[exp.Expression] = []
        if col.generated is not None:
            cons.append(exp.ColumnConstraint(kind=exp.ComputedColumnConstraint(
                this=_paren(self.parse(col.generated)), persisted=self.GENERATED_STORED)))
        cons.extend(self.identity_constraints(t, col))
        if not col.nullable:
            cons.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
        if col.default is not None and col.generated is None:
            cons.append(exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(this=self.default_node(col))))
        if col.comment is not None and self.COMMENTS == "inline":
            cons.append(exp.ColumnConstraint(kind=exp.CommentColumnConstraint(
                this=exp.Literal.string(col.comment))))
        return exp.ColumnDef(this=self.ident(col.name), kind=self.column_type_node(col),
                             constraints=cons)

    def identity_constraints(self, t: Table, col: Column) -> list[exp.Expression]:
        if col.identity:
            return [exp.ColumnConstraint(kind=exp.GeneratedAsIdentityColumnConstraint(
                this=col.identity == "always"))]
        return []

    def idents(self, names: list[str]) -> list[exp.Identifier]:
        return [self.ident(n) for n in names]

    def named(self, name: str | None, node: exp.Expression) -> exp.Expression:
        if name:
            return exp.Constraint(this=self.ident(name), expressions=[node])
        return node

    def fk_node(self, fk: ForeignKey) -> exp.Expression:
        options = []
        if fk.on_delete:
            options.append(f"ON DELETE {fk.on_delete}")
        if fk.on_update:
            options.append(f"ON UPDATE {fk.on_update}")
        ref = exp.Reference(this=exp.Schema(this=self.table_node(fk.ref_table),
                                            expressions=self.idents(fk.ref_columns)),
                            options=options)
        node = exp.ForeignKey(expressions=self.idents(fk.columns), reference=ref)
        return self.named(fk.name, node)

    def check_node(self, ch: CheckConstraint) -> exp.Expression:
        return self.named(ch.name, exp.CheckColumnConstraint(this=self.parse(ch.expression)))

    def table_elements(self, t: Table, skip_fks: set[int] = frozenset()) -> list[exp.Expression]:
        items: list[exp.Expression] = [self.column_def(t, c) for c in t.columns.values()]
        if t.primary_key:
            items.append(self.named(t.primary_key.name,
                                    exp.PrimaryKey(expressions=self.idents(t.primary_key.columns))))
        for u in t.uniques:
            items.append(self.named(u.name, exp.UniqueColumnConstraint(
                this=exp.Schema(expressions=self.idents(u.columns)))))
        for ch in t.checks:
            items.append(self.check_node(ch))
        for fk in t.foreign_keys:
            if id(fk) not in skip_fks:
                items.append(self.fk_node(fk))
        return items

    def table_properties(self, t: Table) -> exp.Properties | None:
        if t.comment is not None and self.COMMENTS == "inline":
            return exp.Properties(expressions=[exp.SchemaCommentProperty(
                this=exp.Literal.string(t.comment))])
        return None

    def create_table_sql(self, t: Table, skip_fks: set[int] = frozenset(),
                         name: str | None = None) -> str:
        node = exp.Create(kind="TABLE", this=exp.Schema(this=self.table_node(name or t.qualname),
                                                        expressions=self.table_elements(t, skip_fks)),
                          properties=self.table_properties(t))
        return self.sql(node, pretty=True)  # one column per line: readable output and diffs

    def add_fk_sql(self, t: Table, fk: ForeignKey) -> str:
        return self.sql(exp.Alter(this=self.table_node(t.qualname), kind="TABLE",
                                  actions=[exp.AddConstraint(expressions=[self.fk_node(fk)])]))

    def index_part(self, part: IndexColumn) -> exp.Expression:
        node = exp.column(self.ident(part.column)) if part.column else self.parse(part.expression)
        if part.expression and not isinstance(node, (exp.Func, exp.Paren, exp.Column)):
            node = exp.Paren(this=node)
        if part.desc:
            # nulls_first = the engine's own default, so sqlglot adds no NULLS FIRST/LAST
            # (SQLite rejects it) and no CASE WHEN emulation (MariaDB rejects it).
            return exp.Ordered(this=node, desc=True, nulls_first=self.DESC_NULLS_FIRST)
        return node

    def create_index_sql(self, t: Table, ix: Index) -> str:
        params = exp.IndexParameters(
            columns=[self.index_part(p) for p in ix.columns],
            using=exp.var(ix.method) if ix.method else None,
            include=self.idents(ix.include) or None,
            where=exp.Where(this=self.parse(ix.where)) if ix.where else None)
        index = exp.Index(this=self.ident(ix.name), table=self.table_node(t.qualname), params=params)
        return self.sql(exp.Create(kind="INDEX", unique=ix.unique, this=index))

    def comment_sql(self, kind: str, target: exp.Expression, text: str) -> str:
        return self.sql(exp.Comment(this=target, kind=kind, expression=exp.Literal.string(text)))

    def column_target(self, t: Table, col: str) -> exp.Column:
        return exp.Column(this=self.ident(col), table=self.ident(t.name),
                          db=self.ident(t.schema) if t.schema else None)

    def index_target(self, t: Table, ix: Index) -> exp.Expression:
        return exp.Table(this=self.ident(ix.name), db=self.ident(t.schema) if t.schema else None)

    def comment_statements(self, t: Table) -> list[str]:
        out = []
        if t.comment is not None:
            out.append(self.comment_sql("TABLE", self.table_node(t.qualname), t.comment))
        for c in t.columns.values():
            if c.comment is not None:
                out.append(self.comment_sql("COLUMN", self.column_target(t, c.name), c.comment))
        for ix in t.indexes:
            if ix.comment is not None:
                out.append(self.comment_sql("INDEX", self.index_target(t, ix), ix.comment))
        return out


def _paren(node: exp.Expression) -> exp.Expression:
    return node if isinstance(node, exp.Paren) else exp.Paren(this=node)


# PostgreSQL's reserved key words (its docs, appendix C), plus those sqlglot lists for MySQL and
# DuckDB: an identifier spelled like one must be quoted on some engine (`order`, `user`).
_PG_RESERVED = frozenset("""all analyse analyze and any array as asc asymmetric both case cast check
collate column constraint create current_catalog current_date current_role current_time
current_timestamp current_user default deferrable desc distinct do else end except false fetch
for foreign from grant group having in initially intersect into lateral leading limit localtime
localtimestamp not null offset on only or order placing primary references returning select
session_user some symmetric table then to trailing true union unique user using variadic when
where window with""".split())


def _reserved_words() -> frozenset[str]:
    from sqlglot.dialects.dialect import Dialect as SqlglotDialect
    words = set(_PG_RESERVED)
    for name in ("mysql", "duckdb"):
        words |= {w.lower() for w in SqlglotDialect.get_or_raise(name).generator_class.RESERVED_KEYWORDS}
    return frozenset(words)


RESERVED_WORDS = _reserved_words()


def needs_quote(name: str) -> bool:
    """Quote identifiers that are not plain lower-case snake case (as PostgreSQL would fold) or
    that are a reserved word on one of the engines."""
    return (not (name.replace("_", "a").isalnum() and name == name.lower() and not name[0].isdigit())
            or name in RESERVED_WORDS)


_needs_quote = needs_quote  # the name other modules imported first


def table_order(model: Schema, forward_ok: bool = False) -> tuple[list[Table], set[int]]:
    """Tables in creation order (referenced tables first) and the ids of FKs that must be added
    after creation because they close a cycle. Self-references never need deferring; with
    `forward_ok` (SQLite checks references only at DML time) nothing does."""
    tables = list(model.tables.values())
    if forward_ok:
        return tables, set()
    done: set[str] = set()
    order: list[Table] = []
    deferred: set[int] = set()
    remaining = tables[:]
    while remaining:
        for t in remaining:
            deps = {fk.ref_table for fk in t.foreign_keys
                    if fk.ref_table != t.qualname and fk.ref_table in model.tables}
            if deps <= done:
                break
        else:  # a cycle: take the first remaining table, defer its forward references
            t = remaining[0]
            for fk in t.foreign_keys:
                if fk.ref_table != t.qualname and fk.ref_table not in done \
                        and fk.ref_table in model.tables:
                    deferred.add(id(fk))
        remaining.remove(t)
        done.add(t.qualname)
        order.append(t)
    return order, deferred
