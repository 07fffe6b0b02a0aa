"""Query plans captured from the engine and normalised into one small structure.

`uses_index` comes from the captured plan only - never from whether an index exists:
SQLite `EXPLAIN QUERY PLAN`; DuckDB `EXPLAIN (ANALYZE, FORMAT JSON)` (plain EXPLAIN always shows
a sequential scan because DuckDB decides on index use at run time - ENGINE_FACTS);
PostgreSQL `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`; MariaDB `ANALYZE FORMAT=JSON`.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from dbdesign.errors import EngineError, InputError


@dataclass
class Access:
    """How one table was read. method: scan | index | index-only | fts | auto-index."""
    table: str
    method: str
    index: str | None = None
    detail: str = ""


@dataclass
class Plan:
    engine: str
    access: list[Access] = field(default_factory=list)
    rows_examined: int | None = None
    sort: bool = False
    raw: Any = None

    @property
    def uses_index(self) -> bool:
        return any(a.method in ("index", "index-only", "fts") for a in self.access)

    @property
    def index_names(self) -> list[str]:
        out: list[str] = []
        for a in self.access:
            if a.index and a.method != "scan" and a.index not in out:
                out.append(a.index)
        return out

    def summary(self) -> str:
        """One line: 'posts: index ix_posts_user_id; sort' - for tables and notebooks."""
        parts = [f"{a.table}: {a.method}" + (f" {a.index}" if a.index else "") for a in self.access]
        if self.sort:
            parts.append("sort")
        return "; ".join(parts) or "(no table access)"

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "uses_index": self.uses_index,
                "index_names": self.index_names, "access": [asdict(a) for a in self.access],
                "rows_examined": self.rows_examined, "sort": self.sort, "summary": self.summary(),
                "raw": self.raw}


def explain(engine, sql: str, params: Sequence[Any] = ()) -> Plan:
    """Run the engine's plan command for `sql` (with driver placeholders and `params`)."""
    fn = {"sqlite": _sqlite, "duckdb": _duckdb, "postgres": _postgres, "mysql": _mysql}.get(engine.name)
    if fn is None:
        raise InputError(f"no plan capture for engine {engine.name!r}")
    return fn(engine, sql, tuple(params))


def explain_query(engine, query, params: dict[str, Any], candidate: str | None = None) -> Plan:
    """Plan of a workload `Query` with named parameters (see workload.bind)."""
    from dbdesign.lab.workload import bind
    sql, values = bind(query.sql_for(engine.name, candidate), params, engine.name)
    return explain(engine, sql, values)


# -- SQLite --------------------------------------------------------------------------------
SQLITE_RE = re.compile(r"^(SCAN|SEARCH)\s+(\S+)(?:\s+AS\s+\S+)?(?:\s+USING\s+(.*))?$")


def _sqlite(engine, sql: str, params: tuple) -> Plan:
    rows = engine.query("EXPLAIN QUERY PLAN " + sql, params)
    plan = Plan("sqlite", raw="\n".join(r[3] for r in rows))
    for r in rows:
        detail = r[3]
        if "TEMP B-TREE" in detail:
            plan.sort = True
            continue
        vm = re.match(r"^(?:SCAN|SEARCH)\s+(\S+)\s+VIRTUAL TABLE INDEX", detail)
        if vm:  # FTS5 (or another virtual table) answering through its own index
            plan.access.append(Access(vm.group(1), "fts", vm.group(1), detail))
            continue
        m = SQLITE_RE.match(detail)
        if not m:
            continue
        kind, table, using = m.groups()
        using = using or ""
        if "AUTOMATIC" in using:
            plan.access.append(Access(table, "auto-index", None, detail))
        elif using.startswith(("COVERING INDEX", "INDEX", "PRIMARY KEY", "INTEGER PRIMARY KEY")):
            im = re.match(r"(COVERING )?INDEX (\S+)", using)
            name = im.group(2) if im else ("rowid" if "INTEGER" in using else "primary key")
            method = "index-only" if im and im.group(1) else "index"
            plan.access.append(Access(table, method, name, detail))
        else:
            plan.access.append(Access(table, "scan", None, detail))
    return plan


