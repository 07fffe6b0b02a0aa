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

from .parse import clean_message
from .errors import InputError
from .model import Index, IndexColumn, SourceRef

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
        if self.method and self.method not in ("btree",) and engine != "postgres":
            return []
        from . import dialects
        from .model import Table
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
        """Drop the candidate. MariaDB refuses to drop an index a foreign key relies on (InnoDB
        dropped its own FK index when ours appeared): put a plain FK index back in the same
        ALTER."""
        from .errors import EngineError
        for st in self.drop_sql(engine_obj.name):
            try:
                engine_obj.execute(st)
            except EngineError as err:
                if engine_obj.name != "mysql" or "foreign key" not in str(err).lower():
                    raise
                first = re.sub(r"\s+(ASC|DESC)$", "", self.columns[0].strip(), flags=re.I)
                engine_obj.execute(f"ALTER TABLE `{self.table}` ADD INDEX `fk_{self.table}_{first}` "
                                   f"(`{first}`), DROP INDEX `{self.name}`")

    def drop_sql(self, engine: str) -> list[str]:
        if engine in self.drop:
            return list(self.drop[engine])
        if engine == "mysql":
            return [f"DROP INDEX `{self.name}` ON `{self.table}`"]
        return [f'DROP INDEX "{self.name}"']

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
    values: list[Any] = []
    mark = "?" if engine in ("sqlite", "duckdb") else "%s"

    def repl(m: re.Match) -> str:
        name = m.group(1)
        if name not in params:
            raise InputError(f"parameter :{name} has no value; give it in params")
        values.append(_adapt(params[name], engine))
        return mark

    out = []
    # do not touch string literals (and PostgreSQL '::' casts are excluded by the regex)
    parts = re.split(r"('(?:[^']|'')*')", sql)
    has_params = any(PARAM_RE.search(p) for p in parts[::2])
    for k, part in enumerate(parts):
        if mark == "%s" and has_params:  # pyformat drivers: a literal % must be doubled
            part = part.replace("%", "%%")
        out.append(part if k % 2 else PARAM_RE.sub(repl, part))
    return "".join(out), tuple(values)


def _adapt(v: Any, engine: str) -> Any:
    import datetime
    import uuid
    if isinstance(v, uuid.UUID) and engine in ("sqlite", "mysql"):
        return str(v)
    if isinstance(v, datetime.datetime) and engine == "sqlite":
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    return v


# -- the standard workload over the example schema -------------------------------------------
def _c(name, table, columns, **kw) -> Candidate:
    return Candidate(name, table, list(columns), **kw)


FTS_EXPR = "to_tsvector('english', title || ' ' || coalesce(content, ''))"
DUCKDB_NO_FTS = ("DuckDB's fts extension is downloaded on first use and fails offline; "
                 "no full-text index here (ENGINE_FACTS)")


