"""Validation layers generated from the model: API (pydantic v2 / JSON Schema), ORM (SQLAlchemy
2.0 typed declarative models with connection settings), database (the probe), and the table of
which layer is the only guard for which bad input.

The seed lists three layers: API validation before business logic, ORM validation before the
write, database constraints as the last line of defence. SQLAlchemy by itself validates almost
nothing before the INSERT (no length, no CHECK, no NOT NULL until flush hits the database), so
the generated models carry `@validates` methods derived from the CHECKs and VARCHAR lengths -
and the comparison shows what still only the database can catch (uniqueness, foreign keys:
they need the other rows).
"""
from __future__ import annotations

import keyword
import re
import types
from dataclasses import dataclass
from typing import Any

from dbdesign.model import Column, Schema, Table
from dbdesign.generate.pool import PoolSettings, recommend
from dbdesign.generate.pool import render as render_pool
from dbdesign.lab.probe import ProbeResult, ValueFactory, parse_expr, check_in_values, max_length, type_family

PY_TYPES = {"uuid": "uuid.UUID", "text": "str", "int": "int", "numeric": "decimal.Decimal",
            "bool": "bool", "timestamp": "datetime.datetime", "date": "datetime.date",
            "time": "datetime.time", "interval": "datetime.timedelta", "binary": "bytes",
            "json": "Any", "other": "str"}


def class_name(table: str) -> str:
    """users -> User, post_tags -> PostTag, audit_log -> AuditLog, app.orders -> Order,
    "User Accounts" -> UserAccount (singular, PascalCase, a valid Python name)."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", table.split(".")[-1]) if p] or ["table"]
    last = parts[-1]
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith("ses"):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    name = "".join(p.capitalize() for p in parts[:-1] + [last])
    return name if name[0].isalpha() else "T" + name


def py_name(column: str) -> str:
    """The Python attribute for a column: itself when it is a valid name, else `E-mail` ->
    `E_mail`, `Display Name` -> `Display_Name`, `class` -> `class_` (the generated models map
    it back with an alias / the column's own name); `metadata` -> `metadata_` (SQLAlchemy's)."""
    name = re.sub(r"\W+", "_", column).strip("_") or "column"
    if name[0].isdigit():
        name = "c_" + name
    return name + "_" if keyword.iskeyword(name) or name in _RESERVED else name


_RESERVED = frozenset({"metadata", "registry"})  # declarative classes keep these for themselves


def _bounds(table: Table, column: str) -> dict[str, Any]:
    """Simple numeric / length bounds from CHECKs on one column: ge, gt, le, lt, min_length, max_length."""
    from sqlglot import exp
    out: dict[str, Any] = {}
    for ck in table.checks:
        node = parse_expr(ck.expression)
        if node is None:
            continue
        target, lo, hi = None, None, None
        if isinstance(node, exp.Between):
            target, lo, hi = node.this, node.args.get("low"), node.args.get("high")
            kind_lo, kind_hi = "ge", "le"
        elif isinstance(node, (exp.GTE, exp.GT)):
            target, lo, kind_lo, kind_hi = node.this, node.expression, "ge" if isinstance(node, exp.GTE) else "gt", ""
        elif isinstance(node, (exp.LTE, exp.LT)):
            target, hi, kind_lo, kind_hi = node.this, node.expression, "", "le" if isinstance(node, exp.LTE) else "lt"
        else:
            continue
        is_len = isinstance(target, exp.Length)
        col = target.this if is_len else target
        if not isinstance(col, exp.Column) or col.name != column:
            continue
        for lit, kind in ((lo, kind_lo), (hi, kind_hi)):
            if isinstance(lit, exp.Literal) and not lit.is_string and kind:
                val = int(float(lit.this))
                if is_len:
                    out["min_length" if kind.startswith("g") else "max_length"] = val + (kind == "gt") - (kind == "lt")
                else:
                    out[kind] = val
    return out


def _field_spec(schema: Schema, table: Table, col: Column) -> tuple[str, dict[str, Any]]:
    """(python type text, Field kwargs) for the API model."""
    allowed = check_in_values(table, col.name)
    if col.type in schema.enums:
        allowed = schema.enums[col.type].values
    kwargs: dict[str, Any] = {}
    if allowed:
        py = "Literal[" + ", ".join(repr(v) for v in allowed) + "]"
    else:
        py = PY_TYPES[type_family(col.type)]
        n = max_length(col.type)
        if n:
            kwargs["max_length"] = n
        kwargs.update(_bounds(table, col.name))
    return py, kwargs


def _required(col: Column) -> bool:
    return not col.nullable and col.default is None and not col.identity and not col.generated


def pydantic_source(schema: Schema, tables: list[str] | None = None) -> str:
    """Python source of pydantic v2 "create" models: one class per table. VARCHAR(n) ->
    max_length, CHECK IN / enum -> Literal, simple CHECK bounds -> ge/le/min_length, NOT NULL
    without default -> required; columns the database fills (identity, defaults) optional."""
    lines = ["# Generated by dbdesign.generate.layers from the schema model; do not edit by hand.",
             "from __future__ import annotations", "",
             "import datetime", "import decimal", "import uuid", "from typing import Any, Literal", "",
             "from pydantic import BaseModel, ConfigDict, Field", ""]
    for t in _tables(schema, tables):
        lines += ["", f"class {class_name(t.name)}In(BaseModel):",
                  f'    """{(t.comment or t.name).splitlines()[0]}"""',
                  "    model_config = ConfigDict(extra='forbid', strict=False, populate_by_name=True)"]
        for col in t.columns.values():
            if col.identity or col.generated:
                continue
            py, kw = _field_spec(schema, t, col)
            name = py_name(col.name)
            if name != col.name:  # the API speaks the column's name: "E-mail"
                kw = {"alias": col.name, **kw}
            args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
            if _required(col):
                lines.append(f"    {name}: {py}" + (f" = Field(..., {args})" if args else ""))
            else:
                lines.append(f"    {name}: {py} | None = Field(None{', ' + args if args else ''})")
    return "\n".join(lines) + "\n"


SA_TYPES = {"uuid": "UUID_T", "int": "Integer", "numeric": "Numeric", "bool": "Boolean",
            "timestamp": "TIMESTAMP_T", "date": "DATE_T", "json": "JSON_T", "other": "Text"}
# Python equivalents of server defaults that differ per engine: the ORM fills them itself, so
# an insert never depends on the engine having that function.
CLIENT_DEFAULTS = {"gen_random_uuid()": "uuid.uuid4", "uuid_generate_v4()": "uuid.uuid4",
                   "now()": "_utcnow", "current_timestamp": "_utcnow",
                   "transaction_timestamp()": "_utcnow", "clock_timestamp()": "_utcnow"}

_PRELUDE = """# Generated by dbdesign.generate.layers from the schema model; do not edit by hand.
from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, Optional

