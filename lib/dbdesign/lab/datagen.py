"""Seeded, realistic, referentially valid test data from the schema model, generated in DuckDB.

Why DuckDB SQL and not Faker: every value is a pure function of (seed, table, column, row
index) computed by vectorised SQL (a row-index table + `hash()`), so 5 M rows take seconds, not
minutes, and the same seed gives byte-identical data on every run and every thread count.

The trick that keeps foreign keys cheap: a primary key value is a function of its row index
(`pk = uuid(hash(seed, table, i))`), so a child row picks a parent *index* (skewed: a few users
write most posts) and computes the parent's key without a join.

Self-references are generated in depth layers (`LAYERS`, `REPLY_LEVELS`): a row points only
at a row of an earlier layer, so chains stay short and an engine that checks each FK against
committed rows (DuckDB) loads a self-referencing table in a few statements.

Constraints: what is decidable is honoured while drawing (IN lists, ranges, lengths, enums,
regular expressions, LIST partition values, unique columns, a created-at time after the owning
row's); the rest is filtered after each table - every CHECK as DuckDB evaluates it, duplicate
unique keys - and the rejected rows are counted per table and reason (`Dataset.rejection`).

`generate(schema, rows)` fills a DuckDB staging database (memory bounded by `memory_limit`;
DuckDB spills beyond it); `load(data, engine)` copies it into SQLite / PostgreSQL / MariaDB /
DuckDB with each engine's `bulk_load`, creating tables first, loading, and building secondary
indexes (and, where the engine can add them later, foreign keys) after (several times
faster, ENGINE_FACTS). Realism knobs and per-column overrides come from [datagen] in
dbdesign.toml (`REALISM_KEYS`).
"""
from __future__ import annotations

import contextlib
import functools
import math
import os
import random
import re
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import duckdb
import sqlglot
from sqlglot import exp

from dbdesign.errors import EngineError, InputError
from dbdesign.model import Column, ForeignKey, Schema, Table

# -- vocabulary (fixed lists; the seed decides which value each row gets) --------------------
FIRST_NAMES = ("Anna Ben Chloe David Emma Felix Grace Hugo Iris Jack Kira Liam Mia Noah Olga Paul "
               "Quinn Rosa Sam Tara Umar Vera Will Xena Yusuf Zoe Aiko Bruno Carmen Dmitri Elif "
               "Farah Goran Hana Ivan Jonas Keiko Lena Marco Nadia Omar Priya Ravi Sofia Tomas "
               "Uma Viktor Wen Yara Zeynep").split()
LAST_NAMES = ("Smith Garcia Muller Rossi Kowalski Silva Nguyen Kim Tanaka Novak Jensen Dubois "
              "Costa Popescu Ivanova Khan Patel Schmidt Moreau Lopez Berg Horvat Fischer Santos "
              "Weber Nowak Romano Larsen Okafor Haddad Yilmaz Andersen Rahman Park Chen Sato Ali "
              "Mendes Varga Petrov").split()
DOMAINS = ("example.com", "mail.test", "inbox.example.org", "post.example.net", "corp.test")
# Common words first: sentences draw them with Zipf-like weights, so a few words are frequent
# and most are rare - what a full-text index is for.
WORDS = ("the data of and to a in is for that with on as design query index database table "
         "schema performance user post comment tag search server cache migration review "
         "constraint key primary foreign unique column row page plan join sort filter scan "
         "engine storage write read latency throughput benchmark model service api release "
         "team product feature update version error log metric trace deploy cluster replica "
         "backup restore partition shard lock transaction commit rollback isolation snapshot "
         "vacuum analyze statistics histogram optimizer cost estimate memory disk buffer "
         "network request response client session token auth account profile email password "
         "python golang rust java sqlite postgres duckdb mariadb json yaml csv parquet arrow "
         "kubernetes docker terraform ansible linux kernel thread process queue stream event "
         "message worker scheduler timeout retry backoff circuit breaker gateway proxy "
         "observability dashboard alert incident postmortem runbook oncall pager latency "
         "tutorial guide lesson story idea opinion question answer tip trick pattern "
         "antipattern refactor legacy greenfield prototype roadmap sprint estimate deadline "
         "coffee garden travel music recipe photo mountain river ocean forest city winter "
         "summer autumn spring morning evening weekend holiday family friend").split()
LIVE_VALUES = ("published", "active", "member", "open", "completed", "approved", "enabled",
               "paid", "delivered", "sent", "confirmed", "visible", "public")
EPOCH_START = "2019-01-01 00:00:00"  # fixed, not now(): same seed => same data on any day
EPOCH_YEARS = 6
UUID_TYPES = {"UUID"}
INT_TYPES = {"INT", "INTEGER", "INT4", "BIGINT", "INT8", "SMALLINT", "INT2", "SERIAL",
             "BIGSERIAL", "SMALLSERIAL", "TINYINT", "MEDIUMINT"}
