"""Design lint over the schema model: naming, keys, foreign keys, indexes, constraints, auditing.

Every rule is registered in `RULES` with its default severity, a one-line summary, the rationale
and where the convention comes from (the seed's conventions, PostgreSQL's "Don't Do This" wiki,
squawk, SchemaCrawler, tbls), so a reviewer can always ask "why" and get an answer.

`lint(schema, config)` runs the enabled rules, applies severity overrides and waivers from
`dbdesign.toml` (see `config`), and returns a `LintResult`. Every finding points at the file and
line of the object it is about. Rules work table by table with per-table lookups, so the lint is
linear in the size of the schema (500 tables lint in well under a second).

Decisions a reader may want to challenge (also in docs/rules.md):
- Plural table names: the last word of a snake_case name decides (`post_tags` is plural).
  Collective nouns (`log`, `history`, `audit`, `data`, `media`, `staff`, `inventory`, ...) are
  accepted singular: `audit_log` names one log holding many entries.
- fk-column-name: `{singular_parent}_{ref_column}` (normally `user_id`), or a role prefix ending
  in it (`author_user_id`); for module-prefixed tables the short name (`user_id` for
  `core_users`) unless that short name is itself a table; the configured audit columns
  (`created_by`, `updated_by`, ...) may point at the users table; a self-reference must name its
  role instead (`parent_id`, `manager_id`: any snake_case `*_id`), since `comment_id` on
  `comments` would read as the row's own id.
- Some rules give one kind of finding a lower severity than the rule's default: fk-type-mismatch
  (length only: warning), fk-cascade-nullable (CASCADE on nullable: warning), float-for-money
  (MONEY type: warning). A severity override in dbdesign.toml applies to all of a rule's findings.
- index-name: `idx_{table}_{key columns}`, for unique indexes too (the seed uses one pattern).
  An expression part is named by the columns it uses, with or without the function
  (`lower(email)` -> `email` or `lower_email`). A partial index may add any suffix
  (`idx_users_email_live`), since a predicate has no mechanical name.
- fk-cascade-nullable: ON DELETE/UPDATE SET NULL on a NOT NULL column is an error (the action can
  never succeed: the parent delete fails instead); SET DEFAULT on a column without a default is
  the same bug; ON DELETE CASCADE on a *nullable* FK is a warning (an optional relationship whose
  children still vanish with the parent - usually SET NULL was meant), except on
  self-references, where NULL marks the root of a tree and CASCADE deletes the subtree.
"""
from __future__ import annotations

import datetime as _dt
import functools
import operator
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

from dbdesign.config import SEVERITIES, Config, Waiver
from dbdesign.dialects.base import Dialect
from dbdesign.model import ForeignKey, Index, Schema, Skipped, SourceRef, Table
from dbdesign.schema.naming import (conventions, expression_names, is_plural, last_word, plural_table,  # noqa: F401
                     pluralize, singular_table, singularize, user_facing_tables)

_SEV_ORDER = {s: i for i, s in enumerate(SEVERITIES)}


# -- findings and results -------------------------------------------------------------------

@dataclass(slots=True)
class Finding:
    rule: str
    severity: str  # error | warning | info
    message: str  # what is wrong and how to fix it
    table: str | None = None
    column: str | None = None
    index: str | None = None
    file: str | None = None
    line: int | None = None
    waived: bool = False
    waiver_reason: str | None = None
    waiver_expires: str | None = None  # ISO date

    @property
    def object(self) -> str:
        """The name a waiver uses: index name, `table.column` or `table`."""
        if self.index:
            return self.index
        if self.table and self.column:
            return f"{self.table}.{self.column}"
        return self.table or ""

    @property
    def location(self) -> str:
        return str(SourceRef(self.file, self.line))

    def to_dict(self) -> dict[str, Any]:
        return dict(zip(_FINDING_FIELDS, _finding_values(self)))  # flat: no asdict

    def format(self) -> str:
        sev = f"waived {self.severity}" if self.waived else self.severity
        text = f"{self.location}: {sev} {self.rule}: {self.message}"
        if self.waived:
            until = f", until {self.waiver_expires}" if self.waiver_expires else ""
            text += f" [waived: {self.waiver_reason}{until}]"
        return text

    def sort_key(self) -> tuple:
        return (self.waived, _SEV_ORDER.get(self.severity, 9), self.file or "~", self.line or 0,
                self.rule, self.object)


class Records:
    """A sized sequence of records, each made from its item when read (`cli.tools.emit_json`
    writes it as a JSON list)."""

    def __init__(self, items: list, make: Callable[[Any], dict]):
        self.items, self.make = items, make

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[dict]:
        return map(self.make, self.items)


_FINDING_FIELDS = tuple(Finding.__dataclass_fields__)
_finding_values = operator.attrgetter(*_FINDING_FIELDS)


@dataclass
class LintResult:
    findings: list[Finding]
    rules_run: list[str]
    tables: int = 0  # every table, partitions included
    skipped: list[Skipped] = field(default_factory=list)  # statements not in the model, and why

    @property
    def active(self) -> list[Finding]:
        """Findings that are not waived."""
        return [f for f in self.findings if not f.waived]

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.active)

    @property
    def summary(self) -> dict[str, Any]:
        counts = {s: 0 for s in SEVERITIES}
        for f in self.active:
            counts[f.severity] += 1
        by_category = Counter(s.category for s in self.skipped)
        return {**counts, "waived": sum(f.waived for f in self.findings),
                "total": len(self.findings), "tables": self.tables,
                "rules_run": len(self.rules_run), "rules": list(self.rules_run),
                "skipped": len(self.skipped),
                "skipped_no_design_effect": by_category["no design effect"],
                "skipped_not_modelled": by_category["not modelled"],
                "not_understood": by_category["not understood"],
                "skipped_kinds": dict(Counter(s.kind for s in self.skipped).most_common())}

    def by_rule(self, rule: str, include_waived: bool = False) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule and (include_waived or not f.waived)]

    def to_dict(self, lazy: bool = False) -> dict[str, Any]:
        """`lazy`: findings as `Records`, made one by one as they are written (a 50 MB
        schema's 800,000 finding dicts are never held at once)."""
        findings = Records(self.findings, Finding.to_dict) if lazy else [f.to_dict() for f in self.findings]
        return {"findings": findings, "summary": self.summary,
                "skipped": [asdict(s) for s in self.skipped]}

    def format_text(self) -> str:
        return "\n".join(self.text_lines())

    def text_lines(self) -> Iterator[str]:
        """One line per finding, then the summary line (no newlines), made as they are read."""
        for f in self.findings:
            yield f.format()
        s = self.summary
        yield (f"{s['error']} error(s), {s['warning']} warning(s), {s['info']} info, "
               f"{s['waived']} waived; {s['rules_run']} rules over {s['tables']} tables")

    def to_frame(self):
        """The findings as a pandas DataFrame (one row per finding), for notebooks."""
        import pandas as pd
        cols = [f.name for f in Finding.__dataclass_fields__.values()]
        return pd.DataFrame([f.to_dict() for f in self.findings], columns=cols)


# -- the rule registry ----------------------------------------------------------------------

SEED = "seed conventions (phase-2-database-architecture.md)"
DONT = "PostgreSQL wiki \"Don't Do This\""


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    summary: str
    rationale: str
    source: str
    check: Callable[["_Context"], Iterable[Finding]] | None = field(default=None, compare=False)
    options: dict[str, Any] = field(default_factory=dict, compare=False)
    meta: bool = False  # produced by the lint machinery (waivers, config), not by a check

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "summary": self.summary,
                "rationale": self.rationale, "source": self.source, "options": dict(self.options)}