from sqlalchemy import (JSON, REAL, BigInteger, Boolean, CheckConstraint, Date, DateTime, Double,
                        ForeignKey, ForeignKeyConstraint, Identity, Index, Integer, LargeBinary, Numeric,
                        PrimaryKeyConstraint, SmallInteger, String, Text, UniqueConstraint, Uuid,
                        column, text)
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.sql.expression import ColumnElement



class TextDate(sqlite.DATE):
    \"\"\"SQLite: dates as ISO text in a column declared TEXT (TEXT affinity, as dbdesign renders it).\"\"\"


class TextDateTime(sqlite.DATETIME):
    \"\"\"SQLite: timestamps as ISO text in a column declared TEXT.\"\"\"


class TextJSON(sqlite.JSON):
    \"\"\"SQLite: JSON text in a column declared TEXT (the JSON_VALID CHECK comes with the table).\"\"\"


@compiles(TextDate, "sqlite")
@compiles(TextDateTime, "sqlite")
@compiles(TextJSON, "sqlite")
def _declared_text(type_, compiler, **kw):
    return "TEXT"


class TextUUID(TypeDecorator):
    \"\"\"SQLite: UUIDs as 36-character text, the form the design's own DEFAULT and seeds write,
    so rows written by SQL and by the ORM match each other.\"\"\"
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(uuid.UUID(str(value)))

    def process_result_value(self, value, dialect):
        return None if value is None else uuid.UUID(value)


JSON_T = JSON().with_variant(postgresql.JSONB(), "postgresql").with_variant(TextJSON(), "sqlite")
UUID_T = Uuid().with_variant(postgresql.UUID(as_uuid=True), "postgresql").with_variant(TextUUID(), "sqlite")
TIMESTAMP_T = (DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
               .with_variant(TextDateTime(), "sqlite"))
LOCAL_TIMESTAMP_T = (DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
                     .with_variant(TextDateTime(), "sqlite"))
DATE_T = Date().with_variant(TextDate(), "sqlite")
REAL_T = REAL().with_variant(mysql.FLOAT(), "mysql", "mariadb")  # MariaDB reads REAL as DOUBLE
IDENTITY_T = BigInteger().with_variant(Integer(), "sqlite")  # SQLite numbers INTEGER keys only


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class PerEngine(ColumnElement):
    \"\"\"SQL text (a server DEFAULT, a CHECK) written per engine, as dbdesign renders it there.\"\"\"
    inherit_cache = False

    def __init__(self, default: str, **per_dialect: str):
        self.default, self.per_dialect = default, per_dialect


@compiles(PerEngine)
def _per_engine(element, compiler, **kw):
    return element.per_dialect.get(compiler.dialect.name, element.default)


class Base(DeclarativeBase):
    pass
