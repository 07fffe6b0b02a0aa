"""Index advisor: propose indexes from the workload's SQL, then prove each one on a real engine.

Proposals follow "Use The Index, Luke" (PRIOR_ART): equality columns first, then ONE range or
the ORDER BY columns (with their direction) - a B-tree seeks on a leftmost prefix and can return
rows already sorted; a repeated `col IS NULL` predicate becomes a partial index where the engine
has them; `lower(col) = ?` needs an expression index; a narrow select gets a covering index
(INCLUDE on PostgreSQL, extra key columns elsewhere). What an existing index, primary key or
UNIQUE constraint already serves by leftmost prefix is not proposed again.

Folklore is not evidence, so every proposal is then *verified*: built on generated data in a
throw-away database of the engine, the plan captured again (`uses_index` from the plan, never
from the index's existence), the query timed before/after (gain as a ratio of medians), the
write cost measured (single-row INSERT throughput with/without, in a rolled-back transaction)
and the index's bytes read from the engine. Existing indexes no workload query uses are flagged
(PostgreSQL's `idx_scan` also counts foreign-key checks, so "0 scans" is not the whole story).

Peers: SQLite's `.expert` (the Debian `sqlite3` CLI) and, when the extension is installed,
PostgreSQL HypoPG (hypothetical indexes, tried Dexter-style) - `compare_with_peers`.

    advise(schema, queries, engine_name, data=...) -> Advice
    Advice.to_frame() / .unused_frame() / .index_documentation()
    compare_with_peers(schema, queries, data) -> PeerComparison (.to_frame())
"""
from __future__ import annotations

import copy
import os
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import sqlglot
from sqlglot import exp

from dbdesign import engines
from dbdesign.lab import bench, datagen, plans, workload
from dbdesign.errors import DbDesignError, EngineError, InputError
from dbdesign.model import IndexColumn, Schema, Table
from dbdesign.lab.workload import PARAM_RE, Candidate, Query

MIN_GAIN = 1.2  # a proposal the planner uses must make the query at least this much faster
COVERING_MAX_EXTRA = 2  # "narrow select": at most this many extra columns ...
NARROW_TEXT = 100  # ... none of them TEXT or VARCHAR wider than this
SQLITE_CLI = "/usr/bin/sqlite3"
# Engines that answer a query from the index alone (covering / index-only scan). DuckDB's ART
# always goes back to the table, so covering columns would only cost there.
INDEX_ONLY_SCANS = ("sqlite", "postgres", "mysql")
WIDE_TYPES = ("TEXT", "JSON", "JSONB", "BYTEA", "BLOB", "XML")


# -- what the SQL asks of each table -----------------------------------------------------------
@dataclass
class TableUse:
    """The predicates, sort and columns one query applies to one table."""
    table: str
    eq: list[str] = field(default_factory=list)  # col = value
    expr_eq: list[str] = field(default_factory=list)  # lower(col) = value (PostgreSQL SQL text)
    in_list: list[str] = field(default_factory=list)  # col IN (...)
    ranges: list[str] = field(default_factory=list)  # col < / > / BETWEEN
    null_preds: list[str] = field(default_factory=list)  # "deleted_at IS NULL"
    join: list[str] = field(default_factory=list)  # col = other_table.col
    order: list[tuple[str, bool]] | None = None  # [(col, desc)], None = no ORDER BY on this table
    group: list[str] = field(default_factory=list)
    needed: set[str] = field(default_factory=set)
    star: bool = False
    fts: str | None = None  # the tsvector expression of a `@@` predicate
    notes: list[str] = field(default_factory=list)

    @property
    def filtered(self) -> bool:
        return bool(self.eq or self.expr_eq or self.in_list or self.ranges or self.fts or self.order)


def analyse(query: Query, schema: Schema) -> list[TableUse]:
    """Parse the query (PostgreSQL dialect) and say, per table, what an index could serve."""
    probe = PARAM_RE.sub("NULL", query.sql)
    try:
        tree = sqlglot.parse_one(probe, read="postgres")
    except sqlglot.errors.ParseError as err:
        raise InputError(f"query {query.name} does not parse: {str(err).splitlines()[0]}",
                         query.source.file, query.source.line) from None
    aliases: dict[str, str] = {}
    for t in tree.find_all(exp.Table):
        if t.name:
            aliases[t.alias_or_name] = t.name
            aliases.setdefault(t.name, t.name)
    uses = {name: TableUse(name) for name in dict.fromkeys(aliases.values())}

    def owner(col: exp.Column) -> str | None:
        if col.table:
            return aliases.get(col.table)
        hits = [n for n in uses if (schema.table(n) and schema.table(n).column(col.name))]
        return hits[0] if len(hits) == 1 else (next(iter(uses)) if len(uses) == 1 else None)

    for col in tree.find_all(exp.Column):
        t = owner(col)
        if t:
            uses[t].needed.add(col.name)
    if any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
           for e in tree.expressions):
        for u in uses.values():
            u.star = True

    preds: list[exp.Expression] = []
    where = tree.args.get("where")
    if where is not None:
        preds += list(_conjuncts(where.this))
    for j in tree.args.get("joins") or []:
        if j.args.get("on") is not None:
            preds += list(_conjuncts(j.args["on"]))
    for p in preds:
        _classify(p, uses, owner)

    order = tree.args.get("order")
    if order is not None:
        cols = []
        for o in order.expressions:
            c = o.this
            if not isinstance(c, exp.Column) or owner(c) is None:
                cols = None
                break
            cols.append((owner(c), c.name, bool(o.args.get("desc"))))
        if cols and len({t for t, _, _ in cols}) == 1:
            uses[cols[0][0]].order = [(c, d) for _, c, d in cols]
    group = tree.args.get("group")
    if group is not None:
        for g in group.expressions:
            if isinstance(g, exp.Column) and owner(g):
                uses[owner(g)].group.append(g.name)
    return list(uses.values())


def _conjuncts(e: exp.Expression):
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, exp.And):
        yield from _conjuncts(e.this)
        yield from _conjuncts(e.expression)
    else:
        yield e