RULES: dict[str, Rule] = {}


def _rule(id: str, severity: str, summary: str, rationale: str, source: str, **options: Any):
    def register(fn: Callable[["_Context"], Iterable[Finding]]):
        RULES[id] = Rule(id, severity, summary, rationale, source, fn, options)
        return fn
    return register


def rules_table() -> list[dict[str, Any]]:
    """Every rule as a dict (id, severity, summary, rationale, source, options), for docs."""
    return [r.to_dict() for r in RULES.values()]


def rules_markdown() -> str:
    """docs/rules.md: the rule reference, generated from the registry (a test keeps it current)."""
    out = ["# Design lint rules", "",
           "Generated from `dbdesign.checks.lint.RULES` by "
           "`python -c \"from dbdesign.checks.lint import rules_markdown; print(rules_markdown(), end='')\" "
           "> docs/rules.md`; do not edit by hand.", "",
           "Configure in `dbdesign.toml` (see `lib/dbdesign/config.py`): `[rules] id = \"off\"` or a "
           "severity, `[rules.id]` with `enabled`, `severity` and the options below, and "
           "`[[waivers]]` with `rule`, `object` (`table`, `table.column` or an index name; `*` "
           "wildcards), `reason` and optional `expires = YYYY-MM-DD`. An expired waiver lets the "
           "finding through again, with a note; a waiver that matches nothing is reported as "
           "`waiver-unused`.", "",
           "## Decisions", "", (__doc__ or "").split("Decisions a reader may want to challenge "
                                                     "(also in docs/rules.md):", 1)[-1].strip(), "",
           "## Rules", "",
           "| id | default severity | summary |", "|---|---|---|"]
    for r in RULES.values():
        out.append(f"| [`{r.id}`](#{r.id}) | {r.severity} | {r.summary} |")
    for r in RULES.values():
        out += ["", f"### {r.id}", "", f"**{r.severity}** - {r.summary}", "", r.rationale, "",
                f"Source: {r.source}."]
        if r.options:
            opts = ", ".join(f"`{k}` (default `{v!r}`)" for k, v in r.options.items())
            out += ["", f"Options: {opts}."]
    return "\n".join(out) + "\n"


# -- types ----------------------------------------------------------------------------------

_TYPE_ALIASES = {
    "INTEGER": "INT", "INT4": "INT", "INT": "INT", "SERIAL": "INT", "SERIAL4": "INT",
    "BIGINT": "BIGINT", "INT8": "BIGINT", "BIGSERIAL": "BIGINT", "SERIAL8": "BIGINT",
    "SMALLINT": "SMALLINT", "INT2": "SMALLINT", "SMALLSERIAL": "SMALLINT", "SERIAL2": "SMALLINT",
    "CHARACTER VARYING": "VARCHAR", "VARCHAR": "VARCHAR", "CHARACTER": "CHAR", "CHAR": "CHAR",
    "BPCHAR": "CHAR", "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ", "FLOAT8": "DOUBLE PRECISION",
    "FLOAT": "DOUBLE PRECISION", "DOUBLE": "DOUBLE PRECISION", "FLOAT4": "REAL",
    "DECIMAL": "NUMERIC", "BOOL": "BOOLEAN", "DATETIME": "TIMESTAMP",
}
_INTEGER_TYPES = {"INT", "BIGINT", "SMALLINT", "TINYINT", "MEDIUMINT", "HUGEINT", "UBIGINT"}
_SERIAL_TYPES = {"SERIAL", "SERIAL4", "BIGSERIAL", "SERIAL8", "SMALLSERIAL", "SERIAL2"}
_FLOAT_TYPES = {"REAL", "DOUBLE PRECISION"}


@lru_cache(maxsize=4096)
def _type_parts(type_text: str) -> tuple[str, str, str]:
    """(raw base, canonical base, canonical full) of a type text; e.g. 'int4' -> ('INT4', 'INT',
    'INT'), 'character varying(20)' -> (..., 'VARCHAR', 'VARCHAR(20)')."""
    t = " ".join(type_text.strip().upper().split())
    m = re.match(r"^([A-Z0-9_ ]+?)\s*(\(.*\))?(\s*\[\])?$", t)
    if not m:
        return t, t, t
    raw = m.group(1).strip()
    args = (m.group(2) or "").replace(" ", "")
    arr = "[]" if m.group(3) else ""
    if raw.startswith("TIMESTAMP") and "WITH TIME ZONE" in t and "WITHOUT" not in t:
        raw_c = "TIMESTAMPTZ"
    elif raw.startswith("TIMESTAMP") and "WITHOUT TIME ZONE" in t:
        raw_c = "TIMESTAMP"
    else:
        raw_c = _TYPE_ALIASES.get(raw, raw)
    if raw_c == "TIMESTAMP" and args:
        args = ""  # precision does not change the kind
    return raw, raw_c, f"{raw_c}{args}{arr}"


def _base(type_text: str) -> str:
    return _type_parts(type_text)[1]


# -- the lint context -----------------------------------------------------------------------

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_MAX_IDENT = 63  # PostgreSQL NAMEDATALEN - 1: longer names are silently truncated


# -- fix-it SQL: names in suggestions must be valid SQL -------------------------------------

def _snake(name: str) -> str:
    """A lower snake_case form of any name (`User Accounts` -> `user_accounts`, `E-mail` ->
    `e_mail`), for the *new* names a suggestion proposes."""
    return name if _SNAKE.match(name) else _resnake(name)


@functools.lru_cache(maxsize=1 << 16)
def _resnake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()).strip("_")


def _q(name: str) -> str:
    """An existing identifier as SQL: quoted when PostgreSQL would fold or reject it bare."""
    return Dialect.quote(name)


def _qt(t: Table) -> str:
    """The table's name as SQL, schema qualifier kept (`app.orders`, `"User Accounts"`)."""
    return ".".join(_q(p) for p in ([t.schema] if t.schema else []) + [t.name])


def _qcols(cols: Iterable[str]) -> str:
    return ", ".join(_q(c) for c in cols)


def _new_name(*parts: str) -> str:
    """A suggested object name from parts (`idx`, table, columns), snake_case."""
    return "_".join([p for p in map(_snake, parts) if p])


_NO_INCLUDE: frozenset[str] = frozenset()


@dataclass(slots=True)
class _Key:
    """A key usable for lookups: the PK, a UNIQUE constraint or an index."""
    parts: tuple[str, ...]  # "c:col" or "e:expression"
    desc: tuple[bool, ...]
    unique: bool
    where: str | None
    method: str
    include: frozenset[str]
    name: str | None
    index: Index | None  # None for PK / UNIQUE constraints
    kind: str = "index"  # "pk" | "unique" | "index"
    source: SourceRef = field(default_factory=SourceRef)

    @property
    def leading_columns(self) -> list[str]:
        out = []
        for p in self.parts:
            if not p.startswith("c:"):
                break
            out.append(p[2:])
        return out


