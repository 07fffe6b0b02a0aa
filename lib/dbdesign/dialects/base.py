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
from functools import lru_cache
from typing import Any, Callable, ClassVar, Iterable, Iterator, Sequence

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from dbdesign.engines.base import Capabilities
from dbdesign.errors import InputError
from dbdesign.model import (CheckConstraint, Column, ForeignKey, Index, IndexColumn, PrimaryKey, Schema,
                     Table, UniqueConstraint)

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
        state = getattr(obj, "__dict__", None)
        if state is None:  # slotted model objects (columns, keys, indexes, source lines)
            for k in obj.__slots__:
                object.__setattr__(new, k, clone(getattr(obj, k)))
        else:
            new.__dict__.update({k: clone(v) for k, v in state.items()})
        return new
    return copy.deepcopy(obj)


@lru_cache(maxsize=16384)
def _parsed(text: str, dialect: str) -> exp.Expression:
    return sqlglot.parse_one(text, read=dialect)


def parse_as(text: str, dialect: str) -> exp.Expression:
    """`sqlglot.parse_one(text, read=dialect)`, parsed once per text: a schema repeats a few
    types, defaults and expressions thousands of times. The caller gets its own copy."""
    return _parsed(text, dialect).copy()


@lru_cache(maxsize=None)
def _sqlglot_instance(dialect) -> sqlglot.Dialect:
    """One sqlglot dialect object per name or class: sqlglot builds a new one for every
    statement it is handed a name for (a twentieth of rendering a large schema)."""
    return sqlglot.Dialect.get_or_raise(dialect)


@lru_cache(maxsize=None)
def _generator(dialect, pretty: bool):
    """One sqlglot generator per dialect and layout, reused for every statement (building
    one per call was a tenth of rendering a large schema); it keeps no state between calls."""
    return _sqlglot_instance(dialect).generator(unsupported_level=ErrorLevel.RAISE, pretty=pretty)


@lru_cache(maxsize=4096)
def _built_type(text: str, dialect: str | None, udt: bool) -> exp.DataType:
    return exp.DataType.build(text, dialect=dialect, udt=udt)


def build_type(text: str, dialect: str | None = None, udt: bool = False) -> exp.DataType:
    """`exp.DataType.build(text, dialect=dialect, udt=udt)`, built once per text (a copy)."""
    return _built_type(text, dialect, udt).copy()


def pg_expr(text: str) -> exp.Expression:
    return parse_as(text, PG)


def _tree_key(node):
    """A hashable value equal for two sqlglot trees exactly when they have the same node
    classes, arguments and comments (so they generate the same SQL)."""
    if isinstance(node, exp.Expression):
        return (type(node), tuple((k, _tree_key(v)) for k, v in node.args.items()),
                tuple(node.comments or ()))
    if isinstance(node, list):
        return tuple(_tree_key(x) for x in node)
    return (type(node), node)


_TYPE_SQL: dict = {}  # (Dialect class, tree key) -> generated type text
_COLUMN_SQL: dict = {}  # (Dialect class, column fields) -> generated column definition
_ELEMENT_SQL: dict = {}  # (Dialect class, tree key) -> generated unnamed key constraint
_ADAPTED_COLUMNS: dict = {}  # (Dialect class, enums key, column shape) -> (adapted shape, notes)


class Unrenderable(Exception):
    """A default, CHECK or index expression this engine cannot hold: the caller drops the
    object with a note saying why (never a crash)."""


def shorten(name: str, limit: int) -> str:
    """`name` cut to `limit` characters, deterministically: the head and 8 hex digits of its
    SHA-1, so two long names that share a prefix stay distinct."""
    import hashlib
    if len(name) <= limit:
        return name
    return f"{name[:limit - 9]}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def pg_array_to_json(text: str) -> str | None:
    """A PostgreSQL one-dimensional array literal ('{a,"b c"}') as a JSON array text, or None
    when it is not one (nested, or not an array literal)."""
    import csv
    import json
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    inner = text[1:-1]
    if "{" in inner:
        return None
    if not inner.strip():
        return "[]"
    items = next(csv.reader([inner], skipinitialspace=True, escapechar="\\"))
    return json.dumps([None if i == "NULL" else i for i in items])


class ColumnRef(str):
    """A note's object when it is a column: notes on several columns of one table with the
    same feature, action and detail are merged into one line, ``users(created_at, updated_at)``."""
    table: str
    column: str


def _shape_of(obj) -> dict:
    """What a change to `obj` would alter: each attribute's identity, and a list's or dict's
    length (a hook that appends a CHECK or records a pending emulation changes it)."""
    return {k: len(v) if isinstance(v, (list, dict)) else id(v) for k, v in obj.__dict__.items()}


def col_obj(table: Table, col: Column) -> ColumnRef:
    ref = ColumnRef(f"{table.qualname}.{col.name}")
    ref.table, ref.column = table.qualname, col.name
    return ref


@dataclass
class _Ctx:
    entries: list = field(default_factory=list)  # PortabilityNote | group key, in order
    groups: dict = field(default_factory=dict)  # group key -> column names
    seen: set = field(default_factory=set)  # the PortabilityNotes in entries (no repeats)

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
    **{g: ("TEXT", f"no geometric {g} type: its text form, no geometric operators")
       for g in ("POINT", "LINE", "LSEG", "BOX", "PATH", "POLYGON", "CIRCLE")},
}
_SERIAL_BASE = {exp.DataType.Type.SERIAL: "INT", exp.DataType.Type.BIGSERIAL: "BIGINT",
                exp.DataType.Type.SMALLSERIAL: "SMALLINT"}


def _pg_only_key(dt: exp.DataType) -> str | None:
    if dt.this == exp.DataType.Type.ARRAY:
        return "ARRAY"
    if dt.this == exp.DataType.Type.USERDEFINED:
        kind = dt.args.get("kind")
        return (kind if isinstance(kind, str) else kind.sql() if kind else "").upper() or None
    name = getattr(dt.this, "name", str(dt.this)).upper()
    return name if name in PG_ONLY_TYPES else None