def _classify(p: exp.Expression, uses: dict[str, TableUse], owner) -> None:
    def col_of(e):
        return e if isinstance(e, exp.Column) else None

    if isinstance(p, exp.MatchAgainst):  # PostgreSQL `tsvector @@ tsquery`
        vec = p.expressions[0] if p.expressions else None
        cols = list(vec.find_all(exp.Column)) if vec is not None else []
        if cols and owner(cols[0]):
            uses[owner(cols[0])].fts = vec.sql(dialect="postgres")
        return
    if isinstance(p, exp.Is):
        c = col_of(p.this)
        if c is not None and owner(c):
            uses[owner(c)].null_preds.append(p.sql(dialect="postgres"))
        return
    if isinstance(p, exp.Not) and isinstance(p.this, exp.Is):
        c = col_of(p.this.this)
        if c is not None and owner(c):
            uses[owner(c)].null_preds.append(f"{c.name} IS NOT NULL")
        return
    if isinstance(p, exp.EQ):
        left, right = p.this, p.expression
        lc, rc = col_of(left), col_of(right)
        if lc is not None and rc is not None and owner(lc) != owner(rc):
            for c in (lc, rc):
                if owner(c):
                    uses[owner(c)].join.append(c.name)
            return
        for side, other in ((left, right), (right, left)):
            if isinstance(side, exp.Column) and owner(side) and not other.find(exp.Column):
                uses[owner(side)].eq.append(side.name)
                return
            if (not isinstance(side, exp.Column)) and side.find(exp.Column) is not None \
                    and not other.find(exp.Column):
                c = side.find(exp.Column)
                if owner(c):
                    inner = side.copy()
                    for cc in inner.find_all(exp.Column):
                        cc.set("table", None)
                    uses[owner(c)].expr_eq.append(inner.sql(dialect="postgres"))
                return
    if isinstance(p, exp.In):
        c = col_of(p.this)
        if c is not None and owner(c):
            uses[owner(c)].in_list.append(c.name)
        return
    if isinstance(p, (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between)):
        c = col_of(p.this)
        if c is not None and owner(c):
            if c.name not in uses[owner(c)].ranges:
                uses[owner(c)].ranges.append(c.name)
        return
    c = p.find(exp.Column)
    if c is not None and owner(c):
        kind = "LIKE" if isinstance(p, (exp.Like, exp.ILike)) else ("OR" if isinstance(p, exp.Or) else
                                                                    type(p).__name__)
        uses[owner(c)].notes.append(f"{p.sql(dialect='postgres')[:60]}: {kind} is not served by a "
                                    "plain B-tree seek")


# -- proposals ---------------------------------------------------------------------------------
@dataclass
class Proposal:
    """One proposed index with why, and - once verified - the evidence for or against it."""
    name: str
    table: str
    key: list[str]  # seek + order columns: "col", "col DESC", "(lower(email))"
    queries: list[str]
    rationale: str
    kind: str  # single | composite | partial | covering | expression | full-text
    where: str | None = None
    include: list[str] = field(default_factory=list)  # PostgreSQL INCLUDE
    extra: list[str] = field(default_factory=list)  # covering columns appended to the key
    candidate: Candidate | None = None
    served_by: str | None = None  # an existing index that already serves it
    verdict: str = "proposed"  # proposed | accept | reject | served | unavailable
    evidence: str = ""
    checks: list[dict[str, Any]] = field(default_factory=list)  # per query: plans and timings
    index_bytes: int | None = None
    build_s: float | None = None
    inserts_per_s_without: float | None = None  # median of the batches
    inserts_per_s_with: float | None = None
    insert_rates_without: list[float] = field(default_factory=list)  # rows/s per batch
    insert_rates_with: list[float] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return list(self.key) + list(self.extra)

    def label(self) -> str:
        cols = ", ".join(self.columns)
        inc = f" INCLUDE ({', '.join(self.include)})" if self.include else ""
        where = f" WHERE {self.where}" if self.where else ""
        return f"{self.table} ({cols}){inc}{where}"

    @property
    def gain(self) -> float | None:
        """Best read gain over the proposal's queries (median before / median after)."""
        g = [c["gain"] for c in self.checks if c.get("gain")]
        return max(g) if g else None

    @property
    def write_cost(self) -> float | None:
        """Single-row INSERT slowdown: throughput without / with (1.3 = 30 % slower)."""
        if self.inserts_per_s_with and self.inserts_per_s_without:
            return self.inserts_per_s_without / self.inserts_per_s_with
        return None

    def gain_ratio(self) -> "bench.Ratio | None":
        """The best used read gain with its interval (`bench.judge_ratio` of the query's
        interquartile ranges before and after)."""
        used = [c for c in self.checks if c.get("gain") and c.get("iqr_ms_before") and c.get("iqr_ms_after")]
        if not used:
            return None
        best = max(used, key=lambda c: (bool(c.get("uses_proposal")), c["gain"]))
        return bench.judge_ratio(bench.Spread(best["median_ms_before"], *best["iqr_ms_before"]),
                                 bench.Spread(best["median_ms_after"], *best["iqr_ms_after"]))

    def cost_ratio(self) -> "bench.Ratio | None":
        """The single-row insert cost with its interval, from the per-batch rates without and
        with the index (`bench.judge_ratio`)."""
        if len(self.insert_rates_without) < 2 or len(self.insert_rates_with) < 2:
            return None
        return bench.judge_ratio(self.insert_rates_without, self.insert_rates_with)


@dataclass
class Existing:
    """An index the engine already has (primary key, UNIQUE, the design's, InnoDB's FK index)."""
    name: str
    table: str
    columns: list[str]  # normalised "col" / "col DESC" / "(expr)"
    where: str | None = None
    include: list[str] = field(default_factory=list)
    origin: str = "index"  # primary key | unique | index | fk (auto)


def existing_indexes(schema: Schema, engine_name: str, tables: Sequence[str],
                     design: bool = True) -> list[Existing]:
    """What the engine holds before any proposal: keys and UNIQUE constraints, plus (with
    `design`) the schema's indexes as the engine's dialect builds them (a partial index on
    DuckDB/MariaDB is not built at all - the dialect drops it)."""
    from dbdesign import dialects
    d = dialects.get_dialect(engine_name)
    caps = engines.engine_class(engine_name).capabilities
    out: list[Existing] = []
    for name in tables:
        t = schema.table(name)
        if t is None:
            continue
        if t.primary_key:
            out.append(Existing(t.primary_key.name or f"{t.name}_pkey", t.name, list(t.primary_key.columns),
                                origin="primary key"))
        for u in t.uniques:
            out.append(Existing(u.name or f"{t.name}_{'_'.join(u.columns)}_key", t.name, list(u.columns),
                                origin="unique"))
        if design:
            for ix in t.indexes:
                adapted = d.adapt_index(schema, t, copy.deepcopy(ix))
                if adapted is None:
                    continue
                out.append(Existing(ix.name, t.name, [_col_text(c) for c in adapted.columns],
                                    adapted.where and _norm_pred(ix.where), list(adapted.include)))
        if caps.fk_auto_index:  # InnoDB indexes every FK column it is not already leading
            for fk in t.foreign_keys:
                if not any(_bare(e.columns[:len(fk.columns)]) == fk.columns for e in out if e.table == t.name):
                    out.append(Existing(fk.name or f"fk_{t.name}_{fk.columns[0]}", t.name, list(fk.columns),
                                        origin="fk (InnoDB automatic)"))
    return out


def _col_text(c: IndexColumn) -> str:
    text = f"({c.expression})" if c.expression else c.column
    return text + (" DESC" if c.desc else "")


def _bare(cols: Sequence[str]) -> list[str]:
    return [re.sub(r"\s+(ASC|DESC)$", "", c.strip(), flags=re.I).lower() for c in cols]


def _norm_pred(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return sqlglot.parse_one(text, read="postgres").sql(dialect="postgres").lower()
    except sqlglot.errors.ParseError:
        return text.strip().lower()


def _norm_expr(text: str) -> str:
    inner = text.strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1]
    try:
        return "(" + sqlglot.parse_one(inner, read="postgres").sql(dialect="postgres").lower() + ")"
    except sqlglot.errors.ParseError:
        return "(" + inner.lower() + ")"