FLOAT_TYPES = {"REAL", "FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "DOUBLE PRECISION"}
DECIMAL_TYPES = {"NUMERIC", "DECIMAL", "MONEY"}
TEXT_TYPES = {"TEXT", "VARCHAR", "CHARACTER VARYING", "CHAR", "CHARACTER", "CITEXT", "STRING",
              "BPCHAR", "NVARCHAR"}
TS_TYPES = {"TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITHOUT TIME ZONE",
            "DATETIME"}
JSON_TYPES = {"JSON", "JSONB"}
BOOL_TYPES = {"BOOLEAN", "BOOL"}
SKEW = 2.0  # parent index = n * u**SKEW: ~0.1% of parents get ~3% of the children
SOFT_DELETED = 0.05  # share of rows with a deleted_at
# [datagen] keys of dbdesign.toml: realism knobs and per-column overrides (`Realism`)
REALISM_KEYS = {"skew": "FK fan-out skew: parent index = n * u**skew (1 = uniform)",
                "soft_deleted": "share of rows soft-deleted (deleted_at set), 0..1",
                "null_rate": "share of NULLs in every nullable column without its own rule, 0..1",
                "overrides": "table of \"table.column\" = DuckDB SQL over the row index i",
                "memory_limit": "DuckDB memory limit of the generating connection, e.g. \"1GB\""}
PERMUTE = 2654435761  # prime; i * PERMUTE mod n scatters the popular parents over the table
# DuckDB's memory limit for the generating connection; None keeps DuckDB's default (80% of
# RAM). "1GB" held the example at --rows 1 M (peak 1064 MiB, 1452 MiB without) but failed
# at 5 M with "Out of Memory" while loading comments (6 ART indexes over 5 M rows), and
# "1500MB" ended there in a FatalException that invalidates the database (peak 1.66 GB);
# without a limit that run peaks at 6.2 GB. So a limit is opt-in: [datagen] memory_limit
# or generate(memory_limit=...).
MEMORY_LIMIT: str | None = None
# The limit `dbdesign datagen` sets unless told otherwise, when its target builds keys after
# the data (PostgreSQL, MariaDB, SQLite) or there is no target: DuckDB spills the staging
# tables beyond it, so the peak stays bounded whatever --rows is (5 M example rows, 11.8 M in
# all: 1.6 GB loading into PostgreSQL, 1.8 GB into SQLite; generating alone without a limit
# peaks at 3.7 GB). A DuckDB target holds its key indexes in memory while rows arrive, so it
# gets none.
BOUNDED_MEMORY_LIMIT = "1GB"


# Fewest rows a table gets (unless `rows` is smaller): a deep schema's roots would otherwise
# get a handful, and a CHECK or a unique key over a handful of parents leaves nothing to pick
# (MusicBrainz at 2,000 rows: 5 areas, 4 dropped by a CHECK, every area-to-area link a loop).
MIN_ROWS = 20


@dataclass
class TablePlan:
    """How many rows a table gets and why (for the notebook and the progress bar)."""
    name: str
    rows: int
    weight: float
    reason: str


@dataclass
class Dataset:
    """Generated data in a DuckDB database: one staging table per schema table.

    `tables` is in load order (parents before children)."""
    conn: duckdb.DuckDBPyConnection
    schema: Schema
    seed: int
    plan: list[TablePlan]
    counts: dict[str, int] = field(default_factory=dict)
    # rows generated and then dropped, per table and reason (a CHECK that DuckDB found false,
    # a duplicate of a composite UNIQUE, a reference to a dropped parent row): `rejection`
    rejected: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0
    catalog: str = ""  # the staging tables' database in `conn` (set from `conn` when empty)

    def __post_init__(self) -> None:
        if not self.catalog:
            self.catalog = self.conn.execute("SELECT current_database()").fetchone()[0]

    def staged(self, table: str) -> str:
        """The staging table of `table`, fully qualified: valid while a load has another
        database attached and current on `conn`."""
        return f"{quote(self.catalog)}.main.{quote(staging_name(table))}"

    def types(self, table: str) -> dict[str, str]:
        """{column: DuckDB type} of the staging table of `table`."""
        return staged_types(self.conn, table, self.catalog)

    @property
    def tables(self) -> list[str]:
        return [p.name for p in self.plan]

    def rejection(self) -> dict[str, dict[str, Any]]:
        """Per table that lost rows after generation: rows generated, rows rejected, the
        share rejected, and rows per reason."""
        out = {}
        for table, reasons in self.rejected.items():
            n = sum(reasons.values())
            if n:
                made = self.counts.get(table, 0) + n
                out[table] = {"generated": made, "rejected": n, "rate": round(n / made, 4),
                              "reasons": dict(reasons)}
        return out

    def columns(self, table: str) -> list[str]:
        """Columns to load: the schema's columns minus generated ones."""
        t = self.schema.table(table)
        return [c.name for c in t.columns.values() if not c.generated]

    def checksum(self, table: str) -> int:
        """Order-independent checksum of a table's rows (same seed => same checksum)."""
        cols = ", ".join(quote(c) for c in self.columns(table))
        return int(self.conn.execute(
            f"SELECT coalesce(sum(hash({cols})), 0) FROM {quote(staging_name(table))}").fetchone()[0])

    def df(self, table: str, limit: int = 5):
        """A few rows as a DataFrame, for notebooks."""
        return self.conn.execute(f"SELECT * FROM {quote(staging_name(table))} LIMIT {int(limit)}").df()

    def sample(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run a query on the staging data (to draw query parameters from it)."""
        return self.conn.execute(sql, list(params)).fetchall()


# -- public API ------------------------------------------------------------------------------
def plan_rows(schema: Schema, rows: int, tables: Sequence[str] | None = None,
              counts: dict[str, int] | None = None) -> list[TablePlan]:
    """Row count per table, in load order. `rows` is the size of the largest table; the rest
    follow the FK fan-out (a root 1, its children 5x, grandchildren 15x; a 1:1 child equals its
    parent; a junction table ~2.5 rows per row of its larger parent; a lookup table that only
    junction tables reference ~2% of a root table)."""
    if rows < 1:
        raise InputError(f"--rows must be at least 1 (got {rows})")
    selected = _select_tables(schema, tables)
    order = _topo_order(schema, selected)
    weights: dict[str, float] = {}
    reasons: dict[str, str] = {}
    lookups = {n for n in order if _is_lookup(schema, n, selected)}
    for name in order:
        t = schema.tables[name]
        parents = [fk.ref_table for fk in _required_fks(t) if fk.ref_table in weights
                   and fk.ref_table != name]  # earlier in the order: not the back edge of a cycle
        if _junction_fks(t, selected):
            big = max(weights[p] for p in parents)
            weights[name], reasons[name] = big * 2.5, "junction: ~2.5 rows per parent row"
        elif name in lookups:
            weights[name], reasons[name] = 0.0, "lookup: referenced only by junction tables"
        elif not parents:
            weights[name], reasons[name] = 1.0, "root table"
        elif _one_to_one_fk(t, selected):
            p = _one_to_one_fk(t, selected).ref_table
            weights[name], reasons[name] = weights[p], f"1:1 with {p} (unique FK)"
        else:
            p = max(parents, key=lambda x: weights[x])
            fan = 5.0 if not _required_fks(schema.tables[p]) else 3.0
            weights[name], reasons[name] = weights[p] * fan, f"{fan:g}x {p} (FK fan-out)"
    top = max(weights.values()) or 1.0
    base = rows / top
    plan = []
    for name in order:
        if counts and name in counts:
            n, why = int(counts[name]), "given"
        elif name in lookups:
            n, why = max(20, round(base * 0.02)), reasons[name]
        else:
            n, why = max(min(MIN_ROWS, rows), round(base * weights[name])), reasons[name]
        plan.append(TablePlan(name, n, weights[name], why))
    return plan


def generate(schema: Schema, rows: int, seed: int = 42, db: str | duckdb.DuckDBPyConnection | None = None,
             tables: Sequence[str] | None = None, counts: dict[str, int] | None = None,
             overrides: dict[str, str] | None = None, progress: bool | None = None,
             memory_limit: str | None = MEMORY_LIMIT, realism: dict[str, Any] | None = None) -> Dataset:
    """Generate data for `schema` into DuckDB (`db`: a path, a connection, or None = memory).

    `rows` is the row count of the largest table; `tables` restricts to a subset (required
    FK parents must be included); `counts` pins table sizes; `overrides` maps "table.column" to
    a DuckDB SQL expression over the row index `i` (e.g. ``{"users.role": "'admin'"}``).
    `progress`: a tqdm bar (None: only when stderr is a terminal). `memory_limit` (e.g.
    "1GB") bounds a connection made here: DuckDB spills what does not fit to a temp folder,
    and fails with "Out of Memory" when what must stay resident (the ART indexes of a load)
    does not fit. `realism`: the [datagen] keys of dbdesign.toml
    (`REALISM_KEYS`: skew, soft_deleted, null_rate, overrides, memory_limit); `overrides`
    given here win over the config's."""
    realism = dict(realism or {})
    overrides = {**realism.get("overrides", {}), **(overrides or {})}
    memory_limit = realism.get("memory_limit", memory_limit)
    plan = plan_rows(schema, rows, tables, counts)
    if isinstance(db, duckdb.DuckDBPyConnection):
        conn = db
    else:
        conn = duckdb.connect(db or ":memory:")
        conn.execute(f"SET temp_directory = {_lit(os.path.join(tempfile.gettempdir(), f'dbdesign-datagen-{os.getpid()}'))}")
        if memory_limit:
            conn.execute(f"SET memory_limit = {_lit(memory_limit)}")
    gen = _Generator(conn, schema, seed, {p.name: p.rows for p in plan}, overrides)
    gen.skew = float(realism.get("skew", SKEW))
    gen.soft_deleted = float(realism.get("soft_deleted", SOFT_DELETED))
    gen.null_rate = realism.get("null_rate")
    gen.install_macros()
    gen.checks = _engine_checks(schema, "duckdb")
    t0 = time.perf_counter()
    bar = _progress(plan, progress)
    data = Dataset(conn, schema, seed, plan)
    for p in plan:
        if bar is not None:
            bar.set_postfix_str(p.name, refresh=False)
        gen.table(p.name)
        gen.done.add(p.name)
        refused = gen.composite_refs(p.name)
        data.rejected[p.name] = {**refused, **gen.filter(p.name)}
        data.counts[p.name] = conn.execute(f"SELECT count(*) FROM {quote(staging_name(p.name))}").fetchone()[0]
        if bar is not None:
            bar.update(p.rows)
    for name, dropped in gen.late.items():  # rows a cycle's later table took away
        data.rejected[name] = {**data.rejected[name], **dropped}
        data.counts[name] = conn.execute(f"SELECT count(*) FROM {quote(staging_name(name))}").fetchone()[0]
    if bar is not None:
        bar.close()
    data.seconds = time.perf_counter() - t0
    return data


# -- generation ------------------------------------------------------------------------------
class _Generator:
    def __init__(self, conn, schema: Schema, seed: int, sizes: dict[str, int], overrides: dict[str, str]):
        self.conn, self.schema, self.seed, self.sizes, self.overrides = conn, schema, int(seed), sizes, overrides
        self.skew, self.soft_deleted, self.null_rate = SKEW, SOFT_DELETED, None
        self.checks: dict[str, list[tuple[str, str]]] = {}  # table -> (label, DuckDB SQL)
        self.shrunk: set[str] = set()  # tables that lost generated rows (`filter`)
        self.repointed: dict[str, int] = {}  # references moved off a dropped parent row
        # table -> {FK column: (parent, parent row index as SQL over {i})}; None: not a
        # function of the row index alone (a junction table)
        self.templates: dict[str, dict[str, tuple[str, str]] | None] = {}
        self.created_here: set[str] = set()  # created-at column drawn by `created_sql`
        self.exact: set[str] = set()  # ... and every row's value is still what it says
        self.done: set[str] = set()  # tables generated so far (a cycle's back edge points later)
        self.late: dict[str, dict[str, int]] = {}  # rows of a done table dropped by a later one
        # table -> columns whose values end in '-' || i (the row index): unique as generated
        self.by_index: dict[str, set[str]] = {}

    def install_macros(self) -> None:
        """Temp macros (gone with the connection): uniform, hash, uuid, word and sentence."""
        rng = random.Random(self.seed)
        weights = [1.0 / (k + 1) ** 0.8 for k in range(len(WORDS))]
        sentences = []
        for _ in range(1024):
            ws = rng.choices(WORDS, weights, k=rng.randint(6, 16))
            sentences.append(" ".join(ws).capitalize() + ".")
        titles = []
        for _ in range(2048):
            ws = rng.choices(WORDS[6:], weights[6:], k=rng.randint(3, 7))
            titles.append(" ".join(ws).capitalize())
        s = self.seed
        macros = [
            f"dd_h(i, k) AS hash(i, k, {s})",
            "dd_u(i, k) AS (dd_h(i, k) >> 11)::DOUBLE / 9007199254740992.0",
            # A version-4-shaped UUID from two hashes (0.6 s for 5 M rows; md5 is 2.5x slower).
            "dd_uuid(i, k) AS ((((dd_h(i, k) & 18446744073709490175) | 16384)::UHUGEINT << 64) "
            "| ((dd_h(i, k || '/lo') & 4611686018427387903) | 9223372036854775808)::UHUGEINT)::UUID",
            # BIGINT arithmetic while n * PERMUTE fits (n < 3.4e9); HUGEINT was 3x slower.
            f"dd_pick(i, k, n) AS ((floor(n * pow(dd_u(i, k), {self.skew}))::BIGINT * {PERMUTE}) % n)",
            f"dd_pick_big(i, k, n) AS ((floor(n * pow(dd_u(i, k), {self.skew}))::HUGEINT * {PERMUTE}) % n)::BIGINT",
            f"dd_first(h) AS {_sql_list(FIRST_NAMES)}[1 + (h % {len(FIRST_NAMES)})::INT]",
            f"dd_last(h) AS {_sql_list(LAST_NAMES)}[1 + (h % {len(LAST_NAMES)})::INT]",
            f"dd_domain(h) AS {_sql_list(DOMAINS)}[1 + (h % {len(DOMAINS)})::INT]",
            f"dd_word(h) AS {_sql_list(WORDS)}[1 + (h % {len(WORDS)})::INT]",
            f"dd_sentence(h) AS {_sql_list(sentences)}[1 + (h % 1024)::INT]",
            f"dd_title(h) AS {_sql_list(titles)}[1 + (h % 2048)::INT]",
            # the same titles as URL slugs: replace(lower(dd_title(h)), ' ', '-') without the
            # two string passes per row (titles are ASCII, so lengths match and left() commutes)
            f"dd_slug(h) AS {_sql_list([x.lower().replace(' ', '-') for x in titles])}[1 + (h % 2048)::INT]",
            # padded up to a minimum length (rpad alone also cuts a longer value to it)
            "dd_pad(v, n) AS rpad(v, greatest(length(v), n)::INTEGER, '.')",
            f"dd_ts(x) AS TIMESTAMP '{EPOCH_START}' + to_microseconds(({EPOCH_YEARS} * 365.25 * 86400e6 * x)::BIGINT)",
        ]
        for m in macros:
            self.conn.execute(f"CREATE OR REPLACE TEMP MACRO {m}")

    # -- per table ---------------------------------------------------------------------------
    def table(self, name: str) -> None:
        t = self.schema.tables[name]
        n = self.sizes[name]
        junction = _junction_fks(t, self.sizes)
        self_fks = [fk for fk in t.foreign_keys if fk.ref_table == name]
        if junction:
            a_fk, b_fk = junction
            na, nb = self.sizes[a_fk.ref_table], self.sizes[b_fk.ref_table]
            kmax = max(1, min(4, nb))
            source = (f"(SELECT i, i // {kmax} AS ja, i % {kmax} AS slot FROM {self.rows(na * kmax)} r "
                      f"WHERE i % {kmax} < 1 + dd_h(i // {kmax}, {_lit(name + '/k')}) % {kmax}) src")
            span = na * kmax
            special = {a_fk.columns[0]: "ja", b_fk.columns[0]: f"(({_pick(nb)}(ja, {_lit(name + '/b')}, {nb}) + slot) % {nb})"}
        else:
            source, span, special = f"{self.rows(n)} r", n, {}
        cols = [c for c in t.columns.values() if not c.generated]
        ctx = _Ctx(t, span, self.schema, _unique_columns(t), _check_info(t))
        _note_partition_values(self.schema, t, ctx.checks)
        ctx.keyed = _keyed_columns(t)
        ctx.parent_index = self.parent_indexes(ctx, special)
        exprs = []
        for c in cols:
            key = f"{name}.{c.name}"
            if key in self.overrides:
                e = self.overrides[key]
            elif c.name in special:
                e = self.pk_value(ctx.parent_index[c.name][0], special[c.name])
            else:
                e = self.column(ctx, c)
            exprs.append((c.name, e))
        if not (t.partition_of or t.partition_by):
            self.by_index[name] = ctx.by_index
        body = _layered_select(exprs, source)
        partition_fk = next((fk for fk in _required_fks(t) if fk.ref_table != name), None)
        col_list = ", ".join(quote(c.name) for c in cols)
        if self_fks and partition_fk is not None:
            # A reply points at an earlier comment of the same post (or is top level):
            # lag() over the parent partition, in row order, so the target row exists first.
            # A reply points at an earlier row of the same parent (comments of one post) one
            # level up: each row draws a level (0 = top level), and a row of level k takes the
            # latest earlier row of level k-1 in its partition. Chains are at most
            # len(REPLY_LEVELS) long, so DuckDB loads the table in that many rounds.
            fk = self_fks[0]
            part = ", ".join(quote(c) for c in partition_fk.columns)
            ref = quote(fk.ref_columns[0])
            u = f"dd_u(i, {_lit(name + '/reply')})"
            level = "CASE " + " ".join(f"WHEN {u} < {x} THEN {k}" for k, x in enumerate(REPLY_LEVELS)) \
                + f" ELSE {len(REPLY_LEVELS)} END"
            latest = [f"last_value(CASE WHEN _dd_level = {k} THEN {ref} END IGNORE NULLS) OVER w"
                      for k in range(len(REPLY_LEVELS))]
            reply = "CASE _dd_level " + " ".join(f"WHEN {k + 1} THEN {e}" for k, e in enumerate(latest)) + " END"
            sel = [f"{reply} AS {quote(fk.columns[0])}" if c.name == fk.columns[0] else quote(c.name)
                   for c in cols]
            body = (f"SELECT {', '.join(sel)} FROM (SELECT *, {level} AS _dd_level FROM ({body}) g0) g "
                    f"WINDOW w AS (PARTITION BY {part} ORDER BY i) ORDER BY i")
        else:
            body = f"SELECT {col_list} FROM ({body}) g"
        self.conn.execute(f"DROP TABLE IF EXISTS {quote(staging_name(name))}")
        try:
            self.conn.execute(f"CREATE TABLE {quote(staging_name(name))} AS {body}")
        except duckdb.Error as err:
            from dbdesign.engines.duckdb import memory_advice
            raise EngineError(f"generating {name}: {str(err).splitlines()[0]}{memory_advice(err)}") from err
        finally:
            self.conn.execute("DROP TABLE IF EXISTS _dd_rows")

    def composite_refs(self, name: str) -> dict[str, int]:
        """Fill the columns of each multi-column FK of `name` from a row of its (generated,
        filtered) parent table, picked with the FK skew: columns an earlier FK already set
        (a single-column one, or an earlier composite sharing a column - tenant_id in
        (tenant_id, user_id) and (tenant_id, project_id)) pick among the parent rows that
        match them. A row no parent row matches keeps NULLs when its columns allow, else is
        dropped and counted; a nullable FK stays NULL at the column NULL rate. A composite
        self-reference, or one to a table not generated (or generated later: the back edge of
        a cycle), stays NULL."""
        t, staged = self.schema.tables[name], quote(staging_name(name))
        single = {fk.columns[0]: (fk.ref_table, fk.ref_columns[0]) for fk in t.foreign_keys if len(fk.columns) == 1}
        fixed: set[str] = set()
        out: dict[str, int] = {}
        for k, fk in enumerate(t.foreign_keys):
            if len(fk.columns) < 2 or fk.ref_table == name or fk.ref_table not in self.done:
                continue
            pairs = list(zip(fk.columns, fk.ref_columns))
            # a column a single-column FK drew may be redrawn from the parent row when the
            # parent's column references the same key (tasks.tenant_id from users.tenant_id,
            # both to tenants.id); otherwise the parent row must match it
            inherits = {(f.columns[0], (f.ref_table, f.ref_columns[0]))
                        for f in self.schema.tables[fk.ref_table].foreign_keys if len(f.columns) == 1}
            shared = [(c, r) for c, r in pairs if c in fixed or (c in single and (r, single[c]) not in inherits)]
            free = [(c, r) for c, r in pairs if c not in fixed]
            if not free:
                continue
            key = _lit(f"{name}.fk{k}")
            parent = quote(staging_name(fk.ref_table))
            types = staged_types(self.conn, fk.ref_table)
            for c, r in free:  # drawn as an untyped NULL: the parent column's type
                self.conn.execute(f"ALTER TABLE {staged} ALTER COLUMN {quote(c)} SET DATA TYPE {types[r]}")
            part = ", ".join(quote(r) for _, r in shared) or "NULL"
            self.conn.execute(
                f"CREATE OR REPLACE TEMP TABLE _dd_par AS SELECT "
                + "".join(f"{quote(r)} AS _s{j}, " for j, (_, r) in enumerate(shared))
                + "".join(f"{quote(r)} AS _f{j}, " for j, (_, r) in enumerate(free))
                + f"row_number() OVER (PARTITION BY {part} ORDER BY rowid) - 1 AS _n, "
                f"count(*) OVER (PARTITION BY {part}) AS _cnt FROM {parent} WHERE "
                + " AND ".join(f"{quote(r)} IS NOT NULL" for _, r in pairs))
            same = "".join(f" AND p._s{j} = c.{quote(c)}" for j, (c, _) in enumerate(shared))
            nullable = all(t.columns[c].nullable for c, _ in free)
            skip = f" AND dd_u(c.rowid, {key} || '/null') >= {self._null(0.3)}" if nullable else ""
            moved = self.conn.execute(
                f"UPDATE {staged} SET " + ", ".join(f"{quote(c)} = x._f{j}" for j, (c, _) in enumerate(free))
                + f" FROM (SELECT c.rowid AS _rid, " + ", ".join(f"p._f{j}" for j in range(len(free)))
                + f" FROM {staged} c JOIN (SELECT DISTINCT " + ", ".join(["_cnt"] + [f"_s{j}" for j in range(len(shared))])
                + f" FROM _dd_par) g ON TRUE" + "".join(f" AND g._s{j} = c.{quote(c)}" for j, (c, _) in enumerate(shared))
                + f" JOIN _dd_par p ON p._n = dd_pick(c.rowid, {key}, g._cnt){same}"
                + f" WHERE TRUE{skip}) x WHERE {staged}.rowid = x._rid").fetchone()[0]
            self.conn.execute("DROP TABLE IF EXISTS _dd_par")
            if any(c in single for c, _ in free):  # no longer what generation drew from the index
                self.repointed[name] = self.repointed.get(name, 0) + moved
            fixed |= {c for c, _ in free}
            if not nullable and self._drop(name, f"({', '.join(fk.columns)}): no {fk.ref_table} row matches",
                                           " OR ".join(f"{quote(c)} IS NULL" for c, _ in free), out):
                self.shrunk.add(name)
        return out

    def filter(self, name: str) -> dict[str, int]:
        """Drop the generated rows of `name` that its constraints would refuse, and count them
        per reason: every CHECK as DuckDB evaluates it (the generator honours the decidable
        ones - IN lists, ranges, lengths - so only the others reject rows), duplicates of a
        UNIQUE whose values are not unique by construction (the first row stays). A reference
        to a dropped parent row is repaired, not rejected: it moves to a surviving parent row
        (a self-reference becomes NULL, or the row itself). Repeated while dropped rows can
        orphan rows of the same table."""
        t, staged = self.schema.tables[name], quote(staging_name(name))
        out: dict[str, int] = {}

        def drop(reason: str, where: str) -> int:
            return self._drop(name, reason, where, out)

        self_ref = any(fk.ref_table == name for fk in t.foreign_keys)
        while True:  # again only while dropped rows may orphan rows of the same table
            for fk in t.foreign_keys:
                if fk.ref_table not in self.shrunk or len(fk.columns) != 1:
                    continue
                if fk.ref_table == name:  # a self-reference: NULL, else the row itself (a
                    # root); another row could close a cycle or deepen the layers
                    c, r = quote(fk.columns[0]), quote(fk.ref_columns[0])
                    value = "NULL" if t.columns[fk.columns[0]].nullable else r
                    self.conn.execute(f"UPDATE {staged} SET {c} = {value} WHERE {_orphan(fk)}")
                    continue
                self._repoint(name, fk, out)
            dropped = 0
            checks = self.checks.get(name, [])
            try:  # one scan for all CHECKs; one DELETE per CHECK only when some row fails
                failing = checks and self.conn.execute(
                    f"SELECT count(*) FROM {staged} WHERE " + " OR ".join(f"NOT ({sql})" for _, sql in checks)
                ).fetchone()[0]
            except duckdb.Error:
                failing = True
            for label, sql in checks if failing else ():
                try:
                    dropped += drop(f"CHECK {label}", f"NOT ({sql})")
                except duckdb.Error as err:  # not evaluable on the staging types: left to the engine
                    out.setdefault(f"CHECK {label}: not evaluated here ({str(err).splitlines()[0][:80]})", 0)
            for label, parts in _dedupe_sets(t, self.sizes, repointed=bool(self.repointed.get(name)),
                                             schema=self.schema, by_index=self.by_index.get(name, ())):
                present = " AND ".join(f"({p}) IS NOT NULL" for p in parts)
                key = ", ".join(parts)
                # a grouping finds whether any value repeats at half the cost of the numbering
                # DELETE (5 M posts.slug: 0.5 s vs 1.3 s), and usually none does
                try:
                    if not self.conn.execute(f"SELECT 1 FROM {staged} WHERE {present} GROUP BY {key} "
                                             "HAVING count(*) > 1 LIMIT 1").fetchone():
                        continue
                except duckdb.Error as err:  # an expression DuckDB cannot evaluate: left to the engine
                    out.setdefault(f"UNIQUE ({label}): not evaluated here ({str(err).splitlines()[0][:80]})", 0)
                    continue
                dropped += drop(
                    f"duplicate ({label})",
                    f"rowid IN (SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY "
                    f"{key} ORDER BY rowid) AS k FROM {staged} WHERE {present}) WHERE k > 1)")
            if sum(out.values()):
                self.shrunk.add(name)
            if not (dropped and self_ref):
                break
        if name in self.shrunk:  # the back edge of a cycle: a table generated earlier points here
            for earlier in self.done - {name}:
                for fk in self.schema.tables[earlier].foreign_keys:
                    if fk.ref_table == name and len(fk.columns) == 1:
                        self._repoint(earlier, fk, self.late.setdefault(earlier, {}))
        self.after_parents(name)
        return {k: v for k, v in out.items() if v or "not evaluated" in k}

    def _repoint(self, name: str, fk: ForeignKey, dropped: dict[str, int]) -> None:
        """Move the references of `name` through single-column `fk` whose parent row was
        dropped to a surviving parent row, picked by a hash of the old value (a reference is a
        repair, not a rejection); NULL where allowed, else drop the rows (counted in
        `dropped`), when no parent row survives."""
        staged, c, r = quote(staging_name(name)), quote(fk.columns[0]), quote(fk.ref_columns[0])
        orphan = _orphan(fk)
        parent = quote(staging_name(fk.ref_table))
        self.conn.execute(f"CREATE OR REPLACE TEMP TABLE _dd_keys AS SELECT {r} AS k, "
                          f"row_number() OVER (ORDER BY rowid) - 1 AS n FROM {parent} WHERE {r} IS NOT NULL")
        left = self.conn.execute("SELECT count(*) FROM _dd_keys").fetchone()[0]
        if left:
            n = self.conn.execute(
                f"UPDATE {staged} SET {c} = _dd_keys.k FROM _dd_keys WHERE {orphan} AND "
                f"_dd_keys.n = hash({staged}.{c}, {_lit(name)}) % {left}").fetchone()[0]
            self.repointed[name] = self.repointed.get(name, 0) + n
        elif self.schema.tables[name].columns[fk.columns[0]].nullable:
            self.conn.execute(f"UPDATE {staged} SET {c} = NULL WHERE {orphan}")
        else:
            self._drop(name, f"{fk.columns[0]}: no {fk.ref_table} row left", orphan, dropped)
        self.conn.execute("DROP TABLE IF EXISTS _dd_keys")

    def _drop(self, name: str, reason: str, where: str, counts: dict[str, int]) -> int:
        """Delete the staged rows of `name` matching `where`, counted under `reason`."""
        n = self.conn.execute(f"DELETE FROM {quote(staging_name(name))} WHERE {where}").fetchone()[0]
        if n:
            counts[reason] = counts.get(reason, 0) + n
        return n

    def after_parents(self, name: str) -> None:
        """A row's created-at time is never before that of the rows that own it (a comment
        after its post, the post after its author): its NOT NULL single-column FKs to tables
        with a created-at column (in a self-referencing table, the parent its replies share).
        Generation draws it so from the parent's row index (`created_sql`); this moves the
        rows that still precede their parent - the parent's times are not a function of its
        index (`exact`), or the reference was repointed - to just after it, by a join."""
        t = self.schema.tables[name]
        col = _created_column(t)
        if col is None or f"{t.qualname}.{col}" in self.overrides:
            return
        staged, c = quote(staging_name(name)), quote(col)
        exact = name in self.created_here and not self.repointed.get(name) and self.templates.get(name) is not None
        owners = self.templates.get(name)
        owners = set(owners) if owners is not None else {fk.columns[0] for fk in _required_fks(t)}
        for fk in t.foreign_keys:
            pc = _created_column(self.schema.tables[fk.ref_table]) if fk.ref_table in self.done else None
            if len(fk.columns) != 1 or fk.ref_table == name or pc is None or fk.columns[0] not in owners:
                continue
            if exact and fk.ref_table in self.exact:
                continue  # drawn after the parent's time already
            exact = False
            parent = quote(staging_name(fk.ref_table))
            later = f"p.{quote(pc)} + INTERVAL 1 MINUTE"
            if _base_type(t.columns[col].type) == "DATE":
                later = f"(p.{quote(pc)} + INTERVAL 1 MINUTE)::DATE"
            self.conn.execute(
                f"UPDATE {staged} SET {c} = {later} FROM {parent} p WHERE {staged}.{quote(fk.columns[0])} = "
                f"p.{quote(fk.ref_columns[0])} AND {staged}.{c} < p.{quote(pc)}")
        if exact:
            self.exact.add(name)

    def rows(self, n: int) -> str:
        """A table of the row indexes 0..n-1 (column `i`) to generate from. `range()` is a
        single-threaded table function; a scan of a materialised table runs on every core
        (5 M posts here: 7.1 s from range(), 3.7 s from the table), and CREATE TABLE AS keeps
        the row order, so the same seed still gives the same rows in the same order."""
        self.conn.execute(f"CREATE OR REPLACE TEMP TABLE _dd_rows AS SELECT range AS i FROM range({int(n)})")
        return "_dd_rows"

    def pk_value(self, table: str, idx: str) -> str:
        """The primary-key value of row `idx` of `table` (a pure function of the index)."""
        t = self.schema.tables[table]
        if not t.primary_key or len(t.primary_key.columns) != 1:
            raise InputError(f"{table}: foreign keys to a table without a single-column primary "
                             "key are not generated yet; pin the column with overrides=",
                             t.source.file, t.source.line)
        col = t.columns[t.primary_key.columns[0]]
        base = _base_type(col.type)
        if base in UUID_TYPES:
            return f"dd_uuid({idx}, {_lit(table + '/pk')})"
        if base in INT_TYPES:
            return f"({idx} + 1)"
        length = _type_length(col.type)
        if length is not None and length < 12:  # a short code: digits only, zero-padded to fit
            return f"lpad(({idx} + 1)::VARCHAR, {length}, '0')"
        return f"({_lit(table[:3] + '-')} || ({idx} + 1))"

    def column(self, ctx: "_Ctx", c: Column) -> str:
        if c.kind.array:
            return self._array(ctx, c)
        return self._scalar(ctx, c)

    def _array(self, ctx: "_Ctx", c: Column) -> str:
        """An array column: a DuckDB list of 0-3 elements, each drawn like a scalar of the
        element type (a value of its own per position); NULL at the column's NULL rate.
        Each engine's export shapes the list (`export_casts`: PostgreSQL array text, JSON)."""
        elem = re.sub(r"(\s*\[\s*\])+$|\s+ARRAY$", "", c.type.strip(), flags=re.I)
        key = _lit(f"{ctx.table.name}.{c.name}")
        parts = [self._scalar(ctx, Column(name=f"{c.name}/{k}", type=elem, nullable=False, source=c.source))
                 for k in range(3)]
        u = f"dd_u(i, {key} || '/len')"
        e = f"[{', '.join(parts)}][1:(floor(4 * {u}))::INT]"
        if c.nullable:
            e = f"CASE WHEN dd_u(i, {key} || '/null') >= {self._null(0.2)} THEN {e} END"
        return e

    def _scalar(self, ctx: "_Ctx", c: Column) -> str:
        t, name = ctx.table, ctx.table.name
        key = _lit(f"{name}.{c.name}")
        cname = c.name.lower()
        base = _base_type(c.type)
        length = _type_length(c.type)
        unique = c.name in ctx.unique
        nullable = c.nullable
        # primary key
        if t.primary_key and t.primary_key.columns == [c.name]:
            return self.pk_value(t.qualname, "i")
        # foreign keys
        fk = next((f for f in t.foreign_keys if f.columns == [c.name]), None)
        if fk is not None:
            return self.fk_value(ctx, c, fk)
        if any(c.name in f.columns for f in t.foreign_keys):
            return "NULL"  # part of a composite FK: filled from a parent row (`composite_refs`)
        # values from CHECK (col IN ...) or an enum type
        info = ctx.checks.get(c.name, {})
        values = info.get("in") or self._enum_values(c.type)
        if values:
            return _weighted_choice(values, f"dd_u(i, {key})")
        if info.get("in_num"):
            nums = [int(v) if float(v).is_integer() else v for v in info["in_num"]]
            return _weighted_choice(nums, f"dd_u(i, {key})")
        u = f"dd_u(i, {key})"
        if info.get("regex") and base in TEXT_TYPES:
            e = _regex_sql(info["regex"], f"{name}.{c.name}", longest=base in ("CHAR", "CHARACTER", "BPCHAR"))
            if e is not None:
                return e
        h = f"dd_h(i, {key})"
        null_rate = 0.0 if not nullable else 0.2
        if base in TS_TYPES or base == "DATE":
            e = self._timestamp(ctx, c, u)
            if base == "DATE":
                e = f"({e})::DATE"
            return e
        if base in UUID_TYPES:
            e = f"dd_uuid(i, {key})"
        elif base in BOOL_TYPES:
            p = 0.8 if re.match(r"(is|has|can)_", cname) or cname in ("active", "enabled") else 0.5
            e = f"({u} < {p})"
        elif base in INT_TYPES:
            e = self._integer(ctx, c, u, unique)
        elif base in FLOAT_TYPES or base in DECIMAL_TYPES:
            lo, hi = ctx.bounds(c.name, 0.0, 1000.0)
            scale = _type_scale(c.type)
            e = f"round({lo} + ({hi} - {lo}) * pow({u}, 2), {scale if scale is not None else 2})"
        elif base in JSON_TYPES:
            e = (f"json_object('field', dd_word(dd_h(i, {key} || '/f')), 'value', "
                 f"(dd_h(i, {key} || '/v') % 1000)::INT)::VARCHAR")
        elif base in TEXT_TYPES:
            e = self._text(ctx, c, h, u, unique, length)
            null_rate = 0.0 if not nullable else (0.3 if cname in ("bio", "avatar_url") else 0.05)
        elif base in ("BYTEA", "BLOB"):
            e = f"encode(dd_h(i, {key})::VARCHAR)"
        else:
            if nullable:
                return "NULL"
            raise InputError(f"{name}.{c.name}: no generator for type {c.type}; pass "
                             f"overrides={{'{name}.{c.name}': '<DuckDB SQL over i>'}}",
                             c.source.file, c.source.line)
        if nullable and self.null_rate is not None:
            null_rate = self.null_rate
        if null_rate and not unique:
            e = f"CASE WHEN dd_u(i, {key} || '/null') >= {null_rate} THEN {e} END"
        return e

    def parent_indexes(self, ctx: "_Ctx", special: dict[str, str]) -> dict[str, tuple[str, str]]:
        """FK column -> (parent table, SQL for the parent's row index) for the single-column
        references to another generated table: a junction's pair (`special`), a 1:1 unique
        FK (row i), else a skewed pick. `fk_value` turns the index into the parent's key;
        `_timestamp` into the parent's created-at time (a child is created after its parent)."""
        t, out = ctx.table, {}
        for fk in t.foreign_keys:
            col = fk.columns[0]
            if (len(fk.columns) != 1 or fk.ref_table == t.qualname or fk.ref_table not in self.sizes
                    or f"{t.qualname}.{col}" in self.overrides or col in out):
                continue
            n = self.sizes[fk.ref_table]
            if col in special:
                out[col] = (fk.ref_table, special[col])
            elif col in ctx.unique:
                out[col] = (fk.ref_table, "i")
            else:
                out[col] = (fk.ref_table, f"{_pick(n)}(i, {_lit(f'{t.name}.{col}')}, {n})")
        # the same as functions of any row index ({i}), for `created_sql` of a child's child:
        # the NOT NULL references (a row's owners; an actor like created_by is left alone),
        # and in a table that references itself only the parent its replies share (`table`),
        # so a reply stays after the row it answers
        required = [fk.columns[0] for fk in _required_fks(t) if len(fk.columns) == 1 and fk.columns[0] in out]
        if any(fk.ref_table == t.qualname for fk in t.foreign_keys):
            required = required[:1]
        self.templates[t.qualname] = None if special else {
            col: (out[col][0], out[col][1].replace("(i,", "({i},") if out[col][1] != "i" else "{i}")
            for col in required}
        return out

    def created_sql_special(self, ctx: "_Ctx", c: Column) -> str:
        """`created_sql` for a junction table's rows (their parent indexes come from the
        source's own columns): one level, from `ctx.parent_index`."""
        t = ctx.table
        key = _lit(f"{t.name}.{c.name}")
        x = f"sqrt((i + dd_u(i, {key})) / {ctx.span})"
        after = []
        for col, (parent, idx) in ctx.parent_index.items():
            if parent in self.exact and not t.columns[col].nullable:
                p = self.created_sql(parent, f"({idx})", self.sizes[parent], 1)
                if p is not None and len(p) <= 20_000:
                    after.append(f"{p} + {_after(x)}")
        return f"greatest(dd_ts({x}), {', '.join(after)})" if after else f"dd_ts({x})"

    def created_sql(self, table: str, idx: str, span: int, depth: int = 0) -> str | None:
        """SQL for the created-at time of row `idx` of `table` (its `_created_column`) as
        generation draws it: the growth curve, but never before the created-at time of a
        parent row it references - for a parent whose own times follow this rule exactly
        (`exact`), computed from the parent's row index, recursively, without a join. The
        others are `after_parents`' job. None past a few levels (the SQL grows with each)."""
        t = self.schema.tables[table]
        col = _created_column(t)
        if col is None or depth > 4:
            return None
        key = _lit(f"{t.name}.{col}")
        x = f"sqrt(({idx} + dd_u({idx}, {key})) / {span})"
        after = []
        for parent, template in (self.templates.get(table) or {}).values():
            if parent not in self.exact or _created_column(self.schema.tables[parent]) is None:
                continue
            p = self.created_sql(parent, template.format(i=f"({idx})"), self.sizes[parent], depth + 1)
            if p is None or len(p) > 20_000:
                continue
            after.append(f"{p} + {_after(x)}")
        return f"greatest(dd_ts({x}), {', '.join(after)})" if after else f"dd_ts({x})"

    def fk_value(self, ctx: "_Ctx", c: Column, fk: ForeignKey) -> str:
        name = ctx.table.name
        key = _lit(f"{name}.{c.name}")
        parent = fk.ref_table
        if parent not in self.sizes:
            if c.nullable:
                return "NULL"
            raise InputError(f"{name}.{c.name} references {parent}, which is not generated; "
                             f"add {parent} to the tables", c.source.file, c.source.line)
        if parent == name:  # self-reference without a partition: a row of an earlier layer
            pool = _layer_start(self.sizes[name])
            pick = f"floor({pool} * pow(dd_u(i, {key}), {self.skew}))::BIGINT"
            e = self.pk_value(name, pick)
            if c.nullable:
                return f"CASE WHEN {pool} > 0 AND dd_u(i, {key} || '/null') < 0.6 THEN {e} END"
            return f"CASE WHEN {pool} > 0 THEN {e} ELSE {self.pk_value(name, 'i')} END"
        n = self.sizes[parent]
        if c.name in ctx.unique and ctx.span > n:  # 1:1 (profiles.user_id): row i belongs to parent i
            raise InputError(f"{name}: unique FK {c.name} allows at most {n} rows (one per "
                             f"{parent} row); lower counts['{name}']")
        e = self.pk_value(parent, ctx.parent_index[c.name][1])
        if c.name in ctx.unique:
            return e
        if c.nullable:
            e = f"CASE WHEN dd_u(i, {key} || '/null') >= {self._null(0.3)} THEN {e} END"
        return e

    def _null(self, default: float) -> float:
        """The NULL share of a nullable column: [datagen] null_rate when set, else `default`."""
        return default if self.null_rate is None else self.null_rate

    def _enum_values(self, type_text: str) -> list[str] | None:
        e = self.schema.enums.get(type_text) or self.schema.enums.get(type_text.lower())
        return list(e.values) if e else None

    def _timestamp(self, ctx: "_Ctx", c: Column, u: str) -> str:
        cname = c.name.lower()
        t = ctx.table
        key = _lit(f"{t.name}.{c.name}")
        if _is_created(cname):
            # Growth: more rows recently (sqrt), monotone in i: rows arrive in time order;
            # the table's created-at column also never before its parent rows' (`created_sql`)
            if c.name == _created_column(t):
                self.created_here.add(t.qualname)
                if self.templates.get(t.qualname) is not None or not ctx.parent_index:
                    return self.created_sql(t.qualname, "i", ctx.span)
                return self.created_sql_special(ctx, c)
            return f"dd_ts(sqrt((i + {u}) / {ctx.span}))"
        created = "created_at" if "created_at" in t.columns and cname != "created_at" else None
        anchor = quote(created) if created else f"dd_ts({u})"
        if cname == "updated_at":
            e = f"least({anchor} + to_microseconds((pow({u}, 3) * 365 * 86400e6)::BIGINT), TIMESTAMP '2025-12-31')"
        elif cname == "published_at" and "status" in t.columns:
            status_vals = ctx.checks.get("status", {}).get("in") or []
            if "published" in status_vals:
                return (f"CASE WHEN \"status\" = 'published' THEN {anchor} + "
                        f"to_microseconds(({u} * 3 * 86400e6)::BIGINT) END")
            e = f"{anchor} + to_microseconds(({u} * 3 * 86400e6)::BIGINT)"
        elif cname == "deleted_at":
            e = f"{anchor} + to_microseconds(({u} * 200 * 86400e6)::BIGINT)"
            return f"CASE WHEN dd_u(i, {key} || '/null') < {self.soft_deleted} THEN {e} END" if c.nullable else e
        elif created:
            e = f"{anchor} + to_microseconds(({u} * 30 * 86400e6)::BIGINT)"
        else:
            e = f"dd_ts({u})"
        if c.nullable:
            e = f"CASE WHEN dd_u(i, {key} || '/null') >= {self._null(0.2)} THEN {e} END"
        return e

    def _integer(self, ctx: "_Ctx", c: Column, u: str, unique: bool) -> str:
        cname = c.name.lower()
        if unique:
            return "(i + 1)"
        lo, hi = ctx.bounds(c.name, None, None)
        if cname in ("age",):
            lo, hi = lo if lo is not None else 18, hi if hi is not None else 90
            return f"({lo} + floor(({hi} - {lo} + 1) * {u}))::BIGINT"
        if "year" in cname:
            return f"(2000 + floor(25 * {u}))::BIGINT"
        # counts and most integers are long-tailed: exponential with mean 100
        e = f"floor(-ln(1 - {u}) * 100)::BIGINT"
        if lo is not None:
            e = f"greatest({e} + {int(lo) if lo > 0 else 0}, {int(math.ceil(lo))})"
        if hi is not None:
            e = f"least({e}, {int(math.floor(hi))})"
        return e

    def _slug_of_title(self, ctx: "_Ctx") -> str | None:
        """The slug of the row's title drawn from `dd_slug`, when the title column is a plain
        `dd_title` draw (not overridden, NULL, padded or made unique): the same text as
        replace(lower(title), ' ', '-')."""
        title = ctx.table.columns["title"]
        if f"{ctx.table.qualname}.title" in self.overrides:
            return None
        m = re.fullmatch(r"(left\()?dd_title\((dd_h\(i, '(?:[^']|'')*'\))\)(?(1), (\d+)\))", self.column(ctx, title))
        if m is None:
            return None
        return f"left(dd_slug({m.group(2)}), {m.group(3)})" if m.group(1) else f"dd_slug({m.group(2)})"

    def _text(self, ctx: "_Ctx", c: Column, h: str, u: str, unique: bool, length: int | None) -> str:
        cname = c.name.lower()
        t = ctx.table
        key = _lit(f"{t.name}.{c.name}")
        h2 = f"dd_h(i, {key} || '/2')"
        first, last = f"dd_first({h})", f"dd_last({h2})"
        lmin, lmax = ctx.length_bounds(c.name)
        keyed = _key_text_limit() if c.name in ctx.keyed else None
        limit = min(x for x in (length, lmax, keyed, 100_000) if x is not None)
        if "email" in cname:
            # ~10% mixed case, so lower(email) matters; the row index keeps it unique.
            local = f"lower({first}) || '.' || lower({last}) || i"
            e = (f"CASE WHEN {u} < 0.1 THEN {first} || '.' || {last} || i || '@' || upper(dd_domain({h2})) "
                 f"ELSE {local} || '@' || dd_domain({h2}) END")
            unique = False
        elif cname in ("username", "user_name", "login", "handle", "nickname"):
            e = f"lower({first}) || '_' || lower(left({last}, 3)) || i"
            unique = False
        elif "password" in cname or cname.endswith("_hash"):
            e = (f"'$argon2id$v=19$m=65536,t=3,p=4$' || to_hex(dd_h(i, {key} || '/s')) || '$' || "
                 f"to_hex({h}) || to_hex({h2})")
            unique = False
        elif cname in ("first_name", "given_name"):
            e = first
        elif cname in ("last_name", "family_name", "surname"):
            e = last
        elif cname in ("display_name", "full_name", "author_name") or (cname == "name" and _looks_like_person(t)):
            e = f"{first} || ' ' || {last}"
        elif cname == "slug" or cname.endswith("_slug"):
            src = (self._slug_of_title(ctx) or f"replace(lower({quote('title')}), ' ', '-')" if "title" in t.columns
                   else f"replace(lower({quote('name')}), ' ', '-')" if "name" in t.columns
                   else f"dd_word({h}) || '-' || dd_word({h2})")
            e = src
            if unique:
                e = f"left({src}, {max(1, limit - 12)}) || '-' || i"
                unique = False
                if not (lmin and lmin > 1):
                    ctx.by_index.add(c.name)
        elif cname in ("title", "subject", "headline"):
            e = f"dd_title({h})"
        elif cname in ("name", "label", "tag"):
            e = f"dd_word({h})"
        elif "url" in cname or "website" in cname or "link" in cname:
            e = f"'https://cdn.example.com/{t.name}/' || i || '/' || dd_word({h}) || '.jpg'"
            unique = False
        elif "phone" in cname:
            e = f"'+1-555-' || lpad(((dd_h(i, {key}) % 10000000))::VARCHAR, 7, '0')"
        elif cname in ("country", "country_code"):
            e = f"['US','DE','FR','IN','BR','JP','GB','PL','NG','CA'][1 + ({h} % 10)::INT]"
        elif cname == "table_name":
            names = [x.name for x in self.schema.tables.values()]
            e = f"{_sql_list(names)}[1 + ({h} % {len(names)})::INT]"
        elif cname.endswith("_id") or cname in ("row_id", "ref", "reference", "code"):
            e = f"dd_uuid(i, {key})::VARCHAR"
            unique = False
        elif (length is not None and length <= 100) and "body" not in cname:
            e = f"dd_title({h})"
        else:  # body, content, bio, description, text, ...: one to four sentences
            s = [f"dd_sentence(dd_h(i, {key} || '/{k}'))" for k in range(4)]
            e = (f"concat_ws(' ', {s[0]}, CASE WHEN {u} < 0.7 THEN {s[1]} END, "
                 f"CASE WHEN {u} < 0.4 THEN {s[2]} END, CASE WHEN {u} < 0.15 THEN {s[3]} END)")
        if unique and limit < 24:  # a short code (CHAR(2), VARCHAR(8)): letters from the index
            e = " || ".join(f"chr(65 + ((i // {26 ** k}) % 26)::INT)" for k in reversed(range(min(limit, 13))))
        elif unique:
            e = f"left({e}, {max(1, limit - 12)}) || '-' || i"
            if not (lmin and lmin > 1):
                ctx.by_index.add(c.name)
        elif limit < 100_000:
            e = f"left({e}, {limit})"
        if lmin and lmin > 1:
            e = f"dd_pad({e}, {int(lmin)})"
        return e


@dataclass
class _Ctx:
    table: Table
    span: int
    schema: Schema
    unique: set[str]
    checks: dict[str, dict[str, Any]]
    keyed: set[str] = field(default_factory=set)  # columns in a key, unique, FK or index
    parent_index: dict[str, tuple[str, str]] = field(default_factory=dict)  # `parent_indexes`
    by_index: set[str] = field(default_factory=set)  # values end in '-' || i: unique as drawn

    def bounds(self, col: str, lo, hi):
        info = self.checks.get(col, {})
        return info.get("lo", lo), info.get("hi", hi)

    def length_bounds(self, col: str) -> tuple[int | None, int | None]:
        info = self.checks.get(col, {})
        lo, hi = info.get("len_lo"), info.get("len_hi")
        return (int(lo) if lo is not None else None), (int(hi) if hi is not None else None)


# Self-references are generated in depth layers: row i of a self-referencing table points at
# a row of an earlier layer only, so every chain is at most len(LAYERS) rows long and DuckDB
# (which checks an FK only against rows committed before the statement) loads the table in
# that many rounds. Layer k holds the rows from n * LAYERS[k-1] to n * LAYERS[k]: a few roots
# (admins who create accounts, top-level comments) and ever larger layers below them.
LAYERS = (0.001, 0.01, 0.1)
REPLY_LEVELS = (0.6, 0.85, 0.95)  # comment depth 0 (top level) 60%, 1: 25%, 2: 10%, 3: 5%


def _layer_start(n: int) -> str:
    """SQL: the first row index of row i's layer (0 for the root layer) - the rows before it
    are the ones row i may reference."""
    bounds = [math.ceil(n * f) for f in LAYERS]
    parts = " ".join(f"WHEN i < {b} THEN {a}" for a, b in zip([0] + bounds, bounds))
    return f"(CASE {parts} ELSE {bounds[-1]} END)"


def _pick(n: int) -> str:
    """The parent-index macro for n parents: BIGINT unless i * PERMUTE could overflow."""
    return "dd_pick" if n * PERMUTE < 2 ** 62 else "dd_pick_big"


def _layered_select(exprs: list[tuple[str, str]], source: str) -> str:
    """SELECT i, <columns> FROM source, with a column that refers to another column by name
    ("title" in slug, "created_at" in updated_at) computed one subquery level further out.
    Why: DuckDB expands a lateral alias inline, so the referenced expression was computed
    again for every column using it (posts.slug alone re-ran the title lookup: ~0.5 s/5 M)."""
    names = {name for name, _ in exprs}
    refs = {name: {m for m in re.findall(r'"((?:[^"]|"")+)"', e) if m in names and m != name}
            for name, e in exprs}
    level: dict[str, int] = {}

    def depth(name: str, seen: tuple[str, ...] = ()) -> int:
        if name not in level:
            if name in seen:
                raise InputError("generated columns refer to each other in a cycle: "
                                 + " -> ".join(seen + (name,)))
            level[name] = 1 + max((depth(r, seen + (name,)) for r in refs[name]), default=-1)
        return level[name]

    top = max((depth(n) for n in names), default=0)
    body = source
    for k in range(top + 1):
        done = [name for name, _ in exprs if level[name] < k]
        now = [f"{e} AS {quote(name)}" for name, e in exprs if level[name] == k]
        body = f"SELECT {', '.join(['i'] + [quote(n) for n in done] + now)} FROM {body}"
        if k < top:
            body = f"({body}) l{k}"
    return body


# -- schema analysis ---------------------------------------------------------------------------
def _select_tables(schema: Schema, tables: Sequence[str] | None) -> set[str]:
    """The tables to generate: `tables` (default all), a partition replaced by its partitioned
    parent - its rows are the parent's rows whose key falls in its bound, loaded through the
    parent (engines without partitioning have only the parent)."""
    if not schema.tables:
        raise InputError("the schema has no tables to generate data for")
    chosen = set()
    for name in (schema.tables if tables is None else tables):
        t = schema.table(name)
        if t is None:
            raise InputError(f"unknown table {name!r}; the schema has {', '.join(schema.tables)}")
        while t.partition_of in schema.tables:
            t = schema.tables[t.partition_of]
        chosen.add(t.qualname)
    if tables is None:
        return chosen
    for name in chosen:
        for fk in _required_fks(schema.tables[name]):
            if fk.ref_table not in chosen:
                raise InputError(f"{name}.{', '.join(fk.columns)} is NOT NULL and references "
                                 f"{fk.ref_table}: add {fk.ref_table} to the tables")
    return chosen


def with_parents(schema: Schema, tables: Sequence[str]) -> list[str]:
    """`tables` plus the tables their NOT NULL foreign keys need (generation needs them)."""
    out: set[str] = set()
    todo = [schema.table(t).qualname if schema.table(t) else t for t in tables]
    while todo:
        t = todo.pop()
        if t in out:
            continue
        if t not in schema.tables:
            raise InputError(f"unknown table {t!r}; the schema has {', '.join(schema.tables)}")
        out.add(t)
        todo.extend(fk.ref_table for fk in _required_fks(schema.tables[t]))
    return sorted(out)


def _orphan(fk: ForeignKey) -> str:
    """SQL over the child's staging rows: the single-column `fk` names a missing parent row."""
    c, r = quote(fk.columns[0]), quote(fk.ref_columns[0])
    return (f"{c} IS NOT NULL AND {c} NOT IN (SELECT {r} FROM {quote(staging_name(fk.ref_table))} "
            f"WHERE {r} IS NOT NULL)")


def _required_fks(t: Table) -> list[ForeignKey]:
    return [fk for fk in t.foreign_keys
            if all(not t.columns[c].nullable for c in fk.columns if c in t.columns)]


def _topo_order(schema: Schema, selected: set[str]) -> list[str]:
    """Parents before children along their foreign keys (`dialects.fk_order`); a cycle is
    broken at a nullable FK where it has one. A key is a function of its row index
    (`pk_value`), so a reference back to a table generated later is drawn all the same; the
    engines hold such a cycle by adding the keys after the data (PostgreSQL, MariaDB), by
    checking them before COMMIT (SQLite), or not at all (DuckDB drops one, with a note)."""
    from dbdesign.dialects.base import fk_order
    return fk_order(schema, selected).names


def _junction_fks(t: Table, selected) -> tuple[ForeignKey, ForeignKey] | None:
    """(A, B) when the primary key is exactly two single-column FKs: a many-to-many table."""
    if not t.primary_key or len(t.primary_key.columns) != 2:
        return None
    fks = []
    for col in t.primary_key.columns:
        fk = next((f for f in t.foreign_keys if f.columns == [col] and f.ref_table in selected), None)
        if fk is None:
            return None
        fks.append(fk)
    return fks[0], fks[1]


def _one_to_one_fk(t: Table, selected) -> ForeignKey | None:
    uniq = [set(u) for u in t.unique_column_sets()]
    for fk in _required_fks(t):
        if fk.ref_table in selected and fk.ref_table != t.qualname and set(fk.columns) in uniq:
            return fk
    return None


def _is_lookup(schema: Schema, name: str, selected: set[str]) -> bool:
    """A root table that only junction tables reference (tags): small."""
    t = schema.tables[name]
    if _required_fks(t):
        return False
    refs = [(child, fk) for child, fk in schema.referencing(name)
            if child.qualname in selected and child.qualname != name and fk in _required_fks(child)]
    return bool(refs) and all(_junction_fks(child, selected) for child, _ in refs)


def _unique_columns(t: Table) -> set[str]:
    """Columns generated as unique on their own: single-column unique sets, the columns of a
    unique expression index (lower(email) - unique values stay unique under lower()), and the
    first non-FK column of a composite unique set."""
    out: set[str] = set()
    fk_cols = {c for fk in t.foreign_keys for c in fk.columns}
    sets = [list(s) for s in t.unique_column_sets()]
    for ix in t.indexes:
        if ix.unique:
            cols: list[str] = []
            for part in ix.columns:
                if part.column:
                    cols.append(part.column)
                elif part.expression:
                    with contextlib.suppress(Exception):
                        cols.extend(c.name for c in sqlglot.parse_one(part.expression, read="postgres")
                                    .find_all(exp.Column))
            if cols:
                sets.append(cols)
    for s in sets:
        if len(s) == 1:
            out.add(s[0])
        else:
            free = [c for c in s if c not in fk_cols]
            if free:
                out.add(free[0])
    return out


def _dedupe_sets(t: Table, selected, repointed: bool = False, schema: Schema | None = None,
                 by_index: Iterable[str] = ()) -> list[tuple[str, list[str]]]:
    """The unique keys of `t` whose generated values may repeat, as (label, DuckDB SQL per
    key part): every PK, UNIQUE and unique index (a partial one too - deduplicating all rows
    is stricter than its WHERE; an expression such as `lower(email)`, a case-insensitive key,
    as DuckDB spells it), except a single-column primary key and a junction table's key pair,
    which are unique by construction (a function of the row index) while no reference was
    `repointed` (`_Generator.filter`; a 1:1 key may be a reference), and a column of
    `by_index`, whose values end in '-' and the row index. A partition's unique
    sets count for its parent's rows (stricter than per partition, too)."""
    from dbdesign.dialects.base import pg_expr
    family = [t] + [p for p in (schema.tables.values() if schema else ()) if p.partition_of == t.qualname]
    sets = [list(k) for p in family for k in p.unique_column_sets()]
    sets += [[c.column for c in ix.columns] for p in family for ix in p.indexes
             if ix.unique and ix.where is not None and all(c.column for c in ix.columns)]
    skip = []
    if t.primary_key and len(t.primary_key.columns) == 1 and not repointed:
        skip.append(list(t.primary_key.columns))
    if _junction_fks(t, selected) and not repointed:
        skip.append(list(t.primary_key.columns))
    skip += [[c] for c in by_index]
    out: list[tuple[str, list[str]]] = []
    for key in [(", ".join(k), [quote(c) for c in k]) for k in sets if k not in skip]:
        if key not in out:
            out.append(key)
    for ix in (ix for p in family for ix in p.indexes if ix.unique and any(c.expression for c in ix.columns)):
        try:
            parts = [quote(c.column) if c.column else pg_expr(c.expression).sql(dialect="duckdb")
                     for c in ix.columns]
        except sqlglot.errors.SqlglotError:
            continue
        label = ", ".join(c.column or c.expression for c in ix.columns)
        if (label, parts) not in out:
            out.append((label, parts))
    return out


def _engine_checks(schema: Schema, engine_name: str) -> dict[str, list[tuple[str, str]]]:
    """table -> [(label, CHECK as `engine_name` holds it)]: the dialect's rendering, with its
    emulations (VARCHAR(n) -> a length CHECK, domains inlined) and without what it drops (a
    CHECK calling a function the engine lacks is not evaluated, and not created there)."""
    from dbdesign import dialects
    model = dialects.render(schema, engine_name).model
    out: dict[str, list[tuple[str, str]]] = {}
    for qn, t in model.tables.items():
        for k, ch in enumerate(t.checks):
            text = " ".join(ch.expression.split())
            out.setdefault(qn, []).append((ch.name or (text if len(text) <= 60 else f"#{k + 1} ({text[:57]}...)"),
                                           ch.expression))
    return out


def _after(x: str) -> str:
    """How long after its parent row a row is created: 1 minute to 30 days, growing with the
    row's own place on the growth curve `x` (0..1) - so rows of one parent keep their order
    (a reply stays after the comment it answers)."""
    return f"to_microseconds((60e6 + {x} * 30 * 86400e6)::BIGINT)"


CREATED_NAMES = ("created_at", "created", "created_on", "creation_date", "date_created", "inserted_at")


def _is_created(cname: str) -> bool:
    """A column that records when its row was created (by name)."""
    return cname in CREATED_NAMES or (cname.endswith("_at") and "created" in cname)


def _created_column(t: Table) -> str | None:
    """`t`'s created-at column: the first timestamp or date column named like one."""
    return next((c.name for c in t.columns.values() if _is_created(c.name.lower()) and not c.generated
                 and not c.kind.array and (_base_type(c.type) in TS_TYPES or _base_type(c.type) == "DATE")), None)


def _keyed_columns(t: Table) -> set[str]:
    """Columns in the primary key, a UNIQUE, an index or a foreign key of `t`."""
    out = set(t.primary_key.columns if t.primary_key else ())
    out.update(c for u in t.uniques for c in u.columns)
    out.update(p.column for ix in t.indexes for p in ix.columns if p.column)
    out.update(c for fk in t.foreign_keys for c in fk.columns)
    return out


@functools.lru_cache(maxsize=1)
def _key_text_limit() -> int | None:
    """The longest text every engine holds in a key: an engine that cannot index TEXT gives a
    keyed TEXT column a VARCHAR(n) stand-in (`Dialect.KEY_TEXT_TYPES`, MariaDB: 255), so a
    longer generated value would be refused or truncated there (and a unique one collide)."""
    from dbdesign.dialects import DIALECTS
    sizes = [type_length(v) for d in DIALECTS.values() for v in getattr(d, "KEY_TEXT_TYPES", {}).values()]
    sizes = [n for n in sizes if n]
    return min(sizes) if sizes else None


def _check_info(t: Table) -> dict[str, dict[str, Any]]:
    """What CHECK constraints say about single columns: IN lists, numeric and length bounds."""
    info: dict[str, dict[str, Any]] = {}
    for ck in t.checks:
        try:
            tree = sqlglot.parse_one(ck.expression, read="postgres")
        except Exception:
            continue
        for part in _terms(tree, exp.And):
            _note_check(part, info)
    return info


def _note_partition_values(schema: Schema, t: Table, info: dict) -> None:
    """A LIST-partitioned table without a DEFAULT partition holds only the values its
    partitions list: its key column draws from them, as from a CHECK (col IN ...)."""
    m = re.fullmatch(r"\s*LIST\s*\(\s*\"?(\w+)\"?\s*\)\s*", t.partition_by or "", re.I)
    if not m or m.group(1) not in t.columns:
        return
    values: list[str] = []
    for p in schema.tables.values():
        if p.partition_of != t.qualname:
            continue
        bound = re.fullmatch(r"\s*FOR\s+VALUES\s+IN\s*(\(.*\))\s*", p.partition_bound or "", re.I | re.S)
        if bound is None:
            return  # DEFAULT (any value fits) or a bound not read here
        try:
            node = sqlglot.parse_one(bound.group(1), read="postgres")
        except sqlglot.errors.SqlglotError:
            return
        items = node.expressions if isinstance(node, exp.Tuple) else [node.this if isinstance(node, exp.Paren) else node]
        if not all(isinstance(v, exp.Literal) and v.is_string for v in items):
            return
        values.extend(v.this for v in items)
    if values:
        info.setdefault(m.group(1), {})["in"] = values


def _terms(e: exp.Expression, op: type[exp.Connector]) -> Iterable[exp.Expression]:
    """The operands of a chain of `op` (exp.And or exp.Or), parentheses looked through."""
    if isinstance(e, exp.Paren):
        yield from _terms(e.this, op)
    elif isinstance(e, op):
        yield from _terms(e.left, op)
        yield from _terms(e.right, op)
    else:
        yield e


def _num(e) -> float | None:
    if isinstance(e, exp.Neg) and isinstance(e.this, exp.Literal):
        v = _num(e.this)
        return -v if v is not None else None
    if isinstance(e, exp.Literal) and not e.is_string:
        with contextlib.suppress(ValueError):
            return float(e.this)
    return None


def _note_check(e: exp.Expression, info: dict) -> None:
    def target(x):
        if isinstance(x, exp.Column):
            return x.name, ""
        if isinstance(x, (exp.Length,)) or (isinstance(x, exp.Anonymous) and x.name.lower() in ("char_length", "length")):
            inner = x.this if isinstance(x, exp.Length) else (x.expressions[0] if x.expressions else None)
            if isinstance(inner, exp.Column):
                return inner.name, "len_"
        return None, ""

    if isinstance(e, exp.Or):  # col = a OR col = b OR ...: an IN list
        eqs = list(_terms(e, exp.Or))
        if all(isinstance(x, exp.EQ) for x in eqs):
            e = exp.In(this=eqs[0].this, expressions=[x.expression for x in eqs])
            if any(x.this != eqs[0].this for x in eqs):
                return
    if isinstance(e, exp.In):
        col, pre = target(e.this)
        strings = [v.this for v in e.expressions if isinstance(v, exp.Literal) and v.is_string]
        numbers = [_num(v) for v in e.expressions]
        if col and not pre and strings and len(strings) == len(e.expressions):
            info.setdefault(col, {})["in"] = strings
        elif col and not pre and e.expressions and None not in numbers:
            info.setdefault(col, {})["in_num"] = numbers
    elif isinstance(e, exp.RegexpLike):
        col, pre = target(e.this)
        pattern = e.expression
        if col and not pre and isinstance(pattern, (exp.Literal, exp.ByteString)) and \
                (not isinstance(pattern, exp.Literal) or pattern.is_string):
            info.setdefault(col, {})["regex"] = pattern.this
    elif isinstance(e, exp.Between):
        col, pre = target(e.this)
        lo, hi = _num(e.args.get("low")), _num(e.args.get("high"))
        if col and lo is not None and hi is not None:
            info.setdefault(col, {}).update({pre + "lo": lo, pre + "hi": hi})
    elif isinstance(e, (exp.GTE, exp.GT, exp.LTE, exp.LT)):
        col, pre = target(e.this)
        val = _num(e.expression)
        if col and val is not None:
            if isinstance(e, exp.GT):
                val += 1 if pre else 0.01
            if isinstance(e, exp.LT):
                val -= 1 if pre else 0.01
            side = "lo" if isinstance(e, (exp.GTE, exp.GT)) else "hi"
            info.setdefault(col, {})[pre + side] = int(val) if pre else val


def _weighted_choice(values: list[str], u: str) -> str:
    """CASE over cumulative weights: a 'live' value (published, active, member) gets 70%,
    otherwise the first value is the most common (Zipf-like by declaration order)."""
    live = [v for v in values if str(v).lower() in LIVE_VALUES]
    if live:
        rest = [v for v in values if v != live[0]]
        w = {live[0]: 0.7}
        tail = [1.0 / (k + 1) for k in range(len(rest))]
        for v, x in zip(rest, tail):
            w[v] = 0.3 * x / sum(tail)
        ordered = [live[0]] + rest
    else:
        tail = [1.0 / (k + 1) for k in range(len(values))]
        w = {v: x / sum(tail) for v, x in zip(values, tail)}
        ordered = list(values)
    parts, acc = [], 0.0
    for v in ordered[:-1]:
        acc += w[v]
        parts.append(f"WHEN {u} < {acc:.6f} THEN {_value_sql(v)}")
    last = _value_sql(ordered[-1])
    return f"CASE {' '.join(parts)} ELSE {last} END" if parts else last


def _value_sql(v) -> str:
    """A DuckDB literal: numbers as numbers, anything else as a string."""
    return repr(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else _lit(v)


REGEX_MAX_CHARS = 64  # an open repeat ({n,}, +, *) or a long one ends here


def _regex_sql(pattern: str, key: str, longest: bool = False) -> str | None:
    """DuckDB SQL over the row index `i` for a string the regular expression `pattern` matches
    in full, or None when the pattern uses more than this reads: literals, `.`, classes
    ([A-Z0-9], \\d, \\w, \\s; not negated), groups, alternatives, and repeats (?, *, +, {n,m}),
    with ^ and $ at the ends. Each character is drawn from its class by a hash of (i, key,
    position), so the same seed gives the same strings. `longest`: every repeat takes its
    largest count - for CHAR(n), which PostgreSQL pads with spaces before matching (`CHAR(15)
    ~ '^...$'` is false for a 13-character value)."""
    import re._constants as C
    import re._parser as P
    try:
        tree = P.parse(pattern)
    except re.error:
        return None
    counter = [0]
    classes = {C.CATEGORY_DIGIT: "0123456789", C.CATEGORY_SPACE: " ",
               C.CATEGORY_WORD: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"}

    def h() -> str:
        counter[0] += 1
        return f"dd_h(i, {_lit(f'{key}/re{counter[0]}')})"

    def alphabet(op, av) -> str | None:
        if op is C.LITERAL:
            return chr(av)
        if op is C.ANY:
            return "abcdefghijklmnopqrstuvwxyz0123456789"
        if op is C.IN:
            chars = ""
            for iop, iav in av:
                if iop is C.LITERAL:
                    chars += chr(iav)
                elif iop is C.RANGE:
                    chars += "".join(chr(x) for x in range(iav[0], iav[1] + 1))
                elif iop is C.CATEGORY and iav in classes:
                    chars += classes[iav]
                else:
                    return None
            return "".join(dict.fromkeys(chars)) or None
        return None

    def seq(items) -> list[str] | None:
        out: list[str] = []
        for op, av in items:
            if op is C.AT:
                if av not in (C.AT_BEGINNING, C.AT_END, C.AT_BEGINNING_STRING, C.AT_END_STRING):
                    return None
                continue
            if op in (C.MAX_REPEAT, C.MIN_REPEAT):
                lo, hi, sub = av
                hi = min(hi, max(lo, REGEX_MAX_CHARS)) if hi != C.MAXREPEAT else max(lo, min(lo + 8, REGEX_MAX_CHARS))
                n = f"({lo} + {h()} % {hi - lo + 1})" if hi > lo and not longest else None
                for k in range(hi):
                    part = seq(sub)
                    if part is None:
                        return None
                    piece = " || ".join(part) if part else "''"
                    out.append(f"(CASE WHEN {n} > {k} THEN {piece} ELSE '' END)" if n and k >= lo else f"({piece})")
                continue
            if op is C.SUBPATTERN:
                part = seq(av[3])
                if part is None:
                    return None
                out.extend(part)
                continue
            if op is C.BRANCH:
                alts = [seq(a) for a in av[1]]
                if any(a is None for a in alts):
                    return None
                choice = h()
                whens = " ".join(f"WHEN {choice} % {len(alts)} = {k} THEN {' || '.join(a) or chr(39) * 2}"
                                 for k, a in enumerate(alts))
                out.append(f"(CASE {whens} END)")
                continue
            chars = alphabet(op, av)
            if chars is None:
                return None
            out.append(_lit(chars) if len(chars) == 1 else
                       f"substr({_lit(chars)}, 1 + ({h()} % {len(chars)})::INT, 1)")
        return out

    parts = seq(list(tree))
    if parts is None or len(parts) > 4 * REGEX_MAX_CHARS:
        return None
    return " || ".join(parts) if parts else "''"


def _looks_like_person(t: Table) -> bool:
    return any(k in t.name.lower() for k in ("user", "person", "people", "author", "customer",
                                               "member", "employee", "contact", "profile"))


def _base_type(type_text: str) -> str:
    t = re.sub(r"\(.*?\)", "", type_text).strip().upper()
    t = t.replace("[]", "")
    return t


def type_length(type_text: str) -> int | None:
    """The declared length of a text type (`VARCHAR(5)` -> 5), else None."""
    m = re.search(r"\((\d+)\)", type_text)
    return int(m.group(1)) if m and _base_type(type_text) in TEXT_TYPES else None


_type_length = type_length


def _type_scale(type_text: str) -> int | None:
    m = re.search(r"\(\s*\d+\s*,\s*(\d+)\s*\)", type_text)
    return int(m.group(1)) if m else None


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def _lit(v: str) -> str:
    from dbdesign.dialects import DIALECTS  # the dialects import the engines, which import this
    return DIALECTS["duckdb"].literal(str(v))


def quote(name: str) -> str:
    """A DuckDB identifier, quoted (for SQL over the staging tables)."""
    from dbdesign.dialects import DIALECTS
    return DIALECTS["duckdb"].quote(name, force=True)


def staged_types(conn, table: str, catalog: str | None = None) -> dict[str, str]:
    """{column: DuckDB type} of the staging table of `table` in `catalog` (default: the
    connection's current database)."""
    return dict(conn.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
        "AND database_name = coalesce(?, current_database())", [staging_name(table), catalog]).fetchall())


def staging_name(table: str) -> str:
    """Staging table name in DuckDB for a (possibly schema-qualified) table."""
    return table.replace(".", "__")




def peak_mib() -> float:
    """This process's peak resident memory in MiB: VmHWM (reset by exec, unlike ru_maxrss,
    which a child started from a big parent inherits), else ru_maxrss."""
    with contextlib.suppress(OSError):
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summary_line(rows: int, seconds: float, rejection: dict[str, dict[str, Any]] | None = None) -> str:
    """One line for the end of a run: rows, rows/s, peak MiB, and the generated rows the
    schema's constraints rejected (`Dataset.rejection`), if any."""
    rate = rows / seconds if seconds else float("nan")
    line = f"datagen: {rows:,} rows in {seconds:.1f} s ({rate:,.0f} rows/s), peak {peak_mib():,.0f} MiB"
    if rejection:
        n = sum(r["rejected"] for r in rejection.values())
        line += (f"; {n:,} generated rows rejected ({n / (rows + n):.1%}) in {len(rejection)} tables, "
                 "see \"rejected\"")
    return line


def _progress(plan: list[TablePlan], enabled: bool | None, desc: str = "datagen"):
    """A tqdm bar over the plan's rows (postfix: the table), shown when `enabled` (None: when
    stderr is a terminal) and the work takes more than ~2 s (tqdm `delay`)."""
    import sys
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=sum(p.rows for p in plan), unit="rows", unit_scale=True, delay=2.0,
                desc=desc, leave=False)


# -- loading into an engine ------------------------------------------------------------------
@dataclass
class LoadReport:
    """What `load` did: rows and seconds per table, index build time, the bulk path used."""
    engine: str
    method: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    index_seconds: float = 0.0
    verify_seconds: float = 0.0
    # wall clock of the rows' arrival and their verification (`load`); per-table seconds
    # overlap where an engine loads tables side by side, so they do not add up to it
    load_seconds: float | None = None
    indexes_created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bar: Any = field(default=None, repr=False)  # a tqdm bar over the rows, while loading

    def table_done(self, table: str, rows: int, seconds: float) -> None:
        """A table is loaded: record it and move the progress bar."""
        self.rows[table], self.seconds[table] = rows, seconds
        if self.bar is not None:
            self.bar.set_postfix_str(table, refresh=False)
            self.bar.update(rows)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_s(self) -> float:
        """Rows per second of wall clock, including the constraint verification."""
        secs = self.load_seconds if self.load_seconds is not None else \
            sum(self.seconds.values()) + self.verify_seconds
        return self.total_rows / secs if secs else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "method": self.method, "rows": self.rows,
                "seconds": self.seconds, "index_seconds": self.index_seconds,
                "verify_seconds": self.verify_seconds, "load_seconds": self.load_seconds,
                "rows_per_s": self.rows_per_s, "indexes_created": self.indexes_created,
                "notes": self.notes}


# secondary indexes, and a partition's index attached to its parent's (after both exist)
INDEX_RE = re.compile(r"^\s*(CREATE\s+(UNIQUE\s+)?INDEX|ALTER\s+INDEX\b.*\bATTACH\s+PARTITION)\b", re.I | re.S)
POST_LOAD_RE = re.compile(r"^\s*(ALTER\s+TABLE\b.*\bFOREIGN\s+KEY\b|CREATE\s+(OR\s+REPLACE\s+)?TRIGGER\b)",
                          re.I | re.S)


def load_statements(schema: Schema, engine_name: str, tables: Sequence[str] | None = None,
                    fks_after: bool = False, missing: set[tuple[str, str]] = frozenset(),
                    notes: list[str] | None = None, keys_after: Sequence[str] = ()
                    ) -> tuple[list[str], list[str], list[str], list[str]]:
    """(create, keys, indexes, post) statements for `engine_name`, from the dialect's
    rendering of the schema restricted to `tables`, in the order they run: tables, then the
    data, then keys, secondary indexes, foreign keys and triggers - load first, index after.
    `keys_after` ("primary", "unique": `Engine.keys_after_load`) and `fks_after` move those
    constraints out of CREATE TABLE into ALTER TABLE ... ADD: the engine then builds each
    key's index in one sorted pass and validates each foreign key in one pass over the loaded
    rows, instead of one index insertion or check per row. They move out of the adapted
    model, so types and names are what the full rendering gives (MariaDB's stand-ins for
    keyed TEXT columns). A partitioned table and its partitions keep their keys inline, and
    so does a table that a foreign key created with its table references. A CHECK or index
    that uses a function or collation of `missing` ((kind, name) that neither the schema nor
    the engine defines: `Engine.missing_objects`) is left out, with a line in `notes`."""
    from dbdesign import dialects
    from dbdesign.dialects.base import clone
    sub = load_subschema(schema, tables, missing, notes)
    dialect = dialects.get_dialect(engine_name)
    model = dialect.adapt(sub)
    key_sql: list[str] = []
    fk_sql: list[str] = []
    if keys_after or fks_after:
        # a foreign key created with its table needs its parent's key (its own, for a self-
        # reference) and makes the parent a dependency that ALTER TABLE may refuse (DuckDB):
        # such a parent keeps its keys inline
        referenced = set() if fks_after else {
            fk.ref_table for t in model.tables.values() for fk in t.foreign_keys}
        model.tables = dict(model.tables)
        for name in _topo_order(model, set(model.tables)):
            t = model.tables[name] = clone(model.tables[name])
            if t.partition_of or t.partition_by or name in referenced:
                keys = []
            else:
                keys = (([t.primary_key] if "primary" in keys_after and t.primary_key else []) +
                        (t.uniques if "unique" in keys_after else []))
            key_sql.extend(dialect.add_key_sql(t, k) for k in keys)
            if t.primary_key in keys:
                t.primary_key = None
            t.uniques = [u for u in t.uniques if u not in keys]
            if fks_after:
                fk_sql.extend(dialect.add_fk_sql(t, fk) for fk in t.foreign_keys)
                t.foreign_keys = []
    create, indexes, post = [], [], []
    for st in dialect.create_statements(model):
        if INDEX_RE.match(st):
            indexes.append(st)
        elif POST_LOAD_RE.match(st):
            post.append(st)
        else:
            create.append(st)
    return create, key_sql, indexes, fk_sql + post


def load_subschema(schema: Schema, tables: Sequence[str] | None, missing: set[tuple[str, str]] = frozenset(),
                   notes: list[str] | None = None) -> Schema:
    """`subschema(schema, tables)` without the CHECKs and indexes that need an object of
    `missing` ((kind, name), `Engine.missing_objects`): what a load creates. One line per
    missing object in `notes`."""
    sub = subschema(schema, tables)
    left_out: dict[str, list[str]] = {}
    for t in sub.tables.values() if missing else ():
        for ch in list(t.checks):
            gone = sorted(_uses(ch.expression) & set(missing))
            if gone:
                t.checks.remove(ch)
                left_out.setdefault(", ".join(f"{k} {n}" for k, n in gone), []).append(
                    f"CHECK {ch.name or ch.expression} on {t.qualname}")
        for ix in list(t.indexes):
            gone = sorted(set().union(*map(_uses, _index_expressions(ix))) & set(missing))
            if gone:
                t.indexes.remove(ix)
                left_out.setdefault(", ".join(f"{k} {n}" for k, n in gone), []).append(f"index {ix.name}")
    for what, objs in left_out.items():
        if notes is not None:
            notes.append(f"{len(objs)} constraints and indexes not created (so not verified): they "
                         f"need {what}, which neither the schema nor the database defines - "
                         + "; ".join(objs[:3]) + ("; ..." if len(objs) > 3 else ""))
    return sub


def loaded_model(schema: Schema, engine, tables: Sequence[str] | None = None) -> Schema:
    """The schema as `load` creates it in `engine` for `tables`: the dialect's rendering of
    `load_subschema` (names, types and CHECKs as the engine holds them)."""
    from dbdesign import dialects
    tables = list(schema.tables) if tables is None else list(tables)
    family = {n for n, t in schema.tables.items() if n in tables or t.partition_of in tables}
    sub = load_subschema(schema, tables, engine.missing_objects(undefined_objects(schema, family)))
    return dialects.render(sub, engine.name).model


def _uses(expression: str) -> set[tuple[str, str]]:
    """What `expression` (PostgreSQL text) needs from the database beyond built-ins sqlglot
    knows: ("function", name) for each call of an unknown function (a stored one, or one
    engine's built-in), ("collation", name) for each COLLATE; names in lower case."""
    from dbdesign.dialects.base import pg_expr
    try:
        node = pg_expr(expression)
    except sqlglot.errors.SqlglotError:
        return set()
    out = {("function", str(f.this).lower()) for f in node.find_all(exp.Anonymous)}
    out |= {("collation", c.expression.sql(dialect="postgres").replace('"', "").lower())
            for c in node.find_all(exp.Collate)}
    return out


def _index_expressions(ix) -> list[str]:
    return [p.expression for p in ix.columns if p.expression] + ([ix.where] if ix.where else [])


def undefined_objects(schema: Schema, tables: Iterable[str] | None = None) -> set[tuple[str, str]]:
    """(kind, name) of the functions and collations the CHECKs and index expressions of
    `tables` (default all) use without the schema defining them (`_uses`)."""
    chosen = [schema.tables[n] for n in (schema.tables if tables is None else tables)]
    defined = {("function", o.name.split(".")[-1].lower()) for o in schema.others
               if o.kind in ("function", "procedure", "aggregate")}
    defined |= {("collation", o.name.lower()) for o in schema.others if o.kind == "collation"}
    texts = [ch.expression for t in chosen for ch in t.checks]
    texts += [e for t in chosen for ix in t.indexes for e in _index_expressions(ix)]
    return {u for text in texts for u in _uses(text)} - defined


def undefined_types(schema: Schema, tables: Iterable[str] | None = None) -> set[str]:
    """Lower-case names of the column types of `tables` (default all) that are neither built
    in (sqlglot knows them) nor an enum, domain or type of the schema: an extension's types."""
    from dbdesign.dialects.base import build_type
    own = {n.split(".")[-1].lower() for n in (*schema.enums, *schema.domains)}
    own |= {o.name.split(".")[-1].lower() for o in schema.others if o.kind == "type"}
    out = set()
    for t in (schema.tables[n] for n in (schema.tables if tables is None else tables)):
        for c in t.columns.values():
            try:
                dt = build_type(c.type, dialect="postgres", udt=True)
            except (sqlglot.errors.SqlglotError, ValueError):
                continue
            while dt.this == exp.DataType.Type.ARRAY and dt.expressions:
                dt = dt.expressions[0]
            if dt.this == exp.DataType.Type.USERDEFINED:
                name = dt.sql(dialect="postgres").strip('"').split(".")[-1].strip('"').lower()
                if name not in own:
                    out.add(name)
    return out


def subschema(schema: Schema, tables: Sequence[str] | None) -> Schema:
    """A copy of `schema` with only `tables` and the partitions of those (FKs to other tables
    dropped). Kept with them: what their columns and CHECKs need - enums, domains, and the
    objects the dialect creates before the tables (schemas, extensions, types, sequences a
    DEFAULT nextval() names, functions a CHECK or DEFAULT calls, and what those depend on).
    Views and triggers are left out: they are not needed to hold generated data, and a
    trigger would rewrite or add rows during the load."""
    import copy
    from dbdesign.dialects.base import Dialect
    keep = set(schema.tables) if tables is None else {schema.table(t).qualname for t in tables}
    keep |= {n for n, t in schema.tables.items() if t.partition_of in keep}
    sub = Schema(enums=copy.deepcopy(schema.enums), domains=copy.deepcopy(schema.domains),
                 sources=list(schema.sources))
    for name, t in schema.tables.items():
        if name in keep:
            t2 = copy.deepcopy(t)
            t2.foreign_keys = [fk for fk in t2.foreign_keys if fk.ref_table in keep]
            sub.tables[name] = t2
    used = Dialect.functions_used_by_tables(sub)
    by_name = {n: o for o in schema.others for n in (o.name, o.name.split(".")[-1])}
    wanted = [o for o in schema.others if o.kind in PRE_TABLE_OBJECTS
              or (o.kind in ("function", "procedure", "aggregate")
                  and o.name.split(".")[-1].lower() in used)]
    seen: set[int] = set()
    while wanted:
        o = wanted.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        wanted.extend(d for d in (by_name.get(x) or by_name.get(x.split(".")[-1]) for x in o.depends_on)
                      if d is not None and d.kind not in ("table", "view", "materialized view", "trigger"))
    sub.others = [copy.copy(o) for o in schema.others if id(o) in seen]
    return sub


# Kinds of other objects a load creates with the tables (see `subschema`).
PRE_TABLE_OBJECTS = ("schema", "extension", "type", "collation", "text search configuration", "sequence")


def load(data: "Dataset | duckdb.DuckDBPyConnection", engine, schema: Schema | None = None, *,
         indexes: str = "schema", analyze: bool = True, create: bool = True,
         chunk_rows: int = 50_000, checks: str = "deferred", writer: str = "auto",
         progress: bool | None = None) -> LoadReport:
    """Copy generated data into `engine` (an `engines.Engine`) with its fast bulk path.

    SQLite: one transaction, an Arrow stream into the ADBC driver (or multi-row INSERTs
    through sqlite3, see `writer`), constraints verified before COMMIT. PostgreSQL: COPY FROM
    STDIN (CSV written by DuckDB), foreign keys added after the data. MariaDB: LOAD DATA
    LOCAL INFILE when the server allows local_infile, else multi-row INSERT. DuckDB: INSERT
    ... SELECT from the generating connection with the target file attached (Parquet for an
    in-memory target), self-references in depth levels. Each path is its engine's
    `bulk_load` (engines/*.py).
    `create=False` loads into tables that exist (a migrated database): their keys, foreign
    keys and triggers are left as they are.
    `indexes`: 'schema' builds the schema's secondary indexes after the data, 'none' keeps
    only primary keys and UNIQUE constraints (the baseline for index experiments).
    `checks` (SQLite): 'deferred' verifies CHECK constraints once over the loaded rows before
    COMMIT (one SQLite scan per table evaluating every CHECK) and foreign keys between the
    loaded tables by an anti-join in DuckDB over the exported values; 'engine' is the same but
    leaves the foreign keys to SQLite's `foreign_key_check` (slower: a B-tree probe per
    reference); 'row' lets SQLite check each CHECK as the row is inserted.
    `writer` (SQLite): 'adbc' streams Arrow from DuckDB into the ADBC SQLite driver (no Python
    object per value), 'python' inserts through the engine's sqlite3 connection, 'auto' takes
    ADBC when it is installed and the database is a file."""
    if indexes not in ("schema", "none"):
        raise InputError(f"indexes must be 'schema' or 'none' (got {indexes!r})")
    if checks not in ("deferred", "engine", "row"):
        raise InputError(f"checks must be 'deferred', 'engine' or 'row' (got {checks!r})")
    if writer not in SQLITE_WRITERS:
        raise InputError(f"writer must be one of {', '.join(SQLITE_WRITERS)} (got {writer!r})")
    options = {"chunk_rows": chunk_rows, "checks": checks, "writer": writer, "progress": progress}
    engine.check_bulk_options(options)
    if isinstance(data, duckdb.DuckDBPyConnection):
        if schema is None:
            raise InputError("load(conn, engine, schema): the schema is needed with a bare connection")
        present = {r[0] for r in data.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        order = [n for n in _topo_order(schema, set(schema.tables)) if staging_name(n) in present]
        data = Dataset(data, schema, -1, [TablePlan(n, 0, 0, "given") for n in order])
    schema = schema or data.schema
    tables = data.tables
    report = LoadReport(engine.name, engine.bulk_method)
    missing = engine_gaps(engine, schema, tables, report.notes)
    create_sql, key_sql, index_sql, post_sql = load_statements(
        schema, engine.name, tables, engine.fks_after_load, missing, report.notes, engine.keys_after_load)
    if not create:  # the tables exist with their keys, foreign keys and triggers
        key_sql = post_sql = []
    report.bar = _progress([TablePlan(t, data.counts.get(t, 0), 0, "") for t in tables], progress,
                           f"load {engine.name}")
    with engine.load_session(data) as eng, tempfile.TemporaryDirectory(prefix="dbdesign-load-") as tmp:
        if create:
            eng.run_script(create_sql)
        t0 = time.perf_counter()
        try:
            eng.bulk_load(data, tables, report, tmp, options)
        finally:
            if report.bar is not None:
                report.bar.close()
                report.bar = None
        report.load_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        for st in key_sql:
            eng.execute(st)
        if indexes == "schema":
            for st in index_sql:
                eng.execute(st)
                m = re.match(r"\s*CREATE\s.*?INDEX\s+(?:IF NOT EXISTS\s+)?([\w\".]+)", st, re.I | re.S)
                if m:
                    report.indexes_created.append(m.group(1).strip('"'))
        for st in post_sql:
            eng.execute(st)
        report.index_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        eng.verify_load(data, tables, report)
        eng.after_load(tables, report)
        report.load_seconds += time.perf_counter() - t0
    if analyze:
        analyze_tables(engine, tables)
    return report


def engine_gaps(engine, schema: Schema, tables: Sequence[str], notes: list[str]) -> set[tuple[str, str]]:
    """Get `engine` ready for `tables` of a schema whose other objects it does not have:
    the types those tables use and the schema defines elsewhere are provided
    (`Engine.provide_types`, a line in `notes` each), and the functions and collations
    neither defines are returned, for `load_statements` to leave out what uses them."""
    family = {n for n, t in schema.tables.items() if n in tables or t.partition_of in tables}
    notes.extend(engine.provide_types(undefined_types(schema, family)))
    return engine.missing_objects(undefined_objects(schema, family))


def add_indexes(engine, schema: Schema, tables: Sequence[str]) -> None:
    """The schema's secondary indexes on `tables`, built on a database that
    `load(..., indexes="none")` filled: the database `indexes="schema"` gives, without loading
    the rows a second time. Optimizer statistics are the caller's (`analyze_tables`)."""
    missing = engine_gaps(engine, schema, tables, [])
    for st in load_statements(schema, engine.name, tables, missing=missing)[2]:
        engine.execute(st)


def analyze_tables(engine, tables: Sequence[str]) -> None:
    """Refresh optimizer statistics (plans change after ANALYZE - ENGINE_FACTS); PostgreSQL
    also VACUUMs so that index-only scans are possible (visibility map): `Engine.analyze`."""
    engine.analyze(tables)


def export_select(data: Dataset, table: str, casts: Sequence[tuple[str, str]] = (), rowid: bool = False,
                  key_order: bool = False, sort_keys: dict[str, str] | None = None) -> str:
    """SELECT over the staging table with values shaped for a target engine's loader:
    `casts` is the engine's `export_casts` (a regex matching the start of the DuckDB type ->
    SQL over `{}`; the first match wins);
    `key_order` sorts by the primary key (a clustered table then appends instead of
    inserting at random places), a column of `sort_keys` by that SQL over `{}` (the order the
    engine stores its values in, where that is not DuckDB's)."""
    types = data.types(table)
    parts = []
    for c in data.columns(table):
        dt = types.get(c, "VARCHAR").upper()
        q = quote(c)
        shape = next((sql for prefix, sql in casts if re.match(prefix, dt)), None)
        parts.append(f"{shape.format(q) if shape else q} AS {q}")
    if rowid:
        parts.append("rowid AS _dd_rowid")
    key = data.schema.table(table).primary_key
    sort_keys = sort_keys or {}
    order = (f" ORDER BY {', '.join(sort_keys[c].format(quote(c)) if c in sort_keys else quote(c) for c in key.columns)}"
             if key_order and key else "")
    return f"SELECT {', '.join(parts)} FROM {data.staged(table)}{order}"


# Load-time settings (per connection, restored afterwards). journal_mode=MEMORY (not OFF):
# ROLLBACK still works if a row is rejected; only a crash mid-load can leave the file damaged.
SQLITE_LOAD_PRAGMAS = {"journal_mode": "MEMORY", "synchronous": "OFF", "cache_size": "-262144",
                       "temp_store": "MEMORY"}
SQLITE_ROWS_PER_INSERT = 200  # multi-row VALUES; 50..1000 measured within 5% of each other
SQLITE_WRITERS = ("auto", "adbc", "python")


def adbc_sqlite():
    """The ADBC SQLite driver module, or None when it is not installed."""
    try:
        import adbc_driver_sqlite.dbapi as adbc
    except ImportError:
        return None
    return adbc


def sqlite_load(data, engine, tables, report, chunk_rows: int = 50_000, checks: str = "deferred",
                writer: str = "auto") -> None:
    """Load into SQLite: ADBC ingest or multi-row INSERT, one transaction, key order,
    verified before COMMIT (`SQLiteEngine.bulk_load`)."""
    # Per-row FK checks plus a self-reference (which forces generation order instead of key
    # order) cost 3-5x; the data is valid by construction, so load with foreign_keys=OFF
    # (only effective outside a transaction) and verify before COMMIT.
    # CHECKs likewise (checks='deferred'/'engine'): `CHECK (role IN ('a','b','c'))` with 3+
    # values makes SQLite rebuild an ephemeral lookup table on every statement run (~1.2 us/row
    # here, a third of the load), so they are switched off for the load and verified before
    # COMMIT by one scan per table that evaluates every CHECK (`_sqlite_verify_checks`). A bad
    # row rolls the whole load back; the constraints stay in the table for every later write.
    if writer == "auto":
        writer = ("adbc" if adbc_sqlite() is not None and engine.path != ":memory:"
                  and not engine.conn.in_transaction else "python")
    session = _AdbcSqlite(engine, data.conn) if writer == "adbc" else _PySqlite(engine)
    table = ""
    pool = ThreadPoolExecutor(1)
    fk_check = pool.submit(_duckdb_fk_violation, data, tables) if checks == "deferred" else None
    try:
        session.start(checks)
        for table in tables:
            t0 = time.perf_counter()
            n = session.insert(data, table, max(chunk_rows, 10_000))
            report.table_done(table, n, time.perf_counter() - t0)
        t0 = time.perf_counter()
        session.execute("PRAGMA ignore_check_constraints=OFF")
        if checks != "row":
            for table in tables:
                _sqlite_verify_checks(session.rows, table)
        _sqlite_verify_fks(data, session.rows, tables, in_sqlite=checks != "deferred")
        if fk_check is not None and (problem := fk_check.result()):
            raise EngineError(problem)
        report.verify_seconds = time.perf_counter() - t0
        session.commit()
    except Exception as err:
        session.rollback()
        if isinstance(err, EngineError):
            raise
        raise EngineError(f"sqlite: loading {table}: {str(err).splitlines()[0]}") from err
    finally:
        pool.shutdown(wait=True)
        session.close()
    report.method = f"{session.method} ({SQLITE_CHECKS[checks]})"
    report.notes.append(f"verified before COMMIT in {report.verify_seconds:.2f} s")
    report.notes.append(session.note)


# What each `checks` mode verifies, and where (LoadReport.method says it).
SQLITE_CHECKS = {
    "deferred": "CHECKs in one SQLite scan per table, foreign keys between loaded tables by a "
                "DuckDB anti-join run while the rows are written, others by foreign_key_check",
    "engine": "CHECKs in one SQLite scan per table, foreign keys by foreign_key_check",
    "row": "CHECKs per row as inserted, foreign keys by foreign_key_check"}


class _PySqlite:
    """The load through the engine's own connection (Python's sqlite3): DuckDB rows become
    Python tuples and go back out as multi-row INSERT parameters - ~2/3 of the time is that
    conversion, not SQLite."""

    def __init__(self, engine):
        self.engine, self.conn = engine, engine.conn
        k = SQLITE_ROWS_PER_INSERT
        self.method = "executemany" if k == 1 else f"multi-row INSERT ({k} rows per statement)"
        self.note = f"written through Python's sqlite3 (SQLite {sqlite3.sqlite_version})"
        self.old: dict[str, Any] = {}

    def start(self, checks: str) -> None:
        conn = self.conn
        self.old = {k: conn.execute(f"PRAGMA {k}").fetchone()[0] for k in SQLITE_LOAD_PRAGMAS}
        for k, v in SQLITE_LOAD_PRAGMAS.items():
            conn.execute(f"PRAGMA {k}={v}")
        conn.execute("PRAGMA foreign_keys=OFF")
        if checks != "row":
            conn.execute("PRAGMA ignore_check_constraints=ON")
        self.engine.begin()

    def rows(self, sql: str) -> list[tuple]:
        return self.conn.execute(sql).fetchall()

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    def insert(self, data: Dataset, table: str, fetch_rows: int) -> int:
        return _sqlite_insert_rows(data, self.conn, table, fetch_rows)

    def commit(self) -> None:
        self.engine.commit()

    def rollback(self) -> None:
        self.engine.rollback()

    def close(self) -> None:
        conn = self.conn
        conn.execute("PRAGMA ignore_check_constraints=OFF")
        conn.execute("PRAGMA foreign_keys=ON")
        for k, v in self.old.items():
            conn.execute(f"PRAGMA {k}={v}")


class _AdbcSqlite:
    """The load through the Arrow ADBC SQLite driver (`adbc-driver-sqlite`): DuckDB hands each
    table over as an Arrow stream and the driver binds the columns into a prepared INSERT in
    C - no Python object per value (1 M users here: ~2.4 s against ~4.1 s through sqlite3).
    It is a second connection to the same file, with the SQLite library inside the wheel;
    the whole load is still one transaction (BEGIN IMMEDIATE ... COMMIT/ROLLBACK).

    Two SQLite libraries in one process do not see each other's POSIX locks (measured: the
    driver wrote while this process's sqlite3 connection held BEGIN IMMEDIATE; sqlite.org
    "How To Corrupt", 2.2.1). So ADBC is used only when the engine's own connection has no
    transaction open, and nothing else in this process should write the file during a load;
    other processes are locked out as usual."""

    def __init__(self, engine, duck):
        adbc = adbc_sqlite()
        self.duck = duck
        self.conn = adbc.connect(engine.path, autocommit=True)
        self.cur = self.conn.cursor()
        self.method = "ADBC ingest (Arrow stream from DuckDB)"
        self.note = (f"written by the ADBC SQLite driver (SQLite {self.rows('SELECT sqlite_version()')[0][0]}"
                     f" in adbc-driver-sqlite), read back through Python's sqlite3 ({sqlite3.sqlite_version})")

    def start(self, checks: str) -> None:
        for k, v in SQLITE_LOAD_PRAGMAS.items():
            self.cur.execute(f"PRAGMA {k}={v}")
        self.cur.execute("PRAGMA foreign_keys=OFF")
        self.cur.execute(f"PRAGMA ignore_check_constraints={'OFF' if checks == 'row' else 'ON'}")
        self.cur.execute("BEGIN IMMEDIATE")

    def execute(self, sql: str) -> None:
        self.cur.execute(sql)

    def rows(self, sql: str) -> list[tuple]:
        """Run `sql`; its result read through DuckDB (the driver's own fetch needs pyarrow)."""
        self.cur.execute(sql)
        duck = self.duck.cursor()
        try:
            return duck.from_arrow(self.cur.fetch_arrow()).fetchall()
        finally:
            duck.close()

    def insert(self, data: Dataset, table: str, fetch_rows: int) -> int:
        duck = data.conn.cursor()  # its own DuckDB connection: the stream stays open meanwhile
        try:
            rel = duck.sql(sqlite_export_sql(data, table))
            n = self.cur.adbc_ingest(table, rel, mode="append")
        finally:
            duck.close()
        return n if n >= 0 else self.rows(f"SELECT count(*) FROM {quote(table)}")[0][0]

    def commit(self) -> None:
        self.cur.execute("COMMIT")

    def rollback(self) -> None:
        with contextlib.suppress(Exception):  # nothing was begun: the error came before BEGIN
            self.cur.execute("ROLLBACK")

    def close(self) -> None:
        self.cur.close()
        self.conn.close()


def _sqlite_verify_fks(data: Dataset, query, tables: Sequence[str], in_sqlite: bool) -> None:
    """Fail the load if a loaded row references a missing parent, by SQLite's own
    `PRAGMA foreign_key_check` - one random B-tree probe per reference (a 1 M-row
    self-referencing users table: ~2.5 s here). Without `in_sqlite` only the tables with a
    reference to a table outside the load are checked here; the references between loaded
    tables are `_duckdb_fk_violation`'s."""
    loaded = set(tables)
    for table in tables:
        t = data.schema.table(table)
        if in_sqlite or any(fk.ref_table not in loaded for fk in t.foreign_keys):
            bad = query(f"PRAGMA foreign_key_check({quote(table)})")
            if bad:
                raise EngineError(f"sqlite: loaded rows of {table} violate a foreign key to "
                                  f"{bad[0][2]} (rowid {bad[0][1]}); nothing was loaded")


def _duckdb_fk_violation(data: Dataset, tables: Sequence[str], engine: str = "sqlite") -> str | None:
    """The first foreign key between loaded tables that a generated row breaks, as an error
    message for `engine`, or None. A hash anti-join in DuckDB (~0.15 s for 1 M
    self-referencing users, against ~2.5 s of SQLite's `foreign_key_check`); it needs nothing
    from the target, so a loader runs it while the rows are being written and commits only
    when it passes. A child row with a NULL in any FK column is not checked (MATCH SIMPLE, as
    SQLite and InnoDB do).

    Compared on the staging values, which are the loaded ones when the loader checked that
    no row was refused or changed: the export applies the same conversion to both sides, so
    equal here means equal in the target (a lossy conversion such as DECIMAL -> DOUBLE, or
    MariaDB's case-insensitive collations, could only make this check stricter than the
    target's, never looser)."""
    loaded = set(tables)
    conn = data.conn.cursor()  # its own connection: the loader streams from another meanwhile
    try:
        for table in tables:
            for fk in data.schema.table(table).foreign_keys:
                if fk.ref_table not in loaded:
                    continue
                child, parent = quote(staging_name(table)), quote(staging_name(fk.ref_table))
                present = " AND ".join(f"c.{quote(c)} IS NOT NULL" for c in fk.columns)
                match = " AND ".join(f"p.{quote(r)} = c.{quote(c)}" for c, r in zip(fk.columns, fk.ref_columns))
                n, example = conn.execute(
                    f"SELECT count(*), any_value(({', '.join('c.' + quote(c) for c in fk.columns)})::VARCHAR) "
                    f"FROM {child} c WHERE {present} AND NOT EXISTS "
                    f"(SELECT 1 FROM {parent} p WHERE {match})").fetchone()
                if n:
                    return (f"{engine}: {n} loaded rows of {table} reference a missing {fk.ref_table} "
                            f"({', '.join(fk.columns)} = {example}); nothing was loaded")
    finally:
        conn.close()
    return None


def _sqlite_verify_checks(query, table: str) -> None:
    """Evaluate every CHECK of `table` over all its rows in one scan (the IN-list lookup is
    built once, not once per row). The CHECK texts come from the table's stored CREATE
    statement; if they cannot be read, `PRAGMA quick_check(table)` does the same job
    (slower: it also walks every B-tree page)."""
    # the table is picked in Python: the ADBC writer's driver binds parameters only through pyarrow
    sql = next(r[1:] for r in query("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
               if r[0] == table)
    try:
        tree = sqlglot.parse_one(sql[0], read="sqlite")
        checks = [(n.this if isinstance(n, exp.CheckColumnConstraint) else n.this).sql("sqlite")
                  for n in tree.find_all(exp.CheckColumnConstraint, exp.Check)]
    except Exception:
        checks = None
    if checks is None:
        bad = [r[0] for r in query(f"PRAGMA quick_check({quote(table)})") if r[0] != "ok"]
        if bad:
            raise EngineError(f"sqlite: loaded rows of {table} violate constraints: {bad[0]}")
        return
    if not checks:
        return
    # A CHECK fails only when it is false; NULL passes (NOT NULL is NULL, so not counted).
    where = " OR ".join(f"NOT ({c})" for c in checks)
    if query(f"SELECT count(*) FROM {quote(table)} WHERE {where}")[0][0]:
        for c in checks:
            n = query(f"SELECT count(*) FROM {quote(table)} WHERE NOT ({c})")[0][0]
            if n:
                raise EngineError(f"sqlite: CHECK constraint failed: {table}: {c} is false for "
                                  f"{n} loaded rows")


def sqlite_export_sql(data: Dataset, table: str) -> str:
    """The rows of `table` as SQLite receives them (`export_select`), in primary-key order:
    key order turns random B-tree inserts into appends (54k -> 176k rows/s for a UUID key)."""
    t = data.schema.table(table)
    key = t.primary_key.columns if t.primary_key else None
    from dbdesign.engines.sqlite import SQLiteEngine
    src = export_select(data, table, SQLiteEngine.export_casts, rowid=key is None)
    order = ", ".join(quote(c) for c in key) if key else "_dd_rowid"
    return f"SELECT {', '.join(quote(c) for c in data.columns(table))} FROM ({src}) ORDER BY {order}"


def _sqlite_insert_rows(data: Dataset, conn, table: str, fetch_rows: int) -> int:
    """Stream the export in primary-key order and insert it with multi-row VALUES.

    Why this shape (measured side by side in benchmarks/bench_datagen.py): DuckDB's
    `fetchmany` tuples are the cheapest way out (~0.8 M rows/s; fetchnumpy + tolist and Arrow
    record batches + to_pylist were not faster); a 200-row INSERT runs the statement 200x
    less often than executemany, which amortises its per-run setup."""
    from itertools import chain
    cols = data.columns(table)
    cur = data.conn.cursor()
    cur.execute(sqlite_export_sql(data, table))
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in cols)}) VALUES "
    one = "(" + ", ".join("?" * len(cols)) + ")"
    k = max(1, min(SQLITE_ROWS_PER_INSERT, 30_000 // len(cols)))  # <= 32766 variables
    many = head + ", ".join([one] * k)
    n = 0
    try:
        while batch := cur.fetchmany(fetch_rows):
            full = 0 if k == 1 else len(batch) - len(batch) % k  # k=1: plain executemany
            for o in range(0, full, k):
                conn.execute(many, list(chain.from_iterable(batch[o:o + k])))
            if full < len(batch):
                conn.executemany(head + one, batch[full:])
            n += len(batch)
    finally:
        cur.close()
    return n


def self_reference_levels(data: Dataset, table: str) -> tuple[str, int] | None:
    """(primary key column, number of levels) when `table` references itself through
    single-column foreign keys, else None. Fills the temp table `_dd_level(id, lvl)` of
    `data.conn`: level 0 holds the rows whose self-references are all NULL, level k the rows
    whose referenced rows are all on earlier levels - the order a loader that checks each FK
    against committed rows (DuckDB) must insert them in; a row that references itself (the
    root of a NOT NULL self-reference) goes with the level of its other references. Generated data has at most
    len(LAYERS) + 1 levels; a cycle (or a row referencing itself) is an EngineError."""
    t = data.schema.table(table)
    fks = [fk for fk in t.foreign_keys if fk.ref_table == t.qualname and len(fk.columns) == 1]
    if not fks or not t.primary_key or len(t.primary_key.columns) != 1:
        return None
    pk = t.primary_key.columns[0]
    src, conn = data.staged(table), data.conn
    refs = sorted({fk.ref_columns[0] for fk in fks})
    keep = ", ".join(f"{quote(r)} AS {quote('r_' + r)}" for r in refs)
    own = {fk.columns[0]: f"{quote(fk.columns[0])} = {quote(fk.ref_columns[0])}" for fk in fks}
    conn.execute(f"CREATE OR REPLACE TEMP TABLE _dd_level AS SELECT {quote(pk)} AS id, {keep}, 0 AS lvl "
                 f"FROM {src} WHERE " + " AND ".join(f"({quote(fk.columns[0])} IS NULL OR {own[fk.columns[0]]})"
                                                      for fk in fks))
    ready = " AND ".join(f"(s.{quote(fk.columns[0])} IS NULL OR s.{own[fk.columns[0]]} OR s.{quote(fk.columns[0])} IN "
                         f"(SELECT {quote('r_' + fk.ref_columns[0])} FROM temp.main._dd_level))" for fk in fks)
    count, placed = 1, conn.execute("SELECT count(*) FROM temp.main._dd_level").fetchone()[0]
    total = conn.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
    while placed < total:
        n = conn.execute(f"INSERT INTO temp.main._dd_level SELECT s.{quote(pk)}, "
                         + ", ".join(f"s.{quote(r)}" for r in refs) + f", {count} FROM {src} s "
                         f"WHERE s.{quote(pk)} NOT IN (SELECT id FROM temp.main._dd_level) AND {ready}"
                         ).fetchone()[0]
        if not n:
            raise EngineError(f"{table}: {total - placed} generated rows reference themselves or "
                              "form a cycle through a self-referencing foreign key; no load order exists")
        placed, count = placed + n, count + 1
    return pk, count


def _count(data: Dataset, table: str) -> int:
    return data.conn.execute(f"SELECT count(*) FROM {data.staged(table)}").fetchone()[0]


# -- scale curve ----------------------------------------------------------------------------
SCALE_SIZES = (10_000, 100_000, 300_000, 1_000_000)


def scale_curve(source: str, sizes: Sequence[int] = SCALE_SIZES, engine: str = "duckdb",
                folder: str | None = None, tables: Sequence[str] = ()):
    """Rows vs seconds and peak memory of `dbdesign datagen SOURCE --rows N` into a fresh
    `engine` file (sqlite or duckdb), one child process per size - peak memory is per
    process, so each size gets its own; `tables`: only those and their parents (`--table`).
    A DataFrame: rows_arg, rows, seconds, rows_per_s, peak_mib (one row per size, in the
    order given)."""
    import json
    import subprocess
    import sys

    import pandas as pd
    if engine not in ("sqlite", "duckdb"):
        raise InputError(f"scale_curve loads into a file: engine sqlite or duckdb (got {engine!r})")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
         os.environ.get("PYTHONPATH", "")])}
    rows = []
    with tempfile.TemporaryDirectory(prefix="dbdesign-scale-", dir=folder) as tmp:
        for n in sizes:
            path = os.path.join(tmp, f"scale-{n}.{engine}")
            proc = subprocess.run([sys.executable, "-m", "dbdesign.cli", "datagen", source, "--rows", str(int(n)),
                                   "--engine", engine, "--out", path, "--no-progress",
                                   *(arg for t in tables for arg in ("--table", t))],
                                  capture_output=True, text=True, env=env)
            if proc.returncode:
                raise EngineError(f"datagen --rows {n} into {engine} failed: "
                                  f"{(proc.stderr.strip().splitlines() or ['?'])[-1]}")
            out = json.loads(proc.stdout)
            rows.append({"rows_arg": int(n), "rows": out["rows"], "seconds": out["total_seconds"],
                         "rows_per_s": out["rows_per_s"], "peak_mib": out["peak_mib"]})
            os.remove(path)
    return pd.DataFrame(rows, columns=["rows_arg", "rows", "seconds", "rows_per_s", "peak_mib"])


def plot_scale_curve(frame, title: str = "Generating and loading: time and peak memory by size"):
    """Two panels over the rows loaded (log scale): seconds, and peak MiB (`scale_curve`'s
    frame). A matplotlib Figure."""
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    for ax, col, label in ((left, "seconds", "seconds (generate + load)"), (right, "peak_mib", "peak memory (MiB)")):
        ax.plot(frame["rows"], frame[col], marker="o")
        ax.set_xscale("log")
        ax.set_xlabel("rows loaded")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        for x, y in zip(frame["rows"], frame[col]):
            ax.annotate(f"{y:,.0f}" if col == "peak_mib" else f"{y:.1f}", (x, y), fontsize=8,
                        textcoords="offset points", xytext=(0, 6), ha="center")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
