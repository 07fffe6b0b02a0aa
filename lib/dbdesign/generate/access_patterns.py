"""Access patterns: the reads a document or key-value design is built for.

A NoSQL design starts from the questions the application asks, not from the tables: each
pattern names its entity (a table), the key fields it is looked up by (equality), an optional
constant filter (`status: published`), an optional sort field, whether it returns one row or
many (with a limit), and how often it runs (requests per second). A YAML file lists them:

    patterns:
      - name: posts_of_user
        entity: posts
        key: [user_id]
        sort: -created_at        # newest first
        many: true
        limit: 20
        frequency: 50            # requests per second

Without a file, `derive()` builds them from the schema the way the workload is: a get by
primary key per table, a get by each unique column, and the children of each owning foreign
key (newest first when there is a `created_at`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from dbdesign.errors import InputError
from dbdesign.model import Schema, Table
from dbdesign.schema.naming import conventions, singular_table

KEYS = {"name", "entity", "key", "filter", "sort", "many", "limit", "frequency", "description"}


@dataclass
class Pattern:
    name: str
    entity: str  # table
    key: list[str]  # equality fields
    filter: dict[str, Any] = field(default_factory=dict)  # constant equality: {"status": "published"}
    sort: str | None = None  # field, newest/largest first when `desc`
    desc: bool = False
    many: bool = False
    limit: int | None = None
    frequency: float = 1.0  # requests per second
    description: str = ""
    line: int | None = None

    def sql(self, table: Table, quote: Callable[[str], str] | None = None) -> tuple[str, list[str]]:
        """The relational query answering this pattern (named parameters = key fields), and
        its ORDER BY columns: sort field then the primary key, both in the pattern's direction,
        so ties come back in one defined order. Names are in standard double quotes unless
        `quote` (a dialect's, e.g. MariaDB's backticks) says otherwise."""
        q = quote or (lambda name: '"' + name.replace('"', '""') + '"')
        where = [f"{q(k)} = :{k}" for k in self.key] + [f"{q(k)} = :f_{k}" for k in self.filter]
        order = ([self.sort] if self.sort else []) + (table.primary_key.columns if table.primary_key else [])
        direction = " DESC" if self.desc else ""
        sql = f'SELECT * FROM {q(table.name)} WHERE {" AND ".join(where) or "1=1"}'
        if order:
            sql += " ORDER BY " + ", ".join(f"{q(c)}{direction}" for c in order)
        if self.limit or not self.many:
            sql += f" LIMIT {int(self.limit or 1)}"
        return sql, order


def load_patterns(path: str, schema: Schema) -> list[Pattern]:
    """Patterns from a YAML file; every field checked against the schema (file:line errors)."""
    import yaml
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except OSError as err:
        raise InputError(f"cannot read the patterns file ({err.strerror}); check the path", path) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(f"not valid YAML: {getattr(err, 'problem', err)}", path,
                         mark.line + 1 if mark else None) from None
    items = (data or {}).get("patterns") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise InputError("expected a top-level `patterns:` list of access patterns", path, 1)
    lines = [n.start_mark.line + 1 for k, v in root.value if k.value == "patterns" for n in v.value]
    out, seen = [], set()
    for raw, line in zip(items, lines):
        out.append(_pattern(raw, schema, path, line))
        if out[-1].name in seen:
            raise InputError(f"pattern {out[-1].name!r} is listed twice; names must be unique", path, line)
        seen.add(out[-1].name)
    return out


def _pattern(raw: Any, schema: Schema, path: str, line: int) -> Pattern:
    def fail(msg: str):
        raise InputError(msg, path, line)
    if not isinstance(raw, dict):
        fail("each pattern is a mapping with name, entity, key, ...")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        fail(f"unknown key {unknown[0]!r}; a pattern has {', '.join(sorted(KEYS))}")
    for k in ("name", "entity", "key"):
        if k not in raw:
            fail(f"pattern lacks {k!r}")
    table = schema.table(str(raw["entity"]))
    if table is None:
        fail(f"entity {raw['entity']!r} is not a table; pick one of {', '.join(schema.tables)}")
    key = raw["key"] if isinstance(raw["key"], list) else [raw["key"]]
    flt = raw.get("filter") or {}
    sort = raw.get("sort")
    desc = isinstance(sort, str) and sort.startswith("-")
    sort = sort.lstrip("-+") if isinstance(sort, str) else None
    if not isinstance(flt, dict):
        fail("filter is a mapping of field: constant value")
    for f in [*key, *flt, *([sort] if sort else [])]:
        if table.column(str(f)) is None:
            fail(f"{table.name} has no column {f!r}; its columns: {', '.join(table.columns)}")
    freq = raw.get("frequency", 1)
    limit = raw.get("limit")
    if isinstance(freq, bool) or not isinstance(freq, (int, float)) or freq <= 0:
        fail(f"frequency must be a positive number of requests per second, not {freq!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        fail(f"limit must be a positive integer, not {limit!r}")
    return Pattern(str(raw["name"]), table.qualname, [str(k) for k in key], dict(flt), sort, desc,
                   bool(raw.get("many", False)), limit, float(freq), str(raw.get("description", "")), line)


def for_schema(schema: Schema, config: Any = None) -> list[Pattern]:
    """The project's access patterns: the `[nosql] patterns` file of dbdesign.toml (relative to
    it) when the config describes this schema, else patterns derived from the schema."""
    import os
    section = ((getattr(config, "extra", None) or {}).get("nosql") or {})
    if section.get("patterns"):
        base = os.path.dirname(getattr(config, "path", None) or "") or "."
        return load_patterns(os.path.join(base, section["patterns"]), schema)
    return derive(schema, config)


def derive(schema: Schema, config: Any = None) -> list[Pattern]:
    """Patterns from the schema alone: get by primary key, get by each single unique column,
    and the children of each owning (non-audit) single-column foreign key."""
    conv = conventions(config)
    created = conv.timestamp_columns[0] if conv.timestamp_columns else "created_at"
    out: list[Pattern] = []
    for t in schema.tables.values():
        ent = singular_table(t.name)
        if t.primary_key and len(t.primary_key.columns) == 1:
            out.append(Pattern(f"{ent}_by_{t.primary_key.columns[0]}", t.qualname, list(t.primary_key.columns),
                               description="get by primary key"))
        plain_unique = {ix.columns[0].column for ix in t.indexes
                        if ix.unique and len(ix.columns) == 1 and ix.columns[0].column}
        plain_unique |= {u.columns[0] for u in t.uniques if len(u.columns) == 1}
        for col in sorted(plain_unique):
            if t.primary_key and [col] == t.primary_key.columns:
                continue
            out.append(Pattern(f"{ent}_by_{col}", t.qualname, [col], description=f"get by unique {col}"))
        for fk in t.foreign_keys:
            if len(fk.columns) != 1 or conv.is_audit_fk(fk) or fk.columns[0] in plain_unique:
                continue
            sort = created if created in t.columns else None
            out.append(Pattern(f"{t.name}_by_{fk.columns[0]}", t.qualname, list(fk.columns), sort=sort,
                               desc=bool(sort), many=True, limit=20,
                               description=f"{t.name} of one {singular_table(fk.ref_table)}"))
    return out