def _key_norm(cols: Sequence[str]) -> list[tuple[str, bool]]:
    out = []
    for c in cols:
        desc = bool(re.search(r"\s+DESC$", c.strip(), re.I))
        base = re.sub(r"\s+(ASC|DESC)$", "", c.strip(), flags=re.I)
        out.append((_norm_expr(base) if base.startswith("(") else base.lower(), desc))
    return out


def serves(e: Existing, p: Proposal, n_eq: int, direction_matters: bool) -> str | None:
    """'full' when `e` serves the proposal by leftmost prefix (equality columns in any order,
    then the order/range columns in order, directions all equal or all reversed), 'lookup' when
    it serves the seek but not the covering columns, None otherwise."""
    if e.table != p.table:
        return None
    if e.where and (not p.where or not set(_split_and(e.where)) <= set(_split_and(p.where))):
        return None
    ek, pk = _key_norm(e.columns), _key_norm(p.key)
    if len(ek) < len(pk):
        return None
    if {c for c, _ in ek[:n_eq]} != {c for c, _ in pk[:n_eq]}:
        return None
    tail_e, tail_p = ek[n_eq:len(pk)], pk[n_eq:]
    if [c for c, _ in tail_e] != [c for c, _ in tail_p]:
        return None
    if direction_matters and tail_p:
        flips = {de != dp for (_, de), (_, dp) in zip(tail_e, tail_p)}
        if len(flips) > 1:
            return None
    have = {c for c, _ in ek} | {c.lower() for c in e.include}
    if all(c.lower() in have for c in _bare(p.extra) + [c.lower() for c in p.include]):
        return "full"
    return "lookup"


def _split_and(pred: str) -> list[str]:
    try:
        tree = sqlglot.parse_one(pred, read="postgres")
    except sqlglot.errors.ParseError:
        return [pred.lower()]
    return [c.sql(dialect="postgres").lower() for c in _conjuncts(tree)]


def propose(schema: Schema, queries: Sequence[Query], engine_name: str,
            existing: Sequence[Existing] | None = None) -> list[Proposal]:
    """Proposals for `engine_name` (its capabilities decide partial / expression / INCLUDE),
    marked `served` where an existing index already serves them."""
    caps = engines.engine_class(engine_name).capabilities
    existing = list(existing or [])
    out: list[Proposal] = []
    for q in queries:
        uses = analyse(q, schema)
        drivers = [u for u in uses if u.filtered]
        for u in uses:
            if u.filtered:
                p = _propose_table(q, u, schema, caps, engine_name)
            elif u.join and drivers:
                p = Proposal(_name(u.table, [u.join[0]], None), u.table, [u.join[0]], [q.name],
                             f"join lookup on {u.table}.{u.join[0]} (driven from "
                             f"{', '.join(d.table for d in drivers)})", "single")
                p._n_eq = 1
            else:
                continue
            if p is None:
                continue
            n_eq = getattr(p, "_n_eq", 0)
            for e in existing:
                how = serves(e, p, n_eq, caps.desc_index)
                if how == "full":
                    p.served_by, p.verdict = e.name, "served"
                    p.evidence = (f"already served by {e.origin} {e.name} ({', '.join(e.columns)}"
                                  f"{' WHERE ' + e.where if e.where else ''}) by leftmost prefix")
                    break
                if how == "lookup" and not p.evidence:
                    p.evidence = f"{e.name} serves the lookup; the proposal adds covering columns"
            out.append(p)
    return _merge([p for p in out], engine_name, schema)


def _propose_table(q: Query, u: TableUse, schema: Schema, caps, engine_name: str) -> Proposal | None:
    t = schema.table(u.table)
    why: list[str] = []
    if u.fts is not None:
        cand = next((c for c in q.candidates if c.method in ("gin", "gist") or c.sql), None)
        if cand is None:
            cand = Candidate(f"ix_{u.table}_fts", u.table, [f"({u.fts})"], method="gin")
        p = Proposal(cand.name, u.table, list(cand.columns), [q.name],
                     f"full-text predicate {u.fts} @@ ...: a B-tree cannot serve it ({caps.full_text})",
                     "full-text", candidate=cand)
        p._n_eq = 1
        return p
    key: list[str] = []
    eq = list(dict.fromkeys(u.eq))
    key += eq
    if eq:
        why.append(f"equality on {', '.join(eq)} first")
    kind = "single"
    for e in u.expr_eq:
        if caps.expression_index:
            key.append(f"({e})")
            why.append(f"{e} = ? needs an expression index (a plain index on the column is not used)")
            kind = "expression"
        elif not eq:
            p = Proposal(_name(u.table, [f"({e})"], None), u.table, [f"({e})"], [q.name],
                         f"{e} = ? needs an expression index", "expression", verdict="unavailable",
                         evidence=f"{engine_name} has no expression indexes: add a generated (virtual) "
                                  f"column for {e} and index it, or store the value normalised")
            p._n_eq = 1
            return p
    where = None
    if u.null_preds:
        if caps.partial_index:
            where = " AND ".join(u.null_preds)
            why.append(f"partial WHERE {where}: the query repeats the predicate, the index skips the rest")
            kind = "partial"
        else:
            for pred in u.null_preds:
                col = pred.split()[0]
                if col not in key:
                    key.append(col)
            why.append(f"{' AND '.join(u.null_preds)} as a key column (no partial indexes here)")
    n_eq = len(key)
    ins = list(dict.fromkeys(u.in_list))
    if ins:
        key += [c for c in ins if c not in key]
        why.append(f"IN list on {', '.join(ins)} (seekable, but rows no longer come out sorted)")
    order = u.order or []
    if order and not ins and (not u.ranges or u.ranges[0] == order[0][0]):
        for c, d in order:
            if c not in _bare(key):
                key.append(c + (" DESC" if d else ""))
        why.append("then ORDER BY " + ", ".join(c + (" DESC" if d else "") for c, d in order) +
                   " (rows come out sorted: no sort step)")
    elif u.ranges:
        key.append(u.ranges[0])
        why.append(f"then the range on {u.ranges[0]}" +
                   (f" (after a range, {', '.join(u.ranges[1:])} cannot narrow the seek)" if u.ranges[1:] else ""))
        if order:
            why.append("ORDER BY on another column than the range: a sort remains")
    elif order and ins:
        why.append("ORDER BY after an IN list: a sort remains (the composite does not help it)")
    elif u.group:
        key += [g for g in u.group if g not in key]
        why.append(f"then GROUP BY {', '.join(u.group)} (grouped order, no hash/sort)")
    if not key:
        if u.notes:
            return None
        return None
    if len(key) > 1 and kind == "single":
        kind = "composite"
    # covering for narrow selects
    extra: list[str] = []
    include: list[str] = []
    keyset = set(_bare(key)) | {c.lower() for c in _pred_columns(where)}
    implicit = set(t.primary_key.columns) if (t and t.primary_key and engines.engine_class(engine_name).clustered_pk) else set()
    need = sorted(c for c in u.needed if c.lower() not in keyset and c not in implicit
                  and c not in _expr_columns(key))
    point = t is not None and _is_point_lookup(t, key, n_eq)
    if engine_name in INDEX_ONLY_SCANS and not u.star and need and len(need) <= COVERING_MAX_EXTRA \
            and not point and \
            all(_narrow(t, c) for c in need):
        if caps.include_columns:
            include = need
            why.append(f"INCLUDE ({', '.join(need)}): a narrow select answered from the index alone")
        else:
            extra = need
            why.append(f"+ {', '.join(need)} as trailing key columns: covering (no table reads)")
        kind = "covering"
    name = _name(u.table, key + extra, where)
    p = Proposal(name, u.table, key, [q.name], "; ".join(why), kind, where=where, include=include, extra=extra)
    p._n_eq = n_eq
    return p