"""


def _per_engine_texts(schema: Schema) -> dict[tuple[str, str, str], dict[str, str]]:
    """("default", table, column) -> {SQLAlchemy dialect: DEFAULT text} and ("check", table,
    name) -> {dialect: CHECK expression} as `dialects.render` writes them on each engine, for
    those that differ between engines (`length()` is CHAR_LENGTH on MariaDB, `now()` is
    CURRENT_TIMESTAMP(6), gen_random_uuid() is UUID() or built from randomblob())."""
    from dbdesign import dialects
    out: dict[tuple[str, str, str], dict[str, str]] = {}
    for name in dialects.NAMES:
        model = dialects.render(schema, name).model
        sa_names = dialects.DIALECTS[name].sqlalchemy_dialects
        for t in schema.tables.values():
            rt = model.tables.get(t.name) or model.tables.get(t.name.split(".")[-1])
            if rt is None:
                continue
            for col in t.columns.values():
                rc = rt.columns.get(col.name)
                if col.default is not None and rc is not None:  # NULL: the engine has none
                    for sa in sa_names:
                        out.setdefault(("default", t.name, col.name), {})[sa] = rc.default or "NULL"
            rchecks = {ck.name: ck.expression for ck in rt.checks if ck.name}
            own = {ck.name for ck in t.checks}
            for ck in t.checks:  # None: the engine cannot hold it (dropped with a note)
                for sa in sa_names:
                    out.setdefault(("check", t.name, ck.name), {})[sa] = rchecks.get(ck.name)
            for cname, expr in rchecks.items():  # the engine's emulations (length, JSON_VALID)
                if cname not in own:
                    for sa in sa_names:
                        out.setdefault(("extra check", t.name, cname), {})[sa] = expr
    return {k: v for k, v in out.items() if len(set(v.values())) > 1 or None in v.values() or k[0] == "extra check"}


def _per_engine(design: str, texts: dict[str, str] | None) -> str:
    """Source of a SQL text that differs per engine (`PerEngine`), else of `text(design)`."""
    if not texts:
        return f"text({design!r})"
    return f"PerEngine({design!r}, " + ", ".join(f"{d}={v!r}" for d, v in texts.items()) + ")"


def _index_dialects(schema: Schema, need: str) -> tuple[str, ...]:
    """SQLAlchemy dialect names of the engines with capability `need` (partial_index, ...)."""
    from dbdesign import dialects
    return tuple(sa for d in dialects.DIALECTS.values() if getattr(d.caps, need)
                 for sa in d.sqlalchemy_dialects)


def _index_source(schema: Schema, ix) -> str:
    """`Index(...)` with DESC key parts, expression parts as text(), the partial predicate, and
    `ddl_if` limiting a partial / expression index to the engines that can hold it (elsewhere
    the dialect renderer drops it with a portability note, and so does the ORM)."""
    parts = []
    for c in ix.columns:
        if c.column:
            parts.append(f"column({c.column!r}).desc()" if c.desc else repr(c.column))
        else:
            parts.append(f"text({(c.expression + (' DESC' if c.desc else ''))!r})")
    extra = ""
    if ix.where:
        extra = f", postgresql_where=text({ix.where!r}), sqlite_where=text({ix.where!r})"
    src = f"Index({ix.name!r}, {', '.join(parts)}, unique={ix.unique}{extra})"
    needs = (["partial_index"] if ix.where else []) + \
        (["expression_index"] if any(c.expression for c in ix.columns) else [])
    if needs:
        able = [d for d in _index_dialects(schema, needs[0]) if all(d in _index_dialects(schema, n) for n in needs)]
        src += f".ddl_if(dialect={tuple(able)!r})"
    return src


def _relationships(schema: Schema, tables: list[Table]) -> dict[str, list[str]]:
    """table -> relationship() lines: for every FK whose target is generated, a many-to-one on
    the child and its collection (or scalar, when the FK columns are unique) on the parent,
    joined by back_populates. Both sides name the FK columns (`foreign_keys=`), so two FKs to
    the same table and self-references need nothing more; names never clash with a column."""
    from dbdesign.schema.naming import singular_table
    made = {t.name for t in tables}
    taken = {t.name: {py_name(c) for c in t.columns} | {"metadata", "registry", "query"} for t in tables}
    out: dict[str, list[str]] = {t.name: [] for t in tables}

    def free(table: str, want: str) -> str:
        name, n = want, 2
        while name in taken[table] or keyword.iskeyword(name):
            name, n = f"{want}_{n}", n + 1
        taken[table].add(name)
        return name

    for t in tables:
        to_target: dict[str, int] = {}
        for fk in t.foreign_keys:
            to_target[fk.ref_table] = to_target.get(fk.ref_table, 0) + 1
        for fk in t.foreign_keys:
            if fk.ref_table not in made:
                continue
            parent = schema.tables[fk.ref_table]
            child_cls, parent_cls = class_name(t.name), class_name(parent.name)
            stem = py_name("_".join(re.sub(r"_id$", "", c) for c in fk.columns))
            one = py_name(singular_table(parent.name.split(".")[-1]))
            child_attr = free(t.name, stem if stem not in taken[t.name] else f"{stem}_{one}")
            unique = _is_unique(t, fk.columns)
            many = py_name(t.name.split(".")[-1])
            if unique:
                many = py_name(singular_table(many))
            # users.posts for posts.user_id; users.posts_created_by for the other FKs to users
            main = stem == one and fk.ref_table != t.name
            ambiguous = (to_target[fk.ref_table] > 1 or fk.ref_table == t.name) and not main
            parent_attr = free(parent.name, f"{many}_{stem}" if ambiguous else many)
            fks = "[" + ", ".join(f"{child_cls}.{py_name(c)}" for c in fk.columns) + "]"
            cols_nullable = any(t.columns[c].nullable for c in fk.columns if c in t.columns)
            remote = ""
            if fk.ref_table == t.name:
                remote = ", remote_side=" + repr("[" + ", ".join(f"{child_cls}.{py_name(c)}" for c in fk.ref_columns) + "]")
            ann = f"Optional[{parent_cls}]" if cols_nullable else parent_cls
            out[t.name].append(f"    {child_attr}: Mapped[{ann}] = relationship(back_populates={parent_attr!r}, "
                               f"foreign_keys={fks!r}{remote})")
            passive = ", passive_deletes=True" if (fk.on_delete or "").upper() in ("CASCADE", "SET NULL") else ""
            if unique:
                line = (f"    {parent_attr}: Mapped[Optional[{child_cls}]] = relationship(back_populates={child_attr!r}, "
                        f"foreign_keys={fks!r}, uselist=False{passive})")
            else:
                line = (f"    {parent_attr}: Mapped[list[{child_cls}]] = relationship(back_populates={child_attr!r}, "
                        f"foreign_keys={fks!r}{passive})")
            out[parent.name].append(line)
    return out


def _is_unique(t: Table, cols: list[str]) -> bool:
    """The columns are a key of `t` (PK, UNIQUE, or full unique index on plain columns)."""
    keys = [t.primary_key.columns] if t.primary_key else []
    keys += [u.columns for u in t.uniques]
    keys += [ix.column_names for ix in t.indexes if ix.unique and not ix.where]
    return any(set(k) == set(cols) for k in keys)


def sqlalchemy_source(schema: Schema, tables: list[str] | None = None,
                      settings: PoolSettings | None = None,
                      url: str = "postgresql://app@db:5432/app") -> str:
    """Python source of SQLAlchemy 2.0 declarative models (Mapped[...] / mapped_column) that
    `create_all` builds as `dialects.render` does on each engine: JSONB and UUID on PostgreSQL,
    Identity() keys, DESC / partial / expression indexes where the engine holds them, server
    defaults as each engine spells them plus client-side defaults for engine-specific ones
    (UUIDs, now()); relationship() pairs for every FK; `@validates` from CHECKs and lengths;
    and the engine + pool settings block."""
    chosen = _tables(schema, tables)
    per_engine = _per_engine_texts(schema)
    rels = _relationships(schema, chosen)
    lines = _PRELUDE.splitlines() + [""]
    for t in chosen:
        fk_of = {fk.columns[0]: fk for fk in t.foreign_keys if len(fk.columns) == 1}
        pk = set(t.primary_key.columns) if t.primary_key else set()
        lines += ["", f"class {class_name(t.name)}(Base):", f"    __tablename__ = {t.name.split('.')[-1]!r}"]
        args = [f"PrimaryKeyConstraint({', '.join(repr(c) for c in t.primary_key.columns)}, name={t.primary_key.name!r})"
                ] if t.primary_key and t.primary_key.name else []
        for ck in t.checks:
            texts = per_engine.get(("check", t.name, ck.name))
            held = {d: v for d, v in (texts or {}).items() if v is not None}
            src = f"CheckConstraint({_per_engine(ck.expression, held)}, name={ck.name!r})"
            args.append(src + (f".ddl_if(dialect={tuple(held)!r})" if texts and len(held) < len(texts) else ""))
        args += [f"CheckConstraint({_per_engine(next(iter(texts.values())), texts)}, name={k[2]!r})"
                 f".ddl_if(dialect={tuple(texts)!r})"
                 for k, texts in per_engine.items() if k[0] == "extra check" and k[1] == t.name]
        args += [f"UniqueConstraint({', '.join(repr(c) for c in u.columns)}, name={u.name!r})" for u in t.uniques]
        for fk in t.foreign_keys:
            if len(fk.columns) > 1:
                ondelete = f", ondelete={fk.on_delete!r}" if fk.on_delete else ""
                named = f", name={fk.name!r}" if fk.name else ""
                args.append(f"ForeignKeyConstraint({fk.columns!r}, "
                            f"{[f'{fk.ref_table}.{c}' for c in fk.ref_columns]!r}{ondelete}{named})")
        args += [_index_source(schema, ix) for ix in t.indexes]
        options = ({"schema": t.schema} if t.schema else {}) | ({"comment": t.comment} if t.comment else {})
        if options:
            args.append(repr(options))
        if args:
            lines.append("    __table_args__ = (\n        " + ",\n        ".join(args) + ",\n    )")
        for col in t.columns.values():
            lines.append(_column_source(t, col, pk, fk_of, per_engine))
        if not pk:  # the mapper needs an identity: without a key in the design, the whole row
            lines.append("    __mapper_args__ = {'primary_key': ["
                         + ", ".join(py_name(c) for c in t.columns) + "]}")
        lines += rels.get(t.name, [])
        lines += _validators(schema, t)
    pool_settings = settings or recommend()
    lines += ["", "", "# -- connection settings (dbdesign.generate.pool: " + "; ".join(pool_settings.rationale) + ")"]
    lines += ["def make_engine(url: str = " + repr(url) + "):",
              '    """The application\'s engine with pool size and timeouts set."""']
    block = render_pool(pool_settings, "sqlalchemy", url).replace(repr(url.replace('postgresql://', 'postgresql+psycopg://', 1)), "url.replace('postgresql://', 'postgresql+psycopg://', 1)")
    lines += ["    " + line if line else "" for line in block.splitlines()]
    lines.append("    return engine")
    return "\n".join(lines) + "\n"