class _Context:
    """The schema plus per-table lookups computed once, shared by all rules."""

    def __init__(self, schema: Schema, config: Config):
        self.schema = schema
        self.config = config
        self.conv = conventions(config)
        self._keys: dict[str, list[_Key]] = {}
        self._tables: list[Table] | None = None
        self.enum_names = {n.lower() for n in schema.enums} | {
            n.lower().rsplit(".", 1)[-1] for n in schema.enums}

    def opt(self, rule: str, key: str) -> Any:
        return self.config.option(rule, key, RULES[rule].options[key])

    def tables(self) -> list[Table]:
        """Tables the rules judge: a partition is judged through its parent (its key, columns
        and names are the parent's), so it is left out when the parent is in the schema."""
        if self._tables is None:
            self._tables = [t for t in self.schema.tables.values()
                            if not (t.partition_of and self.schema.table(t.partition_of) is not None)]
        return self._tables

    def keys(self, table: Table) -> list[_Key]:
        """PK, UNIQUE constraints and indexes of `table` as comparable keys (cached)."""
        cached = self._keys.get(table.qualname)
        if cached is not None:
            return cached
        keys: list[_Key] = []
        if table.primary_key:
            cols = table.primary_key.columns
            keys.append(_Key(tuple(sys.intern("c:" + c) for c in cols), (False,) * len(cols), True, None,
                             "btree", _NO_INCLUDE, table.primary_key.name, None, "pk",
                             table.primary_key.source))
        for u in table.uniques:
            keys.append(_Key(tuple(sys.intern("c:" + c) for c in u.columns), (False,) * len(u.columns), True,
                             None, "btree", _NO_INCLUDE, u.name, None, "unique", u.source))
        for ix in table.indexes:
            parts = tuple(sys.intern("c:" + c.column) if c.column is not None
                          else "e:" + re.sub(r"\s+", " ", c.expression or "").lower()
                          for c in ix.columns)
            keys.append(_Key(parts, tuple(c.desc for c in ix.columns), ix.unique,
                             _norm_where(ix.where), (ix.method or "btree").lower(),
                             frozenset(ix.include) if ix.include else _NO_INCLUDE, ix.name, ix,
                             "index", ix.source))
        self._keys[table.qualname] = keys
        return keys

    def finding(self, rule: str, message: str, table: Table | None = None,
                column: str | None = None, index: str | None = None,
                source: SourceRef | None = None, severity: str | None = None) -> Finding:
        src = source or (table.source if table else SourceRef())
        if src.file is None and table is not None:
            src = table.source
        return Finding(rule, severity or RULES[rule].severity, message,
                       table.qualname if table else None, column, index, src.file, src.line)

    def column_source(self, table: Table, column: str) -> SourceRef:
        col = table.columns.get(column)
        return col.source if col is not None and col.source.line else table.source


def _norm_where(where: str | None) -> str | None:
    return re.sub(r"\s+", " ", where).strip().lower() if where else None


# -- naming ---------------------------------------------------------------------------------

@_rule("table-name-plural", "warning",
       "Table names are plural nouns (`users`, `post_tags`).",
       "A table holds many rows; one naming habit means nobody has to guess `user` or `users` "
       "in a query. The last word of a snake_case name decides (`post_tags`); collective nouns "
       "such as log, history, audit, data, media, staff are accepted as they are "
       "(`audit_log` is one log of many entries). Add exceptions with the `allow` option.",
       SEED, allow=[])
def _table_name_plural(ctx: _Context) -> Iterator[Finding]:
    allow = set(ctx.opt("table-name-plural", "allow"))
    for t in ctx.tables():
        if t.name in allow or not _SNAKE.match(t.name):  # non-snake names: identifier rule
            continue
        if not is_plural(last_word(t.name)):
            yield ctx.finding("table-name-plural",
                              f"table {t.name} is singular; rename it to {plural_table(t.name)} "
                              "(or add it to [rules.table-name-plural] allow)", t)


@_rule("identifier-snake-case", "warning",
       "Tables, columns, indexes, constraints and types are lower snake_case, at most 63 "
       "characters.",
       "Mixed-case names must be double-quoted forever in PostgreSQL and fold differently on "
       "MySQL/SQLite; PostgreSQL silently truncates names longer than 63 bytes, so two long "
       "names can collide.", f"{SEED}; {DONT} (\"Don't use upper case table or column names\")")
def _identifier_snake_case(ctx: _Context) -> Iterator[Finding]:
    def bad(name: str | None) -> str | None:
        if not name:
            return None
        if len(name.encode()) > _MAX_IDENT:
            return f"is {len(name.encode())} bytes long; PostgreSQL truncates names to 63, shorten it"
        if not _SNAKE.match(name):
            fixed = _snake(name)
            return f"is not lower snake_case; rename it to {fixed or 'a snake_case name'}"
        return None

    for t in ctx.tables():
        why = bad(t.name)
        if why:
            yield ctx.finding("identifier-snake-case", f"table name {t.name!r} {why}", t)
        for c in t.columns.values():
            why = bad(c.name)
            if why:
                yield ctx.finding("identifier-snake-case", f"column {t.name}.{c.name!r} {why}", t,
                                  column=c.name, source=ctx.column_source(t, c.name))
        for ix in t.indexes:
            why = bad(ix.name)
            if why:
                yield ctx.finding("identifier-snake-case", f"index name {ix.name!r} {why}", t,
                                  index=ix.name, source=ix.source)
        named = ([t.primary_key] if t.primary_key else []) + t.foreign_keys + t.uniques + t.checks
        for con in named:
            why = bad(con.name)
            if why:
                yield ctx.finding("identifier-snake-case", f"constraint name {con.name!r} on "
                                  f"{t.name} {why}", t, source=con.source)
    for e in ctx.schema.enums.values():
        why = bad(e.name.rsplit(".", 1)[-1])
        if why:
            yield ctx.finding("identifier-snake-case", f"type name {e.name!r} {why}",
                              source=e.source)


def _template_match(col: str, templates: Iterable[str], singular: str, table: str, ref_col: str,
                    short: list[str]) -> bool:
    """`col` is one of the `templates` (or a role prefix ending in one) and the name says which
    table it points at: it contains the parent's singular (or a module-prefixed parent's short
    name) as a whole word or, for run-together names (`artistid`), as its start."""
    words = [w.lower() for w in (singular, *short)]
    col = col.lower()  # MySQL and SQLite input keep case: Chinook's ArtistId
    for template in templates:
        try:
            name = template.format(singular=singular, table=table, ref_column=ref_col).lower()
        except (KeyError, IndexError, ValueError):
            continue
        if not (col == name or col.endswith("_" + name)):
            continue
        parts = name.split("_")
        if any(w.split("_") == parts[i:i + len(w.split("_"))] for w in words
               for i in range(len(parts))) or any(name.startswith(w) for w in words):
            return True
    return False


@_rule("fk-column-name", "warning",
       "A foreign-key column is named `{singular_parent}_id` (e.g. `user_id`).",
       "The seed's convention: the name says which table a column points at, so joins can be "
       "written and reviewed without the diagram. Accepted: `{singular_parent}_{ref_column}`, "
       "a role prefix ending in it (`author_user_id`), a module-prefixed parent's short name "
       "(`user_id` -> `core_users`, unless a `users` table also exists), the configured audit "
       "columns (created_by/updated_by) pointing at the users table, and on self-references any "
       "`{role}_id` (`parent_id`), because `comment_id` on `comments` would read as the row's "
       "own id. Composite keys: each column may also repeat the referenced column's name "
       "(`tenant_id`). `templates` lists the accepted names (placeholders `{singular}`, "
       "`{table}`, `{ref_column}`), each also with a role prefix; a name only counts when it "
       "names the parent, so the default `{ref_column}` accepts `store_id -> store(store_id)` "
       "(Sakila, Chinook's `ArtistId`) but not `id -> users(id)`. MusicBrainz-style schemas "
       "(`artist_credit -> artist_credit(id)`) add `{singular}`.", SEED,
       templates=["{singular}_{ref_column}", "{ref_column}"])