def _pred_columns(where: str | None) -> list[str]:
    if not where:
        return []
    return [c.name for c in sqlglot.parse_one(where, read="postgres").find_all(exp.Column)]


def _expr_columns(key: Sequence[str]) -> set[str]:
    out: set[str] = set()
    for k in key:
        if k.strip().startswith("("):
            out |= {c.name for c in sqlglot.parse_one(k, read="postgres").find_all(exp.Column)}
    return out


def _is_point_lookup(t: Table, key: Sequence[str], n_eq: int) -> bool:
    eq = {c for c, _ in _key_norm(key[:n_eq])}
    if not eq:
        return False
    sets = [set(c.lower() for c in s) for s in t.unique_column_sets()]
    sets += [{c for c, _ in _key_norm([_col_text(c) for c in ix.columns])} for ix in t.indexes if ix.unique]
    return any(s and s <= eq for s in sets)


def _narrow(t: Table | None, col: str) -> bool:
    c = t.column(col) if t is not None else None
    if c is None:
        return False
    ty = c.type.upper()
    if ty.startswith(WIDE_TYPES):
        return False
    m = re.search(r"\((\d+)", ty)
    return not (m and int(m.group(1)) > NARROW_TEXT)


def _name(table: str, cols: Sequence[str], where: str | None) -> str:
    """adv_<table>_<columns>[_desc per descending column][_live]: keys that differ only in a
    column's direction get different names."""
    parts = []
    for c, bare in zip(cols, _bare(cols)):
        words = re.findall(r"[a-z0-9]+", bare)
        parts.append("_".join(words) + ("_desc" if re.search(r"\sDESC$", c.strip(), re.I) else ""))
    name = f"adv_{table}_{'_'.join(parts)}" + ("_live" if where else "")
    return name[:60]


def _unique_names(props: list[Proposal]) -> None:
    """Distinct proposals keep distinct names: a name cut at 60 characters that another
    proposal already has gets a numbered suffix."""
    seen: set[str] = set()
    for p in props:
        name, n = p.name, 1
        while name in seen:
            n += 1
            name = f"{p.name[:56]}_{n}"
        p.name = name
        seen.add(name)


def _merge(props: list[Proposal], engine_name: str, schema: Schema) -> list[Proposal]:
    """One proposal per distinct index; a proposal whose key is a leftmost prefix of another's
    (same table, same WHERE, no covering columns of its own) is served by the longer one."""
    out: list[Proposal] = []
    for p in props:
        same = next((o for o in out if o.verdict == p.verdict and o.label() == p.label()), None)
        if same is not None:
            same.queries += [q for q in p.queries if q not in same.queries]
            continue
        out.append(p)
    _unique_names(out)
    for p in out:
        if p.verdict != "proposed" or p.kind == "full-text":
            continue
        for o in out:
            if o is p or o.verdict != "proposed" or o.table != p.table or o.where != p.where:
                continue
            if len(o.key) > len(p.key) and _key_norm(o.key)[:len(p.key)] == _key_norm(p.key) and not p.extra \
                    and not p.include:
                p.verdict, p.served_by = "served", o.name
                p.evidence = f"served by the proposal {o.name} (its leftmost prefix)"
                o.queries += [q for q in p.queries if q not in o.queries]
                break
    for p in out:
        if p.candidate is None:
            p.candidate = Candidate(p.name, p.table, p.columns, where=p.where, include=list(p.include),
                                    note=p.rationale)
        if p.verdict == "proposed":
            ddl = p.candidate.ddl(engine_name, schema)
            if not ddl:
                p.verdict, p.evidence = "unavailable", p.candidate.reason(engine_name, schema)
    return out


# -- verification --------------------------------------------------------------------------------
@dataclass
class Advice:
    """Proposals for one engine with their evidence, and the design's indexes nobody uses."""
    engine: str
    rows: int
    baseline: str
    proposals: list[Proposal] = field(default_factory=list)
    baseline_plans: dict[str, dict[str, Any]] = field(default_factory=dict)  # query -> plan, timing
    unused: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    design_benefit: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # index -> per query
    version: str = ""
    overhead_ms: float | None = None

    def proposal(self, name: str) -> Proposal:
        for p in self.proposals:
            if p.name == name:
                return p
        raise InputError(f"no proposal {name!r}; proposals: {', '.join(p.name for p in self.proposals)}")

    def for_query(self, query: str) -> list[Proposal]:
        return [p for p in self.proposals if query in p.queries]

    def to_frame(self):
        """One row per proposal: definition, verdict, evidence and the measured trade-off."""
        import pandas as pd
        rows = []
        for p in self.proposals:
            used = [c for c in p.checks if c.get("uses_proposal")]
            rows.append({"engine": self.engine, "index": p.name, "definition": p.label(), "kind": p.kind,
                         "queries": ", ".join(p.queries), "verdict": p.verdict,
                         "used_by_plan": (len(used) > 0) if p.checks else None,
                         "read_gain_x": round(p.gain, 1) if p.gain else None,
                         "insert_cost_x": round(p.write_cost, 2) if p.write_cost else None,
                         "insert_cost": p.cost_ratio().text() if p.cost_ratio() else None,
                         "index_kib": round(p.index_bytes / 1024, 1) if p.index_bytes else None,
                         "evidence": p.evidence, "rationale": p.rationale})
        return pd.DataFrame(rows, columns=["engine", "index", "definition", "kind", "queries", "verdict",
                                           "used_by_plan", "read_gain_x", "insert_cost_x", "insert_cost",
                                           "index_kib", "evidence", "rationale"])

    def tradeoff_frame(self):
        """One row per verified proposal the plan used: read gain and insert cost, each as
        median with interval and verdict (`bench.judge_ratio`), and the index's KiB - what
        the gain-against-cost chart draws."""
        import pandas as pd
        rows = []
        for p in self.proposals:
            g, c = p.gain_ratio(), p.cost_ratio()
            if g is None or not any(ch.get("uses_proposal") for ch in p.checks):
                continue
            rows.append({"engine": self.engine, "index": p.name, "definition": p.label(), "verdict": p.verdict,
                         "gain_x": g.x, "gain_lo": g.lo, "gain_hi": g.hi, "gain_verdict": g.verdict,
                         "cost_x": c.x if c else None, "cost_lo": c.lo if c else None,
                         "cost_hi": c.hi if c else None, "cost_verdict": c.verdict if c else None,
                         "index_kib": round(p.index_bytes / 1024, 1) if p.index_bytes else None})
        return pd.DataFrame(rows, columns=["engine", "index", "definition", "verdict", "gain_x", "gain_lo", "gain_hi",
                                           "gain_verdict", "cost_x", "cost_lo", "cost_hi", "cost_verdict",
                                           "index_kib"])

    def checks_frame(self):
        """Per (proposal, query): plan before/after and medians - the raw evidence."""
        import pandas as pd
        rows = [{"index": p.name, **{k: v for k, v in c.items() if k != "sql"}}
                for p in self.proposals for c in p.checks]
        return pd.DataFrame(rows)

    def unused_frame(self):
        import pandas as pd
        return pd.DataFrame(self.unused, columns=["index", "table", "definition", "used_by", "idx_scan", "note"])

    def index_documentation(self, schema: Schema | None = None, catalog_purposes: bool = True) -> str:
        """Markdown: every index of the resulting design with its rationale and measured
        benefit - the seed's "Index Documentation". The design's own indexes come with the
        queries whose plans used them (or a flag when none did); accepted proposals with their
        gain, write cost and size."""
        lines = [f"### Index documentation ({self.engine}, {self.rows:,} rows of the largest table)", ""]
        lines.append("| index | definition | why | evidence |")
        lines.append("|---|---|---|---|")
        used_by: dict[str, list[str]] = {}
        for q, b in self.baseline_plans.items():
            for ix in b.get("index_names", []):
                used_by.setdefault(ix, []).append(q)
        if schema is not None:
            purposes = {}
            if catalog_purposes:
                from dbdesign.generate.catalog import build_catalog
                purposes = {(e.table, e.name): e.purpose for e in build_catalog(schema).indexes}
            unused = {u["index"] for u in self.unused}
            for t in schema.tables.values():
                if t.name not in {p.table for p in self.proposals} | {u["table"] for u in self.unused} | \
                        {tb for b in self.baseline_plans.values() for tb in b.get("tables", [])}:
                    continue
                for ix in t.indexes:
                    why = ix.comment or purposes.get((t.qualname, ix.name)) or ""
                    if ix.name in used_by:
                        ev = "used by " + ", ".join(
                            q + next((_benefit_text(b) for b in self.design_benefit.get(ix.name, [])
                                      if b["query"] == q and b.get("gain")), "")
                            for q in used_by[ix.name])
                    elif ix.name in unused:
                        ev = "**no workload query uses it**" + next(
                            (f" ({u['note']})" for u in self.unused if u["index"] == ix.name and u["note"]), "")
                    else:
                        ev = f"not built on {self.engine}" if not any(
                            u["index"] == ix.name for u in self.unused) else ""
                    defn = f"{t.name} ({', '.join(_col_text(c) for c in ix.columns)})" + \
                        (f" WHERE {ix.where}" if ix.where else "")
                    lines.append(_md_row(ix.name, defn, why, ev))
        for p in self.proposals:
            if p.verdict != "accept":
                continue
            g = p.gain_ratio()
            ev = (f"proposed by the advisor, verified: read gain "
                  f"{g.text() if g else f'{p.gain:.1f}x'} on {', '.join(p.queries)}"
                  + (f", {_cost_text(p.cost_ratio())}" if p.cost_ratio() else "")
                  + (f", {p.index_bytes / 1024:.0f} KiB" if p.index_bytes else ""))
            lines.append(_md_row(p.name, p.label(), p.rationale, ev))
        return "\n".join(lines)


