"""The one model of a schema that every other module reads.

Parsed from DDL or migrations (`parse`, `source`), introspected from a live database
(`engines`), rendered per dialect (`ddl`), linted (`lint`), diffed (`diff`). Types, defaults,
CHECK and index expressions are kept as PostgreSQL-dialect SQL text: the authoring dialect,
re-parsed by sqlglot wherever a module needs the AST.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SourceRef:
    """Where an object was declared (or last changed): file path as given, 1-based line."""
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.file is None:
            return "<unknown>"
        return f"{self.file}:{self.line}" if self.line else self.file


_FAMILIES = {
    "uuid": ("UUID",),
    "text": ("VARCHAR", "CHARACTER VARYING", "CHAR", "CHARACTER", "BPCHAR", "TEXT", "CITEXT", "NVARCHAR",
             "NCHAR", "CLOB", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "STRING", "NAME"),
    "int": ("INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "MEDIUMINT", "INT2", "INT4", "INT8",
            "SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL4", "SERIAL8", "HUGEINT"),
    "numeric": ("NUMERIC", "DECIMAL", "REAL", "DOUBLE", "DOUBLE PRECISION", "FLOAT", "FLOAT4", "FLOAT8",
                "MONEY"),
    "bool": ("BOOL", "BOOLEAN"),
    "timestamp": ("TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITHOUT TIME ZONE",
                  "DATETIME"),
    "date": ("DATE",),
    "time": ("TIME", "TIMETZ", "TIME WITH TIME ZONE", "TIME WITHOUT TIME ZONE"),
    "interval": ("INTERVAL",),
    "json": ("JSON", "JSONB"),
    "binary": ("BYTEA", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BINARY", "VARBINARY"),
}
_FAMILY_OF = {name: fam for fam, names in _FAMILIES.items() for name in names}


@dataclass(frozen=True)
class ColumnType:
    """A declared type, read once (`column_type`): its family, base name, length or precision
    and scale, and whether it is an array. Anything else (an enum, a domain, an extension's
    type) is family "other" with its name as written."""
    family: str  # uuid | text | int | numeric | bool | timestamp | date | time | interval | json | binary | other
    name: str  # the base name in upper case ("VARCHAR", "TIMESTAMPTZ"), else as written
    length: int | None = None  # VARCHAR(n) / CHAR(n)
    precision: int | None = None  # NUMERIC(p, s)
    scale: int | None = None
    array: bool = False


@functools.lru_cache(maxsize=4096)
def column_type(spelling: str) -> ColumnType:
    """Read a type as the model stores it ("VARCHAR(255)", "TEXT[]", "DECIMAL(5, 2)",
    "public.mpaa_rating"); the one place type text is interpreted."""
    text = " ".join(spelling.split())
    array = False
    while text.endswith("[]"):
        text, array = text[:-2].rstrip(), True
    if text.upper().endswith(" ARRAY"):
        text, array = text[:-6].rstrip(), True
    m = re.fullmatch(r"(.*?)\s*\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\)(.*)", text)
    args: tuple[int | None, int | None] = (None, None)
    if m:
        text = (m.group(1) + m.group(4)).strip()
        args = (int(m.group(2)), int(m.group(3)) if m.group(3) is not None else None)
    base = text.upper()
    base = re.sub(r"\s+UNSIGNED$", "", base)
    family = _FAMILY_OF.get(base, "other")
    if family == "other":
        return ColumnType("other", text, array=array)
    if family == "text":
        return ColumnType(family, base, length=args[0], array=array)
    if family == "numeric":
        return ColumnType(family, base, precision=args[0], scale=args[1], array=array)
    return ColumnType(family, base, array=array)


@dataclass(slots=True)
class Column:
    name: str
    type: str  # PostgreSQL-dialect type text: "UUID", "VARCHAR(255)", "TIMESTAMPTZ", an enum name
    nullable: bool = True
    default: str | None = None  # SQL expression text, e.g. "gen_random_uuid()", "'draft'"
    identity: str | None = None  # "always" | "by default" (GENERATED ... AS IDENTITY)
    generated: str | None = None  # expression of GENERATED ALWAYS AS (...) STORED
    comment: str | None = None
    source: SourceRef = field(default_factory=SourceRef)

    @property
    def kind(self) -> ColumnType:
        """The declared type, read (`column_type`)."""
        return column_type(self.type)


@dataclass
class PrimaryKey:
    columns: list[str]
    name: str | None = None
    source: SourceRef = field(default_factory=SourceRef)
    deferrable: str | None = None  # None | "immediate" | "deferred" (DEFERRABLE INITIALLY ...)


@dataclass
class ForeignKey:
    columns: list[str]
    ref_table: str  # qualified name as in Schema.tables
    ref_columns: list[str]
    on_delete: str | None = None  # None = not specified (engine default NO ACTION)
    on_update: str | None = None  # "CASCADE", "RESTRICT", "SET NULL", "SET DEFAULT", "NO ACTION"
    name: str | None = None
    source: SourceRef = field(default_factory=SourceRef)
    deferrable: str | None = None  # None | "immediate" | "deferred" (DEFERRABLE INITIALLY ...)
    validated: bool = True  # False: added NOT VALID and not (yet) validated


@dataclass
class UniqueConstraint:
    columns: list[str]
    name: str | None = None
    source: SourceRef = field(default_factory=SourceRef)
    nulls_not_distinct: bool = False  # PostgreSQL 15: UNIQUE NULLS NOT DISTINCT
    deferrable: str | None = None  # None | "immediate" | "deferred"


@dataclass
class CheckConstraint:
    expression: str  # PostgreSQL-dialect SQL text, without the CHECK keyword
    name: str | None = None
    columns: list[str] = field(default_factory=list)  # columns the expression mentions
    source: SourceRef = field(default_factory=SourceRef)
    validated: bool = True  # False: added NOT VALID and not (yet) validated


@dataclass(slots=True)
class IndexColumn:
    """One key part: a plain column (`column`) or an expression (`expression`)."""
    column: str | None = None
    expression: str | None = None
    desc: bool = False
    opclass: str | None = None  # operator class as written, e.g. "public.gin_trgm_ops"

    @property
    def label(self) -> str:
        return self.column if self.column is not None else f"({self.expression})"


@dataclass(slots=True)
class Index:
    name: str
    table: str
    columns: list[IndexColumn]
    unique: bool = False
    where: str | None = None  # partial index predicate, SQL text
    method: str | None = None  # "btree", "gin", "gist", "hash", ...
    include: list[str] = field(default_factory=list)
    comment: str | None = None
    source: SourceRef = field(default_factory=SourceRef)
    nulls_not_distinct: bool = False
    # Partitioned tables, as pg_dump writes them: `only` - created ON ONLY the parent (it does
    # not create its partitions' indexes); `attached_to` - on a partition's index, the name of
    # the parent's index it is attached to (ALTER INDEX parent ATTACH PARTITION this).
    only: bool = False
    attached_to: str | None = None

    @property
    def column_names(self) -> list[str | None]:
        """Plain column names in key order; None where a key part is an expression."""
        return [c.column for c in self.columns]


@dataclass
class EnumType:
    name: str
    values: list[str]
    source: SourceRef = field(default_factory=SourceRef)


@dataclass
class Domain:
    """CREATE DOMAIN: a named base type with its own NOT NULL, DEFAULT and CHECKs (VALUE)."""
    name: str
    type: str  # base type, PostgreSQL-dialect text
    nullable: bool = True
    default: str | None = None
    checks: list[CheckConstraint] = field(default_factory=list)
    source: SourceRef = field(default_factory=SourceRef)


@dataclass
class OtherObject:
    """A statement we understand but do not model in detail: view, materialized view,
    function, trigger, extension, sequence. Kept verbatim so that nothing is silently
    dropped; `depends_on` names the tables, types and sequences it uses (rendering order).
    Verbatim SQL runs only on the engine it is written for: `dialect` says which."""
    kind: str  # "view", "materialized view", "function", "trigger", "extension", "sequence", ...
    name: str
    sql: str
    source: SourceRef = field(default_factory=SourceRef)
    depends_on: list[str] = field(default_factory=list)
    dialect: str = "postgres"  # the engine whose SQL `sql` is written in (the input's --read)


def _get_depends_on(self: OtherObject) -> list[str]:
    if self._depends is None:
        self._depends = list(self._resolve())
        self._resolve = None
    return self._depends


def _set_depends_on(self: OtherObject, value) -> None:
    """A list, or a function that returns one when first asked: reading a view's query for
    the names it uses costs more than the rest of a dump's statements, and only rendering
    order needs it."""
    self._depends, self._resolve = (None, value) if callable(value) else (value, None)


OtherObject.depends_on = property(_get_depends_on, _set_depends_on)


@dataclass
class Skipped:
    """A statement (or clause) that is not in the model, and why: `category` is "no design
    effect" (ownership, grants, SET, psql meta-commands, data, function bodies), "not modelled"
    (understood, but the model has no place for it: MySQL's ON UPDATE CURRENT_TIMESTAMP,
    constraint comments) or "not understood"."""
    kind: str  # short label for counting: "OWNER TO", "GRANT", "\\connect", "CREATE FUNCTION"
    category: str
    reason: str
    file: str | None = None
    line: int | None = None


@dataclass
class Table:
    name: str
    schema: str | None = None  # None = the default schema ("public")
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: PrimaryKey | None = None
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    uniques: list[UniqueConstraint] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    comment: str | None = None
    source: SourceRef = field(default_factory=SourceRef)
    partition_by: str | None = None  # "RANGE (payment_date)" on a partitioned parent
    partition_of: str | None = None  # parent's qualname, on a partition
    partition_bound: str | None = None  # "FOR VALUES FROM (...) TO (...)" / "DEFAULT"

    @property
    def qualname(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def column(self, name: str) -> Column | None:
        return self.columns.get(name)

    def unique_column_sets(self) -> list[list[str]]:
        """Column lists that are guaranteed unique: PK, UNIQUE constraints, full (non-partial)
        unique indexes on plain columns."""
        sets = []
        if self.primary_key:
            sets.append(list(self.primary_key.columns))
        sets.extend(list(u.columns) for u in self.uniques)
        for ix in self.indexes:
            if ix.unique and ix.where is None and all(c.column for c in ix.columns):
                sets.append([c.column for c in ix.columns])
        return sets


@dataclass
class Diagnostic:
    """A warning about the input itself (not a design finding): e.g. a statement we skip."""
    message: str
    file: str | None = None
    line: int | None = None
    severity: str = "warning"

    def __str__(self) -> str:
        loc = SourceRef(self.file, self.line)
        return f"{loc}: {self.severity}: {self.message}"


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)
    enums: dict[str, EnumType] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)
    others: list[OtherObject] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # files read, in order

    # -- lookups ---------------------------------------------------------------------------
    def table(self, name: str) -> Table | None:
        """Find a table by qualified or plain name (`public.` prefix ignored)."""
        if name in self.tables:
            return self.tables[name]
        if name.startswith("public."):
            return self.tables.get(name[len("public."):])
        return None

    def indexes(self) -> list[Index]:
        return [ix for t in self.tables.values() for ix in t.indexes]

    def find_index(self, name: str) -> Index | None:
        for ix in self.indexes():
            if ix.name == name:
                return ix
        return None

    def referencing(self, table: str) -> list[tuple[Table, ForeignKey]]:
        """Foreign keys in other tables (and self-references) that point at `table`."""
        return [(t, fk) for t in self.tables.values() for fk in t.foreign_keys
                if fk.ref_table == table]

    def most_connected(self) -> Table | None:
        """The table with the most foreign keys in and out (ties: the first by name): where a
        reader of an unfamiliar schema starts, and what the demos and explorer open on."""
        degree = {qn: len(t.foreign_keys) for qn, t in self.tables.items()}
        for t in self.tables.values():
            for fk in t.foreign_keys:
                if fk.ref_table in degree and fk.ref_table != t.qualname:
                    degree[fk.ref_table] += 1
        if not degree:
            return None
        return self.tables[min(degree, key=lambda qn: (-degree[qn], qn))]

    # -- serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Schema":
        def ref(d: dict | None) -> SourceRef:
            return SourceRef(**d) if d else SourceRef()

        schema = cls(sources=list(data.get("sources", [])))
        for name, e in data.get("enums", {}).items():
            schema.enums[name] = EnumType(e["name"], list(e["values"]), ref(e.get("source")))
        for name, d in data.get("domains", {}).items():
            schema.domains[name] = Domain(**{**d, "source": ref(d.get("source")), "checks": [
                CheckConstraint(**{**c, "source": ref(c.get("source"))}) for c in d.get("checks", [])]})
        for o in data.get("others", []):
            schema.others.append(OtherObject(o["kind"], o["name"], o["sql"], ref(o.get("source")),
                                             list(o.get("depends_on", [])),
                                             o.get("dialect", "postgres")))
        for d in data.get("diagnostics", []):
            schema.diagnostics.append(Diagnostic(**d))
        for s in data.get("skipped", []):
            schema.skipped.append(Skipped(**s))
        for qn, t in data.get("tables", {}).items():
            table = Table(name=t["name"], schema=t.get("schema"), comment=t.get("comment"),
                          source=ref(t.get("source")))
            for cname, c in t["columns"].items():
                table.columns[cname] = Column(**{**c, "source": ref(c.get("source"))})
            if t.get("primary_key"):
                pk = t["primary_key"]
                table.primary_key = PrimaryKey(list(pk["columns"]), pk.get("name"), ref(pk.get("source")))
            table.foreign_keys = [ForeignKey(**{**f, "source": ref(f.get("source"))}) for f in t["foreign_keys"]]
            table.uniques = [UniqueConstraint(**{**u, "source": ref(u.get("source"))}) for u in t["uniques"]]
            table.checks = [CheckConstraint(**{**c, "source": ref(c.get("source"))}) for c in t["checks"]]
            table.indexes = [Index(**{**i, "columns": [IndexColumn(**k) for k in i["columns"]],
                                      "source": ref(i.get("source"))}) for i in t["indexes"]]
            schema.tables[qn] = table
        return schema