def blog_workload() -> list[Query]:
    """The standard query patterns over the example blog schema (migrations/)."""
    return [
        Query("user-by-email",
              "SELECT id, username, role FROM users WHERE email = :email",
              {"email": "SELECT email FROM users ORDER BY hash(email) LIMIT 1"},
              [_c("ix_users_email", "users", ["email"])],
              description="Point lookup on a unique column (login).", tables=["users"]),
        Query("user-by-email-ci",
              "SELECT id, username FROM users WHERE lower(email) = :email AND deleted_at IS NULL",
              {"email": "SELECT lower(email) FROM users WHERE deleted_at IS NULL ORDER BY hash(email) LIMIT 1"},
              [_c("ix_users_email", "users", ["email"],
                  note="a plain index does not serve lower(email) on any engine"),
               _c("ix_users_email_lower", "users", ["(lower(email))"], where="deleted_at IS NULL",
                  note="the schema's idx_users_email: expression + partial; SQLite/PostgreSQL")],
              description="Case-insensitive login among live accounts: needs the expression index.",
              tables=["users"]),
        Query("posts-by-user",
              "SELECT id, title, created_at FROM posts WHERE user_id = :user_id "
              "ORDER BY created_at DESC LIMIT 20",
              {"user_id": "SELECT user_id FROM posts GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1"},
              [_c("ix_posts_user_id", "posts", ["user_id"]),
               _c("ix_posts_user_id_created_at", "posts", ["user_id", "created_at DESC"])],
              description="FK lookup + ORDER BY: the composite index also removes the sort.",
              tables=["posts"]),
        Query("posts-by-status-recent",
              "SELECT id, title, created_at FROM posts WHERE status = :status "
              "ORDER BY created_at DESC LIMIT 20",
              {"status": "published"},
              [_c("ix_posts_status", "posts", ["status"]),
               _c("ix_posts_status_created_at", "posts", ["status", "created_at DESC"])],
              description="Filter + sort: composite (status, created_at).", tables=["posts"]),
        Query("posts-created-range",
              "SELECT id, title FROM posts WHERE created_at >= :start AND created_at < :end",
              {"start": "SELECT quantile_disc(created_at, 0.5) FROM posts",
               "end": "SELECT quantile_disc(created_at, 0.5) + INTERVAL 7 DAY FROM posts"},
              [_c("ix_posts_created_at", "posts", ["created_at"],
                  note="DuckDB's ART is not used for a two-sided range (zone maps prune instead)")],
              description="A one-week range scan.", tables=["posts"]),
        Query("posts-search-text",
              f"SELECT id, title FROM posts WHERE {FTS_EXPR} @@ plainto_tsquery('english', :term) LIMIT 20",
              {"term": "vacuum"},
              [Candidate("ix_posts_fts", "posts", [f"({FTS_EXPR})"], method="gin",
                         sql={"sqlite": ["CREATE VIRTUAL TABLE ix_posts_fts USING fts5(title, content, "
                                         "content='posts')",
                                         "INSERT INTO ix_posts_fts(ix_posts_fts) VALUES ('rebuild')"],
                              "mysql": ["CREATE FULLTEXT INDEX ix_posts_fts ON posts (title, content)"],
                              "duckdb": []},
                         drop={"sqlite": ["DROP TABLE ix_posts_fts"]},
                         why_not={"duckdb": DUCKDB_NO_FTS},
                         note="SQLite FTS5 table, PostgreSQL GIN over tsvector, MariaDB FULLTEXT")],
              variants={
                  "sqlite": "SELECT id, title FROM posts WHERE title LIKE '%' || :term || '%' "
                            "OR content LIKE '%' || :term || '%' LIMIT 20",
                  "duckdb": "SELECT id, title FROM posts WHERE title ILIKE '%' || :term || '%' "
                            "OR content ILIKE '%' || :term || '%' LIMIT 20",
                  "mysql": "SELECT id, title FROM posts WHERE title LIKE CONCAT('%', :term, '%') "
                           "OR content LIKE CONCAT('%', :term, '%') LIMIT 20",
              },
              with_index={
                  ("ix_posts_fts", "sqlite"): "SELECT p.id, p.title FROM ix_posts_fts f JOIN posts p "
                                              "ON p.rowid = f.rowid WHERE ix_posts_fts MATCH :term LIMIT 20",
                  ("ix_posts_fts", "mysql"): "SELECT id, title FROM posts WHERE MATCH (title, content) "
                                             "AGAINST (:term IN NATURAL LANGUAGE MODE) LIMIT 20",
              },
              description="Full-text search over title and content. Without the index: LIKE "
                          "(SQLite, MariaDB, DuckDB) or tsvector computed per row (PostgreSQL).",
              tables=["posts"]),
        Query("active-users",
              "SELECT id, username, created_at FROM users WHERE deleted_at IS NULL "
              "ORDER BY created_at DESC LIMIT 50",
              {},
              [_c("ix_users_created_at", "users", ["created_at"]),
               _c("ix_users_active_created_at", "users", ["created_at DESC"], where="deleted_at IS NULL",
                  note="partial index: SQLite and PostgreSQL only, used when the query repeats "
                       "WHERE deleted_at IS NULL")],
              description="Newest live accounts: a partial index skips soft-deleted rows.",
              tables=["users"]),
        Query("comments-join",
              "SELECT c.id, c.body, u.username FROM comments c JOIN users u ON u.id = c.user_id "
              "WHERE c.post_id = :post_id ORDER BY c.created_at",
              {"post_id": "SELECT post_id FROM comments GROUP BY post_id ORDER BY count(*) DESC, post_id LIMIT 1"},
              [_c("ix_comments_post_id", "comments", ["post_id"]),
               _c("ix_comments_post_id_created_at", "comments", ["post_id", "created_at"])],
              description="Comments of a post with their authors: needs the FK index on post_id.",
              tables=["comments", "users"]),
        Query("posts-status-counts-covering",
              "SELECT status, count(*) FROM posts WHERE user_id = :user_id GROUP BY status",
              {"user_id": "SELECT user_id FROM posts GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1"},
              [_c("ix_posts_user_id", "posts", ["user_id"]),
               _c("ix_posts_user_id_status", "posts", ["user_id", "status"],
                  note="covering: the query reads only the index (index-only scan)")],
              description="A covering index: every column the query needs is in the index.",
              tables=["posts"]),
    ]


def get_query(name: str, queries: Sequence[Query] | None = None) -> Query:
    queries = blog_workload() if queries is None else queries
    for q in queries:
        if q.name == name:
            return q
    raise InputError(f"unknown query {name!r}; choose one of {', '.join(q.name for q in queries)}")


# -- user queries from a SQL file ------------------------------------------------------------
HEADER_RE = re.compile(r"^\s*--\s*(name|param|candidate|description)\s*:\s*(.*?)\s*$", re.I)


def load_queries(path: str) -> list[Query]:
    """Queries from a SQL file of blocks::

        -- name: user-by-email
        -- description: login lookup
        -- param: email = SELECT email FROM users LIMIT 1     (DuckDB SQL over generated data)
        -- param: status = 'published'                          (a literal)
        -- candidate: users (email)
        -- candidate: posts (user_id, created_at DESC) WHERE deleted_at IS NULL
        SELECT id FROM users WHERE email = :email;

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
        q = Query(cur["name"], sql, cur["params"], cur["candidates"],
                  description=cur["description"], tables=tables, source=SourceRef(file, cur["line"]))
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
                       "candidates": [], "description": ""}
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
            continue
        if cur is None:
            if line.strip() and not line.strip().startswith("--"):
                raise InputError("SQL before the first '-- name: ...' header; name each query", file, lineno)
            continue
        if cur["sql_line"] is None and line.strip() and not line.strip().startswith("--"):
            cur["sql_line"] = lineno
        cur["lines"].append(line)
    finish()
    if not queries:
        raise InputError("no queries found; start each one with '-- name: my-query'", file)
    return queries


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