def _fk_column_name(ctx: _Context) -> Iterator[Finding]:
    audit = ctx.conv.audit_fk_columns
    users = ctx.schema.table(ctx.config.users_table)
    users_word = last_word(ctx.config.users_table)
    plain_names = {t.name for t in ctx.tables()}
    templates = ctx.opt("fk-column-name", "templates")
    for t in ctx.tables():
        for fk in t.foreign_keys:
            parent = ctx.schema.table(fk.ref_table)
            parent_name = parent.name if parent else fk.ref_table.rsplit(".", 1)[-1]
            singular = singular_table(parent_name)
            self_ref = parent is t
            # module prefixes: `user_id` may point at `core_users` unless a `users` table exists
            words = parent_name.split("_")
            short = [singular_table("_".join(words[i:])) for i in range(1, len(words))
                     if "_".join(words[i:]) not in plain_names]
            audit_target = (parent is users if users is not None
                            else last_word(parent_name) == users_word)
            for col, ref_col in zip(fk.columns, fk.ref_columns):
                expected = f"{singular}_{ref_col}"
                if col == expected or col.endswith("_" + expected):
                    continue
                snake = _new_name(singular, ref_col)  # what to suggest when names are not snake_case
                if col == snake or col.endswith("_" + snake):
                    continue
                if any(col == f"{s}_{ref_col}" or col.endswith(f"_{s}_{ref_col}") for s in short):
                    continue
                if _template_match(col, templates, singular, parent_name, ref_col, short):
                    continue
                if len(fk.columns) > 1 and col == ref_col:
                    continue
                if col in audit and audit_target:
                    continue
                if self_ref and col.endswith("_" + ref_col) and _SNAKE.match(col):
                    continue
                hint = (f"name the role instead, e.g. {_new_name('parent', ref_col)}" if self_ref
                        else f"rename it to {snake} (or {'{role}_'}{snake} for a second "
                        f"reference to {parent_name})")
                yield ctx.finding("fk-column-name",
                                  f"{t.name}.{col} references {parent_name}({ref_col}) but is not "
                                  f"named {snake}; {hint}", t, column=col,
                                  source=ctx.column_source(t, col))


@_rule("index-name", "info",
       "Indexes are named `idx_{table}_{columns}` (key columns in order).",
       "The seed's convention: the name tells a reviewer (and an EXPLAIN plan reader) what the "
       "index covers. Expression parts are named by their columns (`lower(email)` -> `email` "
       "or `lower_email`); partial indexes may add a suffix for their predicate "
       "(`idx_users_email_live`); names longer than 63 bytes may be the truncated form.", SEED)
