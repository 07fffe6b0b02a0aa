"""Named query patterns and the candidate indexes that could serve them.

A `Query` is written once in PostgreSQL dialect with named parameters (`:email`), with per-engine
SQL only where syntax really differs (full-text search). Its parameters are drawn from the
generated data (a DuckDB query over the staging tables), so a lookup always hits a real row.
A `Candidate` is an index as the schema model describes it (`model.Index`), rendered per engine
by `dialects` - or, for structures that are not plain indexes (SQLite FTS5 tables, MariaDB
FULLTEXT, PostgreSQL GIN over tsvector), per-engine DDL given explicitly.

Users add queries from a SQL file of ``-- name: xyz`` blocks (`load_queries`) or a notebook
cell (`Query(name, sql, params, candidates)`).
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import sqlglot

from dbdesign.dialects.base import needs_quote
from dbdesign.schema.parse import clean_message
from dbdesign.errors import InputError
from dbdesign.model import Index, IndexColumn, SourceRef

ENGINE_NAMES = ("sqlite", "duckdb", "postgres", "mysql")
PARAM_RE = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@dataclass
class Candidate:
    """An index that could serve a query. `sql` overrides the DDL per engine (a list of
    statements; an empty list = not available there, with `why_not` saying why)."""
    name: str
    table: str
    columns: list[str] = field(default_factory=list)  # "col", "col DESC", "(lower(email))"
    unique: bool = False
    where: str | None = None
    include: list[str] = field(default_factory=list)
    method: str | None = None
    sql: dict[str, list[str]] = field(default_factory=dict)
    drop: dict[str, list[str]] = field(default_factory=dict)
    why_not: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def index(self) -> Index:
        """The candidate as a schema-model Index."""
        cols = []
        for c in self.columns:
            text = c.strip()
            desc = bool(re.search(r"\s+DESC$", text, re.I))
            text = re.sub(r"\s+(ASC|DESC)$", "", text, flags=re.I)
            if text.startswith("("):
                cols.append(IndexColumn(expression=text[1:-1], desc=desc))
            else:
                cols.append(IndexColumn(column=text, desc=desc))
        return Index(self.name, self.table, cols, unique=self.unique, where=self.where,
                     method=self.method, include=list(self.include))

    def ddl(self, engine: str, schema=None) -> list[str]:
        """CREATE statements for `engine`; [] when the engine cannot build it (see reason())."""
        if engine in self.sql:
            return list(self.sql[engine])
        from dbdesign import dialects, engines
        if self.method and self.method not in engines.engine_class(engine).index_methods:
            return []
        from dbdesign.model import Table
        d = dialects.get_dialect(engine)
        table = (schema.table(self.table) if schema is not None else None) or Table(self.table)
        ix = d.adapt_index(schema, table, copy.deepcopy(self.index())) if schema is not None else \
            d.adapt_index(None, table, copy.deepcopy(self.index()))
        self._notes = {**getattr(self, "_notes", {}), engine: [n.detail for n in d.ctx.notes]}
        return [d.create_index_sql(table, ix)] if ix is not None else []

    def reason(self, engine: str, schema=None) -> str:
        """Why the candidate is not available on `engine` ('' when it is)."""
        if engine in self.why_not:
            return self.why_not[engine]
        if self.ddl(engine, schema):
            return ""
        notes = getattr(self, "_notes", {}).get(engine) or []
        return "; ".join(notes) or f"{engine} cannot build this index"

    def drop_from(self, engine_obj) -> None:
        """Drop the candidate (its own DROP statements where it has them, else the engine's)."""
        if engine_obj.name in self.drop:
            for st in self.drop[engine_obj.name]:
                engine_obj.execute(st)
            return
        engine_obj.drop_index(self.name, self.table, self.columns)

    def label(self) -> str:
        cols = ", ".join(self.columns)
        extra = f" INCLUDE ({', '.join(self.include)})" if self.include else ""
        where = f" WHERE {self.where}" if self.where else ""
        using = f" USING {self.method}" if self.method else ""
        return f"{self.table}{using} ({cols}){extra}{where}"


@dataclass
class Query:
    """A named query. `params` maps a parameter to a literal value or to DuckDB SQL over the
    generated data (a string starting with SELECT) that returns it. `variants[engine]` replaces
    the SQL on one engine; `with_index[(candidate, engine)]` is the SQL to use once that
    candidate exists (full-text: MATCH needs the FULLTEXT index / FTS5 table)."""
    name: str
    sql: str
    params: dict[str, Any] = field(default_factory=dict)
    candidates: list[Candidate] = field(default_factory=list)
    variants: dict[str, str] = field(default_factory=dict)
    with_index: dict[tuple[str, str], str] = field(default_factory=dict)
    description: str = ""
    tables: list[str] = field(default_factory=list)
    source: SourceRef = field(default_factory=SourceRef)

    def sql_for(self, engine: str, candidate: str | None = None) -> str:
        if candidate is not None and (candidate, engine) in self.with_index:
            return self.with_index[(candidate, engine)]
        return self.variants.get(engine, self.sql)

    def candidate(self, name: str) -> Candidate:
        for c in self.candidates:
            if c.name == name:
                return c
        raise InputError(f"query {self.name!r} has no candidate index {name!r}; it has "
                         f"{', '.join(c.name for c in self.candidates) or 'none'}")

    def resolve_params(self, data=None) -> dict[str, Any]:
        """Parameter values: literals as given, SELECTs run on the generated data."""
        out = {}
        for k, v in self.params.items():
            if isinstance(v, str) and v.lstrip().upper().startswith(("SELECT", "WITH")):
                if data is None:
                    raise InputError(f"query {self.name}: parameter :{k} is drawn from generated "
                                     "data; pass the Dataset")
                rows = data.sample(v)
                if not rows:
                    raise InputError(f"query {self.name}: parameter :{k} query returned no row: {v}")
                out[k] = rows[0][0]
            else:
                out[k] = v
        return out


def bind(sql: str, params: dict[str, Any], engine: str) -> tuple[str, tuple]:
    """Named `:param` -> the driver's positional placeholder, values in order. UUIDs and
    timestamps become text where the driver would not adapt them (sqlite3, PyMySQL)."""
    from dbdesign.engines import Params, engine_class
    marks = Params()

    def repl(m: re.Match) -> str:
        name = m.group(1)
        if name not in params:
            raise InputError(f"parameter :{name} has no value; give it in params")
        return marks(params[name])

    # do not touch string literals (and PostgreSQL '::' casts are excluded by the regex)
    parts = re.split(r"('(?:[^']|'')*')", sql)
    marked = "".join(part if k % 2 else PARAM_RE.sub(repl, part) for k, part in enumerate(parts))
    out, values = engine_class(engine).bind(marked, marks)
    return out, tuple(values)


def get_query(name: str, queries: Sequence[Query]) -> Query:
    for q in queries:
        if q.name == name:
            return q
    raise InputError(f"unknown query {name!r}; choose one of {', '.join(q.name for q in queries)}")


# -- user queries from a SQL file ------------------------------------------------------------
HEADER_RE = re.compile(r"^\s*--\s*(name|param|candidate-sql|candidate-drop|candidate|description|variant|"
                       r"with-index|unavailable)\s*:\s*(.*?)\s*$", re.I)
ENGINE_KEY_RE = re.compile(r"^(?:([A-Za-z_]\w*)\s+)?(sqlite|duckdb|postgres|mysql)\s*:\s*(.*)$", re.S)


def load_queries(path: str) -> list[Query]:
    """Queries from a SQL file of blocks::

        -- name: user-by-email
        -- description: login lookup
        -- param: email = SELECT email FROM users LIMIT 1     (DuckDB SQL over generated data)
        -- param: status = 'published'                          (a literal)
        -- candidate: users (email)
        -- candidate: posts (user_id, created_at DESC) WHERE deleted_at IS NULL
        SELECT id FROM users WHERE email = :email;

    Where an engine's syntax differs (full text): ``-- variant: mysql: SELECT ...`` replaces
    the SQL on one engine; ``-- with-index: ix_fts sqlite: SELECT ...`` once candidate ix_fts
    exists; ``-- candidate-sql: ix_fts sqlite: CREATE ...; INSERT ...`` and
    ``-- candidate-drop: ix_fts sqlite: DROP TABLE ix_fts`` build and drop a candidate that is
    not a plain index; ``-- unavailable: ix_fts duckdb: why`` says why an engine has none.

    A query that does not parse (PostgreSQL dialect) is an InputError at its file:line."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as err:
        raise InputError(f"cannot read queries file: {err.strerror}", path) from None
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason}); save the file as UTF-8", path) from None
    return parse_queries(text, path)


def parse_queries(text: str, file: str = "<queries>") -> list[Query]:
    queries: list[Query] = []
    cur: dict[str, Any] | None = None

    def finish() -> None:
        if cur is None:
            return
        sql = "\n".join(cur["lines"]).strip().rstrip(";").strip()
        if not sql:
            raise InputError(f"query {cur['name']!r} has no SQL after its header", file, cur["line"])
        tables = _check_sql(sql, file, cur["sql_line"] or cur["line"])
        q = Query(cur["name"], sql, cur["params"], cur["candidates"], variants=cur["variants"],
                  with_index=cur["with_index"], description=cur["description"], tables=tables,
                  source=SourceRef(file, cur["line"]))
        queries.append(q)

    for lineno, line in enumerate(text.splitlines(), 1):
        m = HEADER_RE.match(line)
        if m:
            key, value = m.group(1).lower(), m.group(2)
            if key == "name":
                finish()
                if not re.fullmatch(r"[A-Za-z0-9_\-]+", value):
                    raise InputError(f"query name {value!r}: use letters, digits, '-' and '_'", file, lineno)
                if any(q.name == value for q in queries):
                    raise InputError(f"query {value!r} is defined twice", file, lineno)
                cur = {"name": value, "line": lineno, "sql_line": None, "lines": [], "params": {},
                       "candidates": [], "description": "", "variants": {}, "with_index": {}}
                continue
            if cur is None:
                raise InputError(f"'-- {key}:' before any '-- name:' line", file, lineno)
            if key == "description":
                cur["description"] = value
            elif key == "param":
                pm = re.match(r"(\w+)\s*=\s*(.+)$", value)
                if not pm:
                    raise InputError("expected '-- param: name = value-or-SELECT'", file, lineno)
                cur["params"][pm.group(1)] = _param_value(pm.group(2))
            elif key == "candidate":
                cur["candidates"].append(parse_candidate(value, file, lineno,
                                                         f"{cur['name']}_{len(cur['candidates']) + 1}"))
            else:
                _engine_header(cur, key, value, file, lineno)
            continue
        if cur is None:
            if line.strip() and not line.strip().startswith("--"):
                raise InputError("SQL before the first '-- name: ...' header; name each query", file, lineno)
            continue
        if cur["sql_line"] is None:
            if not line.strip() or line.strip().startswith("--"):
                continue  # a comment on the header, not SQL
            cur["sql_line"] = lineno
        cur["lines"].append(line)
    finish()
    if not queries:
        raise InputError("no queries found; start each one with '-- name: my-query'", file)
    return queries


def _engine_header(cur: dict[str, Any], key: str, value: str, file: str, line: int) -> None:
    """`variant`, `with-index`, `candidate-sql`, `candidate-drop`, `unavailable` lines."""
    m = ENGINE_KEY_RE.match(value)
    if not m or bool(m.group(1)) == (key == "variant"):
        form = "ENGINE: SQL" if key == "variant" else "CANDIDATE ENGINE: ..."
        raise InputError(f"expected '-- {key}: {form}' (ENGINE one of {', '.join(ENGINE_NAMES)})",
                         file, line)
    cand_name, engine, text = m.group(1), m.group(2), m.group(3).strip()
    if key == "variant":
        cur["variants"][engine] = text
        return
    cand = next((c for c in cur["candidates"] if c.name == cand_name), None)
    if cand is None:
        raise InputError(f"'-- {key}:' names candidate {cand_name!r}, which this query does not "
                         "declare before it ('-- candidate: name: table (...)')", file, line)
    if key == "with-index":
        cur["with_index"][(cand_name, engine)] = text
    elif key == "unavailable":
        cand.why_not[engine] = text
        cand.sql[engine] = []
    else:
        stmts = [st.strip() for st in text.split(";") if st.strip()]
        (cand.sql if key == "candidate-sql" else cand.drop)[engine] = stmts


def _param_value(text: str) -> Any:
    t = text.strip()
    if t.upper().startswith(("SELECT", "WITH")):
        return t
    if len(t) >= 2 and t[0] == t[-1] == "'":
        return t[1:-1].replace("''", "'")
    if re.fullmatch(r"-?\d+", t):
        return int(t)
    if re.fullmatch(r"-?\d*\.\d+", t):
        return float(t)
    return t


def parse_candidate(spec: str, file: str | None = None, line: int | None = None,
                    default_name: str = "candidate") -> Candidate:
    """`[name:] table [USING method] (col, col DESC, (expr)) [INCLUDE (..)] [WHERE pred]`."""
    name = default_name
    m = re.match(r"^\s*([A-Za-z_]\w*)\s*:\s*(.*)$", spec)
    if m:
        name, spec = m.group(1), m.group(2)
    m = re.match(r"^\s*([\w.]+)\s*(?:USING\s+(\w+)\s*)?\((.*)$", spec, re.I | re.S)
    if not m:
        raise InputError(f"candidate {spec!r}: expected 'table (col, ...)'", file, line)
    table, method, rest = m.group(1), m.group(2), m.group(3)
    depth, k = 1, 0
    while k < len(rest) and depth:
        depth += {"(": 1, ")": -1}.get(rest[k], 0)
        k += 1
    if depth:
        raise InputError(f"candidate {spec!r}: unbalanced parentheses", file, line)
    inner, tail = rest[:k - 1], rest[k:].strip()
    cols, buf, depth = [], "", 0
    for ch in inner:
        if ch == "," and depth == 0:
            cols.append(buf.strip())
            buf = ""
            continue
        depth += {"(": 1, ")": -1}.get(ch, 0)
        buf += ch
    if buf.strip():
        cols.append(buf.strip())
    include: list[str] = []
    im = re.match(r"^INCLUDE\s*\(([^)]*)\)\s*(.*)$", tail, re.I | re.S)
    if im:
        include = [c.strip() for c in im.group(1).split(",") if c.strip()]
        tail = im.group(2).strip()
    where = None
    if tail:
        wm = re.match(r"^WHERE\s+(.+)$", tail, re.I | re.S)
        if not wm:
            raise InputError(f"candidate {spec!r}: unexpected {tail!r} (INCLUDE (...) or WHERE ...)", file, line)
        where = wm.group(1).strip()
    try:
        sqlglot.parse_one(f"CREATE INDEX x ON {table} ({inner})" + (f" WHERE {where}" if where else ""),
                          read="postgres")
    except sqlglot.errors.ParseError as err:
        raise InputError(f"candidate {spec!r} does not parse: {clean_message(str(err).splitlines()[0])}",
                         file, line) from None
    return Candidate(name, table, cols, where=where, include=include, method=method)


def _check_sql(sql: str, file: str, line: int) -> list[str]:
    """Parse check (PostgreSQL dialect); returns the tables the query reads."""
    probe = PARAM_RE.sub("NULL", sql)
    try:
        tree = sqlglot.parse_one(probe, read="postgres")
    except sqlglot.errors.ParseError as err:
        errs = getattr(err, "errors", None) or [{}]
        off = (errs[0].get("line") or 1) - 1
        msg = clean_message(errs[0].get("description") or str(err).splitlines()[0])
        raise InputError(f"query does not parse: {msg}; fix the SQL (PostgreSQL dialect)",
                         file, line + off) from None
    if tree is None:
        raise InputError("query is empty", file, line)
    return sorted({t.name for t in tree.find_all(sqlglot.exp.Table) if t.name})


# -- the project's workload --------------------------------------------------------------------
WORKLOAD_FILE = "workload.sql"


def for_schema(schema, source: str | None = None, config=None) -> list[Query]:
    """The workload to measure for `schema`: $DBDESIGN_WORKLOAD, else the `[workload] queries`
    file of dbdesign.toml when `source` is the configured one (that file is about that
    schema), else a `workload.sql` beside the source whose tables the schema has, else one
    derived from the schema (`derive`)."""
    import os
    path = os.environ.get("DBDESIGN_WORKLOAD")
    if not path and config is not None:
        section = (getattr(config, "extra", None) or {}).get("workload") or {}
        base = os.path.dirname(getattr(config, "path", None) or "") or "."
        mine = source is None or os.path.realpath(source) == os.path.realpath(
            os.path.join(base, config.source))
        if section.get("queries") and mine:
            path = os.path.join(base, section["queries"])
    if not path and source:  # the project's file beside its schema (a migrations folder's parent)
        real = os.path.realpath(source)
        beside = os.path.join(os.path.dirname(real), WORKLOAD_FILE)
        if os.path.isfile(beside):
            queries = load_queries(beside)
            if {t for q in queries for t in q.tables} <= _table_names(schema):
                return queries
    if path:
        queries = load_queries(path)
        missing = sorted({t for q in queries for t in q.tables} - _table_names(schema))
        if missing:
            raise InputError(f"the workload reads tables the schema does not have: "
                             f"{', '.join(missing)}; fix the queries or unset DBDESIGN_WORKLOAD", path)
        return queries
    from dbdesign.schema.naming import conventions
    return derive(schema, conventions(config))


def _table_names(schema) -> set[str]:
    return {n for t in schema.tables.values() for n in (t.name, t.qualname)}


def _temporal(col) -> bool:
    t = (col.type or "").upper() if col is not None else ""
    return t.startswith(("TIMESTAMP", "DATETIME", "DATE"))


class _Sql:
    """Identifiers as the SQL of a derived query needs them: bare where that is safe on every
    engine, else quoted - double quotes in the query, backticks in its MariaDB variant."""

    def __init__(self) -> None:
        self.quoted = False

    def ident(self, name: str, mark: str = '"') -> str:
        if not needs_quote(name):
            return name
        self.quoted = True
        return mark + name.replace(mark, mark * 2) + mark


def derive(schema, conv=None, limit: int = 16) -> list[Query]:
    """A workload derived from the schema alone, for a project without a workload file: per
    table, a lookup by each unique key, the child-by-parent list and the join of each foreign
    key, a filtered or sorted list for each secondary index, and the soft-delete "live rows"
    list; each with the candidate indexes that could serve it. At most `limit` queries
    (lookups and lists first, joins last)."""
    from dbdesign.lab.datagen import quote as dq, staging_name
    from dbdesign.schema.naming import conventions
    conv = conv or conventions()
    sd = conv.soft_delete_column
    first: list[Query] = []
    joins: list[Query] = []
    audit: list[Query] = []  # lists by created_by / updated_by: real, but least telling
    used: set[str] = set()

    def name_for(*parts: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_\-]+", "-", "-".join(parts)).strip("-")[:60] or "query"
        out, k = base, 2
        while out in used:
            out, k = f"{base}-{k}", k + 1
        used.add(out)
        return out

    def make(qname: str, build, params, cands, tables, description) -> Query:
        ids = _Sql()
        sql = build(ids.ident)
        variants = {"mysql": build(lambda n: ids.ident(n, "`"))} if ids.quoted else {}
        return Query(qname, sql, params, cands, variants=variants, description=description,
                     tables=tables)

    def cand(table, cols, where=None) -> Candidate:
        label = "_".join(re.sub(r"\s+(ASC|DESC)$", "", c, flags=re.I) for c in cols)
        return Candidate(re.sub(r"\W+", "_", f"ix_{table.name}_{label}")[:60], table.qualname,
                         list(cols), where=where)

    def most_common(table, cols) -> dict[str, str]:
        """Parameters drawn from the generated rows: the most frequent value(s) of `cols`."""
        src = dq(staging_name(table.qualname))
        keys = ", ".join(dq(c) for c in cols)
        live = " AND ".join(f"{dq(c)} IS NOT NULL" for c in cols)
        return {_pname(c): f"SELECT {dq(c)} FROM {src} WHERE {live} GROUP BY {keys} "
                           f"ORDER BY count(*) DESC, {keys} LIMIT 1" for c in cols}

    for t in schema.tables.values():
        if t.partition_of or not t.columns:
            continue
        pk = list(t.primary_key.columns) if t.primary_key else []
        sel = pk or [next(iter(t.columns))]
        live_ok = sd in t.columns
        sort = next((c for c in conv.timestamp_columns[:1] if _temporal(t.column(c))), None) \
            or (pk[0] if len(pk) == 1 else None)
        src = dq(staging_name(t.qualname))

        def select(q, cols=sel, alias=""):
            return ", ".join(alias + q(c) for c in cols)

        # lookups by each unique key
        for cols in t.unique_column_sets():
            if cols == pk or any(t.column(c) is None for c in cols):
                continue
            where = lambda q, cols=cols: " AND ".join(f"{q(c)} = :{_pname(c)}" for c in cols)  # noqa: E731
            keys = ", ".join(dq(c) for c in cols)
            nn = " AND ".join(f"{dq(c)} IS NOT NULL" for c in cols)
            params = {_pname(c): f"SELECT {dq(c)} FROM {src} WHERE {nn} ORDER BY hash({keys}), {keys} LIMIT 1"
                      for c in cols}
            first.append(make(name_for(t.name, "by", *cols),
                              lambda q, cols=cols, where=where: f"SELECT {select(q)} FROM {q(t.name)} WHERE {where(q)}",
                              params, [cand(t, cols)], [t.qualname],
                              f"Lookup by the unique key ({', '.join(cols)})."))
        # child-by-parent list and join per foreign key
        for fk in t.foreign_keys:
            parent = schema.table(fk.ref_table)
            if parent is None or any(t.column(c) is None for c in fk.columns):
                continue
            cols = list(fk.columns)
            order = sort if sort and sort not in cols else None
            eq = lambda q, cols=cols, a="": " AND ".join(f"{a}{q(c)} = :{_pname(c)}" for c in cols)  # noqa: E731
            cands = [cand(t, cols)] + ([cand(t, cols + [f"{order} DESC"])] if order else [])
            bucket = audit if set(cols) <= conv.audit_fk_columns else first
            if cols in t.unique_column_sets():
                continue  # the unique lookup above serves it
            bucket.append(make(
                name_for(t.name, "by", *cols),
                lambda q, eq=eq, order=order: f"SELECT {select(q)} FROM {q(t.name)} WHERE {eq(q)}"
                + (f" ORDER BY {q(order)} DESC" if order else "") + " LIMIT 20",
                most_common(t, cols), cands, sorted({t.qualname, parent.qualname}),  # parent: FK filled
                f"The {t.name} rows of one {parent.name} (foreign key {', '.join(cols)}), newest first."))
            on = lambda q, fk=fk: " AND ".join(f"c.{q(c)} = p.{q(r)}" for c, r in zip(fk.columns, fk.ref_columns))  # noqa: E731
            psel = list(parent.primary_key.columns) if parent.primary_key else list(fk.ref_columns)
            (audit if bucket is audit else joins).append(make(
                name_for(t.name, "join", parent.name),
                lambda q, on=on, eq=eq, parent=parent, psel=psel: (
                    f"SELECT {select(q, psel, 'p.')}, {select(q, sel, 'c.')} FROM {q(parent.name)} p "
                    f"JOIN {q(t.name)} c ON {on(q)} WHERE {eq(q, a='c.')}"),
                most_common(t, cols), [cand(t, cols)], sorted({t.qualname, parent.qualname}),
                f"A {parent.name} with its {t.name}: the join follows the foreign key."))
        # filtered and sorted lists on each secondary index
        fk_sets = [list(fk.columns) for fk in t.foreign_keys]
        for ix in t.indexes:
            cols = [c.column for c in ix.columns]
            if ix.unique or not cols or None in cols or cols in fk_sets \
                    or any(t.column(c) is None for c in cols):
                continue
            desc = {c.column: c.desc for c in ix.columns}
            keys = [f"{c} DESC" if desc[c] else c for c in cols]
            extra = lambda q, ix=ix: f" AND ({ix.where})" if ix.where else ""  # noqa: E731
            if len(cols) == 1 and _temporal(t.column(cols[0])):
                c = cols[0]
                params = {"start": f"SELECT quantile_disc({dq(c)}, 0.5) FROM {src}",
                          "end": f"SELECT quantile_disc({dq(c)}, 0.5) + INTERVAL 7 DAY FROM {src}"}
                build = lambda q, c=c, extra=extra: (f"SELECT {select(q)} FROM {q(t.name)} WHERE {q(c)} >= :start "
                                                     f"AND {q(c)} < :end{extra(q)}")
                what = f"A one-week range on {c}."
            else:
                eqc, last = (cols[:-1], cols[-1]) if len(cols) > 1 else (cols, None)
                params = most_common(t, eqc)
                build = lambda q, eqc=eqc, last=last, extra=extra: (
                    f"SELECT {select(q)} FROM {q(t.name)} WHERE "
                    + " AND ".join(f"{q(c)} = :{_pname(c)}" for c in eqc) + extra(q)
                    + (f" ORDER BY {q(last)}{' DESC' if desc[last] else ''}" if last else "") + " LIMIT 20")
                what = f"Filtered{' and sorted' if last else ''} list served by the design's {ix.name}."
            first.append(make(name_for(t.name, "by", *cols), build, params,
                              [cand(t, keys, ix.where)], [t.qualname], what))
        # the soft-delete live rows
        if live_ok and sort:
            first.append(make(
                name_for(t.name, "live"),
                lambda q: (f"SELECT {select(q)} FROM {q(t.name)} WHERE {q(sd)} IS NULL "
                           f"ORDER BY {q(sort)} DESC LIMIT 50"),
                {}, [cand(t, [sort]), cand(t, [f"{sort} DESC"], f"{sd} IS NULL")], [t.qualname],
                f"Newest live {t.name} (soft delete: {sd} IS NULL); a partial index skips deleted rows."))
    out, seen = [], set()
    for q in first + joins + audit:
        if q.sql not in seen:
            seen.add(q.sql)
            out.append(q)
    return out[:limit]


def _pname(column: str) -> str:
    return re.sub(r"\W", "_", column)