# -- DuckDB --------------------------------------------------------------------------------
def _duckdb(engine, sql: str, params: tuple) -> Plan:
    rows = engine.query("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
    tree = json.loads(rows[0][1])
    plan = Plan("duckdb", raw=tree)
    examined = 0

    def walk(node: dict) -> None:
        nonlocal examined
        info = node.get("extra_info") or {}
        op = node.get("type") or node.get("name")
        if op in ("ORDER_BY", "TOP_N"):
            plan.sort = True
        if op == "TABLE_SCAN" or "Table" in info:
            table = str(info.get("Table", "?")).split(".")[-1].strip('"')
            kind = str(info.get("Type", ""))
            examined += int(node.get("rows_scanned") or node.get("operator_rows_scanned") or 0)
            if "Index" in kind:
                # DuckDB reports *that* an index was used, not which: name it from the catalogue
                # by the filtered column (the decision itself is the plan's).
                plan.access.append(Access(table, "index", _duckdb_index_name(engine, table, info), kind))
            else:
                rg = f"{node.get('row_groups_scanned', '?')}/{node.get('total_row_groups_to_scan', '?')}"
                plan.access.append(Access(table, "scan", None, f"{kind}; row groups {rg}"))
        for child in node.get("children", []):
            walk(child)

    for op in tree.get("operator", []) if isinstance(tree, dict) else tree:
        walk(op)
    plan.rows_examined = examined
    return plan


def _duckdb_index_name(engine, table: str, info: dict) -> str | None:
    filters = str(info.get("Filters", ""))
    rows = engine.query("SELECT index_name, expressions FROM duckdb_indexes() WHERE table_name = ?",
                        (table,))
    for name, exprs in rows:
        cols = re.findall(r"\w+", str(exprs))
        if cols and re.search(rf"\b{re.escape(cols[0])}\b", filters):
            return name
    return rows[0][0] if len(rows) == 1 else None


# -- PostgreSQL ----------------------------------------------------------------------------
def _postgres(engine, sql: str, params: tuple) -> Plan:
    rows = engine.query("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
    raw = rows[0][0]
    raw = json.loads(raw) if isinstance(raw, str) else raw
    plan = Plan("postgres", raw=raw)
    gin = {r[0] for r in engine.query(
        "SELECT c.relname FROM pg_class c JOIN pg_am a ON a.oid = c.relam "
        "WHERE c.relkind = 'i' AND a.amname IN ('gin', 'gist')")}
    examined = 0

    def walk(node: dict, heap_parent: str | None = None) -> None:
        nonlocal examined
        nt = node.get("Node Type", "")
        loops = int(node.get("Actual Loops", 1) or 1)
        if nt in ("Sort", "Incremental Sort"):
            plan.sort = True
        if nt in ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"):
            examined += (int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0)
                         + node.get("Rows Removed by Index Recheck", 0))) * loops
        table = node.get("Relation Name")
        if nt == "Seq Scan":
            plan.access.append(Access(table, "scan", None, nt))
        elif nt in ("Index Scan", "Index Only Scan"):
            ix = node.get("Index Name")
            method = "index-only" if nt == "Index Only Scan" else "index"
            detail = nt + (f"; heap fetches {node.get('Heap Fetches')}" if "Heap Fetches" in node else "")
            plan.access.append(Access(table, "fts" if ix in gin else method, ix, detail))
        elif nt == "Bitmap Heap Scan":
            for child in node.get("Plans", []):
                walk(child, table)
            return
        elif nt == "Bitmap Index Scan":
            ix = node.get("Index Name")
            plan.access.append(Access(heap_parent or "?", "fts" if ix in gin else "index", ix, nt))
        for child in node.get("Plans", []):
            walk(child, heap_parent)

    walk(raw[0]["Plan"])
    plan.rows_examined = examined
    return plan


# -- MariaDB -------------------------------------------------------------------------------
def _mysql(engine, sql: str, params: tuple) -> Plan:
    rows = engine.query("ANALYZE FORMAT=JSON " + sql, params)
    raw = json.loads(rows[0][0])
    plan = Plan("mysql", raw=raw)
    examined = 0

    def walk(node: Any) -> None:
        nonlocal examined
        if isinstance(node, dict):
            if "filesort" in node or "read_sorted_file" in node or node.get("using_filesort"):
                plan.sort = True
            t = node.get("table")
            if isinstance(t, dict) and "table_name" in t:
                at = t.get("access_type", "")
                key = t.get("key")
                r = t.get("r_rows")
                loops = t.get("r_loops", 1) or 1
                if r is not None:
                    examined += int(float(r) * float(loops))
                if at == "fulltext":
                    method = "fts"
                elif at == "ALL" or not key:
                    method = "scan"
                elif t.get("using_index"):
                    method = "index-only"
                else:
                    method = "index"  # const, eq_ref, ref, range, index (full index scan)
                plan.access.append(Access(t["table_name"], method, key if method != "scan" else None,
                                          f"access_type={at}"))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(raw)
    plan.rows_examined = examined
    return plan


def plain_explain_text(engine, sql: str, params: Sequence[Any] = ()) -> str:
    """The engine's plain EXPLAIN text (DuckDB: shows no index use even when one is used)."""
    try:
        rows = engine.query("EXPLAIN " + sql, tuple(params))
    except EngineError:
        raise
    return "\n".join(str(c) for r in rows for c in r[1:] if c is not None)