def _index_name(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        for ix in t.indexes:
            plain: list[str] = []
            with_fn: list[str] = []
            for part in ix.columns:
                if part.column is not None:
                    plain.append(part.column)
                    with_fn.append(part.column)
                else:
                    funcs, cols = expression_names(part.expression or "")
                    plain.extend(cols)
                    with_fn.extend([*funcs[:1], *cols])
            candidates = {f"idx_{t.name}_{'_'.join(p)}" for p in (plain, with_fn) if p} | \
                {_new_name("idx", t.name, *p) for p in (plain, with_fn) if p}
            name = ix.name
            ok = any(name == c or (ix.where and name.startswith(c + "_"))
                     or (len(c.encode()) > _MAX_IDENT and name == c[:_MAX_IDENT])
                     for c in candidates)
            if not ok:
                want = _new_name("idx", t.name, *(plain or ["columns"]))[:_MAX_IDENT]
                old = ".".join(_q(p) for p in ([t.schema] if t.schema else []) + [name])
                yield ctx.finding("index-name", f"index {name} on {t.name} should be named {want}"
                                  f"{' (plus a suffix for its WHERE)' if ix.where else ''}; "
                                  f"ALTER INDEX {old} RENAME TO {want}", t, index=name,
                                  source=ix.source)


# -- keys -----------------------------------------------------------------------------------

@_rule("primary-key-missing", "error",
       "Every table has a primary key.",
       "Without a key a row cannot be referenced, updated or deleted reliably, logical "
       "replication cannot publish UPDATE/DELETE, and duplicates creep in.",
       f"{SEED} (checklist: Primary Keys); SchemaCrawler (no primary key); tbls")
def _primary_key_missing(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        if t.primary_key is None:
            yield ctx.finding("primary-key-missing",
                              f"table {t.name} has no primary key; add `id UUID PRIMARY KEY "
                              "DEFAULT gen_random_uuid()` or a composite PRIMARY KEY of its "
                              "natural key", t)


def _key_strategy(t: Table) -> tuple[str, str] | None:
    if t.primary_key is None or len(t.primary_key.columns) != 1:
        return None  # composite keys (join tables) follow their parents
    col = t.columns.get(t.primary_key.columns[0])
    if col is None:
        return None
    raw, base, _ = _type_parts(col.type)
    if base == "UUID":
        return "uuid", raw
    if base in _INTEGER_TYPES:
        return "integer", raw
    return None


@_rule("primary-key-strategy-mixed", "warning",
       "Single-column primary keys use one strategy: all UUID or all integer.",
       "The seed's checklist asks for \"UUID or auto-increment chosen consistently\": mixing "
       "them means FK column types differ per parent, ids leak row counts on some tables and "
       "not others, and generators differ per service. The minority is reported; waive a "
       "deliberate exception with its reason.", f"{SEED} (checklist: Primary Keys)")
def _primary_key_strategy_mixed(ctx: _Context) -> Iterator[Finding]:
    by_kind: dict[str, list[tuple[Table, str]]] = {}
    order: list[str] = []
    for t in ctx.tables():
        k = _key_strategy(t)
        if k:
            if k[0] not in by_kind:
                order.append(k[0])
            by_kind.setdefault(k[0], []).append((t, k[1]))
    if len(by_kind) < 2:
        return
    # the majority wins; on a tie, the strategy of the first table declared
    major = max(by_kind, key=lambda k: (len(by_kind[k]), -order.index(k)))
    for kind, tables in by_kind.items():
        if kind == major:
            continue
        for t, raw in tables:
            pk_col = t.primary_key.columns[0]
            yield ctx.finding("primary-key-strategy-mixed",
                              f"{t.name} has {'an' if kind == 'integer' else 'a'} {kind} primary "
                              f"key ({raw}) while {len(by_kind[major])} table(s) use {major}; use "
                              f"{major} keys, or waive with the reason", t, column=pk_col,
                              source=ctx.column_source(t, pk_col))


# -- foreign keys ---------------------------------------------------------------------------

def _fk_label(t: Table, fk: ForeignKey) -> str:
    return f"{t.name}({', '.join(fk.columns)}) -> {fk.ref_table}({', '.join(fk.ref_columns)})"


@_rule("fk-missing-index", "warning",
       "Foreign-key columns are the leading columns of some index, primary key or unique "
       "constraint.",
       "Deleting or updating a parent row makes the engine look up the children by the FK "
       "columns, and joins go the same way: without an index that *starts* with them it is a "
       "full scan per parent row (tbls only checks that the column is in some index). "
       "PostgreSQL and SQLite never create it; MariaDB/InnoDB does silently - the design should "
       "still say so explicitly. Partial and expression indexes do not count.",
       f"{SEED} (\"Index foreign keys used in JOINs\"); SchemaCrawler; tbls requireForeignKeyIndex")
def _fk_missing_index(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        keys = [k for k in ctx.keys(t) if k.where is None and k.method in ("btree", "hash")]
        for fk in t.foreign_keys:
            want = set(fk.columns)
            n = len(fk.columns)
            if any(len(lead := k.leading_columns) >= n and set(lead[:n]) == want for k in keys):
                continue
            cols = ", ".join(fk.columns)
            yield ctx.finding("fk-missing-index",
                              f"no index starts with {t.name}({cols}) for FK {_fk_label(t, fk)}; "
                              f"CREATE INDEX {_new_name('idx', t.name, *fk.columns)} ON {_qt(t)} "
                              f"({_qcols(fk.columns)})",
                              t, column=fk.columns[0] if n == 1 else None, source=fk.source)


@_rule("fk-on-delete-unspecified", "warning",
       "Every foreign key says what happens when the parent is deleted (ON DELETE ...).",
       "The default (NO ACTION) is rarely a decision; the seed asks for relationships "
       "\"defined with CASCADE/RESTRICT\". Writing it down makes the review discuss it.",
       f"{SEED} (checklist: Foreign Keys)")
def _fk_on_delete_unspecified(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        for fk in t.foreign_keys:
            if fk.on_delete is None:
                col = fk.columns[0] if len(fk.columns) == 1 else None
                yield ctx.finding("fk-on-delete-unspecified",
                                  f"FK {_fk_label(t, fk)} has no ON DELETE; add ON DELETE "
                                  "RESTRICT, CASCADE or SET NULL", t, column=col, source=fk.source)


@_rule("fk-type-mismatch", "error",
       "A foreign-key column has the same type as the column it references.",
       "Mismatched types force casts on every join (an index may not be used) and can reject "
       "valid parent values (INT child of a BIGINT parent). Only a length/precision difference "
       "is reported as a warning.", "SchemaCrawler (foreign key data type different from primary key)")
def _fk_type_mismatch(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        for fk in t.foreign_keys:
            parent = ctx.schema.table(fk.ref_table)
            if parent is None:
                continue  # reported by fk-target-not-unique
            for col, ref in zip(fk.columns, fk.ref_columns):
                c, p = t.columns.get(col), parent.columns.get(ref)
                if c is None or p is None:
                    continue
                _, cb, cf = _type_parts(c.type)
                _, pb, pf = _type_parts(p.type)
                if cb != pb:
                    yield ctx.finding("fk-type-mismatch",
                                      f"{t.name}.{col} is {c.type} but references {parent.name}.{ref} "
                                      f"({p.type}); make it {pf}", t, column=col,
                                      source=ctx.column_source(t, col))
                elif cf != pf:
                    yield ctx.finding("fk-type-mismatch",
                                      f"{t.name}.{col} is {c.type} but references {parent.name}.{ref} "
                                      f"({p.type}); use the same length: {pf}", t, column=col,
                                      source=ctx.column_source(t, col), severity="warning")


@_rule("fk-target-not-unique", "error",
       "A foreign key references an existing table's primary key or unique columns.",
       "PostgreSQL refuses a foreign key whose target is not a primary key or a non-partial "
       "unique constraint/index on exactly those columns; MySQL accepts any indexed column and "
       "then means something else by the relationship.", "PostgreSQL CREATE TABLE docs; SchemaCrawler")
def _fk_target_not_unique(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        for fk in t.foreign_keys:
            parent = ctx.schema.table(fk.ref_table)
            col = fk.columns[0] if len(fk.columns) == 1 else None
            if parent is None:
                yield ctx.finding("fk-target-not-unique",
                                  f"FK {_fk_label(t, fk)} references table {fk.ref_table}, which "
                                  "is not in the schema; create it first or fix the name", t,
                                  column=col, source=fk.source)
                continue
            missing = [c for c in fk.ref_columns if c not in parent.columns]
            if missing:
                yield ctx.finding("fk-target-not-unique",
                                  f"FK {_fk_label(t, fk)} references unknown column(s) "
                                  f"{', '.join(missing)} of {parent.name}", t, column=col, source=fk.source)
                continue
            want = set(fk.ref_columns)
            if not any(set(s) == want and len(s) == len(fk.ref_columns)
                       for s in parent.unique_column_sets()):
                yield ctx.finding("fk-target-not-unique",
                                  f"FK {_fk_label(t, fk)} targets columns that are not unique in "
                                  f"{parent.name}; reference its primary key, or add UNIQUE "
                                  f"({', '.join(fk.ref_columns)}) to {parent.name}", t, column=col,
                                  source=fk.source)


@_rule("fk-duplicate", "warning",
       "No two foreign keys of a table have the same columns and the same target.",
       "A second FK on the same columns to the same table and columns checks nothing new: each "
       "write pays for both checks, the ERD shows two relationships, and a later change of "
       "actions (ON DELETE) on one of them silently leaves the other in force. Usually the "
       "leftover of a migration that re-added a constraint under a new name.",
       "tbls lint (duplicateRelations)")
def _fk_duplicate(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        seen: dict[tuple, ForeignKey] = {}
        for fk in t.foreign_keys:
            key = (tuple(fk.columns), ctx.schema.table(fk.ref_table) or fk.ref_table,
                   tuple(fk.ref_columns))
            key = (key[0], getattr(key[1], "qualname", key[1]), key[2])
            first = seen.setdefault(key, fk)
            if first is fk:
                continue
            yield ctx.finding("fk-duplicate",
                              f"FK {fk.name or _fk_label(t, fk)} repeats "
                              f"{first.name or 'an earlier FK'} ({_fk_label(t, fk)}: same columns, "
                              f"same target); drop one of them", t,
                              column=fk.columns[0] if len(fk.columns) == 1 else None,
                              source=fk.source)


@_rule("fk-cascade-nullable", "error",
       "FK actions fit the column's nullability: no SET NULL on NOT NULL, no CASCADE on an "
       "optional (nullable) relationship.",
       "ON DELETE SET NULL on a NOT NULL column can never succeed - the parent delete fails "
       "with a not-null violation (error; SET DEFAULT without a default is the same bug). "
       "ON DELETE CASCADE on a nullable FK means an optional child is still deleted with its "
       "parent - usually SET NULL was meant (warning). Self-references are exempt from the "
       "second check: there NULL marks a root and CASCADE deletes the subtree.",
       "dbdesign (constraint semantics; see docs/rules.md)")
def _fk_cascade_nullable(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        for fk in t.foreign_keys:
            cols = [t.columns[c] for c in fk.columns if c in t.columns]
            label = _fk_label(t, fk)
            for when, action in (("DELETE", fk.on_delete), ("UPDATE", fk.on_update)):
                if action == "SET NULL":
                    for c in cols:
                        if not c.nullable:
                            yield ctx.finding("fk-cascade-nullable",
                                              f"FK {label} is ON {when} SET NULL but {t.name}.{c.name} "
                                              "is NOT NULL, so the parent's "
                                              f"{when.lower()} will fail; use RESTRICT/CASCADE or "
                                              "make the column nullable", t, column=c.name,
                                              source=fk.source)
                elif action == "SET DEFAULT":
                    for c in cols:
                        if c.default is None and not c.nullable:
                            yield ctx.finding("fk-cascade-nullable",
                                              f"FK {label} is ON {when} SET DEFAULT but "
                                              f"{t.name}.{c.name} has no default and is NOT NULL; "
                                              "add a DEFAULT or pick another action", t,
                                              column=c.name, source=fk.source)
            if (fk.on_delete == "CASCADE" and fk.ref_table != t.qualname and cols
                    and all(c.nullable for c in cols)):
                yield ctx.finding("fk-cascade-nullable",
                                  f"FK {label} is ON DELETE CASCADE but nullable: an optional "
                                  "child is deleted with its parent; use ON DELETE SET NULL, or "
                                  "make the column NOT NULL if the child cannot exist alone", t,
                                  column=cols[0].name if len(cols) == 1 else None,
                                  source=fk.source, severity="warning")


# -- indexes --------------------------------------------------------------------------------

def _covers(a: _Key, b: _Key) -> bool:
    """True when index `b` can do everything `a` does (same kind, same WHERE, a's key a left
    prefix of b's with compatible directions, a's INCLUDE columns available in b)."""
    if a.method != b.method or a.where != b.where or len(a.parts) > len(b.parts):
        return False
    if b.parts[:len(a.parts)] != a.parts:
        return False
    if a.method != "btree" and len(a.parts) != len(b.parts):
        return False  # only B-trees serve left prefixes
    if len(a.parts) > 1:  # one column can be scanned either way
        da, db = a.desc, b.desc[:len(a.desc)]
        if da != db and da != tuple(not x for x in db):
            return False
    b_cols = {p[2:] for p in b.parts if p.startswith("c:")} | b.include
    if not a.include <= b_cols:
        return False
    if a.unique:
        # a unique index is never redundant to a non-unique or a wider one: it is a constraint
        return b.unique and len(a.parts) == len(b.parts)
    return True


@_rule("index-redundant", "warning",
       "No index duplicates another or is a left prefix of another with the same WHERE.",
       "Every index costs writes, memory and disk (the seed: \"Each index slows "
       "INSERT/UPDATE\"); an index whose columns lead another index (same method, predicate, "
       "compatible sort order) is never needed for lookups. A unique index is never redundant "
       "to a non-unique one: it enforces a rule.",
       f"{SEED} (Index Trade-offs); SchemaCrawler (redundant index); Use The Index, Luke")
def _index_redundant(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        keys = ctx.keys(t)
        for i, a in enumerate(keys):
            if a.index is None:
                continue  # PK and UNIQUE constraints are reported by nobody: they are rules
            for j, b in enumerate(keys):
                if i == j or not _covers(a, b):
                    continue
                if _covers(b, a) and b.index is not None and j > i:
                    continue  # exact duplicates: report only the later one
                what = "duplicates" if len(a.parts) == len(b.parts) else "is a left prefix of"
                other = {"index": f"index {b.name}", "pk": "the primary key"}.get(
                    b.kind, f"constraint {b.name or 'UNIQUE (' + ', '.join(p[2:] for p in b.parts) + ')'}")
                yield ctx.finding("index-redundant",
                                  f"index {a.name} on {t.name} {what} {other}; DROP INDEX {a.name}",
                                  t, index=a.name, source=a.index.source)
                break


@_rule("index-too-many", "warning",
       "A table has at most `max` indexes (primary key and unique constraints included).",
       "Every index is written on every INSERT and on UPDATEs of its columns (the seed: "
       "\"Avoid over-indexing (diminishing returns)\"); past a handful, each new one needs a "
       "query that proves it.", f"{SEED} (Best Practices); Use The Index, Luke", max=8)
def _index_too_many(ctx: _Context) -> Iterator[Finding]:
    limit = ctx.opt("index-too-many", "max")
    for t in ctx.tables():
        n = len(ctx.keys(t))
        if n > limit:
            yield ctx.finding("index-too-many",
                              f"table {t.name} has {n} indexes (incl. primary key and unique "
                              f"constraints), more than {limit}; drop ones no query needs, or "
                              "raise [rules.index-too-many] max", t)


# -- constraints ----------------------------------------------------------------------------

def _unique_mentions(table: Table, ctx: _Context, column: str) -> list[_Key]:
    out = []
    for k in ctx.keys(table):
        if not k.unique:
            continue
        for p in k.parts:
            if p == "c:" + column or (p.startswith("e:") and column.lower() in
                                      {c.lower() for c in expression_names(p[2:])[1]}):
                out.append(k)
                break
    return out


def _name_matches(name: str, names: Iterable[str]) -> bool:
    return any(name == n or name.endswith("_" + n) for n in names)


@_rule("unique-missing", "warning",
       "Email, username, slug-like columns have a unique constraint or unique index.",
       "The seed lists \"Unique Index: Email, username\": two accounts with one email is a "
       "bug the application cannot prevent under concurrency - only the database can.",
       f"{SEED} (Indexing Strategy, Data Integrity)",
       columns=["email", "email_address", "username", "user_name", "login", "slug", "handle"])
def _unique_missing(ctx: _Context) -> Iterator[Finding]:
    names = set(ctx.opt("unique-missing", "columns"))
    for t in ctx.tables():
        for c in t.columns.values():
            if c.name in names and not _unique_mentions(t, ctx, c.name):
                sd = ctx.config.soft_delete_column
                where = f" WHERE {_q(sd)} IS NULL" if sd in t.columns else ""
                yield ctx.finding("unique-missing",
                                  f"{t.name}.{c.name} looks like an identifier but nothing makes it "
                                  f"unique; CREATE UNIQUE INDEX {_new_name('idx', t.name, c.name)} "
                                  f"ON {_qt(t)} ({_q(c.name)}){where}", t, column=c.name,
                                  source=ctx.column_source(t, c.name))


_CHECK_LIST_RE = r"\b{col}\b\s*(?:NOT\s+)?IN\s*\(|\b{col}\b\s*=\s*ANY\s*\("


@_rule("enum-check-missing", "warning",
       "status/state/role/kind/type-like columns are limited by CHECK (col IN (...)), an enum "
       "type or a foreign key to a lookup table.",
       "The seed's example: `CHECK (status IN ('draft', 'published', 'archived'))`. A free-text "
       "status column collects typos ('Published', 'publised') that every query must handle.",
       f"{SEED} (Data Integrity: CHECK)", names=["status", "state", "role", "kind", "type"])
def _enum_check_missing(ctx: _Context) -> Iterator[Finding]:
    names = ctx.opt("enum-check-missing", "names")
    named: dict[str, bool] = {}  # per distinct column name: a large schema repeats a few
    for t in ctx.tables():
        fk_cols = {c for fk in t.foreign_keys for c in fk.columns}
        for c in t.columns.values():
            hit = named.get(c.name)
            if hit is None:
                hit = named[c.name] = _name_matches(c.name, names)
            if not hit or c.name in fk_cols:
                continue
            base = _base(c.type)
            if base == "BOOLEAN" or c.type.lower() in ctx.enum_names or \
                    c.type.lower().rsplit(".", 1)[-1] in ctx.enum_names:
                continue
            if t.checks and any(c.name in ck.columns and re.search(
                    _CHECK_LIST_RE.format(col=re.escape(c.name)), ck.expression, re.I) for ck in t.checks):
                continue
            yield ctx.finding("enum-check-missing",
                              f"{t.name}.{c.name} takes a fixed set of values but nothing limits "
                              f"them; add CONSTRAINT {_new_name('ck', t.name, c.name)} CHECK ({_q(c.name)} IN (...)) "
                              "or use an enum type", t, column=c.name,
                              source=ctx.column_source(t, c.name))


@_rule("unique-ignores-soft-delete", "warning",
       "On a soft-deleted table, uniqueness is enforced among live rows only (partial unique "
       "index WHERE deleted_at IS NULL).",
       "A plain UNIQUE keeps a soft-deleted row's value reserved forever: a user who deleted "
       "the account can never sign up again with that email (measured on PostgreSQL 15, see "
       "ENGINE_FACTS.md). The primary key is exempt.",
       f"{SEED} (Soft Delete Pattern); dbdesign")
def _unique_ignores_soft_delete(ctx: _Context) -> Iterator[Finding]:
    sd = ctx.config.soft_delete_column
    for t in ctx.tables():
        if sd not in t.columns:
            continue
        for k in ctx.keys(t):
            if not k.unique or k.kind == "pk":
                continue
            if any(p == "c:" + sd for p in k.parts) or (k.where and sd in k.where):
                continue
            cols = ", ".join(_q(p[2:]) if p.startswith("c:") else f"({p[2:]})" for p in k.parts)
            label = f"index {k.name}" if k.index else f"UNIQUE ({cols})"
            src = k.source if k.source.line else t.source
            yield ctx.finding("unique-ignores-soft-delete",
                              f"{label} on {t.name} also counts soft-deleted rows, so their values "
                              f"stay taken; replace it with CREATE UNIQUE INDEX ... ON {_qt(t)} "
                              f"({cols}) WHERE {_q(sd)} IS NULL", t,
                              column=k.parts[0][2:] if len(k.parts) == 1 and k.parts[0].startswith("c:") else None,
                              index=k.name if k.index else None, source=src)


@_rule("unique-email-case-sensitive", "warning",
       "Uniqueness of email addresses ignores case: a unique index on lower(email), or citext.",
       "`Alice@x.org` and `alice@x.org` are one mailbox; a plain unique index lets both sign up.",
       "dbdesign; PostgreSQL docs (citext)")
def _unique_email_case_sensitive(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        for c in t.columns.values():
            if not (c.name == "email" or c.name.endswith("_email") or c.name == "email_address"):
                continue
            if _base(c.type) == "CITEXT":
                continue
            for k in ctx.keys(t):
                if k.unique and "c:" + c.name in k.parts:
                    src = k.index.source if k.index else ctx.column_source(t, c.name)
                    yield ctx.finding("unique-email-case-sensitive",
                                      f"{'index ' + k.name if k.index else 'UNIQUE'} on "
                                      f"{t.name}.{c.name} is case-sensitive; use CREATE UNIQUE INDEX "
                                      f"... ON {_qt(t)} (lower({_q(c.name)})) or the citext type", t,
                                      column=c.name, index=k.name if k.index else None, source=src)


# -- auditing -------------------------------------------------------------------------------

@_rule("timestamps-missing", "warning",
       "Every table has created_at and updated_at (configurable: [lint] timestamp_columns).",
       "The seed's checklist: \"Timestamps: created_at, updated_at on all tables\" - the first "
       "thing anyone asks when debugging data. A conventional synonym counts (`synonyms`: "
       "Sakila's `last_update`, Rails' `inserted_at`, ...).", f"{SEED} (Timestamps and Auditing)",
       synonyms={"created_at": ["created", "created_on", "create_time", "creation_date",
                                "date_created", "inserted_at", "insert_time"],
                 "updated_at": ["last_update", "last_updated", "last_modified", "modified_at",
                                "modified", "modified_on", "updated", "updated_on",
                                "update_time", "date_modified"]})
def _timestamps_missing(ctx: _Context) -> Iterator[Finding]:
    wanted = ctx.config.timestamp_columns
    synonyms = ctx.opt("timestamps-missing", "synonyms")
    for t in ctx.tables():
        for name in wanted:
            if name not in t.columns and not any(s in t.columns for s in synonyms.get(name, [])):
                yield ctx.finding("timestamps-missing",
                                  f"table {t.name} has no {name}; add {_q(name)} TIMESTAMPTZ NOT NULL "
                                  "DEFAULT now()", t, column=name)


@_rule("soft-delete-missing", "warning",
       "User-facing tables have a deleted_at column (soft delete).",
       "The seed: \"Soft Delete: Pattern implemented for user-facing data\" - recovery, audit "
       "trail, and references that stay valid. Which tables are user-facing is a design "
       "decision: list them in [lint] user_facing_tables; without that list the lint guesses "
       "(the users table and tables with a non-audit FK to it) and says so.",
       f"{SEED} (Soft Delete Pattern, checklist)")
def _soft_delete_missing(ctx: _Context) -> Iterator[Finding]:
    sd = ctx.config.soft_delete_column
    tables, guessed = user_facing_tables(ctx.schema, ctx.conv)
    why = "" if not guessed else (" (guessed user-facing: it is or references "
                                 f"{ctx.config.users_table}; list [lint] user_facing_tables in "
                                 "dbdesign.toml to decide)")
    for t in tables:
        if sd not in t.columns:
            yield ctx.finding("soft-delete-missing",
                              f"user-facing table {t.name} has no {sd}{why}; add {_q(sd)} TIMESTAMPTZ "
                              "NULL and filter on it", t, column=sd)


@_rule("audit-columns-missing", "warning",
       "Tables record who changed them: created_by and updated_by (configurable: [lint] "
       "audit_columns).",
       "The seed's audit plan: \"Track who created/updated records\" with created_by/updated_by "
       "referencing users.", f"{SEED} (Timestamps and Auditing)")
def _audit_columns_missing(ctx: _Context) -> Iterator[Finding]:
    fix = _audit_column_fix(ctx)
    wanted = [(name, f"; add {_q(name)} {fix}") for name in ctx.config.audit_columns]
    for t in ctx.tables():
        for name, add in wanted:
            if name not in t.columns:
                yield ctx.finding("audit-columns-missing", f"table {t.name} has no {name}{add}", t,
                                  column=name)


_USER_TABLE_WORDS = ("user", "account", "staff", "employee", "member", "editor", "person")


def _audit_column_fix(ctx: _Context) -> str:
    """The column definition to suggest: the type of the user table's key and an FK to it -
    the configured users table, else a table named like one (`staff`, `accounts`, ...) - or,
    without a user table, the schema's usual key type and no FK."""
    users = ctx.schema.table(ctx.config.users_table)
    if users is None:
        for t in ctx.tables():
            if singular_table(t.name) in _USER_TABLE_WORDS or t.name in _USER_TABLE_WORDS:
                users = t
                break
    if users is not None and users.primary_key and len(users.primary_key.columns) == 1:
        key = users.primary_key.columns[0]
        col = users.columns.get(key)
        typ = _key_type(col.type) if col else "BIGINT"
        return (f"{typ} REFERENCES {'.'.join(_q(p) for p in users.qualname.split('.'))} "
                f"({_q(key)}) ON DELETE SET NULL")
    kinds = Counter(_key_type(t.columns[t.primary_key.columns[0]].type) for t in ctx.tables()
                    if t.primary_key and len(t.primary_key.columns) == 1
                    and t.primary_key.columns[0] in t.columns)
    typ = kinds.most_common(1)[0][0] if kinds else "BIGINT"
    return (f"{typ} (the acting user's id; no users table in this schema to reference - "
            "set [lint] users_table if it has another name)")


def _key_type(type_text: str) -> str:
    """A key column's type as a referencing column declares it (SERIAL -> INT)."""
    base = _base(type_text)
    serial = {"SERIAL": "INT", "BIGSERIAL": "BIGINT", "SMALLSERIAL": "SMALLINT"}
    return serial.get(base) or (base if base in ("INT", "BIGINT", "SMALLINT", "UUID")
                                else type_text.upper())


# -- types ----------------------------------------------------------------------------------

@_rule("timestamp-without-time-zone", "warning",
       "Timestamps are TIMESTAMPTZ, not TIMESTAMP (without time zone).",
       "TIMESTAMP stores a wall-clock reading with no zone: the same instant written from two "
       "servers in different zones compares wrong. TIMESTAMPTZ stores an instant.",
       f"{DONT} (\"Don't use timestamp (without time zone)\"); squawk prefer-timestamptz")
def _timestamp_without_time_zone(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        for c in t.columns.values():
            if _base(c.type) == "TIMESTAMP":
                yield ctx.finding("timestamp-without-time-zone",
                                  f"{t.name}.{c.name} is {c.type}; use TIMESTAMPTZ", t,
                                  column=c.name, source=ctx.column_source(t, c.name))


@_rule("char-type", "warning",
       "No CHAR(n): use TEXT or VARCHAR(n) (with a CHECK for a fixed length).",
       "CHAR(n) pads with spaces, which then compare and concatenate surprisingly, and it is "
       "not faster in PostgreSQL.", f"{DONT} (\"Don't use char(n)\"); squawk prefer-text-field")
def _char_type(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        for c in t.columns.values():
            if _base(c.type) == "CHAR":
                yield ctx.finding("char-type",
                                  f"{t.name}.{c.name} is {c.type}; use TEXT or VARCHAR with "
                                  f"CHECK (length({c.name}) = n)", t, column=c.name,
                                  source=ctx.column_source(t, c.name))


@_rule("float-for-money", "error",
       "Money-like columns are NUMERIC(p, s) (or integer cents), never REAL/DOUBLE PRECISION or "
       "MONEY.",
       "Binary floating point cannot represent 0.10 exactly, so sums drift by cents (error). "
       "The MONEY type depends on lc_monetary and rounds fractional cents (warning). Only "
       "money-like names count (`names`, whole words at the end: `unit_price`): a `discount` "
       "or `rate` REAL is usually a fraction, not an amount.",
       f"{DONT} (\"Don't use money\"); dbdesign",
       names=["price", "amount", "cost", "total", "subtotal", "balance", "fee", "salary", "tax",
              "money", "payment", "revenue", "credit", "debit"])
def _float_for_money(ctx: _Context) -> Iterator[Finding]:
    names = ctx.opt("float-for-money", "names")
    for t in ctx.tables():
        for c in t.columns.values():
            base = _base(c.type)
            if base == "MONEY":
                yield ctx.finding("float-for-money",
                                  f"{t.name}.{c.name} is MONEY; use NUMERIC(12, 2) and store the "
                                  "currency in its own column", t, column=c.name,
                                  source=ctx.column_source(t, c.name), severity="warning")
            elif base in _FLOAT_TYPES and _name_matches(c.name, names):
                yield ctx.finding("float-for-money",
                                  f"{t.name}.{c.name} holds money as {c.type}; use NUMERIC(12, 2) "
                                  "or integer cents", t, column=c.name,
                                  source=ctx.column_source(t, c.name))


@_rule("serial-type", "warning",
       "Auto-increment keys use GENERATED ... AS IDENTITY, not SERIAL.",
       "serial creates a separately owned sequence with odd permission, dump and ALTER "
       "behaviour; identity columns are the SQL standard way since PostgreSQL 10.",
       f"{DONT} (\"Don't use serial\"); squawk prefer-identity")
def _serial_type(ctx: _Context) -> Iterator[Finding]:
    for t in ctx.tables():
        for c in t.columns.values():
            raw = _type_parts(c.type)[0]
            if raw in _SERIAL_TYPES or (c.default and c.default.lower().startswith("nextval(")
                                        and c.identity is None):
                kind = "BIGINT" if _base(c.type) == "BIGINT" else "INT"
                yield ctx.finding("serial-type",
                                  f"{t.name}.{c.name} is {c.type if raw in _SERIAL_TYPES else 'a sequence default'}; "
                                  f"use {kind} GENERATED ALWAYS AS IDENTITY", t, column=c.name,
                                  source=ctx.column_source(t, c.name))


# -- meta rules: produced by the waiver and config machinery -----------------------------

RULES["waiver-unused"] = Rule(
    "waiver-unused", "info", "A waiver in dbdesign.toml matches no finding.",
    "A stale waiver hides the next real finding on that object; delete it when the design no "
    "longer needs it.", "dbdesign", meta=True)
RULES["config-unknown-table"] = Rule(
    "config-unknown-table", "warning", "dbdesign.toml names a table the schema does not have.",
    "A typo in user_facing_tables would otherwise silently switch a check off for that table.",
    "dbdesign", meta=True)


# -- running --------------------------------------------------------------------------------

def _sort_findings(findings: list[Finding]) -> None:
    """Sort in place by `Finding.sort_key`, one field per stable pass from the last: a key
    tuple per finding costs a fifth of a 50 MB schema's lint memory at once."""
    files = {f.file or "~" for f in findings}
    rank = {name: i for i, name in enumerate(sorted(files))}
    findings.sort(key=lambda f: f.object)
    findings.sort(key=lambda f: f.rule)
    findings.sort(key=lambda f: (((f.waived << 4 | _SEV_ORDER.get(f.severity, 9)) << 32
                                  | rank[f.file or "~"]) << 40) | (f.line or 0))


def lint(schema: Schema, config: Config | None = None, *,
         today: _dt.date | None = None) -> LintResult:
    """Run every enabled rule over `schema`, then apply severity overrides and waivers.

    `today` (default: the current date) decides which waivers have expired."""
    config = config or Config()
    today = today or _dt.date.today()
    ctx = _Context(schema, config)
    findings: list[Finding] = []
    run: list[str] = []
    for rule in RULES.values():
        if not config.rule_enabled(rule.id):
            continue
        run.append(rule.id)
        if rule.check is not None:
            findings.extend(rule.check(ctx))
    del ctx  # its per-table keys: the sort below reuses their memory

    if config.rule_enabled("config-unknown-table"):
        for n in config.user_facing_tables or []:
            if schema.table(n) is None:
                findings.append(Finding(
                    "config-unknown-table", RULES["config-unknown-table"].severity,
                    f"[lint] user_facing_tables names {n!r}, which is not a table in the "
                    "schema; fix or remove it", file=config.path,
                    line=config.key_lines.get("lint.user_facing_tables") or None))

        if "users_table" in config.configured and schema.table(config.users_table) is None:
            findings.append(Finding(
                "config-unknown-table", RULES["config-unknown-table"].severity,
                f"[lint] users_table names {config.users_table!r}, which is not a table in the "
                "schema; fix it (audit-column and soft-delete checks depend on it)",
                file=config.path, line=config.key_lines.get("lint.users_table") or None))

    overrides = {r: config.severity_for(r) for r in {f.rule for f in findings}}
    for f in findings:
        if overrides[f.rule]:
            f.severity = overrides[f.rule]

    used = [0] * len(config.waivers)
    by_rule: dict[str, list[tuple[int, Waiver]]] = {}
    for i, w in enumerate(config.waivers):
        by_rule.setdefault(w.rule, []).append((i, w))
    for f in findings:
        for i, w in by_rule.get(f.rule, ()):
            if not w.matches(f.rule, f.table, f.column, f.index):
                continue
            used[i] += 1
            f.waiver_reason = w.reason
            f.waiver_expires = w.expires.isoformat() if w.expires else None
            if w.expired(today):
                f.message += (f" (a waiver expired on {w.expires.isoformat()}: {w.reason}; "
                              "renew it with a new date or fix the design)")
            else:
                f.waived = True
            break

    if config.rule_enabled("waiver-unused"):
        for w, n in zip(config.waivers, used):
            if n == 0:
                obj_table = w.object.split(".", 1)[0]
                hint = ("" if "*" in w.object or schema.table(obj_table) or schema.find_index(w.object)
                        else f" (no table or index named {w.object!r})")
                findings.append(Finding(
                    "waiver-unused", config.severity_for("waiver-unused") or "info",
                    f"waiver for {w.rule} on {w.object} matches no finding{hint}; delete it",
                    file=w.file, line=w.line))

    _sort_findings(findings)
    return LintResult(findings, run, len(schema.tables), list(schema.skipped))