class Dialect:
    """Base dialect: PostgreSQL-like behaviour; subclasses switch flags and override hooks."""

    name: ClassVar[str] = "?"  # our engine name: 'postgres' | 'mysql' | 'sqlite' | 'duckdb'
    sqlglot_dialect: ClassVar[str] = PG
    # CREATE TABLE put together from its elements' texts (`assembled_create`); False where
    # sqlglot's generator rewrites the statement as a whole (SQLite moves the key to its column)
    ASSEMBLE_CREATE: ClassVar[bool] = True
    # SQLAlchemy dialect names that reach this engine (generated ORM models: `ddl_if`)
    sqlalchemy_dialects: ClassVar[tuple[str, ...]] = ("postgresql",)
    caps: ClassVar[Capabilities] = Capabilities()
    # -- rendering flags not in engines.Capabilities ------------------------------------
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
    # PostgreSQL constructs other engines lack: off here, on in PostgresDialect.
    # DEFERRABLE on which constraints: ("fk", "unique", "pk") subsets; NOT VALID constraints.
    DEFERRABLE: ClassVar[frozenset[str]] = frozenset()
    NOT_VALID: ClassVar[bool] = False
    NULLS_NOT_DISTINCT: ClassVar[bool] = False  # UNIQUE NULLS NOT DISTINCT
    OPERATOR_CLASSES: ClassVar[bool] = False  # CREATE INDEX ... (col opclass)
    PARTITIONS: ClassVar[bool] = False  # PARTITION BY / ATTACH PARTITION
    DOMAINS: ClassVar[bool] = False  # CREATE DOMAIN
    NO_BODY_CHECKS: ClassVar[str | None] = None  # session setting that defers body validation
    MAX_IDENTIFIER: ClassVar[int | None] = None  # longest name the engine keeps
    # Characters the engine appends to a table name to name an unnamed FK (`_ibfk_1`): a
    # long table's unnamed FKs get a name of their own instead of an over-long generated one.
    FK_AUTONAME_SUFFIX: ClassVar[int] = 0
    # Names that must be unique in the whole schema, not just per table: "index" (index names,
    # and on PostgreSQL the index of a PK/UNIQUE constraint), "fk" (InnoDB FK names).
    SCHEMA_WIDE_NAMES: ClassVar[frozenset[str]] = frozenset({"index"})
    CHECK_ON_IDENTITY: ClassVar[bool] = True  # a CHECK may mention an auto-increment column
    CHECK_ON_GENERATED: ClassVar[bool] = True  # ... or a generated column
    # Plain indexes inside CREATE TABLE: InnoDB then uses them for the FKs instead of creating
    # its own FK index, which a later CREATE INDEX on the same columns fails to replace (1553).
    INLINE_INDEXES: ClassVar[bool] = False
    ARRAY_INDEX_KEYS: ClassVar[bool] = True  # an array column can be an index key
    FK_KEY_ORDER: ClassVar[bool] = False  # referenced columns must be a key in its order
    FK_SAME_TYPE: ClassVar[bool] = False  # an FK column must have the referenced column's type
    # A row may satisfy its own foreign key (the first row of a NOT NULL self-reference points
    # at itself); where it cannot, such a table can never hold a row
    FK_SELF_ROW: ClassVar[bool] = True
    KEY_TEXT_TYPES: ClassVar[dict[str, str]] = {}  # type a key/index cannot hold -> stand-in
    JSON_CAST: ClassVar[bool] = True  # CAST(x AS JSON) exists
    EXTENSION_TYPES: ClassVar[bool] = False  # types no CREATE TYPE here defines (extensions')
    COLLATIONS: ClassVar[bool] = False  # COLLATE "name" of the schema's own collations
    PG_ARRAY_TEXT: ClassVar[bool] = True  # '{a,b}' casts to an array (else: list_value(...))
    # A CHECK / DEFAULT may call only functions sqlglot knows for this engine; a call it parses
    # as an unknown function (a stored function, a PostgreSQL-only one) is refused here.
    UNKNOWN_FUNCTIONS: ClassVar[bool] = False

    # Idempotent seeds: how an INSERT skips rows already there. ON CONFLICT DO NOTHING skips
    # uniqueness conflicts only (PostgreSQL, SQLite >= 3.24, DuckDB), so a CHECK or NOT NULL
    # violation still fails - unlike SQLite's INSERT OR IGNORE, which skips those rows too.
    # None: no such problem query; else SQL listing what the skip hid (MariaDB's warnings).
    INSERT_IF_ABSENT_PROBLEMS: ClassVar[str | None] = None

    # Migration files are written in PostgreSQL's dialect; how their statements reach this engine.
    # SQL in the authoring dialect (PostgreSQL: migration files, generic generated files, lint
    # probes) runs here as written
    MIGRATION_VERBATIM: ClassVar[bool] = False
    DROP_TRIGGER_ON_TABLE: ClassVar[bool] = False  # DROP TRIGGER name ON table
    NEW_UUID_SQL: ClassVar[str] = "gen_random_uuid()"  # an expression giving a new random UUID
    POSTGRES_LOCKS: ClassVar[bool] = False  # PostgreSQL's lock levels (the lock lint's model)
    TABLE_COPY_CHECK: ClassVar[bool] = False  # the server tells whether an ALTER copies the table
    DROP_INDEX_ON_TABLE: ClassVar[bool] = False  # DROP INDEX name ON table (MariaDB)
    RENAME_INDEX_IN_ALTER_TABLE: ClassVar[bool] = False  # ALTER TABLE t RENAME INDEX a TO b
    # What ALTER TABLE can do: "full"; "rebuild" (SQLite: anything but a plain ADD COLUMN or
    # DROP COLUMN rebuilds the table); "rebuild-family" (DuckDB refuses ALTERs on a table with an
    # index or an FK pointing at it: the table and its dependents are rebuilt)
    ALTER_TABLE: ClassVar[str] = "full"
    DROP_CONSTRAINTS_FIRST: ClassVar[bool] = False  # drop a column's constraints before it
    MODIFY_COLUMN: ClassVar[bool] = False  # a column changes by restating it (MODIFY COLUMN)
    REBUILD_FOREIGN_KEYS_OFF: ClassVar[bool] = False  # a rebuild runs with FK enforcement off

    def statement_complete(self, sql: str) -> bool:
        """Whether `sql` (up to and with a `;`) is a whole statement; engines whose statements hold
        `;` in a body without a delimiter say so (SQLite triggers)."""
        return True

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

    def render_iter(self, schema: Schema, consume: bool = False) -> Iterator[str]:
        """The statements of `render(schema).sql`, one at a time as they are made, for writing
        a large schema's DDL without holding it; `self.ctx.notes` is complete at the end.
        `consume`: the caller is done with `schema`, so its tables are adapted in place
        instead of copied (half the memory of a large schema)."""
        self.ctx = _Ctx()
        return self.iter_statements(self.adapt(schema, consume))

    def note(self, feature: str, obj: str, action: str, detail: str) -> None:
        assert action in ACTIONS, action
        if self._recording is not None:
            self._recording.append((feature, obj, action, detail))
        if self._column_notes is not None:
            self._column_notes.append((feature, obj, action, detail))
        if isinstance(obj, ColumnRef):
            key = (self.name, feature, obj.table, action, detail)
            if key not in self.ctx.groups:
                self.ctx.groups[key] = []
                self.ctx.entries.append(key)
            if obj.column not in self.ctx.groups[key]:
                self.ctx.groups[key].append(obj.column)
            return
        n = PortabilityNote(self.name, feature, str(obj), action, detail)
        if n not in self.ctx.seen:
            self.ctx.seen.add(n)
            self.ctx.entries.append(n)

    def sql(self, node: exp.Expression, pretty: bool = False, copy: bool = True) -> str:
        """`node` in the target dialect. `copy=False` for a tree built for this one call: the
        generator may then rewrite it in place instead of first copying all of it."""
        return _generator(self.sqlglot_dialect, pretty).generate(node, copy=copy)

    def type_sql(self, dt: exp.DataType) -> str:
        """`self.sql(dt)`, generated once per distinct type tree (columns repeat a few types)."""
        key = (type(self), _tree_key(dt))
        text = _TYPE_SQL.get(key)
        if text is None:
            text = self.sql(dt)
            if len(_TYPE_SQL) >= 4096:
                _TYPE_SQL.clear()
            _TYPE_SQL[key] = text
        return text

    def parse(self, text: str) -> exp.Expression:
        """Parse text written in the target dialect (the adapted model's expressions)."""
        return parse_as(text, self.sqlglot_dialect)

    # == step 1: adapt the model ===========================================================
    def adapt(self, schema: Schema, consume: bool = False) -> Schema:
        """The model as this engine builds it. Tables are cloned one by one in
        adapt_table_cached (or come from its cache); with `consume`, `schema`'s own tables
        are adapted in place."""
        model = Schema(tables=dict(schema.tables), enums=clone(schema.enums),
                       domains=clone(schema.domains), others=clone(schema.others),
                       diagnostics=[], sources=list(schema.sources))
        self._functions = {o.name.split(".")[-1].lower() for o in schema.others
                           if o.kind in ("function", "procedure", "aggregate")}
        owned = consume  # model.tables holds tables nobody else reads (no clone needed)
        if not self.SCHEMAS and any(t.schema for t in model.tables.values()):
            if not owned:
                model.tables = {qn: clone(t) for qn, t in model.tables.items()}
                owned = True
            self.flatten_schemas(model)
        enums_key = repr((sorted((k, e.values) for k, e in model.enums.items()),
                          sorted((k, repr(d)) for k, d in model.domains.items()),
                          sorted(self._functions)))
        self._model = model
        self._enums_key = enums_key
        self.adapt_partitions(model)
        for qn in list(model.tables):
            model.tables[qn] = self.adapt_table_cached(model, model.tables[qn], enums_key, owned)
        self.adapt_domains(model)
        self.adapt_enums(model)
        self.adapt_key_types(model)
        self.adapt_foreign_keys(model)
        self.adapt_others(model)
        if self.COMMENTS is None:
            self.drop_comments(model)
        self.adapt_identifiers(model)
        self.adapt_name_clashes(model)
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
    _column_notes: list | None = None
    _enums_key: str = ""
    _model: Schema | None = None
    _functions: set[str] = set()

    _CACHE_SIZE: ClassVar[int] = 2000

    def adapt_table_cached(self, model: Schema, table: Table, enums_key: str,
                           owned: bool = False) -> Table:
        if len(model.tables) > self._CACHE_SIZE:
            # more tables than the cache holds: a re-adaptation would find none of them
            table = table if owned else clone(table)
            self.adapt_table(model, table)
            return table
        key = (type(self).__name__, repr(table), enums_key)
        hit = self._cache.get(key)
        if hit is not None:
            adapted, calls = hit
            for args in calls:
                self.note(*args)
            return clone(adapted)
        table = table if owned else clone(table)
        self._recording = []
        try:
            self.adapt_table(model, table)
            calls = self._recording
        finally:
            self._recording = None
        if len(self._cache) > self._CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = (clone(table), calls)
        return table

    def adapt_table(self, model: Schema, table: Table) -> None:
        declared_checks = list(table.checks)  # emulations below add checks in target dialect
        for col in list(table.columns.values()):
            self.adapt_column_cached(model, table, col)
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
        self.adapt_constraint_options(table)
        self.adapt_identity_checks(table)

    # -- columns ---------------------------------------------------------------------------
    def enum_of(self, model: Schema, type_text: str):
        key = type_text.strip('"')
        return model.enums.get(key) or model.enums.get(key.split(".")[-1]) \
            or (model.enums.get(key[len("public."):]) if key.startswith("public.") else None)

    def domain_of(self, model: Schema, type_text: str):
        key = type_text.strip('"')
        return model.domains.get(key) or model.domains.get(key.split(".")[-1]) \
            or (model.domains.get(key[len("public."):]) if key.startswith("public.") else None)

    _COLUMN_FIELDS = ("type", "default", "generated", "identity", "nullable")

    def adapt_column_cached(self, model: Schema, table: Table, col: Column) -> None:
        """`adapt_column`, worked out once per column shape (type, default, generated,
        identity, nullability) and replayed with its notes: a large schema repeats a few
        shapes. Shapes that touch the table (an emulating CHECK), a domain or an enum are
        adapted each time."""
        if self.domain_of(model, col.type) is not None or self.enum_of(model, col.type) is not None:
            self.adapt_column(model, table, col)
            return
        key = (type(self), self._enums_key, *(getattr(col, f) for f in self._COLUMN_FIELDS))
        hit = _ADAPTED_COLUMNS.get(key)
        if hit is not None:
            values, notes = hit
            for f, v in zip(self._COLUMN_FIELDS, values):
                setattr(col, f, v)
            obj = col_obj(table, col)
            for feature, action, detail in notes:
                self.note(feature, obj, action, detail)
            return
        before = _shape_of(table)
        self._column_notes = notes = []
        try:
            self.adapt_column(model, table, col)
        finally:
            self._column_notes = None
        obj = f"{table.qualname}.{col.name}"
        if _shape_of(table) == before and all(
                isinstance(o, ColumnRef) and str(o) == obj for _, o, _, _ in notes):
            if len(_ADAPTED_COLUMNS) >= 65536:
                _ADAPTED_COLUMNS.clear()
            _ADAPTED_COLUMNS[key] = (tuple(getattr(col, f) for f in self._COLUMN_FIELDS),
                                     [(f, a, d) for f, _, a, d in notes])

    def adapt_column(self, model: Schema, table: Table, col: Column) -> None:
        obj = col_obj(table, col)
        domain = self.domain_of(model, col.type)
        if domain is not None and not self.DOMAINS:
            self.inline_domain(table, col, domain)
        enum = self.enum_of(model, col.type)
        if domain is not None and self.DOMAINS:
            col.type = domain.name  # as the catalogue names it (the domain is created first)
        elif enum is not None:
            col.type = self.enum_column_type(table, col, enum)
        else:
            dt = self.adapt_serial(table, col, build_type(col.type, dialect=PG, udt=True))
            dt = self.portable_type(table, col, dt)
            col.type = self.type_sql(self.map_type(table, col, dt))
        if col.default is not None and isinstance(_unparen(pg_expr(col.default)), exp.Null):
            col.default = None  # DEFAULT NULL is no default: the catalogue shows none
        if col.default is not None:
            try:
                node = pg_expr(col.default)
                self.refuse_unknown_functions(node, "default")
                node = self.adapt_casts(node, obj)
                node = self.map_expression(node, obj, "default")
                col.default = self.sql(node)
            except Unrenderable as err:
                self.note("default", obj, "dropped", f"DEFAULT {col.default}: {err}; the "
                          "application must supply the value")
                col.default = None
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
            dt = build_type(_SERIAL_BASE[dt.this])
        col.default = None
        col.identity = col.identity or "by default"
        col.nullable = False
        self.note("serial", col_obj(table, col), "changed",
                  f"{what} is a PostgreSQL sequence: an identity column here")
        return dt

    def portable_type(self, table: Table, col: Column, dt: exp.DataType) -> exp.DataType:
        """A PostgreSQL-only type this engine lacks -> its stand-in, with a note. A type the
        schema does not define (an extension's: pgvector's `vector(20)`) is TEXT elsewhere."""
        if dt.this == exp.DataType.Type.USERDEFINED and not self.EXTENSION_TYPES \
                and _pg_only_key(dt) not in PG_ONLY_TYPES:
            self.note("extension type", col_obj(table, col), "changed",
                      f"{dt.sql(dialect=PG)} is not a type of this engine (an extension's): "
                      "TEXT holding its text form")
            return build_type("TEXT")
        key = _pg_only_key(dt)
        if key is None or key not in PG_ONLY_TYPES or key in self.NATIVE_PG_TYPES:
            return dt
        stand_in, lost = PG_ONLY_TYPES[key]
        self.note(key.lower() + " type", col_obj(table, col), "changed", lost)
        return build_type(stand_in, dialect=PG)

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
                       exp.In(this=self.column_ref(col.name), expressions=values), [col.name])
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
        try:
            node = pg_expr(ch.expression)
        except sqlglot.errors.SqlglotError as err:
            table.checks.remove(ch)
            self.note("check", obj, "dropped", f"CHECK ({ch.expression}) cannot be rendered "
                      f"({str(err).splitlines()[0]}); not enforced")
            return
        bad = [n for t in self.CHECK_UNSUPPORTED for n in node.find_all(t)]
        if bad:
            table.checks.remove(ch)
            self.note("check", obj, "dropped",
                      f"{type(bad[0]).__name__} has no equivalent here; CHECK ({ch.expression}) "
                      "is not enforced - validate in the application")
            return
        try:
            self.refuse_unknown_functions(node, "CHECK")
            node = self.adapt_casts(node, obj)
            node = self.map_expression(node, obj, "check")
            ch.expression = self.sql(node)
        except Unrenderable as err:
            table.checks.remove(ch)
            self.note("check", obj, "dropped", f"CHECK ({ch.expression}): {err}; not enforced "
                      "- validate in the application")

    def length_limited(self, dt: exp.DataType) -> int | None:
        if dt.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR, exp.DataType.Type.NVARCHAR,
                       exp.DataType.Type.NCHAR) and dt.expressions:
            try:
                return int(dt.expressions[0].this.this)
            except (ValueError, AttributeError, TypeError):  # VARCHAR((10)), VARCHAR("x")
                return None
        return None

    def emulate_length(self, table: Table, col: Column, dt: exp.DataType) -> exp.DataType:
        """VARCHAR(n) whose length the engine ignores: TEXT + CHECK (length(col) <= n)."""
        n = self.length_limited(dt)
        if n is None:
            return dt
        table.__dict__.setdefault("_length_checks", []).append((col.name, n))
        return build_type(self.LENGTH_CHECK_TYPE, dialect=self.sqlglot_dialect)

    def adapt_length_checks(self, table: Table) -> None:
        limits = table.__dict__.pop("_length_checks", [])
        for colname, n in limits:
            expr = exp.LTE(this=exp.Length(this=self.column_ref(colname)), expression=exp.Literal.number(n))
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
        try:
            if ix.where is not None:
                node = pg_expr(ix.where)
                self.refuse_unknown_functions(node, "partial index")
                node = self.adapt_casts(node, obj)
                ix.where = self.sql(self.map_expression(node, obj, "index"))
                self.partial_index_kept(ix)
            for part in ix.columns:
                if part.expression:
                    node = pg_expr(part.expression)
                    self.refuse_unknown_functions(node, "index expression")
                    node = _unparen(self.map_expression(self.adapt_casts(node, obj), obj, "index"))
                    if isinstance(node, exp.Column) and not node.table:
                        # `(name COLLATE x)` without its collation is the plain column
                        part.column, part.expression = node.name, None
                    else:
                        part.expression = self.sql(node)
        except (Unrenderable, sqlglot.errors.SqlglotError) as err:
            self.note("index", obj, "dropped", f"{str(err).splitlines()[0]}; index not created")
            return None
        if not self.ARRAY_INDEX_KEYS:
            arrays = [p.column for p in ix.columns if p.column in table.columns
                      and ("[" in table.columns[p.column].type
                           or table.columns[p.column].type.upper().startswith("ARRAY"))]
            if arrays:
                self.note("index", obj, "dropped", f"{', '.join(arrays)} is an array, which "
                          "cannot be an index key here; index not created")
                return None
        for part in ix.columns:
            if part.opclass and not self.OPERATOR_CLASSES:
                self.note("operator class", obj, "dropped", f"{part.label} {part.opclass}: no "
                          "operator classes here; the engine's default comparison is used")
                part.opclass = None
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

    # -- expressions: casts and functions ---------------------------------------------------
    def adapt_casts(self, node: exp.Expression, obj: str) -> exp.Expression:
        """Casts to types this engine lacks (an enum or domain it cannot name, an array, JSON
        where CAST AS JSON does not exist) become the bare value, with a note."""
        model = self._model

        def fix(n: exp.Expression) -> exp.Expression:
            if isinstance(n, exp.Collate) and not self.COLLATIONS:
                self.note("collation", obj, "dropped", f"COLLATE {n.expression.sql(dialect=PG)}: "
                          "the collation is PostgreSQL's; the engine's default order is used")
                return n.this
            if not isinstance(n, exp.Cast) or not isinstance(n.to, exp.DataType):
                return n
            dt = n.to
            label = dt.sql(dialect=PG)
            if dt.this == exp.DataType.Type.USERDEFINED:
                if model is not None and self.enum_of(model, label) is not None:
                    if self.caps.enum_type:
                        enum = self.enum_of(model, label)
                        return exp.Cast(this=n.this, to=build_type(
                            enum.name, dialect=self.sqlglot_dialect, udt=True))
                    self.note("cast", obj, "changed", f"no enum type here: CAST AS {label} "
                              "dropped, the value is plain text")
                    return n.this
                if model is not None and self.domain_of(model, label) is not None:
                    if self.DOMAINS:
                        return n
                    base = self.domain_of(model, label).type
                    self.note("cast", obj, "changed", f"no domains here: CAST AS {label} -> "
                              f"the domain's base type {base}")
                    return self.adapt_casts(exp.Cast(this=n.this, to=build_type(
                        base, dialect=PG, udt=True)), obj)
                if self.EXTENSION_TYPES:
                    return n
                raise Unrenderable(f"casts to {label}, a type this engine does not have")
            if (dt.this == exp.DataType.Type.ARRAY and not self.PG_ARRAY_TEXT
                    and "ARRAY" in self.NATIVE_PG_TYPES and isinstance(n.this, exp.Literal)
                    and n.this.is_string and pg_array_to_json(n.this.this) is not None):
                import json
                items = [exp.Null() if v is None else exp.Literal.string(v)
                         for v in json.loads(pg_array_to_json(n.this.this))]
                # list_value(...): the spelling the engine's catalogue shows for a list
                return exp.Cast(this=exp.Anonymous(this="LIST_VALUE", expressions=items), to=dt)
            if dt.this == exp.DataType.Type.ARRAY and "ARRAY" not in self.NATIVE_PG_TYPES:
                if isinstance(n.this, exp.Literal) and n.this.is_string:
                    as_json = pg_array_to_json(n.this.this)
                    if as_json is not None:
                        self.note("cast", obj, "changed", f"no arrays here: {n.this.sql()}::{label} "
                                  f"-> the JSON text '{as_json}'")
                        return exp.Literal.string(as_json)
                raise Unrenderable(f"builds a {label} array, which this engine does not have")
            if dt.this in (exp.DataType.Type.JSON, exp.DataType.Type.JSONB) and not self.JSON_CAST:
                self.note("cast", obj, "changed", f"no CAST AS {label} here: the JSON text as is")
                return n.this
            key = _pg_only_key(dt)
            if key in PG_ONLY_TYPES and key not in self.NATIVE_PG_TYPES:
                stand_in = PG_ONLY_TYPES[key][0]
                self.note("cast", obj, "changed", f"no {key} type here: CAST AS {stand_in}")
                return exp.Cast(this=n.this, to=build_type(stand_in, dialect=PG))
            return n

        return node.transform(fix)

    def refuse_unknown_functions(self, node: exp.Expression, where: str) -> None:
        """Raise Unrenderable when `node` (as read from PostgreSQL) calls a function sqlglot
        could not map to this engine (a stored function, a PostgreSQL-only built-in). On
        PostgreSQL none is refused: it has them or the schema defines them."""
        if self.UNKNOWN_FUNCTIONS:
            return
        for fn in node.find_all(exp.Anonymous):
            name = str(fn.this).lower()
            if name in self.KNOWN_FUNCTIONS:
                continue
            defined = " (defined in this schema as a PostgreSQL function)" \
                if name in self._functions else ""
            raise Unrenderable(f"calls {fn.this}(){defined}, which this engine does not have "
                               f"in a {where}")

    KNOWN_FUNCTIONS: ClassVar[frozenset[str]] = frozenset()  # built-ins sqlglot leaves anonymous

    # -- domains, partitions, constraint options --------------------------------------------
    def inline_domain(self, table: Table, col: Column, domain) -> None:
        """A column of a domain type on an engine without domains: the base type, the domain's
        NOT NULL and DEFAULT (unless the column has its own) and its CHECKs on the column."""
        obj = col_obj(table, col)
        col.type = domain.type
        if not domain.nullable:
            col.nullable = False
        if col.default is None and domain.default is not None:
            col.default = domain.default
        for i, ch in enumerate(domain.checks):
            expr = pg_expr(ch.expression).transform(
                lambda n: exp.column(col.name) if isinstance(n, exp.Column)
                and n.name.upper() == "VALUE" and not n.table else n)
            name = f"ck_{table.name}_{col.name}_{ch.name or i + 1}"
            table.checks.append(CheckConstraint(expr.sql(dialect=PG), name, [col.name], ch.source))
        self.note("domain", obj, "emulated", f"no domains here: {domain.name} -> {domain.type}"
                  + (" + its CHECK on the column" if domain.checks else ""))

    def adapt_domains(self, model: Schema) -> None:
        """Engines without domains: the types are gone (their columns were inlined)."""
        if not self.DOMAINS:
            model.domains = {}

    def adapt_partitions(self, model: Schema) -> None:
        """Engines without declarative partitioning: the parent holds every row (a plain
        table), its partitions are not created."""
        if self.PARTITIONS:
            for qn, t in list(model.tables.items()):
                parent = model.tables.get(t.partition_of or "")
                if parent is not None and parent.primary_key and t.primary_key is None:
                    # attaching creates the partition's own copy of the parent's key
                    t = model.tables[qn] = clone(t)
                    t.primary_key = PrimaryKey(list(parent.primary_key.columns), f"{t.name}_pkey")
            return
        for qn, t in list(model.tables.items()):
            if t.partition_of:
                del model.tables[qn]
                self.note("partition", qn, "dropped", f"no declarative partitioning here: the "
                          f"rows of {t.partition_bound or 'this partition'} live in {t.partition_of}")
            elif t.partition_by:
                t = model.tables[qn] = clone(t)
                self.note("partitioned table", qn, "changed", f"PARTITION BY {t.partition_by} "
                          "dropped: one plain table holds every row")
                t.partition_by = None

    def adapt_constraint_options(self, table: Table) -> None:
        """DEFERRABLE, NOT VALID and NULLS NOT DISTINCT where the engine lacks them."""
        items = [("pk", table.primary_key)] if table.primary_key else []
        items += [("unique", u) for u in table.uniques] + [("fk", f) for f in table.foreign_keys]
        for kind, c in items:
            if c.deferrable and kind not in self.DEFERRABLE:
                obj = c.name or f"{table.qualname}({', '.join(c.columns)})"
                self.note("deferrable", obj, "changed", f"DEFERRABLE INITIALLY "
                          f"{c.deferrable.upper()} unsupported: checked at each statement")
                c.deferrable = None
        for c in table.foreign_keys + table.checks:
            if not c.validated and not self.NOT_VALID:
                obj = c.name or table.qualname
                self.note("not valid", obj, "changed", "NOT VALID unsupported: the constraint "
                          "is checked against existing rows too")
                c.validated = True
        for c in table.uniques + table.indexes:
            if c.nulls_not_distinct and not self.NULLS_NOT_DISTINCT:
                obj = c.name or f"{table.qualname}({', '.join(c.columns)})"
                self.note("nulls not distinct", obj, "changed", "UNIQUE NULLS NOT DISTINCT "
                          "unsupported: several rows may hold NULL here")
                c.nulls_not_distinct = False

    def adapt_identity_checks(self, table: Table) -> None:
        """Engines that refuse a CHECK mentioning an auto-increment column (MariaDB) or a
        generated column (DuckDB): the CHECK is dropped, with a note."""
        ident = {c.name for c in table.columns.values()
                 if (c.identity and not self.CHECK_ON_IDENTITY)
                 or (c.generated is not None and not self.CHECK_ON_GENERATED)}
        if not ident:
            return
        for ch in list(table.checks):
            if ident & set(ch.columns) or any(
                    col.name in ident for col in self.parse(ch.expression).find_all(exp.Column)):
                table.checks.remove(ch)
                self.note("check", ch.name or f"{table.qualname} CHECK", "dropped",
                          f"CHECK ({ch.expression}) mentions an auto-increment or generated "
                          "column, which this engine refuses; validate in the application")
        generated = {c.name for c in table.columns.values() if c.generated is not None}
        if self.CHECK_ON_GENERATED or not generated:
            return
        for u in list(table.uniques):
            if generated & set(u.columns):
                table.uniques.remove(u)
                self.note("unique", u.name or f"{table.qualname}({', '.join(u.columns)})",
                          "dropped", "UNIQUE on a generated column is refused here; not enforced")
        for ix in list(table.indexes):
            if generated & {p.column for p in ix.columns}:
                table.indexes.remove(ix)
                self.note("index", ix.name, "dropped", "an index on a generated column is "
                          "refused here" + ("; the uniqueness is not enforced" if ix.unique else ""))

    def adapt_key_types(self, model: Schema) -> None:
        """Columns in a key, unique, FK or index whose type the engine cannot index (MariaDB's
        TEXT/BLOB) get the stand-in of KEY_TEXT_TYPES, with a note."""
        if not self.KEY_TEXT_TYPES:
            return
        keyed: dict[str, set[str]] = {}
        for t in model.tables.values():
            cols = keyed.setdefault(t.qualname, set())
            if t.primary_key:
                cols.update(t.primary_key.columns)
            for u in t.uniques:
                cols.update(u.columns)
            for ix in t.indexes:
                cols.update(c.column for c in ix.columns if c.column)
            for fk in t.foreign_keys:
                cols.update(fk.columns)
                keyed.setdefault(fk.ref_table, set()).update(fk.ref_columns)
        for qn, cols in keyed.items():
            t = model.tables.get(qn)
            if t is None:
                continue
            for name in sorted(cols):
                col = t.columns.get(name)
                if col is None:
                    continue
                stand_in = self.KEY_TEXT_TYPES.get(col.type.upper())
                if stand_in:
                    self.note("key type", col_obj(t, col), "changed", f"{col.type} cannot be "
                              f"in a key or index here: {stand_in} (longer values are refused)")
                    col.type = stand_in

    def adapt_name_clashes(self, model: Schema) -> None:
        """Names the engine keeps schema-wide (SCHEMA_WIDE_NAMES) that two tables share (MySQL
        input: Sakila's idx_fk_film_id on two tables): the later one gets its table's name
        appended, with a note."""
        seen: set[str] = set()
        for t in model.tables.values():
            named = []
            if "index" in self.SCHEMA_WIDE_NAMES:
                named += list(t.indexes)
            if "constraint index" in self.SCHEMA_WIDE_NAMES:
                named += [c for c in ([t.primary_key] if t.primary_key else []) + t.uniques if c.name]
            if "fk" in self.SCHEMA_WIDE_NAMES:
                named += [fk for fk in t.foreign_keys if fk.name]
            for obj in named:
                if obj.name.lower() not in seen:
                    seen.add(obj.name.lower())
                    continue
                new = shorten(f"{obj.name}_{t.name}", self.MAX_IDENTIFIER or 10**6)
                self.note("name clash", f"{t.qualname}.{obj.name}", "changed",
                          f"{obj.name} is already used by another table and names are "
                          f"schema-wide here: renamed {new}")
                obj.name = new
                seen.add(new.lower())

    def adapt_identifiers(self, model: Schema) -> None:
        """Names longer than the engine keeps are shortened (`shorten`), with a note;
        references follow."""
        limit = self.MAX_IDENTIFIER
        if limit is None:
            return

        def short(kind: str, name: str | None, where: str = "") -> str | None:
            if name is None or len(name) <= limit:
                return name
            new = shorten(name, limit)
            self.note("identifier length", f"{where}{name}", "changed",
                      f"{kind} name longer than {limit} characters: {new}")
            return new

        renames: dict[str, str] = {}
        for qn, t in model.tables.items():
            new = short("table", t.name)
            if new != t.name:
                t.name = new
                renames[qn] = t.qualname
        if renames:
            model.tables = {t.qualname: t for t in model.tables.values()}
        col_renames: dict[tuple[str, str], str] = {}
        for t in model.tables.values():
            cols = {}
            for c in t.columns.values():
                new = short("column", c.name, f"{t.qualname}.")
                if new != c.name:
                    col_renames[(t.qualname, c.name)] = new
                    c.name = new
                cols[c.name] = c
            t.columns = cols
        for t in model.tables.values():
            def ren(cols: list[str], table: str = t.qualname) -> list[str]:
                return [col_renames.get((table, c), c) for c in cols]
            if t.primary_key:
                t.primary_key.columns = ren(t.primary_key.columns)
                t.primary_key.name = short("constraint", t.primary_key.name)
            for u in t.uniques:
                u.columns, u.name = ren(u.columns), short("constraint", u.name)
            for ch in t.checks:
                ch.name = short("constraint", ch.name)
                ch.columns = ren(ch.columns)
            for i, fk in enumerate(t.foreign_keys, 1):
                if fk.name is None and len(t.name) + self.FK_AUTONAME_SUFFIX > limit:
                    fk.name = shorten(f"{t.name}_fk{i}", limit)
                    self.note("identifier length", f"{t.qualname}({', '.join(fk.columns)})",
                              "changed", f"the engine's generated FK name would be too long: "
                              f"named {fk.name}")
                fk.ref_table = renames.get(fk.ref_table, fk.ref_table)
                fk.columns = ren(fk.columns)
                fk.ref_columns = ren(fk.ref_columns, fk.ref_table)
                fk.name = short("constraint", fk.name)
            for ix in t.indexes:
                ix.table = t.qualname
                ix.name = short("index", ix.name)
                for part in ix.columns:
                    if part.column:
                        part.column = col_renames.get((t.qualname, part.column), part.column)
                ix.include = ren(ix.include)
            if t.partition_of:
                t.partition_of = renames.get(t.partition_of, t.partition_of)

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
                if (not self.FK_SELF_ROW and fk.ref_table == t.qualname
                        and all(c in t.columns and not t.columns[c].nullable for c in fk.columns)):
                    t.foreign_keys.remove(fk)
                    self.note("foreign key", obj, "dropped",
                              f"a NOT NULL reference to its own table: the first row has no other "
                              f"row to point at and this engine checks a row only against rows "
                              f"stored before it; {t.qualname}({', '.join(fk.columns)}) is not enforced")
                    continue
                if self.FK_KEY_ORDER and ref is not None:
                    self.order_fk_columns(fk, ref, obj)
                if self.FK_SAME_TYPE and ref is not None:
                    self.widen_fk_columns(t, fk, ref, obj)
                for attr, label in (("on_delete", "ON DELETE"), ("on_update", "ON UPDATE")):
                    action = getattr(fk, attr)
                    if action in ("CASCADE", "SET NULL", "SET DEFAULT") and not self.caps.fk_actions:
                        setattr(fk, attr, None)
                        self.note("fk action", obj, "dropped",
                                  f"{label} {action} unsupported (parser error); the FK now "
                                  f"refuses the {label.split()[1].lower()} of a referenced "
                                  f"{fk.ref_table} row - do it in the application")

    def order_fk_columns(self, fk: ForeignKey, ref: Table, obj: str) -> None:
        """Engines that match an FK's referenced columns to a key in order: the column pairs
        are put in the key's order (the same constraint), with a note."""
        keys = ref.unique_column_sets()
        if fk.ref_columns in keys:
            return
        for key in keys:
            if sorted(key) == sorted(fk.ref_columns) and len(key) == len(fk.ref_columns):
                pairs = dict(zip(fk.ref_columns, fk.columns))
                fk.columns, fk.ref_columns = [pairs[c] for c in key], list(key)
                self.note("foreign key", obj, "changed", f"columns listed in the order of "
                          f"{ref.qualname}'s key ({', '.join(key)}); the same constraint")
                return

    def widen_fk_columns(self, t: Table, fk: ForeignKey, ref: Table, obj: str) -> None:
        """An FK column whose type differs from the referenced column's (INT -> BIGINT) gets
        the referenced type: the engine refuses the FK otherwise."""
        for c, rc in zip(fk.columns, fk.ref_columns):
            col, rcol = t.columns.get(c), ref.columns.get(rc)
            if col is None or rcol is None or col.type.upper() == rcol.type.upper():
                continue
            self.note("fk column type", col_obj(t, col), "changed",
                      f"{col.type} referencing {ref.qualname}.{rc} {rcol.type}: the engine "
                      f"refuses an FK between different types; widened to {rcol.type}")
            col.type = rcol.type

    def adapt_others(self, model: Schema) -> None:
        """Views, functions, triggers, extensions are kept verbatim, so they are rendered only
        for the engine whose SQL they are written in; elsewhere each is a note."""
        from dbdesign.engines import ENGINES
        schemas = {t.schema for t in model.tables.values() if t.schema}
        flattened = {o.name for o in model.others if o.kind == "schema"} - schemas \
            if not self.SCHEMAS else set()
        others = []
        for o in model.others:
            if o.kind == "schema" and (o.name in schemas or not self.SCHEMAS):
                continue  # created by create_statements (IF NOT EXISTS) or flattened away
            if o.dialect != self.name:
                label = getattr(ENGINES.get(o.dialect), "label", o.dialect)
                self.note(o.kind, o.name, "dropped",
                          f"{label}-specific object; not rendered - port it by hand")
                continue
            if flattened:
                o.sql = self.unqualify(o.sql, flattened)
            others.append(o)
        model.others = others

    def unqualify(self, sql: str, databases: set[str]) -> str:
        """`sql` without the `db.` in front of names of `databases`: the input created those
        (`CREATE SCHEMA sakila`) and its tables land in the database the DDL runs in, so its
        views and routines must name them there too."""
        from sqlglot.tokens import TokenType
        names = {d.lower() for d in databases}
        try:
            tokens = _sqlglot_instance(self.sqlglot_dialect).tokenize(sql)
        except sqlglot.errors.SqlglotError:
            return sql
        cuts = [(a.start, b.end + 1) for a, b in zip(tokens, tokens[1:])
                if a.token_type in (TokenType.VAR, TokenType.IDENTIFIER)
                and a.text.lower() in names and b.token_type == TokenType.DOT]
        for start, end in reversed(cuts):
            sql = sql[:start] + sql[end:]
        return sql

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
    # Kinds of other objects created before the tables (in this order); every other kind
    # (views, materialized views, triggers, ...) comes after the indexes.
    PRE_TABLE_KINDS: ClassVar[tuple[str, ...]] = (
        "schema", "extension", "type", "function", "procedure", "aggregate", "operator",
        "collation", "text search configuration", "sequence")

    def create_statements(self, model: Schema) -> list[str]:
        """The DDL in dependency order (see `iter_statements`), as a list."""
        return list(self.iter_statements(model))

    def iter_statements(self, model: Schema) -> Iterator[str]:
        """The DDL in dependency order: schemas, extensions, types, domains, sequences,
        tables (parents first), partitions, constraints that must follow the tables (cycles,
        NOT VALID), indexes, comments, then views and the other objects (by `depends_on`).
        A statement that cannot be rendered is left out with a note. Statements are made one
        at a time as they are consumed (a 50 MB schema's DDL is never held whole); the notes
        are complete once the iterator is exhausted."""

        def emit(obj: str, build) -> list[str]:
            try:
                sql = build()
            except (sqlglot.errors.SqlglotError, Unrenderable, ValueError) as err:
                self.note("statement", obj, "dropped",
                          f"cannot be rendered here ({str(err).splitlines()[0][:200]})")
                return []
            return [sql] if isinstance(sql, str) else sql

        pre, post = self.ordered_others(model)
        if self.NO_BODY_CHECKS and any(o.kind in ("function", "procedure") for o in pre + post):
            yield self.NO_BODY_CHECKS  # a body may call a function created after it
        schemas = sorted({t.schema for t in model.tables.values() if t.schema})
        for s in schemas:
            yield self.sql(exp.Create(kind="SCHEMA", exists=True, this=exp.Table(db=self.ident(s))))
        for o in pre:
            if o.kind in ("sequence",):
                continue
            yield o.sql.strip().rstrip(";")
        for e in model.enums.values():
            yield from emit(e.name, lambda e=e: self.create_enum_sql(e))
        for d in model.domains.values():
            yield from emit(d.name, lambda d=d: self.create_domain_sql(d))
        for o in pre:
            if o.kind == "sequence":
                yield o.sql.strip().rstrip(";")
        order, deferred = table_order(model, self.FK_FORWARD_REFERENCE)
        later = {id(fk) for t in order for fk in t.foreign_keys if not fk.validated}
        later |= deferred
        parents = [t for t in order if not t.partition_of]
        for t in parents:
            yield from emit(t.qualname, lambda t=t: [
                *self.pre_table_statements(t),
                self.create_table_sql(t, skip_fks=later, with_indexes=True)])
        for t in order:
            if t.partition_of:
                yield from emit(t.qualname, lambda t=t: [
                    *self.pre_table_statements(t), *self.create_partition_sql(t, skip_fks=later)])
        for t in order:
            for fk in t.foreign_keys:
                if id(fk) in later:
                    yield from emit(fk.name or t.qualname, lambda t=t, fk=fk: self.add_fk_sql(t, fk))
            for ch in t.checks:
                if not ch.validated:
                    yield from emit(ch.name or t.qualname,
                                    lambda t=t, ch=ch: self.add_check_sql(t, ch))
        # a partition's own indexes first: an index then created on the parent attaches a
        # matching one instead of creating a second under a generated name
        for t in sorted(order, key=lambda t: not t.partition_of):
            for ix in t.indexes:
                if self.inline_index(ix):
                    continue  # written in CREATE TABLE
                yield from emit(ix.name, lambda t=t, ix=ix: self.create_index_sql(t, ix))
        for t in order:
            for ix in t.indexes:
                parent = self.parent_index(model, t, ix)
                if parent is not None:
                    yield from emit(ix.name, lambda t=t, ix=ix, p=parent: self.attach_index_sql(t, ix, *p))
        if self.COMMENTS == "statement":
            for t in order:
                yield from emit(t.qualname, lambda t=t: self.comment_statements(t))
        for o in post:
            yield o.sql.strip().rstrip(";")

    # Objects after the tables, by kind: functions (their bodies may use tables), views,
    # indexes on materialized views, triggers, then anything else.
    POST_TABLE_KINDS: ClassVar[tuple[str, ...]] = (
        "function", "procedure", "aggregate", "view", "materialized view", "index", "trigger",
        "rule", "policy")

    def ordered_others(self, model: Schema) -> tuple[list, list]:
        """Other objects split into those created before the tables and after them. Each
        object follows what it `depends_on`; otherwise by kind (PRE_TABLE_KINDS, then
        POST_TABLE_KINDS) and declaration order. Functions go after the tables unless a
        table, domain or earlier object needs them."""
        by_name: dict[str, object] = {}
        for o in model.others:
            by_name.setdefault(o.name, o)
            by_name.setdefault(o.name.split(".")[-1], o)
        tables = {n for t in model.tables.values() for n in (t.qualname, t.name, f"public.{t.name}")}
        used_by_tables = self.functions_used_by_tables(model)
        pre_kinds = [k for k in self.PRE_TABLE_KINDS if k not in ("function", "procedure", "aggregate")]

        def phase(o) -> tuple[int, int]:
            if o.kind in pre_kinds:
                return 0, pre_kinds.index(o.kind)
            if o.kind in ("function", "procedure", "aggregate") \
                    and o.name.split(".")[-1].lower() in used_by_tables:
                return 0, len(pre_kinds)
            if o.kind in self.POST_TABLE_KINDS:
                return 1, self.POST_TABLE_KINDS.index(o.kind)
            return 1, len(self.POST_TABLE_KINDS)

        order: list = []
        state: set[int] = set()

        def visit(o) -> None:
            if id(o) in state:
                return
            state.add(id(o))
            for dep in o.depends_on:
                d = by_name.get(dep) or by_name.get(dep.split(".")[-1])
                if d is not None and d is not o:
                    visit(d)
            order.append(o)

        for o in sorted(model.others, key=phase):
            visit(o)
        after: set[int] = set()
        for o in order:  # dependencies first, so a dependent's dependency is already judged
            if o.kind == "sequence":
                continue  # tables use them (DEFAULT nextval); OWNED BY is not part of CREATE
            deps = [by_name.get(d) or by_name.get(d.split(".")[-1]) for d in o.depends_on]
            if (phase(o)[0] == 1 or any(d in tables for d in o.depends_on)
                    or any(d is not None and id(d) in after for d in deps)):
                after.add(id(o))
        return [o for o in order if id(o) not in after], [o for o in order if id(o) in after]

    @staticmethod
    def functions_used_by_tables(model: Schema) -> set[str]:
        """Lower-case names of functions called in a default, CHECK or generated column of a
        table or domain."""
        texts = [c.default for t in model.tables.values() for c in t.columns.values()]
        texts += [c.generated for t in model.tables.values() for c in t.columns.values()]
        texts += [ch.expression for t in model.tables.values() for ch in t.checks]
        texts += [d.default for d in model.domains.values()]
        texts += [ch.expression for d in model.domains.values() for ch in d.checks]
        names: set[str] = set()
        for text in set(filter(None, texts)):  # a large schema repeats a few defaults
            try:
                names.update(str(f.this).lower() for f in pg_expr(text).find_all(exp.Anonymous))
            except sqlglot.errors.SqlglotError:
                continue
        return names

    # -- AST builders ----------------------------------------------------------------------
    def table_node(self, qualname: str) -> exp.Table:
        parts = qualname.split(".")
        return exp.Table(this=exp.to_identifier(parts[-1], quoted=_needs_quote(parts[-1])),
                         db=exp.to_identifier(parts[0], quoted=_needs_quote(parts[0]))
                         if len(parts) > 1 else None)

    def ident(self, name: str) -> exp.Identifier:
        return exp.to_identifier(name, quoted=_needs_quote(name))

    def column_ref(self, name: str) -> exp.Column:
        """A column reference, quoted exactly as the DDL names the column."""
        return exp.Column(this=self.ident(name))

    # -- the one way names and values enter generated SQL ----------------------------------
    IDENT_QUOTE: ClassVar[str] = '"'  # this engine's identifier quote; doubled inside a name

    @classmethod
    def quote(cls, name: str, force: bool = False) -> str:
        """`name` as this engine writes an identifier: bare when it is plain lower-case snake
        case and no reserved word (unless `force`), else in the engine's quotes with the quote
        doubled (the only character special inside them). NUL cannot be part of a name on
        any engine."""
        if "\0" in name:
            raise InputError(f"the name {name!r} contains a NUL character, which no engine "
                             "accepts in a name")
        if not force and not _needs_quote(name):
            return name
        q = cls.IDENT_QUOTE
        return q + name.replace(q, q + q) + q

    @classmethod
    def literal(cls, value: Any) -> str:
        """`value` as a literal of a generated script: NULL, TRUE/FALSE, numbers as written,
        anything else as a standard SQL string ('' doubles a quote; backslashes are plain
        characters). NUL: `string_with_nul` decides per engine."""
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, (int, float)):
            if value != value or value in (float("inf"), float("-inf")):
                raise InputError(f"{value!r} has no portable SQL literal")
            return repr(value)
        text = str(value)
        if "\0" in text:
            return cls.string_with_nul(text)
        return cls.string(text)

    @classmethod
    def string(cls, text: str) -> str:
        """A string literal without NUL characters."""
        return "'" + text.replace("'", "''") + "'"

    @classmethod
    def string_with_nul(cls, text: str) -> str:
        """A string literal of text holding NUL. By default an error: PostgreSQL's text
        cannot hold NUL at all (the server refuses it), so a value with one is bad input."""
        raise InputError(f"{cls.name}: the value {text!r} contains a NUL character, which "
                         "this engine's text cannot hold")

    def create_enum_sql(self, e) -> str:
        dt = exp.DataType(this=exp.DataType.Type.ENUM,
                          expressions=[exp.Literal.string(v) for v in e.values])
        return self.sql(exp.Create(kind="TYPE", this=self.table_node(e.name), expression=dt))

    def pre_table_statements(self, t: Table) -> list[str]:
        """Hook: statements a table needs first (DuckDB's identity sequences)."""
        return []

    def column_type_node(self, col: Column) -> exp.DataType:
        return build_type(col.type, dialect=self.sqlglot_dialect, udt=True)

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

    def column_def_text(self, t: Table, col: Column) -> exp.Var:
        """`column_def` as generated text (pretty), made once per distinct column: a large
        schema repeats the same few column shapes thousands of times."""
        key = (type(self), col.name, col.type, col.nullable, col.default, col.generated,
               col.identity, col.comment if self.COMMENTS == "inline" else None)
        text = _COLUMN_SQL.get(key)
        if text is None:
            text = self.sql(self.column_def(t, col), pretty=True, copy=False)
            if len(_COLUMN_SQL) >= 65536:
                _COLUMN_SQL.clear()
            _COLUMN_SQL[key] = text
        return exp.Var(this=text)

    def element_text(self, node: exp.Expression) -> str:
        """One table element as pretty text; an unnamed key (`PRIMARY KEY (id)`), which many
        tables share, is generated once."""
        if not isinstance(node, (exp.PrimaryKey, exp.UniqueColumnConstraint)):
            return self.sql(node, pretty=True, copy=False)
        key = (type(self), _tree_key(node))
        text = _ELEMENT_SQL.get(key)
        if text is None:
            text = self.sql(node, pretty=True, copy=False)
            if len(_ELEMENT_SQL) >= 65536:
                _ELEMENT_SQL.clear()
            _ELEMENT_SQL[key] = text
        return text

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

    @staticmethod
    def deferrable_options(c) -> list[exp.Expression]:
        if not c.deferrable:
            return []
        return [exp.var("DEFERRABLE"), exp.var(f"INITIALLY {c.deferrable.upper()}")]

    def fk_node(self, fk: ForeignKey) -> exp.Expression:
        options = []
        if fk.on_delete:
            options.append(f"ON DELETE {fk.on_delete}")
        if fk.on_update:
            options.append(f"ON UPDATE {fk.on_update}")
        options.extend(o.name for o in self.deferrable_options(fk))
        ref = exp.Reference(this=exp.Schema(this=self.table_node(fk.ref_table),
                                            expressions=self.idents(fk.ref_columns)),
                            options=options)
        node = exp.ForeignKey(expressions=self.idents(fk.columns), reference=ref)
        return self.named(fk.name, node)

    def check_node(self, ch: CheckConstraint) -> exp.Expression:
        return self.named(ch.name, exp.CheckColumnConstraint(this=self.parse(ch.expression)))

    def inline_index(self, ix: Index) -> bool:
        """A plain index that create_statements writes inside CREATE TABLE (INLINE_INDEXES)."""
        return (self.INLINE_INDEXES and not ix.unique and ix.where is None
                and all(p.column for p in ix.columns))

    def table_elements(self, t: Table, skip_fks: set[int] = frozenset(),
                       with_indexes: bool = False) -> list[exp.Expression]:
        # a one-column key stays a node: SQLite's generator moves the key onto its column
        pk_col = t.primary_key.columns[0] if not self.ASSEMBLE_CREATE and t.primary_key \
            and len(t.primary_key.columns) == 1 else None
        items: list[exp.Expression] = [self.column_def(t, c) if c.name == pk_col else
                                       self.column_def_text(t, c) for c in t.columns.values()]
        if t.primary_key:
            items.append(self.key_node(t.primary_key))
        items.extend(self.key_node(u) for u in t.uniques)
        for ch in t.checks:
            if ch.validated:
                items.append(self.check_node(ch))
        if with_indexes:
            for ix in t.indexes:
                if self.inline_index(ix):
                    items.append(exp.IndexColumnConstraint(
                        this=self.ident(ix.name), expressions=[self.index_part(p) for p in ix.columns]))
        for fk in t.foreign_keys:
            if id(fk) not in skip_fks:
                items.append(self.fk_node(fk))
        return items

    def table_properties(self, t: Table) -> exp.Properties | None:
        props: list[exp.Expression] = []
        if t.comment is not None and self.COMMENTS == "inline":
            props.append(exp.SchemaCommentProperty(this=exp.Literal.string(t.comment)))
        if t.partition_by:
            parsed = sqlglot.parse_one(f"CREATE TABLE _t (_c INT) PARTITION BY {t.partition_by}",
                                       read=PG)
            prop = parsed.find(exp.PartitionedByProperty)
            if prop is None:
                raise Unrenderable(f"PARTITION BY {t.partition_by} not understood")
            props.append(prop)
        return exp.Properties(expressions=props) if props else None

    def create_partition_sql(self, t: Table, skip_fks: set[int] = frozenset()) -> list[str]:
        """A partition as pg_dump writes it: the table with its own columns and constraints,
        then ATTACH PARTITION to its parent (which checks that both agree); a partition with
        no columns of its own is created with PARTITION OF."""
        bound = (t.partition_bound or "DEFAULT").strip()
        check = sqlglot.parse_one(f"CREATE TABLE _p PARTITION OF _t {bound}", read=PG)
        if not isinstance(check, exp.Create):
            raise Unrenderable(f"partition bound {bound} not understood")
        bound_sql = check.sql(dialect=PG).split("PARTITION OF _t", 1)[1].strip()
        parent = self.sql(self.table_node(t.partition_of))
        child = self.sql(self.table_node(t.qualname))
        if not t.columns:
            return [f"CREATE TABLE {child} PARTITION OF {parent} {bound_sql}"]
        return [self.create_table_sql(t, skip_fks), f"ALTER TABLE {parent} ATTACH PARTITION {child} {bound_sql}"]

    def create_domain_sql(self, d) -> str:
        parts = [f"CREATE DOMAIN {self.sql(self.table_node(d.name))} AS "
                 f"{self.sql(build_type(d.type, dialect=PG, udt=True))}"]
        if d.default is not None:
            parts.append(f"DEFAULT {self.sql(pg_expr(d.default))}")
        if not d.nullable:
            parts.append("NOT NULL")
        for ch in d.checks:
            parts.append(self.sql(self.check_node(ch)))
        return " ".join(parts)

    def add_check_sql(self, t: Table, ch: CheckConstraint) -> str:
        return self.sql(exp.Alter(this=self.table_node(t.qualname), kind="TABLE",
                                  actions=[exp.AddConstraint(expressions=[self.check_node(ch)])],
                                  not_valid=not ch.validated))

    def create_table_sql(self, t: Table, skip_fks: set[int] = frozenset(),
                         name: str | None = None, with_indexes: bool = False) -> str:
        """CREATE TABLE; `with_indexes` writes the INLINE_INDEXES inside it."""
        elements = self.table_elements(t, skip_fks, with_indexes)
        properties = self.table_properties(t)
        if self.ASSEMBLE_CREATE and properties is None and elements \
                and not any(e.comments for e in elements):
            return self.assembled_create(name or t.qualname, elements)
        node = exp.Create(kind="TABLE", this=exp.Schema(
            this=self.table_node(name or t.qualname), expressions=elements), properties=properties)
        return self.sql(node, pretty=True, copy=False)  # one column per line: readable output

    def assembled_create(self, qualname: str, elements: list[exp.Expression]) -> str:
        """`CREATE TABLE` with no table options, laid out as sqlglot writes it pretty (each
        element on its own lines, indented two spaces, commas after), from each element's own
        text: generating the whole statement was two fifths of rendering a large schema."""
        texts = [e.this if isinstance(e, exp.Var) else self.element_text(e) for e in elements]
        body = "\n".join((text + ("," if i + 1 < len(texts) else "")).rstrip()
                         for i, text in enumerate(texts))
        body = "\n".join("  " + line for line in body.split("\n"))
        return f"CREATE TABLE {self.sql(self.table_node(qualname), copy=False)} (\n{body}\n)"

    def key_node(self, key: PrimaryKey | UniqueConstraint) -> exp.Expression:
        """A PRIMARY KEY or UNIQUE constraint as a table element (named when it has a name)."""
        options = self.deferrable_options(key) or None
        if isinstance(key, PrimaryKey):
            return self.named(key.name, exp.PrimaryKey(expressions=self.idents(key.columns), options=options))
        return self.named(key.name, exp.UniqueColumnConstraint(
            this=exp.Schema(expressions=self.idents(key.columns)),
            nulls=True if key.nulls_not_distinct else None, options=options))

    def add_key_sql(self, t: Table, key: PrimaryKey | UniqueConstraint) -> str:
        """ALTER TABLE ... ADD the key: a load builds it after the rows are in, in one sorted
        pass, instead of one index insertion per row."""
        return self.sql(exp.Alter(this=self.table_node(t.qualname), kind="TABLE",
                                  actions=[exp.AddConstraint(expressions=[self.key_node(key)])]))

    def add_fk_sql(self, t: Table, fk: ForeignKey) -> str:
        return self.sql(exp.Alter(this=self.table_node(t.qualname), kind="TABLE",
                                  actions=[exp.AddConstraint(expressions=[self.fk_node(fk)])],
                                  not_valid=not fk.validated))

    def index_part(self, part: IndexColumn) -> exp.Expression:
        node = exp.column(self.ident(part.column)) if part.column else self.parse(part.expression)
        if part.expression and not isinstance(node, (exp.Func, exp.Paren, exp.Column)):
            node = exp.Paren(this=node)
        if part.opclass:
            node = exp.Opclass(this=node, expression=self.table_node(part.opclass))
        if part.desc:
            # nulls_first = the engine's own default, so sqlglot adds no NULLS FIRST/LAST
            # (SQLite rejects it) and no CASE WHEN emulation (MariaDB rejects it).
            return exp.Ordered(this=node, desc=True, nulls_first=self.DESC_NULLS_FIRST)
        return node

    def parent_index(self, model: Schema, t: Table, ix: Index) -> tuple[Table, Index] | None:
        """(parent table, its index) when `ix` is attached to an index created ON ONLY the
        partitioned parent: only then is the attachment a statement of its own (an index
        created on the whole parent attaches its partitions' matching indexes by itself)."""
        parent = model.tables.get(t.partition_of or "")
        if not self.PARTITIONS or parent is None or ix.attached_to is None:
            return None
        found = next((p for p in parent.indexes if p.name == ix.attached_to), None)
        return (parent, found) if found is not None and found.only else None

    def attach_index_sql(self, t: Table, ix: Index, parent: Table, parent_ix: Index) -> str:
        return (f"ALTER INDEX {self.sql(self.index_target(parent, parent_ix))} ATTACH PARTITION "
                f"{self.sql(self.index_target(t, ix))}")

    def create_index_sql(self, t: Table, ix: Index) -> str:
        sql = self._create_index_sql(t, ix)
        if ix.only and self.PARTITIONS and t.partition_by:
            # ON ONLY (sqlglot has no node for it): the parent's index alone, as pg_dump writes it
            head = f"CREATE {'UNIQUE ' if ix.unique else ''}INDEX {self.sql(self.ident(ix.name))} ON "
            if not sql.startswith(head):
                raise Unrenderable(f"CREATE INDEX ... ON ONLY not rendered: {sql[:80]}")
            sql = head + "ONLY " + sql[len(head):]
        return sql

    def _create_index_sql(self, t: Table, ix: Index) -> str:
        where = exp.Where(this=self.parse(ix.where)) if ix.where else None
        params = exp.IndexParameters(
            columns=[self.index_part(p) for p in ix.columns],
            using=exp.var(ix.method) if ix.method else None,
            include=self.idents(ix.include) or None,
            where=None if ix.nulls_not_distinct else where)
        index = exp.Index(this=self.ident(ix.name), table=self.table_node(t.qualname), params=params)
        sql = self.sql(exp.Create(kind="INDEX", unique=ix.unique, this=index), copy=False)
        if ix.nulls_not_distinct:  # sqlglot has no node for it; it goes before WHERE
            sql += " NULLS NOT DISTINCT" + (f" {self.sql(where)}" if where else "")
        return sql

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


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


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