def _column_source(t: Table, col: Column, pk: set[str], fk_of: dict, per_engine: dict) -> str:
    """One `name: Mapped[...] = mapped_column(...)` line."""
    fam = type_family(col.type)
    n = max_length(col.type)
    if col.identity:
        sa = "IDENTITY_T" if col.type.upper().startswith("BIGINT") else "Integer"
    else:
        sa = f"String({n})" if n else ("BigInteger" if col.type.upper().startswith("BIGINT")
                                       else SA_TYPES.get(fam, "Text"))
    py = PY_TYPES[fam]
    upper = col.type.upper()
    if upper.startswith("BYTEA"):
        sa, py = "LargeBinary", "bytes"
    elif upper.startswith(("REAL", "FLOAT4")):
        sa, py = "REAL_T", "float"
    elif upper.startswith(("DOUBLE", "FLOAT")):
        sa, py = "Double", "float"
    elif upper.startswith(("SMALLINT", "INT2")) and not col.identity:
        sa = "SmallInteger"
    elif fam == "timestamp" and not ("TZ" in upper or "WITH TIME ZONE" in upper):
        sa = "LOCAL_TIMESTAMP_T"
    elif fam == "numeric":
        m = re.match(r"(?:NUMERIC|DECIMAL)\s*\((\d+)\s*(?:,\s*(\d+))?\)", upper)
        sa = f"Numeric({m.group(1)}, {m.group(2) or 0})" if m else "Numeric"
    opt = col.nullable and col.name not in pk
    name = py_name(col.name)
    kw = [sa] if name == col.name else [repr(col.name), sa]
    if col.name in fk_of:
        fk = fk_of[col.name]
        ondelete = f", ondelete={fk.on_delete!r}" if fk.on_delete else ""
        named = f", name={fk.name!r}" if fk.name else ""
        kw.insert(kw.index(sa) + 1, f"ForeignKey('{fk.ref_table}.{fk.ref_columns[0]}'{ondelete}{named})")
    if col.identity:
        kw.insert(kw.index(sa) + 1, f"Identity(always={col.identity == 'always'})")
    if col.name in pk:
        kw.append("primary_key=True")
        if not col.identity and col.default is None and fam == "int":  # numbered by nobody
            kw.append("autoincrement=False")
    kw.append(f"nullable={opt}")
    if col.default is not None:
        client = CLIENT_DEFAULTS.get(col.default.strip().lower())
        if client:
            kw.append(f"default={client}")
        kw.append(f"server_default={_per_engine(col.default, per_engine.get(('default', t.name, col.name)))}")
    if col.comment:
        kw.append(f"comment={col.comment!r}")
    py_t = f"Optional[{py}]" if opt else py
    return f"    {name}: Mapped[{py_t}] = mapped_column({', '.join(kw)})"