def _md_row(*cells: str) -> str:
    """One Markdown table row, each cell escaped (`||` in SQL would otherwise split cells)."""
    from dbdesign.review.datatable import md_cell
    return "| " + " | ".join(md_cell(c) for c in cells) + " |"


def _workload_data(schema: Schema, queries, data, rows: int, seed: int):
    """The workload (default: derived from the schema), the tables it reads, and generated
    data for them (with their required parents); queries over tables the data lacks are left
    out."""
    queries = list(queries) if queries is not None else workload.derive(schema)
    tables = list(dict.fromkeys(t for q in queries for t in q.tables))
    if data is None:
        data = datagen.generate(schema, rows, seed=seed, tables=datagen.with_parents(schema, tables),
                                progress=False)
    queries = [q for q in queries if all(t in data.counts for t in q.tables)]
    tables = [t for t in tables if t in data.counts]
    return queries, tables, data


def advise(schema: Schema, queries: Sequence[Query] | None = None, engine_name: str = "sqlite", *,
           data: datagen.Dataset | None = None, rows: int = 20_000, seed: int = 42,
           baseline: str = "schema", verify: bool = True, warmup: int = 2, repeat: int = 7,
           write_rows: int = 200, min_gain: float = MIN_GAIN, min_sample_ms: float = 1.0) -> Advice:
    """Propose indexes for `queries` on `engine_name` and verify each on generated data.

    `baseline`: 'schema' = the design's indexes exist (proposals add to it; unused design
    indexes are flagged), 'keys' = only primary keys and UNIQUE constraints (what the advisor
    would build from scratch)."""
    if baseline not in ("schema", "keys"):
        raise InputError(f"baseline must be 'schema' or 'keys' (got {baseline!r})")
    engines.engine_class(engine_name)
    queries, tables, data = _workload_data(schema, queries, data, rows, seed)
    existing = existing_indexes(schema, engine_name, tables, design=baseline == "schema")
    advice = Advice(engine_name, max(data.counts.values()), baseline,
                    propose(schema, queries, engine_name, existing))
    if not verify:
        return advice
    with engines.throwaway(engine_name) as eng:
        datagen.load(data, eng, indexes="none" if baseline == "keys" else "schema")
        advice.version = eng.version()
        advice.overhead_ms = round(bench.harness_overhead(eng).median_ms, 4)
        params = {q.name: q.resolve_params(data) for q in queries}
        for q in queries:
            sql, values = workload.bind(q.sql_for(eng.name), params[q.name], eng.name)
            plan = plans.explain(eng, sql, values)
            timing = bench.time_query(eng, sql, values, warmup, repeat, min_sample_ms)
            advice.baseline_plans[q.name] = {"plan": plan.summary(), "uses_index": plan.uses_index,
                                             "index_names": plan.index_names, "median_ms": timing.median_ms,
                                             "iqr_ms": [timing.p25_ms, timing.p75_ms],
                                             "rows_examined": plan.rows_examined, "sort": plan.sort,
                                             "tables": list(q.tables)}
        if baseline == "schema":
            advice.unused = _unused(eng, schema, tables, advice.baseline_plans, existing)
        rates: dict[str, float] = {}
        for p in advice.proposals:
            if p.verdict != "proposed":
                continue
            _verify(eng, data, schema, p, {q.name: q for q in queries}, params, advice, rates,
                    warmup, repeat, write_rows, min_gain, min_sample_ms)
        if baseline == "schema":
            _design_benefit(eng, schema, tables, {q.name: q for q in queries}, params, advice, warmup,
                            repeat, min_sample_ms)
    return advice


