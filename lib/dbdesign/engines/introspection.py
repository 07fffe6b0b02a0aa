"""Shared helpers for `Engine.introspect()`: turn what an engine's catalogue reports back into
the model's PostgreSQL-dialect text.

Why a shared module: every engine reports the same facts in its own spelling (`int(11)`,
`INTEGER`, `character varying(255)`; `(role)::text = ANY (ARRAY[...])`; `'member'::character
varying`). Normalising here, once, through sqlglot's AST keeps the four `introspect()` methods
about *where* to read, and keeps the model readable and comparable (`diff`).

Decisions (documented for `diff` and the notebooks):
- Tables whose names start with `dbdesign_` are our own bookkeeping (migration history) and are
  skipped.
- Types are sqlglot's PostgreSQL spelling of the engine's type (`int(11)` -> `INT`,
  `tinyint(1)` -> `BOOLEAN` as MySQL/MariaDB connectors read it, DuckDB `VARCHAR` -> `TEXT`).
- Casts that an engine adds by itself (PostgreSQL's `'x'::character varying`, `(col)::text`,
  `(0)::numeric`) are removed, and `col = ANY (ARRAY[...])` is read back as `col IN (...)`.
- FK actions are the engine's words, upper case (`NO ACTION`, `RESTRICT`, ...); the engine
  default is *not* turned back into None - `diff` treats None == NO ACTION (and on MariaDB,
  where InnoDB documents them as identical, RESTRICT == NO ACTION).
- Index method `btree` (every engine's default) is stored as None, as a design that does not
  say `USING` is parsed.
"""
from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from dbdesign.model import Diagnostic, Index, Schema, SourceRef

INTERNAL_PREFIX = "dbdesign_"
PG = "postgres"
_INT_TYPES = {exp.DataType.Type.TINYINT, exp.DataType.Type.SMALLINT, exp.DataType.Type.MEDIUMINT,
              exp.DataType.Type.INT, exp.DataType.Type.BIGINT, exp.DataType.Type.UTINYINT,
              exp.DataType.Type.USMALLINT, exp.DataType.Type.UMEDIUMINT, exp.DataType.Type.UINT,
              exp.DataType.Type.UBIGINT}
# Casts PostgreSQL inserts around columns when it stores an expression (varchar compared as text,
# integers compared with numeric literals): removing them restores what the designer wrote.
# MariaDB prints a CAST(x AS CHAR) back as `cast(x as char charset utf8mb3)` (CHARACTER_SET).
_IMPLICIT_COLUMN_CASTS = {exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR,
                          exp.DataType.Type.DECIMAL, exp.DataType.Type.BPCHAR,
                          exp.DataType.Type.CHARACTER_SET}


def is_internal(table_name: str) -> bool:
    """Our own bookkeeping tables (migration history) are not part of the design."""
    return table_name.startswith(INTERNAL_PREFIX)


def norm_type(text: str, dialect: str) -> str:
    """Engine type text -> the model's PostgreSQL spelling (`int(11)` -> `INT`)."""
    raw = text.strip()
    if dialect == "mysql" and re.fullmatch(r"tinyint\(1\)", raw, re.I):
        return "BOOLEAN"  # MariaDB's BOOLEAN is tinyint(1); connectors read it back as bool
    try:
        dt = exp.DataType.build(raw, dialect=dialect, udt=True)
    except (ParseError, TokenError, ValueError):
        return raw.upper()
    if dt.this in _INT_TYPES:
        dt.set("expressions", [])  # display widths (int(11)) are not part of the type
    if dt.this == exp.DataType.Type.USERDEFINED:
        return raw  # an enum or domain name keeps its spelling
    return dt.sql(dialect=PG)


def strip_implicit(tree: exp.Expression) -> exp.Expression:
    """Remove engine-added casts and read `= ANY (ARRAY[...])` back as IN."""
    def fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Cast):
            inner = node.this
            while isinstance(inner, exp.Paren):
                inner = inner.this
            to = node.args.get("to")
            ttype = to.this if isinstance(to, exp.DataType) else None
            if isinstance(inner, (exp.Literal, exp.Array, exp.Null, exp.Boolean)):
                return inner.copy()
            if isinstance(inner, exp.Column) and ttype in _IMPLICIT_COLUMN_CASTS:
                return inner.copy()
        if isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any):
            arr = node.expression.this
            while isinstance(arr, (exp.Paren, exp.Cast)):
                arr = arr.this
            if isinstance(arr, exp.Array):
                return exp.In(this=node.this.copy(), expressions=[e.copy() for e in arr.expressions])
        return node

    # Two passes: the IN rewrite needs the casts inside the ARRAY gone first.
    tree = tree.transform(fix)
    tree = tree.transform(fix)
    for ident in tree.find_all(exp.Identifier):
        name = ident.this
        if ident.quoted and re.fullmatch(r"[a-z_][a-z0-9_]*", name or ""):
            ident.set("quoted", False)  # MariaDB/DuckDB quote every name; the design does not
    while isinstance(tree, exp.Paren):
        tree = tree.this
    return tree