def _validators(schema: Schema, t: Table) -> list[str]:
    """@validates methods: the ORM layer's own checks (lengths, CHECK IN, simple bounds). The
    message shows the offending value, except for secret columns (`naming.is_secret_column`)."""
    from dbdesign.schema.naming import is_secret_column
    out = []
    for col in t.columns.values():
        conds = []
        allowed = check_in_values(t, col.name) or (schema.enums[col.type].values if col.type in schema.enums else None)
        if allowed:
            conds.append((f"value not in {tuple(allowed)!r}", f"must be one of {', '.join(allowed)}"))
        n = max_length(col.type)
        if n:
            conds.append((f"len(value) > {n}", f"longer than {n} characters"))
        b = _bounds(t, col.name)
        for k, op, msg in (("ge", "<", "below"), ("gt", "<=", "not above"), ("le", ">", "above"), ("lt", ">=", "not below")):
            if k in b:
                conds.append((f"value {op} {b[k]}", f"{msg} {b[k]}"))
        if "min_length" in b:
            conds.append((f"len(value) < {b['min_length']}", f"shorter than {b['min_length']}"))
        if "max_length" in b and not n:
            conds.append((f"len(value) > {b['max_length']}", f"longer than {b['max_length']}"))
        if not conds:
            continue
        shown = "(value hidden: secret column)" if is_secret_column(col.name) else "{value!r}"
        out += ["", f"    @validates({py_name(col.name)!r})", f"    def _check_{py_name(col.name)}(self, key, value):",
                "        if value is None:", "            return value"]
        for cond, msg in conds:
            label = f"{t.qualname}.{col.name}".replace("'", "").replace("{", "").replace("}", "")
            out += [f"        if {cond}:", f"            raise ValueError(f'{label}: {shown} {msg}')"]
        out.append("        return value")
    return out