def _design_benefit(eng, schema: Schema, tables, qmap, params, advice: Advice, warmup, repeat,
                    min_sample_ms: float = 1.0) -> None:
    """The measured benefit of each design index a query uses: drop it, time the query, build
    it again. An index the engine will not drop (MariaDB: a foreign key needs it) is skipped."""
    _, _, index_sql, _ = datagen.load_statements(schema, eng.name, tables)
    ddl = {}
    for st in index_sql:
        m = re.search(r"INDEX\s+(?:IF NOT EXISTS\s+)?[`\"]?(\w+)", st, re.I)
        if m:
            ddl[m.group(1)] = st
    users: dict[str, list[str]] = {}
    for q, b in advice.baseline_plans.items():
        for ix in b["index_names"]:
            if ix in ddl:
                users.setdefault(ix, []).append(q)
    for ix, qnames in users.items():
        table = next(t.name for t in schema.tables.values() if any(i.name == ix for i in t.indexes))
        try:
            eng.execute(eng.drop_index_sql(ix, table))
        except EngineError as err:
            advice.notes.append(f"{ix}: not dropped to measure it ({str(err).splitlines()[0]})")
            continue
        try:
            datagen.analyze_tables(eng, [table])
            for qn in qnames:
                sql, values = workload.bind(qmap[qn].sql_for(eng.name), params[qn], eng.name)
                plan = plans.explain(eng, sql, values)
                timing = bench.time_query(eng, sql, values, warmup, repeat, min_sample_ms)
                with_ms = advice.baseline_plans[qn]["median_ms"]
                advice.design_benefit.setdefault(ix, []).append(
                    {"query": qn, "plan_without": plan.summary(), "median_ms_without": round(timing.median_ms, 4),
                     "median_ms_with": round(with_ms, 4),
                     "iqr_ms_without": [round(timing.p25_ms, 4), round(timing.p75_ms, 4)],
                     "iqr_ms_with": [round(x, 4) for x in advice.baseline_plans[qn]["iqr_ms"]],
                     "gain": round(timing.median_ms / with_ms, 2) if with_ms else None})
        finally:
            eng.execute(ddl[ix])
            datagen.analyze_tables(eng, [table])


def _verify(eng, data, schema, p: Proposal, qmap, params, advice: Advice, rates, warmup, repeat,
            write_rows, min_gain, min_sample_ms: float = 1.0) -> None:
    """Build `p`, time its queries with it, and judge it. Its write cost (single-row inserts
    with and without it, `insert_rates`) is measured only when a plan uses it: an index no
    plan takes is rejected whatever it costs, and on an engine with slow single-row writes
    (DuckDB: ~0.7 ms each) that cost is most of the advisor's time."""
    cand = p.candidate
    table = p.table
    t0 = time.perf_counter()
    try:
        with bench.measured_index(eng, cand.name, table) as size:
            for st in cand.ddl(eng.name, schema):
                eng.execute(st)
    except EngineError as err:
        p.verdict, p.evidence = "unavailable", f"build failed: {err}"
        return
    p.build_s = time.perf_counter() - t0
    p.index_bytes = size["bytes"]
    try:
        datagen.analyze_tables(eng, [table])
        for qname in p.queries:
            q = qmap[qname]
            sql, values = workload.bind(q.sql_for(eng.name, cand.name), params[qname], eng.name)
            plan = plans.explain(eng, sql, values)
            timing = bench.time_query(eng, sql, values, warmup, repeat, min_sample_ms)
            before = advice.baseline_plans[qname]
            took = cand.name in plan.index_names or (p.kind == "full-text" and
                                                     any(a.method == "fts" for a in plan.access))
            p.checks.append({"query": qname, "plan_before": before["plan"], "plan_after": plan.summary(),
                             "uses_proposal": took, "sort_before": before["sort"], "sort_after": plan.sort,
                             "rows_examined_before": before["rows_examined"],
                             "rows_examined_after": plan.rows_examined,
                             "median_ms_before": round(before["median_ms"], 4),
                             "median_ms_after": round(timing.median_ms, 4),
                             "iqr_ms_before": [round(x, 4) for x in before["iqr_ms"]],
                             "iqr_ms_after": [round(timing.p25_ms, 4), round(timing.p75_ms, 4)],
                             "gain": round(before["median_ms"] / timing.median_ms, 2) if timing.median_ms else None})
        used = [c for c in p.checks if c["uses_proposal"]]
        if used:
            p.insert_rates_with = insert_rates(eng, data, schema, table, write_rows)
            p.inserts_per_s_with = statistics.median(p.insert_rates_with) if p.insert_rates_with else None
    finally:
        cand.drop_from(eng)
    if used:
        if table not in rates:  # without any proposal: measured once per table, after the drop
            rates[table] = insert_rates(eng, data, schema, table, write_rows)
        p.insert_rates_without = rates[table]
        p.inserts_per_s_without = statistics.median(rates[table]) if rates[table] else None
    else:
        p.verdict = "reject"
        p.evidence = "the planner does not use it: " + "; ".join(
            f"{c['query']}: {c['plan_after']}" for c in p.checks)
        return
    best = max(used, key=lambda c: c["gain"] or 0)
    cost = f", {_cost_text(p.cost_ratio())}" if p.cost_ratio() else ""
    size = f", {p.index_bytes / 1024:.0f} KiB" if p.index_bytes else ""
    if (best["gain"] or 0) >= min_gain:
        p.verdict = "accept"
        p.evidence = (f"used by the plan ({best['plan_after']}); {best['query']} "
                      f"{best['median_ms_before']:.3f} -> {best['median_ms_after']:.3f} ms "
                      f"= {_gain_text(p, best)}{cost}{size}")
    else:
        p.verdict = "reject"
        p.evidence = (f"used ({best['plan_after']}) but the read gain is only {best['gain']:.2f}x "
                      f"(< {min_gain}x) - not worth its write cost{cost}{size}")


def _gain_text(p: Proposal, best: dict[str, Any]) -> str:
    """The read gain of the best check with its interval when the check has its quartiles."""
    if best.get("iqr_ms_before") and best.get("iqr_ms_after"):
        return bench.judge_ratio(bench.Spread(best["median_ms_before"], *best["iqr_ms_before"]),
                                 bench.Spread(best["median_ms_after"], *best["iqr_ms_after"])).text()
    return f"{best['gain']:.1f}x"


def _benefit_text(b: dict[str, Any]) -> str:
    """A design index's measured benefit on one query (timed without / with it), with the
    interval and what the repeats can tell (`bench.judge_ratio`)."""
    r = bench.judge_ratio(bench.Spread(b["median_ms_without"], *b["iqr_ms_without"]),
                          bench.Spread(b["median_ms_with"], *b["iqr_ms_with"]))
    if r.verdict == "higher":
        return f" ({r.text('faster than without it')})"
    if r.verdict == "inconclusive":
        return f" (cannot tell from without it: {r.text()})"
    return f" (measured slower than without it: {r.text()})"


def _cost_text(cost: "bench.Ratio") -> str:
    """Insert cost as words, with its interval: where the repeats with and without the index
    overlap the difference is within run-to-run noise."""
    if cost.inconclusive:
        return f"no measurable single-row insert cost ({cost.text()})"
    if cost.x < 1:
        return f"single-row inserts measured faster with it ({cost.text()}): noise or cache effects"
    return f"single-row inserts {cost.text('slower')}"