@dataclass
class FkOrder:
    """Tables parents-first along foreign keys. `deferred` holds the FKs that close a cycle
    (create the table without them, add them after); `cycles` the path of each, child first."""
    names: list[str]
    deferred: list[tuple[str, ForeignKey]]
    cycles: list[list[str]]

    @property
    def deferred_ids(self) -> set[int]:
        return {id(fk) for _, fk in self.deferred}


def fk_order(schema: Schema, names: Iterable[str] | None = None,
             follows: Callable[[Table, ForeignKey], bool] | None = None) -> FkOrder:
    """The one foreign-key dependency order (DDL, data generation, probes): repeatedly the
    first table, in declaration order, whose referenced tables are all placed. Only FKs between
    `names` (default: every table) for which `follows(table, fk)` holds count; self-references
    never do. In a cycle, the first table whose pending FKs are all nullable (else the first
    one) goes next and those FKs are deferred: created after the tables."""
    selected = set(schema.tables) if names is None else set(names)
    remaining = [n for n in schema.tables if n in selected]
    deps = {n: [fk for fk in schema.tables[n].foreign_keys
                if fk.ref_table != n and fk.ref_table in selected
                and (follows is None or follows(schema.tables[n], fk))] for n in remaining}
    done: set[str] = set()
    order: list[str] = []
    deferred: list[tuple[str, ForeignKey]] = []
    cycles: list[list[str]] = []

    def pending(n: str) -> list[ForeignKey]:
        return [fk for fk in deps[n] if fk.ref_table not in done]

    def nullable(n: str, fk: ForeignKey) -> bool:
        cols = schema.tables[n].columns
        return any(cols[c].nullable for c in fk.columns if c in cols)

    while remaining:
        pick = next((n for n in remaining if not pending(n)), None)
        if pick is None:
            pick = next((n for n in remaining if all(nullable(n, fk) for fk in pending(n))),
                        remaining[0])
            path, cur = [pick], pending(pick)[0].ref_table
            while cur not in path:
                path.append(cur)
                cur = pending(cur)[0].ref_table
            cycles.append(path[path.index(cur):] + [cur])
            deferred.extend((pick, fk) for fk in pending(pick))
        remaining.remove(pick)
        done.add(pick)
        order.append(pick)
    return FkOrder(order, deferred, cycles)


def table_order(model: Schema, forward_ok: bool = False) -> tuple[list[Table], set[int]]:
    """Tables in creation order (referenced tables first) and the ids of FKs that must be added
    after creation because they close a cycle. With `forward_ok` (SQLite checks references
    only at DML time) nothing is deferred and the order is still parents first."""
    order = fk_order(model)
    tables = [model.tables[n] for n in order.names]
    return tables, (set() if forward_ok else order.deferred_ids)