def orm_differences(schema: Schema, orm: types.ModuleType | None = None) -> list[str]:
    """What the generated SQLAlchemy models would create that differs from the model: each
    table and column, nullability and primary key, compared after `create_all` on an in-memory
    SQLite database. An empty list means the ORM layer describes the same tables. Indexes and
    CHECKs are not compared, so they are not created (SQLite cannot build some: a function or
    collation the schema defines elsewhere)."""
    from sqlalchemy import CheckConstraint, MetaData, create_engine, inspect
    orm = orm or load_module(sqlalchemy_source(schema), "dbdesign_orm_check")
    # SQLite has no schemas: app.orders is checked as orders (as dialects.render creates it)
    schemas = {t.schema for t in schema.tables.values() if t.schema}
    eng = create_engine("sqlite://", execution_options={"schema_translate_map": dict.fromkeys(schemas)})
    tables_only = MetaData()
    for table in orm.Base.metadata.sorted_tables:
        copy = table.to_metadata(tables_only)
        copy.indexes.clear()
        copy.constraints = {c for c in copy.constraints if not isinstance(c, CheckConstraint)}
        for col in copy.columns:
            col.constraints = {c for c in col.constraints if not isinstance(c, CheckConstraint)}
    tables_only.create_all(eng)
    insp = inspect(eng)
    out = []
    made = set(insp.get_table_names())
    for t in schema.tables.values():
        if t.name not in made:
            out.append(f"{t.name}: no ORM table")
            continue
        cols = {c["name"]: c for c in insp.get_columns(t.name)}
        pk = set(insp.get_pk_constraint(t.name)["constrained_columns"])
        for col in t.columns.values():
            c = cols.pop(col.name, None)
            if c is None:
                out.append(f"{t.name}.{col.name}: missing in the ORM model")
                continue
            in_pk = bool(t.primary_key and col.name in t.primary_key.columns)
            if not in_pk and c["nullable"] != col.nullable:
                out.append(f"{t.name}.{col.name}: nullable {c['nullable']} in the ORM, {col.nullable} in the model")
        out += [f"{t.name}.{name}: only in the ORM model" for name in cols]
        if t.primary_key and pk != set(t.primary_key.columns):
            out.append(f"{t.name}: primary key {sorted(pk)} in the ORM, {t.primary_key.columns} in the model")
        fks = {tuple(f["constrained_columns"]) for f in insp.get_foreign_keys(t.name)}
        # SQLAlchemy's SQLite DDL leaves out a FK to another schema: not comparable here
        out += [f"{t.name}.{','.join(fk.columns)}: foreign key missing in the ORM"
                for fk in t.foreign_keys if tuple(fk.columns) not in fks
                and (schema.tables[fk.ref_table].schema if fk.ref_table in schema.tables else t.schema) == t.schema]
    out += [f"{name}: only in the ORM" for name in sorted(made - {t.name for t in schema.tables.values()})]
    return out


@dataclass
class OrmOnEngine:
    """What the generated models did on one live engine: `diff` is the introspected database
    against the design as `dialects.render` builds it there (`notes`: its portability notes);
    `read_back` the tables whose ORM-inserted row came back with the values written."""
    engine: str
    diff: Any
    notes: list[Any]
    read_back: list[str]
    problems: list[str]


    @property
    def unexplained(self) -> list[Any]:
        """Differences no portability note of this engine names (its table and column): what
        the ORM builds that the design's own DDL would not."""
        return [c for c in self.diff.changes if (c.table, c.name) not in _noted(self.notes)]