def _unused(eng, schema: Schema, tables, baseline_plans, existing: Sequence[Existing]) -> list[dict[str, Any]]:
    """Design indexes on the workload's tables that no query plan used."""
    used = {ix for b in baseline_plans.values() for ix in b["index_names"]}
    scans = eng.index_scan_counts()
    out = []
    built = {e.name for e in existing if e.origin == "index"}
    for name in tables:
        t = schema.table(name)
        fk_cols = {tuple(fk.columns) for fk in t.foreign_keys}
        for ix in t.indexes:
            if ix.name in used or ix.name not in built:
                continue
            cols = tuple(c.column for c in ix.columns)
            notes = []
            if ix.unique:
                notes.append("enforces a uniqueness rule: needed whether or not a query reads it")
            if any(cols[:len(f)] == f for f in fk_cols):
                notes.append("backs a foreign key: used by the engine's FK checks on parent "
                             "DELETE/UPDATE, which no SELECT plan shows")
            if scans is not None and any("foreign key" in n for n in notes):
                notes.append(f"{eng.label} idx_scan counts those checks too")
            out.append({"index": ix.name, "table": t.name,
                        "definition": f"({', '.join(_col_text(c) for c in ix.columns)})" +
                                      (f" WHERE {ix.where}" if ix.where else ""),
                        "used_by": "", "idx_scan": (scans or {}).get(ix.name), "note": "; ".join(notes)})
    return out


def insert_rate(eng, data, schema: Schema, table: str, n: int = 200) -> float | None:
    """Single-row INSERTs per second into `table` (copies of generated rows with fresh keys and
    unique values, `bench.fresh_rows`), each its own statement, inside a transaction that is
    rolled back - so the table is unchanged and the rate with and without an index can be
    compared."""
    rates = insert_rates(eng, data, schema, table, n, repeat=1)
    return rates[0] if rates else None


def insert_rates(eng, data, schema: Schema, table: str, n: int = 200, repeat: int = 5) -> list[float]:
    """`insert_rate` `repeat` times over the same `n` rows, each batch rolled back: one rate
    per batch, so a cost carries its spread. Empty when no fresh row is possible (a 1:1
    child whose parents all have one)."""
    rows = bench.fresh_rows(data, schema, table, n)
    if not rows:
        return []
    sql = bench.insert_sql(table, list(rows[0]), eng.name)
    bound = [workload.bind(sql, {bench.param_name(c): x for c, x in d.items()}, eng.name) for d in rows]
    out = []
    for _ in range(max(1, repeat)):
        eng.begin()
        try:
            t0 = time.perf_counter()
            for s, v in bound:
                eng.execute(s, v)
            secs = time.perf_counter() - t0
        finally:
            eng.rollback()
        if secs:
            out.append(len(rows) / secs)
    return out


# -- peers: SQLite .expert and PostgreSQL HypoPG ---------------------------------------------------
@dataclass
class PeerSuggestion:
    tool: str
    query: str
    ddl: list[str] = field(default_factory=list)
    keys: list[tuple[str, list[str]]] = field(default_factory=list)  # (table, columns)
    detail: str = ""


def expert_available() -> bool:
    return shutil.which(SQLITE_CLI) is not None or shutil.which("sqlite3") is not None


def sqlite_expert(db_path: str, queries: Sequence[Query], params: dict[str, dict[str, Any]]) -> list[PeerSuggestion]:
    """Run SQLite's `.expert` (the sqlite3 CLI) on each query against the database file; parse
    its CREATE INDEX suggestions."""
    cli = SQLITE_CLI if os.path.exists(SQLITE_CLI) else shutil.which("sqlite3")
    if not cli:
        return [PeerSuggestion(".expert", q.name, detail="sqlite3 CLI not installed (Debian package sqlite3)")
                for q in queries]
    out = []
    for q in queries:
        sql, _ = workload.bind(q.sql_for("sqlite"), params[q.name], "sqlite")
        proc = subprocess.run([cli, db_path], input=f".expert\n{sql};\n", capture_output=True, text=True,
                              timeout=60)
        text = (proc.stdout + proc.stderr).strip()
        ddl = [ln.strip() for ln in text.splitlines() if ln.strip().upper().startswith("CREATE INDEX")]
        keys = []
        for st in ddl:
            try:
                tree = sqlglot.parse_one(st, read="sqlite")
                tbl = tree.find(exp.Table).name
                cols = [c.sql(dialect="sqlite") for c in tree.this.args["params"].args["columns"]] \
                    if tree.this.args.get("params") else []
            except Exception:  # keep the raw text if sqlglot cannot read it
                m = re.match(r"CREATE INDEX \S+ ON (\w+)\((.*)\);?$", st, re.I)
                tbl, cols = (m.group(1), [c.strip() for c in m.group(2).split(",")]) if m else ("?", [])
            keys.append((tbl, [re.sub(r"\s+COLLATE\s+\w+", "", c, flags=re.I) for c in cols]))
        detail = "(no new indexes)" if "(no new indexes)" in text else \
            "; ".join(ln for ln in text.splitlines() if ln.startswith(("SEARCH", "SCAN", "USE")))
        if proc.returncode and not ddl:
            detail = text.splitlines()[-1] if text else f"sqlite3 exited {proc.returncode}"
        out.append(PeerSuggestion(".expert", q.name, ddl, keys, detail))
    return out


def hypopg(eng, schema: Schema, queries: Sequence[Query], params: dict[str, dict[str, Any]],
           proposals: Sequence[Proposal]) -> tuple[bool, str, list[PeerSuggestion], list[dict[str, Any]]]:
    """HypoPG, Dexter-style: for each query try hypothetical B-tree indexes (the advisor's
    proposal and one single-column index per filtered/sorted/joined column) one at a time;
    HypoPG's pick is the cheapest the planner uses (estimated cost < 90 % of no index) - the
    advisor's proposal when its cost is within 5 % of that (the planner cannot tell them apart).
    Also HypoPG's size estimate next to the real size of each proposal, built for real.
    Returns (available, note, suggestions, sizes); not installed = (False, why, [], [])."""
    try:
        eng.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    except EngineError as err:
        return False, (f"HypoPG not available on this server ({str(err).splitlines()[0]}); install the "
                       "Debian package postgresql-15-hypopg to compare with it"), [], []
    out = []
    for q in queries:
        sql, values = workload.bind(q.sql_for("postgres"), params[q.name], "postgres")
        base = _pg_cost(eng, sql, values)
        tried: list[tuple[str, list[str], str, bool]] = []  # table, columns, DDL, is the advisor's
        for p in proposals:
            if q.name in p.queries and p.kind != "full-text" and p.verdict == "proposed":
                for st in p.candidate.ddl("postgres", schema):
                    tried.append((p.table, p.columns, st, True))
        for u in analyse(q, schema):
            for c in dict.fromkeys(u.eq + u.in_list + u.ranges + [c for c, _ in (u.order or [])] + u.join):
                tried.append((u.table, [c], f"CREATE INDEX ON {u.table} ({c})", False))
            for e in u.expr_eq:
                tried.append((u.table, [f"({e})"], f"CREATE INDEX ON {u.table} (({e}))", False))
        costs = []
        seen = set()
        for tbl, cols, st, mine in tried:
            if st in seen:
                continue
            seen.add(st)
            eng.query("SELECT hypopg_reset()")
            try:
                hname = eng.query("SELECT indexname FROM hypopg_create_index(%s)", (st,))[0][0]
            except EngineError:
                continue
            cost, names = _pg_cost(eng, sql, values, names=True)
            if hname in names and cost < 0.9 * base:
                costs.append((cost, tbl, cols, st, mine))
        eng.query("SELECT hypopg_reset()")
        if not costs:
            out.append(PeerSuggestion("HypoPG", q.name, detail=f"no hypothetical B-tree lowers the "
                                                               f"estimated cost ({base:.0f})"))
            continue
        best = min(costs, key=lambda c: c[0])
        mine = [c for c in costs if c[4]]
        pick, tie = best, ""
        if mine and not best[4] and mine[0][0] <= 1.05 * best[0]:
            pick, tie = mine[0], f" (tie: {', '.join(best[2])} costs {best[0]:.0f})"
        cost, tbl, cols, st, _ = pick
        adv = f"; the advisor's costs {mine[0][0]:.0f}" if mine and pick is not mine[0] else ""
        out.append(PeerSuggestion("HypoPG", q.name, [st], [(tbl, cols)],
                                  f"estimated cost {base:.0f} -> {cost:.0f}{tie}{adv}"))
    sizes = []
    for p in proposals:
        if p.verdict != "proposed" or p.kind == "full-text":
            continue
        ddl = p.candidate.ddl("postgres", schema)
        eng.query("SELECT hypopg_reset()")
        est = eng.query("SELECT hypopg_relation_size(indexrelid) FROM hypopg_create_index(%s)", (ddl[0],))[0][0]
        eng.query("SELECT hypopg_reset()")
        eng.execute(ddl[0])
        real = bench.index_bytes(eng, p.candidate.name, p.table)
        p.candidate.drop_from(eng)
        sizes.append({"index": p.name, "definition": p.label(), "hypopg_estimate_kib": round(int(est) / 1024),
                      "real_kib": round(real / 1024) if real else None,
                      "estimate_over_real": round(int(est) / real, 2) if real else None})
    return True, "", out, sizes