def clean_expr(text: str, dialect: str) -> str:
    """Engine expression text (CHECK, index expression, partial WHERE) -> PostgreSQL text."""
    try:
        tree = sqlglot.parse_one(text, read=dialect)
    except (ParseError, TokenError):
        return text.strip()
    return strip_implicit(tree).sql(dialect=PG)


def clean_default(text: str | None, dialect: str) -> str | None:
    """Column default text -> PostgreSQL text; MariaDB reports 'NULL' for "no default"."""
    if text is None:
        return None
    stripped = text.strip()
    if stripped.upper() == "NULL":
        return None
    return clean_expr(stripped, dialect)


def fk_action(text: str | None) -> str | None:
    """FK rule as reported (`CASCADE`, `SET NULL`, `NO ACTION`, ...), upper case; '' -> None."""
    if not text:
        return None
    return " ".join(text.upper().replace("_", " ").split())


def add_index_sql(schema: Schema, sql: str, dialect_of_sql: str = PG) -> Index | None:
    """Read one engine-written `CREATE INDEX` statement into `schema` with our own parser
    (one parser for designs and catalogues), then clean its expressions. Returns the Index, or
    None (and a Diagnostic on the schema) when the statement cannot be read."""
    from dbdesign.errors import InputError
    from dbdesign.schema.parse import parse_sql
    text = sql.strip().rstrip(";")
    if dialect_of_sql != PG:
        try:
            text = sqlglot.transpile(text, read=dialect_of_sql, write=PG)[0]
        except (ParseError, TokenError):
            pass
    before = {id(ix) for ix in schema.indexes()}
    n_diag = len(schema.diagnostics)
    try:
        parse_sql(text, schema=schema, fold=False)  # engine-written: names exactly as stored
    except InputError as err:
        schema.diagnostics.append(Diagnostic(f"index not read from the catalogue ({err.message}): "
                                             f"{text[:120]}"))
        return None
    # The parser's own "not understood" warnings carry no file; keep them, they are real.
    for d in schema.diagnostics[n_diag:]:
        d.message = f"catalogue index {text[:80]!r}: {d.message}"
    new = [ix for ix in schema.indexes() if id(ix) not in before]
    if not new:
        return None
    ix = new[0]
    ix.source = SourceRef()
    if ix.method == "btree":
        ix.method = None
    if ix.where is not None:
        ix.where = clean_expr(ix.where, PG)
    for part in ix.columns:
        if part.expression is not None:
            cleaned = clean_expr(part.expression, PG)
            tree = sqlglot.parse_one(cleaned, read=PG)
            if isinstance(tree, exp.Column) and not tree.table:
                part.column, part.expression = tree.name, None
            else:
                part.expression = cleaned
    return ix


def as_catalogue(model: Schema, expression_dialect: str) -> Schema:
    """A rendered model (`dialects.render(...).model`, whose expressions are written in the
    target's dialect) with its CHECK, DEFAULT, generated-column and index expressions read the
    way `introspect()` reads that engine's catalogue (`clean_expr` in `expression_dialect`), so
    a diff against the engine compares one spelling with the same spelling."""
    from dbdesign.dialects.base import clone
    out = Schema(tables={}, enums=model.enums, domains=model.domains, others=model.others,
                 sources=list(model.sources))
    for qn, t in model.tables.items():
        t = out.tables[qn] = clone(t)
        for col in t.columns.values():
            col.default = clean_default(col.default, expression_dialect)
            if col.generated is not None:
                col.generated = clean_expr(col.generated, expression_dialect)
        for ch in t.checks:
            ch.expression = clean_expr(ch.expression, expression_dialect)
        for ix in t.indexes:
            if ix.where is not None:
                ix.where = clean_expr(ix.where, expression_dialect)
            for part in ix.columns:
                if part.expression is not None:
                    part.expression = clean_expr(part.expression, expression_dialect)
    return out
