"""Compare two schema models: what was designed vs. what an engine holds, a migration's state
before `up` vs. after `down`, two versions of an ERD.

`diff(expected, actual, engine=None, ignore=frozenset())` returns a `SchemaDiff` whose
`changes` are exact and deterministic (sorted by table, object kind, name), so the same two
schemas always give the same text, and an empty diff means "equal modulo the stated options".

Equivalences that always hold (they are spelling, not design):
- Types, defaults, CHECK/index/WHERE expressions are compared through sqlglot's AST, so
  whitespace, keyword case, redundant parentheses, casts an engine adds by itself
  (`'x'::character varying`), `x = ANY (ARRAY[...])` vs `x IN (...)`, `BETWEEN` vs
  `>= AND <=`, `NOT x IS NULL` vs `x IS NOT NULL`, `x IS NOT DISTINCT FROM TRUE` vs
  `x IS TRUE`, `E'...'` vs `'...'` strings and `/* comments */` do not count.
- FK action None (unspecified) == `NO ACTION`; index method None == `btree`.
- SERIAL types, INT with a `nextval(...)` default and identity columns all mean "numbered by
  the engine" (`autonumber`); `x <> ALL (ARRAY[...])` == `NOT x IN (...)`; `DEFAULT NULL` == no
  default; a quoted number (`'-1'`) == the number; a numeric default `100.0` == `100`.
- A constraint name is compared only when both sides have one: None means "let the engine
  name it", and engines that cannot keep names (DuckDB, MariaDB's PRIMARY) read back None.

`engine` (the engine `actual` was read from) adds that engine's documented portability losses
(`ENGINE_IGNORES`, `canonical_type`): SQLite compares type affinities, DuckDB ignores VARCHAR
lengths, MariaDB reads BOOLEAN as TINYINT(1), RESTRICT == NO ACTION on MariaDB and DuckDB, identity kinds
(ALWAYS / BY DEFAULT) collapse to "has identity" where only one kind exists, and a UNIQUE
constraint equals a full unique index on the same columns.

`ignore` options: see `IGNORE_OPTIONS`.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from dbdesign.engines import ENGINES
from dbdesign.engines.introspection import strip_implicit
from dbdesign.model import (CheckConstraint, Column, EnumType, ForeignKey, Index, PrimaryKey, Schema, Table,
                    UniqueConstraint)

PG = "postgres"
ACTIONS = ("added", "removed", "changed")
OBJECT_TYPES = ("enum", "table", "column", "primary_key", "foreign_key", "unique", "check", "index")

IGNORE_OPTIONS: dict[str, str] = {
    "defaults": "column DEFAULT expressions",
    "comments": "table, column and index comments",
    "constraint_names": "names of PK / FK / UNIQUE / CHECK constraints",
    "identity": "identity / auto-increment",
    "identity_kind": "ALWAYS vs BY DEFAULT (presence of an identity is still compared)",
    "unique_kind": "UNIQUE constraint vs full unique index on the same columns",
    "fk_auto_index": "extra indexes in `actual` on exactly a foreign key's columns "
                     "(InnoDB creates them by itself)",
    "index_method": "USING btree/hash/gin/...",
    "enums": "enum types (engines without them inline the values or use CHECK)",
    "checks": "CHECK constraints",
    "generated": "generated-column expressions",
}

# What each engine cannot hold, as read back by `Engine.introspect()` (see engines.introspection
# and ENGINE_FACTS.md); any cross-engine comparison also treats unique kinds as equal.
ENGINE_IGNORES: dict[str, frozenset[str]] = {
    "postgres": frozenset({"unique_kind"}),
    "sqlite": frozenset({"unique_kind", "comments", "identity_kind", "enums"}),
    "duckdb": frozenset({"unique_kind", "constraint_names", "identity_kind"}),
    "mysql": frozenset({"unique_kind", "fk_auto_index", "identity_kind", "enums"}),
}


@dataclass(frozen=True)
class Change:
    """One difference. `before` is the expected side, `after` the actual side (text)."""
    action: str  # 'added' | 'removed' | 'changed' (seen from expected -> actual)
    object_type: str  # one of OBJECT_TYPES
    table: str | None
    name: str
    detail: str = ""
    before: Any = None
    after: Any = None

    @property
    def where(self) -> str:
        return f"{self.table}.{self.name}" if self.table and self.name != self.table else self.name

    def __str__(self) -> str:
        sign = {"added": "+", "removed": "-", "changed": "~"}[self.action]
        text = f"{sign} {self.object_type} {self.where}"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass
class SchemaDiff:
    changes: list[Change] = field(default_factory=list)
    engine: str | None = None
    ignore: frozenset[str] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def __bool__(self) -> bool:  # truthy when there are differences
        return bool(self.changes)

    def format_text(self) -> str:
        """One line per change (`+` added in actual, `-` missing from actual, `~` changed)."""
        if not self.changes:
            return "no differences"
        return "\n".join(str(c) for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "ignore": sorted(self.ignore),
                "changes": [asdict(c) for c in self.changes],
                "summary": {a: sum(c.action == a for c in self.changes) for a in ACTIONS}}

    def to_frame(self):
        import pandas as pd
        cols = ["action", "object_type", "table", "name", "detail", "before", "after"]
        return pd.DataFrame([asdict(c) for c in self.changes], columns=cols)


# -- canonical forms -----------------------------------------------------------------------

_WRAP = (exp.Binary, exp.Not, exp.Between, exp.In, exp.Is, exp.Neg)
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# PostgreSQL's auto-numbering spellings: SERIAL types are INT + a sequence default, like identity.
_SERIALS = {"SMALLSERIAL": "SMALLINT", "SERIAL2": "SMALLINT", "SERIAL": "INT", "SERIAL4": "INT",
            "BIGSERIAL": "BIGINT", "SERIAL8": "BIGINT"}
_NEXTVAL = re.compile(r"^\s*nextval\s*\(", re.I)


def _numbering(col: Column) -> str | None:
    """How a column is numbered, for messages: its identity kind, SERIAL or a sequence default."""
    if col.identity:
        return col.identity
    if (col.type or "").strip().upper() in _SERIALS:
        return col.type.upper()
    return col.default if col.default and _NEXTVAL.match(col.default) else None


def _nullable(col: Column) -> bool:
    """SERIAL columns are NOT NULL whether or not the declaration says so."""
    return col.nullable and (col.type or "").strip().upper() not in _SERIALS


def _spelling(node: exp.Expression) -> exp.Expression:
    """PostgreSQL stores `x NOT IN (...)` as `x <> ALL (ARRAY[...])`; a column qualified with its
    own table (`trash.is_deleted` in an index WHERE or a CHECK) is the column."""
    if isinstance(node, exp.NEQ) and _is_all_array(node.expression):
        items = node.expression.expressions[0].expressions
        return exp.Not(this=exp.In(this=node.this.copy(), expressions=[i.copy() for i in items]))
    if isinstance(node, exp.Column) and node.args.get("table") is not None:
        return exp.Column(this=node.this.copy())
    return node


def _is_all_array(node: exp.Expression) -> bool:
    return (isinstance(node, exp.Anonymous) and str(node.this).upper() == "ALL"
            and len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Array))


def autonumber(col: Column) -> tuple[str, str | None, bool]:
    """(type, default, numbered): SERIAL as INT, a `nextval(...)` default and an identity all
    mean "the engine numbers this column", so equivalent spellings compare equal."""
    base = _SERIALS.get((col.type or "").strip().upper())
    from_sequence = bool(col.default and _NEXTVAL.match(col.default))
    return (base or col.type, None if from_sequence else col.default,
            bool(base or from_sequence or col.identity))


def canonical_expr(sql: str | None) -> str | None:
    """A spelling of a PostgreSQL-dialect expression in which equal meaning gives equal text."""
    if sql is None:
        return None
    try:
        tree = sqlglot.parse_one(sql, read=PG)
    except (ParseError, TokenError):
        return " ".join(sql.split()).lower()

    # Engine-added casts and `= ANY (ARRAY[...])` go the way introspection removes them.
    tree = strip_implicit(tree)

    def fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Paren):
            return node.this
        if isinstance(node, exp.Between):
            return exp.and_(exp.GTE(this=node.this.copy(), expression=node.args["low"]),
                            exp.LTE(this=node.this.copy(), expression=node.args["high"]))
        if isinstance(node, exp.Identifier):
            if not node.quoted and node.this == node.this.lower():
                return node
            return exp.Identifier(this=node.this.lower() if not node.quoted else node.this,
                                  quoted=False)
        if isinstance(node, exp.In) and len(node.expressions) == 1 and not node.args.get("query"):
            return exp.EQ(this=node.this.copy(), expression=node.expressions[0].copy())  # PG: x IN (a) is x = a
        if isinstance(node, exp.Not) and isinstance(node.this, exp.EQ):
            return exp.NEQ(this=node.this.this.copy(), expression=node.this.expression.copy())
        if isinstance(node, exp.Not) and isinstance(node.this, exp.Is):
            # `NOT x IS NULL` is `x IS NOT NULL` (engines print back either)
            inner = node.this.copy()
            inner.set("negate", not inner.args.get("negate"))
            return inner
        if isinstance(node, exp.Not) and isinstance(node.this, exp.Not):
            return node.this.this.copy()
        if isinstance(node, (exp.NullSafeEQ, exp.NullSafeNEQ)) and \
                isinstance(node.expression, (exp.Boolean, exp.Null)):
            # `x IS NOT DISTINCT FROM TRUE` is `x IS TRUE` (DuckDB's spelling of IS TRUE)
            return exp.Is(this=node.this.copy(), expression=node.expression.copy(),
                          negate=isinstance(node, exp.NullSafeNEQ))
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Boolean) and \
                isinstance(node.this, exp.Cast) and node.this.to.is_type("boolean"):
            # `x IS TRUE` only takes a boolean: a cast to BOOLEAN in front of it says nothing
            return exp.Is(this=node.this.this.copy(), expression=node.expression.copy(),
                          negate=node.args.get("negate"))
        if isinstance(node, exp.ByteString):
            return exp.Literal.string(node.this)  # E'a\\nb' is the string it denotes
        if isinstance(node, exp.Literal) and node.is_string and _NUMBER.fullmatch(node.this):
            return exp.Literal.number(node.this)  # '-1' on a numeric column is -1
        return node

    tree = tree.transform(_spelling)
    # A replaced node's children are not visited in the same pass (sqlglot prunes them), and
    # removing parentheses can expose another rewrite: repeat until nothing changes.
    changed = [True]

    def tracked(node: exp.Expression) -> exp.Expression:
        new = fix(node)
        if new is not node:
            changed[0] = True
        return new
    while changed[0]:
        changed[0] = False
        tree = tree.transform(tracked)
    # Re-add parentheses around every compound operand: one tree, one text, no ambiguity.
    def wrap(node: exp.Expression) -> exp.Expression:
        for key, value in list(node.args.items()):
            if isinstance(value, _WRAP) and isinstance(node, _WRAP):
                node.set(key, exp.Paren(this=value))
        return node
    tree = tree.transform(wrap)
    return tree.sql(dialect=PG, comments=False)  # /* comments */ are not meaning


def canonical_type(type_text: str, engine: str | None = None,
                   enums: dict[str, EnumType] | None = None) -> str:
    """Type text as compared: sqlglot's PostgreSQL spelling, then `engine`'s equivalences."""
    raw = (type_text or "").strip()
    if enums and engine in ENGINES and ENGINES[engine].enum_columns_by_values and raw in enums:
        raw = "ENUM(" + ", ".join("'" + v.replace("'", "''") + "'" for v in enums[raw].values) + ")"
    try:
        dt = exp.DataType.build(raw, dialect=PG, udt=True) if raw else None
    except (ParseError, TokenError, ValueError):
        dt = None
    text = dt.sql(dialect=PG).upper() if dt is not None else raw.upper()
    text = re.sub(r"\s+", " ", text).replace("( ", "(").replace(" (", "(")
    if engine in ENGINES:
        return ENGINES[engine].stored_type(text, raw)
    return text


def _action(value: str | None, engine: str | None) -> str:
    text = (value or "NO ACTION").upper()
    if engine in ENGINES and ENGINES[engine].restrict_is_no_action and text == "RESTRICT":
        return "NO ACTION"
    return text


def _default(value: str | None, engine: str | None) -> str | None:
    canon = canonical_expr(value)
    if canon is not None and canon.upper() == "NULL":
        return None  # DEFAULT NULL is no default
    if canon is not None and engine in ENGINES and ENGINES[engine].booleans_as_integers:
        canon = {"TRUE": "1", "FALSE": "0"}.get(canon.upper(), canon)
    if canon is not None and _NUMBER.fullmatch(canon) and "." in canon:
        canon = canon.rstrip("0").rstrip(".")  # a default takes the column's type: 100.0 is 100
    return canon


# -- describing objects --------------------------------------------------------------------

def _cols(cols: Iterable[str | None]) -> str:
    return ", ".join(c or "?" for c in cols)


def describe_fk(fk: ForeignKey) -> str:
    text = f"({_cols(fk.columns)}) REFERENCES {fk.ref_table} ({_cols(fk.ref_columns)})"
    if fk.on_delete:
        text += f" ON DELETE {fk.on_delete}"
    if fk.on_update:
        text += f" ON UPDATE {fk.on_update}"
    return text


def describe_index(ix: Index) -> str:
    parts = ", ".join(p.label + (" DESC" if p.desc else "") for p in ix.columns)
    text = ("UNIQUE " if ix.unique else "") + f"({parts})"
    if ix.method:
        text += f" USING {ix.method}"
    if ix.include:
        text += f" INCLUDE ({_cols(ix.include)})"
    if ix.where:
        text += f" WHERE {ix.where}"
    return text


def describe_column(col: Column) -> str:
    text = f"{col.type}{'' if col.nullable else ' NOT NULL'}"
    if col.default is not None:
        text += f" DEFAULT {col.default}"
    if col.identity:
        text += f" IDENTITY {col.identity.upper()}"
    if col.generated:
        text += f" GENERATED ({col.generated})"
    return text


# -- the diff ------------------------------------------------------------------------------

def diff(expected: Schema, actual: Schema, engine: str | None = None,
         ignore: Iterable[str] = frozenset()) -> SchemaDiff:
    """Differences from `expected` to `actual` (`added` = only in actual)."""
    ignore = frozenset(ignore)
    unknown = ignore - set(IGNORE_OPTIONS)
    if unknown:
        raise ValueError(f"unknown diff ignore option(s) {sorted(unknown)}; "
                         f"choose from {sorted(IGNORE_OPTIONS)}")
    if engine is not None and engine not in ENGINE_IGNORES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {sorted(ENGINE_IGNORES)}")
    effective = ignore | ENGINE_IGNORES.get(engine or "", frozenset())
    d = _Differ(expected, actual, engine, effective)
    d.run()
    order = {t: i for i, t in enumerate(OBJECT_TYPES)}
    d.changes.sort(key=lambda c: (c.table or "", order[c.object_type], c.name, c.detail))
    return SchemaDiff(d.changes, engine, effective)


class _Differ:
    def __init__(self, expected: Schema, actual: Schema, engine: str | None,
                 ignore: frozenset[str]):
        self.exp, self.act, self.engine, self.ignore = expected, actual, engine, ignore
        self.changes: list[Change] = []

    def add(self, action: str, object_type: str, table: str | None, name: str, detail: str = "",
            before: Any = None, after: Any = None) -> None:
        self.changes.append(Change(action, object_type, table, name, detail, before, after))

    def names_differ(self, a: str | None, b: str | None) -> bool:
        return "constraint_names" not in self.ignore and a is not None and b is not None and a != b

    def run(self) -> None:
        if "enums" not in self.ignore:
            self.enums()
        exp_tables = {_norm_qn(k): t for k, t in self.exp.tables.items()}
        act_tables = {_norm_qn(k): t for k, t in self.act.tables.items()}
        for qn in sorted(set(exp_tables) | set(act_tables)):
            e, a = exp_tables.get(qn), act_tables.get(qn)
            if a is None:
                self.add("removed", "table", qn, qn, f"{len(e.columns)} columns")
            elif e is None:
                self.add("added", "table", qn, qn, f"{len(a.columns)} columns")
            else:
                self.table(qn, e, a)

    def enums(self) -> None:
        for name in sorted(set(self.exp.enums) | set(self.act.enums)):
            e, a = self.exp.enums.get(name), self.act.enums.get(name)
            if a is None:
                self.add("removed", "enum", None, name, _cols(e.values), before=list(e.values))
            elif e is None:
                self.add("added", "enum", None, name, _cols(a.values), after=list(a.values))
            elif list(e.values) != list(a.values):
                self.add("changed", "enum", None, name,
                         f"values [{_cols(e.values)}] -> [{_cols(a.values)}]",
                         list(e.values), list(a.values))

    # -- one table -------------------------------------------------------------------------
    def table(self, qn: str, e: Table, a: Table) -> None:
        if "comments" not in self.ignore and e.comment != a.comment:
            self.add("changed", "table", qn, qn, "comment", e.comment, a.comment)
        self.columns(qn, e, a)
        self.primary_key(qn, e.primary_key, a.primary_key)
        self.foreign_keys(qn, e, a)
        consumed_e, consumed_a = self.uniques(qn, e, a)
        if "checks" not in self.ignore:
            self.checks(qn, e.checks, a.checks)
        self.indexes(qn, e, a, consumed_e, consumed_a)

    def columns(self, qn: str, e: Table, a: Table) -> None:
        for name in list(e.columns) + [c for c in a.columns if c not in e.columns]:
            ec, ac = e.columns.get(name), a.columns.get(name)
            if ac is None:
                self.add("removed", "column", qn, name, describe_column(ec), before=describe_column(ec))
                continue
            if ec is None:
                self.add("added", "column", qn, name, describe_column(ac), after=describe_column(ac))
                continue
            (etype, edef, enum_), (atype, adef, anum) = autonumber(ec), autonumber(ac)
            both_identity = bool(ec.identity and ac.identity)
            et = canonical_type(etype, self.engine, self.exp.enums)
            at = canonical_type(atype, self.engine, self.act.enums)
            if et != at:
                self.add("changed", "column", qn, name, f"type {ec.type} -> {ac.type}", ec.type, ac.type)
            if _nullable(ec) != _nullable(ac):
                self.add("changed", "column", qn, name,
                         f"nullable {ec.nullable} -> {ac.nullable}", ec.nullable, ac.nullable)
            if "defaults" not in self.ignore and \
                    _default(edef, self.engine) != _default(adef, self.engine):
                self.add("changed", "column", qn, name, f"default {ec.default} -> {ac.default}",
                         ec.default, ac.default)
            if "identity" not in self.ignore:
                ei, ai = ec.identity, ac.identity
                if "identity_kind" in self.ignore or not both_identity:
                    ei, ai = enum_, anum
                if ei != ai:
                    self.add("changed", "column", qn, name,
                             f"identity {_numbering(ec)} -> {_numbering(ac)}", ec.identity, ac.identity)
            if "generated" not in self.ignore and \
                    canonical_expr(ec.generated) != canonical_expr(ac.generated):
                self.add("changed", "column", qn, name,
                         f"generated {ec.generated} -> {ac.generated}", ec.generated, ac.generated)
            if "comments" not in self.ignore and ec.comment != ac.comment:
                self.add("changed", "column", qn, name, "comment", ec.comment, ac.comment)

    def primary_key(self, qn: str, e: PrimaryKey | None, a: PrimaryKey | None) -> None:
        if e is None and a is None:
            return
        name = (e or a).name or "primary key"
        if a is None:
            self.add("removed", "primary_key", qn, name, f"({_cols(e.columns)})", before=list(e.columns))
        elif e is None:
            self.add("added", "primary_key", qn, name, f"({_cols(a.columns)})", after=list(a.columns))
        else:
            if list(e.columns) != list(a.columns):
                self.add("changed", "primary_key", qn, name,
                         f"columns ({_cols(e.columns)}) -> ({_cols(a.columns)})",
                         list(e.columns), list(a.columns))
            if self.names_differ(e.name, a.name):
                self.add("changed", "primary_key", qn, name, f"name {e.name} -> {a.name}", e.name, a.name)

    def foreign_keys(self, qn: str, e: Table, a: Table) -> None:
        def key(fk: ForeignKey) -> tuple:
            return (tuple(fk.columns), _norm_qn(fk.ref_table), tuple(fk.ref_columns))
        for k, ef, af in _pair(e.foreign_keys, a.foreign_keys, key):
            label = (ef or af).name or f"({_cols(k[0])}) -> {k[1]}"
            if af is None:
                self.add("removed", "foreign_key", qn, label, describe_fk(ef), before=describe_fk(ef))
            elif ef is None:
                self.add("added", "foreign_key", qn, label, describe_fk(af), after=describe_fk(af))
            else:
                for attr in ("on_delete", "on_update"):
                    ev, av = getattr(ef, attr), getattr(af, attr)
                    if _action(ev, self.engine) != _action(av, self.engine):
                        self.add("changed", "foreign_key", qn, label,
                                 f"{attr} {ev or 'NO ACTION'} -> {av or 'NO ACTION'}", ev, av)
                if self.names_differ(ef.name, af.name):
                    self.add("changed", "foreign_key", qn, label, f"name {ef.name} -> {af.name}",
                             ef.name, af.name)

    def uniques(self, qn: str, e: Table, a: Table) -> tuple[set[int], set[int]]:
        """Compare uniqueness guarantees on plain columns: UNIQUE constraints and full unique
        indexes. Returns the ids of indexes handled here (so `indexes` skips them)."""
        def entries(t: Table) -> list[tuple[str, str | None, tuple[str, ...], Any]]:
            # A UNIQUE constraint on exactly the primary key's columns adds nothing (PostgreSQL
            # drops it from CREATE TABLE): compared as absent.
            pk = tuple(t.primary_key.columns) if t.primary_key else None
            out = [("constraint", u.name, tuple(u.columns), u) for u in t.uniques
                   if tuple(u.columns) != pk]
            out += [("index", ix.name, tuple(ix.column_names), ix) for ix in t.indexes
                    if _full_unique_index(ix)]
            return out
        ee, ae = entries(e), entries(a)
        consumed_e = {id(x[3]) for x in ee if x[0] == "index"}
        consumed_a = {id(x[3]) for x in ae if x[0] == "index"}

        def key(x: tuple) -> tuple:
            return x[2] if "unique_kind" in self.ignore else (x[0], x[2])
        for k, ex, ax in _pair(ee, ae, key):
            item = ex or ax
            label = item[1] or f"({_cols(item[2])})"
            what = ("UNIQUE" if item[0] == "constraint" else "unique index") + f" ({_cols(item[2])})"
            if ax is None:
                self.add("removed", "unique", qn, label, what, before=list(item[2]))
            elif ex is None:
                self.add("added", "unique", qn, label, what, after=list(item[2]))
            else:
                if self.names_differ(ex[1], ax[1]):
                    self.add("changed", "unique", qn, label, f"name {ex[1]} -> {ax[1]}", ex[1], ax[1])
                if ex[0] == "index" and ax[0] == "index":
                    self.index_attrs(qn, ex[3], ax[3])
        return consumed_e, consumed_a

    def checks(self, qn: str, e: list[CheckConstraint], a: list[CheckConstraint]) -> None:
        paired = _pair(e, a, lambda c: canonical_expr(c.expression))
        unmatched_e = [ec for _, ec, ac in paired if ac is None]
        unmatched_a = [ac for _, ec, ac in paired if ec is None]
        for _, ec, ac in paired:
            if ec is not None and ac is not None and self.names_differ(ec.name, ac.name):
                self.add("changed", "check", qn, ec.name, f"name {ec.name} -> {ac.name}", ec.name, ac.name)
        # Same name, different expression: one 'changed', not a remove + add.
        for ec in list(unmatched_e):
            ac = next((x for x in unmatched_a if ec.name and x.name == ec.name), None)
            if ac is not None:
                unmatched_e.remove(ec)
                unmatched_a.remove(ac)
                self.add("changed", "check", qn, ec.name,
                         f"expression {ec.expression} -> {ac.expression}", ec.expression, ac.expression)
        for ec in unmatched_e:
            self.add("removed", "check", qn, ec.name or ec.expression, ec.expression, before=ec.expression)
        for ac in unmatched_a:
            self.add("added", "check", qn, ac.name or ac.expression, ac.expression, after=ac.expression)

    def indexes(self, qn: str, e: Table, a: Table, skip_e: set[int], skip_a: set[int]) -> None:
        eix = {ix.name: ix for ix in e.indexes if id(ix) not in skip_e}
        aix = {ix.name: ix for ix in a.indexes if id(ix) not in skip_a}
        fk_cols = [list(fk.columns) for fk in a.foreign_keys]
        for name in sorted(set(eix) | set(aix)):
            ei, ai = eix.get(name), aix.get(name)
            if ai is None:
                self.add("removed", "index", qn, name, describe_index(ei), before=describe_index(ei))
            elif ei is None:
                if "fk_auto_index" in self.ignore and not ai.unique and ai.where is None and \
                        ai.column_names in fk_cols:
                    continue  # InnoDB's own index for a foreign key
                self.add("added", "index", qn, name, describe_index(ai), after=describe_index(ai))
            else:
                self.index_attrs(qn, ei, ai)

    def index_attrs(self, qn: str, ei: Index, ai: Index) -> None:
        def parts(ix: Index) -> list[str]:
            return [(p.column if p.column is not None else f"({canonical_expr(p.expression)})")
                    + (" DESC" if p.desc else "") for p in ix.columns]
        name = ei.name
        if parts(ei) != parts(ai):
            self.add("changed", "index", qn, name,
                     f"columns ({_cols(p.label + (' DESC' if p.desc else '') for p in ei.columns)}) -> "
                     f"({_cols(p.label + (' DESC' if p.desc else '') for p in ai.columns)})",
                     describe_index(ei), describe_index(ai))
        if ei.unique != ai.unique:
            self.add("changed", "index", qn, name, f"unique {ei.unique} -> {ai.unique}", ei.unique, ai.unique)
        if canonical_expr(ei.where) != canonical_expr(ai.where):
            self.add("changed", "index", qn, name, f"where {ei.where} -> {ai.where}", ei.where, ai.where)
        if "index_method" not in self.ignore and \
                (ei.method or "btree").lower() != (ai.method or "btree").lower():
            self.add("changed", "index", qn, name, f"method {ei.method} -> {ai.method}", ei.method, ai.method)
        if list(ei.include) != list(ai.include):
            self.add("changed", "index", qn, name,
                     f"include ({_cols(ei.include)}) -> ({_cols(ai.include)})", ei.include, ai.include)
        if "comments" not in self.ignore and ei.comment != ai.comment:
            self.add("changed", "index", qn, name, "comment", ei.comment, ai.comment)


def _full_unique_index(ix: Index) -> bool:
    """A unique index that guarantees exactly what a UNIQUE constraint does."""
    return (ix.unique and ix.where is None and not ix.include and
            all(p.column is not None and not p.desc for p in ix.columns))


def _pair(expected: list, actual: list, key) -> list[tuple[Any, Any, Any]]:
    """Match items by key (duplicates pair up in order); unmatched get None on the other side.
    Result is in a deterministic order: expected's order, then actual's extras."""
    remaining: dict[Any, list] = {}
    for item in actual:
        remaining.setdefault(key(item), []).append(item)
    out = []
    for item in expected:
        k = key(item)
        bucket = remaining.get(k)
        out.append((k, item, bucket.pop(0) if bucket else None))
    for k, bucket in remaining.items():
        out.extend((k, None, item) for item in bucket)
    return out


def _norm_qn(name: str) -> str:
    return name[len("public."):] if name.startswith("public.") else name