def _pg_cost(eng, sql, values, names: bool = False):
    import json
    raw = eng.query("EXPLAIN (FORMAT JSON) " + sql, values)[0][0]
    raw = json.loads(raw) if isinstance(raw, str) else raw
    plan = raw[0]["Plan"]
    found: list[str] = []

    def walk(n):
        if n.get("Index Name"):
            found.append(n["Index Name"])
        for c in n.get("Plans", []):
            walk(c)
    walk(plan)
    return (float(plan["Total Cost"]), found) if names else float(plan["Total Cost"])


@dataclass
class PeerComparison:
    """The advisor next to SQLite's .expert and HypoPG, per query."""
    advisor: dict[str, list[Proposal]]  # engine -> proposals
    expert: list[PeerSuggestion]
    hypopg: list[PeerSuggestion]
    hypopg_available: bool
    hypopg_note: str = ""
    sizes: list[dict[str, Any]] = field(default_factory=list)  # HypoPG estimate vs real bytes

    def sizes_frame(self):
        import pandas as pd
        return pd.DataFrame(self.sizes, columns=["index", "definition", "hypopg_estimate_kib", "real_kib",
                                                 "estimate_over_real"])

    def to_frame(self):
        import pandas as pd
        rows = []
        queries = list(dict.fromkeys(s.query for s in self.expert)) or \
            list(dict.fromkeys(q for ps in self.advisor.values() for p in ps for q in p.queries))
        ex = {s.query: s for s in self.expert}
        hy = {s.query: s for s in self.hypopg}
        for q in queries:
            row: dict[str, Any] = {"query": q}
            for eng, props in self.advisor.items():
                ps = [p for p in props if q in p.queries]
                row[f"advisor ({eng})"] = "; ".join(_adv_text(p) for p in ps) or "(nothing to propose)"
            e = ex.get(q)
            row[".expert (sqlite)"] = "; ".join(f"{t} ({', '.join(c)})" for t, c in e.keys) if e and e.keys \
                else (e.detail if e else "")
            h = hy.get(q)
            if not self.hypopg_available:
                row["HypoPG (postgres)"] = "not installed"
            else:
                row["HypoPG (postgres)"] = "; ".join(f"{t} ({', '.join(c)})" for t, c in h.keys) if h and h.keys \
                    else (h.detail if h else "")
            sq = [p for p in self.advisor.get("sqlite", []) if q in p.queries]
            row["vs .expert"] = _agreement(sq, e.keys if e else [])
            pg = [p for p in self.advisor.get("postgres", []) if q in p.queries]
            row["vs HypoPG"] = _agreement(pg, h.keys if h else []) if self.hypopg_available else "n/a"
            rows.append(row)
        return pd.DataFrame(rows)


def _adv_text(p: Proposal) -> str:
    if p.verdict == "served":
        return f"(served by {p.served_by})"
    return p.label() + ("" if p.verdict in ("proposed", "accept") else f" [{p.verdict}]")


def _agreement(props: Sequence[Proposal], peer: Sequence[tuple[str, list[str]]]) -> str:
    """agree | same leading column | differ | both: nothing new | advisor only | peer only."""
    mine = [(p.table, _bare(p.columns)) for p in props if p.verdict not in ("served", "unavailable")]
    theirs = [(t, _bare(c)) for t, c in peer]
    if not mine and not theirs:
        return "agree: nothing new needed"
    if not theirs:
        return "advisor only" + (" (full-text: the peer tries B-trees only)"
                                 if any(p.kind == "full-text" for p in props) else "")
    if not mine:
        return "peer only"
    for t, c in mine:
        for pt, pc in theirs:
            if t == pt and c == pc:
                return "agree"
    for t, c in mine:
        for pt, pc in theirs:
            if t == pt and c[:1] == pc[:1]:
                return "same leading column"
    return "differ"


def compare_with_peers(schema: Schema, queries: Sequence[Query] | None = None, data=None, *,
                       rows: int = 20_000, seed: int = 42, baseline: str = "keys",
                       postgres: bool = True) -> PeerComparison:
    """The advisor's proposals (SQLite and PostgreSQL rules) beside `.expert` (on a SQLite copy
    of the data) and HypoPG (on a PostgreSQL copy, when the server and extension are there)."""
    queries, tables, data = _workload_data(schema, queries, data, rows, seed)
    params = {q.name: q.resolve_params(data) for q in queries}
    design = baseline == "schema"
    adv = {"sqlite": propose(schema, queries, "sqlite", existing_indexes(schema, "sqlite", tables, design))}
    with engines.throwaway("sqlite") as eng:
        datagen.load(data, eng, indexes="none" if baseline == "keys" else "schema")
        eng.close()  # the CLI reads the file; no open transaction in our connection
        expert = sqlite_expert(eng.path, queries, params)
    hy: list[PeerSuggestion] = []
    sizes: list[dict[str, Any]] = []
    available, note = False, "PostgreSQL not compared"
    if postgres:
        adv["postgres"] = propose(schema, queries, "postgres", existing_indexes(schema, "postgres", tables, design))
        unreachable = engines.availability(["postgres"])["postgres"]  # cached per process
        if unreachable:
            available, note = False, f"PostgreSQL unreachable: {unreachable}"
        else:
            try:
                with engines.throwaway("postgres") as eng:
                    datagen.load(data, eng, indexes="none" if baseline == "keys" else "schema")
                    available, note, hy, sizes = hypopg(eng, schema, queries, params, adv["postgres"])
            except DbDesignError as err:
                available, note = False, f"PostgreSQL failed: {str(err).splitlines()[0]}"
    return PeerComparison(adv, expert, hy, available, note, sizes)