def _noted(notes: list[Any]) -> set[tuple[str, str]]:
    """(table, column or object name) pairs a note is about: `users.id`, `users(a, b)`."""
    out = set()
    for n in notes:
        m = re.match(r"^([^(]+?)(?:\((.*)\))?$", n.object)
        if not m:
            continue
        head, inner = m.group(1), m.group(2)
        if inner is not None:
            out |= {(head, c.strip()) for c in inner.split(",")}
        elif "." in head:
            table, _, name = head.rpartition(".")
            out.add((table, name))
    return out


def orm_on_engine(schema: Schema, eng, orm: types.ModuleType | None = None) -> OrmOnEngine:
    """`create_all` of the generated models on `eng` (an empty live database), read it back with
    dbdesign's introspection and diff it against the design rendered for that engine; then one
    row per table through the ORM (parents first, FKs set through the relationships' columns),
    each read back in a new session. Defaults and triggers the design ships as migrations are
    not the ORM's: views, functions and triggers are out of the comparison by construction
    (the diff covers tables, columns, keys, CHECKs and indexes)."""
    import uuid as _uuid
    from sqlalchemy import create_engine
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy.orm import Session
    from dbdesign import dialects
    from dbdesign.schema.diff import diff
    from dbdesign.engines.introspection import as_catalogue
    from dbdesign.errors import EngineUnavailable
    from dbdesign.lab.probe import table_order
    if not type(eng).sqlalchemy_scheme:
        raise EngineUnavailable(f"{eng.name}: no SQLAlchemy dialect is pinned for this engine")
    orm = orm or load_module(sqlalchemy_source(schema), f"dbdesign_orm_{eng.name}")
    url = type(eng).sqlalchemy_scheme + eng.url[eng.url.index(":"):]
    sa = create_engine(url)
    problems: list[str] = []
    read_back: list[str] = []
    try:
        orm.Base.metadata.create_all(sa)
        rendered = dialects.render(schema, eng.name)
        result = diff(as_catalogue(rendered.model, eng.expression_dialect or eng.dialect),
                      eng.introspect(), engine=eng.name)
        values = ValueFactory(schema)
        parents: dict[str, dict[str, Any]] = {}
        for t in table_order(schema):
            cls = getattr(orm, class_name(t.name))
            row = values.row(t, parents)
            table = orm.Base.metadata.tables[t.name.split(".")[-1] if not t.schema else t.name]
            data = {py_name(k): _as_python(table.c[k].type, v) for k, v in row.items()}
            with Session(sa) as session:
                obj = cls(**data)
                session.add(obj)
                session.commit()
                key = {c.name: getattr(obj, py_name(c.name)) for c in t.columns.values()}
                identity = sa_inspect(obj).identity
            parents[t.name] = {c: (str(v) if isinstance(v, _uuid.UUID) else v) for c, v in key.items()}
            with Session(sa) as session:
                again = session.get(cls, identity)
                if again is None:
                    problems.append(f"{t.name}: inserted row not found")
                    continue
                wrong = [k for k, v in data.items() if getattr(again, k) != v]
                if wrong:
                    problems.append(f"{t.name}: {', '.join(wrong)} read back different")
                else:
                    read_back.append(t.name)
    finally:
        sa.dispose()
    return OrmOnEngine(eng.name, result, rendered.notes, read_back, problems)


def _as_python(sa_type, value: Any) -> Any:
    """A probe value (text for dates, UUIDs, decimals, bytes) as the ORM column's Python type."""
    import datetime
    import decimal
    import uuid as _uuid
    try:
        want = sa_type.python_type
    except NotImplementedError:
        return value
    if value is None or isinstance(value, want) or not isinstance(value, str):
        return value
    if want is datetime.datetime:
        return datetime.datetime.fromisoformat(value)
    if want is datetime.date:
        return datetime.date.fromisoformat(value[:10])
    if want in (_uuid.UUID, decimal.Decimal):
        return want(value)
    if want is bytes:
        return value.encode()
    return value


def load_module(source: str, name: str) -> types.ModuleType:
    """Exec generated source as a module (tests and notebooks import what we generate)."""
    import sys
    mod = types.ModuleType(name)
    sys.modules[name] = mod  # pydantic resolves postponed annotations through the module
    exec(compile(source, f"<{name}>", "exec"), mod.__dict__)
    return mod


def json_schema(schema: Schema, table: str) -> dict[str, Any]:
    mod = load_module(pydantic_source(schema, [table]), "dbdesign_api_" + table)
    return getattr(mod, class_name(table) + "In").model_json_schema()


def _tables(schema: Schema, tables: list[str] | None) -> list[Table]:
    from dbdesign.errors import InputError
    if not tables:
        return list(schema.tables.values())
    out = []
    for name in tables:
        t = schema.table(name)
        if t is None:
            raise InputError(f"unknown table {name!r}; known tables: {', '.join(sorted(schema.tables))}")
        out.append(t)
    return out


# -- the same bad inputs against every layer -----------------------------------------------------

def bad_inputs(schema: Schema) -> list[dict[str, Any]]:
    """One bad input per kind and constraint, each with the probe label that tests it in the
    database: (table, column, value, kind, constraint)."""
    from dbdesign.lab.probe import build_cases
    out = []
    for case, _ in build_cases(schema):
        if case.kind in ("not-null", "length", "check", "type", "enum") and case.column:
            col = schema.tables[case.table].columns[case.column]
            if case.kind == "not-null" and not _required(col):
                continue  # has a default: the API/ORM may omit it, a NULL is an explicit write
            out.append({"table": case.table, "column": case.column, "value": case.value,
                        "kind": case.kind, "constraint": case.constraint})
        elif case.kind in ("fk-orphan", "unique", "unique-case"):
            out.append({"table": case.table, "column": case.column, "value": None,
                        "kind": case.kind, "constraint": case.constraint})
    return out


def compare_layers(schema: Schema, probe_result: ProbeResult | None = None):
    """DataFrame: bad input x layer (api, orm, each probed engine) -> caught / passes, and the
    layers that guard it. FKs and uniqueness need other rows: only the database can see them."""
    import pandas as pd
    api = load_module(pydantic_source(schema), "dbdesign_api_all")
    orm = load_module(sqlalchemy_source(schema), "dbdesign_orm_all")
    values = ValueFactory(schema)
    db = {}
    if probe_result is not None:
        for o in probe_result.outcomes:
            db.setdefault(o.constraint, {})[o.engine] = o.outcome
    engines_seen = list(dict.fromkeys(o.engine for o in (probe_result.outcomes if probe_result else [])))
    rows = []
    for bad in bad_inputs(schema):
        t = schema.tables[bad["table"]]
        row = _valid_row(values, t)
        caught_api = caught_orm = "n/a"
        if bad["kind"] in ("not-null", "length", "check", "type", "enum"):
            data = dict(row, **{bad["column"]: bad["value"]})
            caught_api = _raises(lambda: getattr(api, class_name(t.name) + "In").model_validate(data))
            cls = getattr(orm, class_name(t.name))
            caught_orm = _raises(lambda: cls(**{py_name(k): v for k, v in data.items()}))
        else:
            caught_api = caught_orm = "passes"  # needs the other rows: a query, i.e. the database
        cells = {"bad input": bad["constraint"], "api": caught_api, "orm": caught_orm}
        for eng in engines_seen:
            outcome = db.get(bad["constraint"], {}).get(eng, "")
            cells[eng] = _db_cell(outcome)
        cells["guarded by"], cells["only guard"] = _guards(cells, engines_seen)
        rows.append(cells)
    return pd.DataFrame(rows).set_index("bad input")


def _db_cell(outcome: str) -> str:
    """caught | passes | not probed | '' (no probe ran on that engine)."""
    if outcome == "rejected":
        return "caught"
    if outcome == "not probed":
        return "not probed"
    return "passes" if outcome else ""


def _guards(cells: dict[str, str], engines_seen: list[str]) -> tuple[str, str]:
    """("guarded by", "only guard") for one bad input. The database counts as a guard when an
    engine caught it, qualified with the engines where it did not; the only guard is the one
    layer that stops the input - on every engine, or on the engines the database misses."""
    app = [k for k in ("api", "orm") if cells[k] == "caught"]
    ran = [e for e in engines_seen if cells[e] in ("caught", "passes")]
    if not ran:  # no database evidence (no probe result, or the probe could not run)
        return " + ".join(app) or "not probed", ""
    dbs = [e for e in ran if cells[e] == "caught"]
    missed = [e for e in ran if cells[e] == "passes"]
    guards = app + (["database" + (f" (not on {', '.join(missed)})" if missed else "")] if dbs else [])
    if not guards:
        return "nothing", "none"
    if not app:
        return guards[0], guards[0]
    if missed:  # where the database lets it through, the application is all there is
        return " + ".join(guards), f"{'+'.join(app)} on {', '.join(missed)}"
    return " + ".join(guards), ""


def _valid_row(values: ValueFactory, t: Table) -> dict[str, Any]:
    fake_parents = {fk.ref_table: {c: values.uuid() for c in fk.ref_columns} for fk in t.foreign_keys}
    return values.row(t, fake_parents)


def _raises(fn) -> str:
    try:
        fn()
    except Exception:  # pydantic ValidationError, our ValueError, a type error: all "caught"
        return "caught"
    return "passes"


__all__ = ["class_name", "py_name", "pydantic_source", "sqlalchemy_source", "load_module", "json_schema",
           "bad_inputs", "compare_layers", "orm_differences", "orm_on_engine", "OrmOnEngine"]
