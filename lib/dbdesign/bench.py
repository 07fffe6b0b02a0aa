"""Measurements: read time with and without each candidate index, write cost, storage, scaling.

Every number is measured on a real engine loaded with `datagen` data: warm-up runs first,
then N timed runs through the same Python path as the query (median, p90, spread); the cost of
that path alone (`SELECT 1`) is measured and reported next to it, not hidden. Results are plain
dicts (JSON under data/results/, or a pandas DataFrame via `frame`).

    python -m dbdesign.bench [--engines sqlite,duckdb] [--rows 20000] [--repeat 15]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any, Sequence

from . import datagen, engines, plans, workload
from .errors import DbDesignError, EngineError, InputError

RESULTS_DIR = os.path.join("data", "results")
BENCH_TABLES = ["users", "posts", "comments"]


@dataclass
class Timing:
    median_ms: float
    p90_ms: float
    min_ms: float
    max_ms: float
    runs: int

    @property
    def spread(self) -> float:
        """(p90 - min) / median: how noisy the runs were."""
        return (self.p90_ms - self.min_ms) / self.median_ms if self.median_ms else 0.0


def time_call(fn, warmup: int = 3, repeat: int = 15) -> Timing:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p90 = samples[min(len(samples) - 1, int(round(0.9 * (len(samples) - 1))))]
    return Timing(statistics.median(samples), p90, samples[0], samples[-1], len(samples))


def time_query(engine, sql: str, params: Sequence[Any] = (), warmup: int = 3, repeat: int = 15) -> Timing:
    """Time `engine.query` (execute + fetch all rows) - the path an application pays."""
    return time_call(lambda: engine.query(sql, params), warmup, repeat)


def harness_overhead(engine, repeat: int = 30) -> Timing:
    """`SELECT 1` through the same path: the floor under every measured query."""
    return time_query(engine, "SELECT 1", (), warmup=3, repeat=repeat)


# -- storage ---------------------------------------------------------------------------------
def index_bytes(engine, name: str, table: str) -> int | None:
    """Bytes of one index: SQLite dbstat, PostgreSQL pg_relation_size, MariaDB
    innodb_index_stats (size pages x page size). DuckDB has no per-index figure: use
    `duckdb_size` before and after building it."""
    try:
        if engine.name == "sqlite":
            r = engine.query("SELECT sum(pgsize) FROM dbstat WHERE name = ? OR name LIKE ?",
                             (name, name + "\\_%"))
            return int(r[0][0]) if r and r[0][0] is not None else None
        if engine.name == "postgres":
            r = engine.query("SELECT pg_relation_size(c.oid) FROM pg_class c WHERE c.relname = %s "
                             "AND c.relkind = 'i'", (name,))
            return int(r[0][0]) if r else None
        if engine.name == "mysql":
            engine.query(f"ANALYZE TABLE `{table}`")
            r = engine.query("SELECT s.stat_value * @@innodb_page_size FROM mysql.innodb_index_stats s "
                             "WHERE s.database_name = DATABASE() AND s.table_name = %s "
                             "AND s.index_name = %s AND s.stat_name = 'size'", (table, name))
            return int(r[0][0]) if r else None
    except EngineError:
        return None
    return None


def duckdb_size(engine) -> int:
    engine.execute("CHECKPOINT")
    r = engine.query("SELECT used_blocks * block_size FROM pragma_database_size() "
                     "WHERE database_name = current_database()")
    return int(r[0][0])


def table_bytes(engine, table: str) -> int | None:
    """Heap/table bytes for scale (without indexes where the engine separates them)."""
    try:
        if engine.name == "sqlite":
            return int(engine.query("SELECT sum(pgsize) FROM dbstat WHERE name = ?", (table,))[0][0] or 0)
        if engine.name == "postgres":
            return int(engine.query("SELECT pg_relation_size(%s)", (table,))[0][0])
        if engine.name == "mysql":
            return int(engine.query("SELECT data_length FROM information_schema.tables WHERE "
                                    "table_schema = DATABASE() AND table_name = %s", (table,))[0][0])
    except EngineError:
        return None
    return None


# -- read experiments --------------------------------------------------------------------------
def run_query(engine, data, query: workload.Query, schema, rows: int, *, candidates=None,
              warmup: int = 3, repeat: int = 15) -> list[dict[str, Any]]:
    """One query on one engine: without any candidate (baseline), then with each candidate
    built, analysed, planned, timed and dropped again. One result dict per index set."""
    params = query.resolve_params(data)
    overhead = harness_overhead(engine)
    out = []
    cands = [None] + [c for c in query.candidates if candidates is None or c.name in candidates]
    for cand in cands:
        base = {"query": query.name, "engine": engine.name, "version": engine.version(),
                "rows": rows, "index": cand.name if cand else None,
                "index_def": cand.label() if cand else None,
                "overhead_ms": round(overhead.median_ms, 4)}
        size = None
        build_s = None
        if cand is not None:
            ddl = cand.ddl(engine.name, schema)
            if not ddl:
                out.append({**base, "available": False, "reason": cand.reason(engine.name, schema)})
                continue
            before = duckdb_size(engine) if engine.name == "duckdb" else None
            t0 = time.perf_counter()
            for st in ddl:
                engine.execute(st)
            build_s = time.perf_counter() - t0
            datagen.analyze_tables(engine, query.tables)
            size = (duckdb_size(engine) - before) if before is not None else index_bytes(engine, cand.name, cand.table)
        try:
            sql, values = workload.bind(query.sql_for(engine.name, cand.name if cand else None),
                                        params, engine.name)
            plan = plans.explain(engine, sql, values)
            timing = time_query(engine, sql, values, warmup, repeat)
            nrows = len(engine.query(sql, values))
        finally:
            if cand is not None:
                cand.drop_from(engine)
        out.append({**base, "available": True, "uses_index": plan.uses_index,
                    "index_names": plan.index_names, "plan": plan.summary(),
                    "rows_examined": plan.rows_examined, "sort": plan.sort, "result_rows": nrows,
                    "median_ms": round(timing.median_ms, 4), "p90_ms": round(timing.p90_ms, 4),
                    "min_ms": round(timing.min_ms, 4), "spread": round(timing.spread, 3),
                    "runs": timing.runs, "index_bytes": size,
                    "build_s": round(build_s, 4) if build_s is not None else None,
                    "sql": sql})
    return out


def run_workload(engine_name: str, data, schema, queries: Sequence[workload.Query] | None = None,
                 *, url: str | None = None, warmup: int = 3, repeat: int = 15) -> list[dict[str, Any]]:
    """Load `data` into a throw-away database (or `url`) with primary keys only, then run every
    query with and without each candidate index."""
    queries = list(queries) if queries is not None else workload.blog_workload()
    results: list[dict[str, Any]] = []
    rows = max(data.counts.values())
    with (_open(url) if url else engines.throwaway(engine_name)) as eng:
        datagen.load(data, eng, indexes="none")
        for q in queries:
            if any(t not in data.counts for t in q.tables):
                continue
            results.extend(run_query(eng, data, q, schema, rows, warmup=warmup, repeat=repeat))
    return results


def _open(url: str):
    return engines.connect(url)


# -- write cost ------------------------------------------------------------------------------
def write_cost(engine_name: str, data, schema, table: str = "posts", index_counts=(0, 1, 3, 5),
               single_rows: int = 500) -> list[dict[str, Any]]:
    """Bulk load rows/s and single-row INSERT / UPDATE throughput with 0..N secondary indexes
    (the schema's own indexes on `table`, in declaration order)."""
    t = schema.table(table)
    all_ix = [ix for ix in t.indexes]
    out = []
    for k in index_counts:
        if k > len(all_ix):
            continue
        sub = datagen.subschema(schema, data.tables)
        sub.tables[t.qualname].indexes = all_ix[:k]
        with engines.throwaway(engine_name) as eng:
            create, index_sql, _ = datagen.load_statements(sub, engine_name, data.tables)
            eng.run_script(create)
            for st in index_sql:  # indexes BEFORE the load: what an index costs each insert
                eng.execute(st)
            rep = datagen.load(data, eng, sub, indexes="none", create=False, analyze=False)
            n_idx = len(datagen.load_statements(sub, engine_name, [table])[1])
            single = _single_row_writes(eng, data, table, single_rows)
            out.append({"engine": engine_name, "version": eng.version(), "table": table,
                        "indexes": n_idx, "index_names": [ix.name for ix in all_ix[:k]],
                        "bulk_rows": rep.rows[table], "bulk_s": round(rep.seconds[table], 4),
                        "bulk_rows_per_s": round(rep.rows[table] / rep.seconds[table]),
                        **single})
    return out


def _single_row_writes(eng, data, table: str, n: int) -> dict[str, Any]:
    """n single-row INSERTs (copies of existing rows with a new key) and n UPDATEs of an
    indexed column, each its own statement in one transaction."""
    from .workload import bind
    cols = data.columns(table)
    pk = data.schema.table(table).primary_key.columns[0]
    src = data.conn.execute(
        f"SELECT {', '.join(datagen._q(c) for c in cols)} FROM {datagen._q(datagen._staging(table))} "
        f"LIMIT {int(n)}").fetchall()
    import uuid
    rows = []
    for r in src:
        d = dict(zip(cols, r))
        d[pk] = uuid.uuid4()
        if "slug" in d:
            d["slug"] = f"{d['slug']}-copy-{d[pk].hex[:8]}"
        rows.append(d)
    ins_sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
    eng.begin()
    t0 = time.perf_counter()
    for d in rows:
        s, v = bind(ins_sql, d, eng.name)
        eng.execute(s, v)
    ins_s = time.perf_counter() - t0
    upd = f"UPDATE {table} SET updated_at = :ts WHERE {pk} = :id"
    t0 = time.perf_counter()
    for d in rows:
        s, v = bind(upd, {"ts": d.get("updated_at"), "id": d[pk]}, eng.name)
        eng.execute(s, v)
    upd_s = time.perf_counter() - t0
    eng.commit()
    return {"single_inserts_per_s": round(len(rows) / ins_s) if ins_s else None,
            "single_updates_per_s": round(len(rows) / upd_s) if upd_s else None}


# -- scaling -----------------------------------------------------------------------------------
def scaling(engine_name: str, schema, query_name: str, scales=(2_000, 20_000, 200_000),
            seed: int = 42, repeat: int = 9) -> list[dict[str, Any]]:
    """Time vs rows for one query with and without each candidate: an index lookup grows like
    log n, a scan like n."""
    q = workload.get_query(query_name)
    out = []
    for n in scales:
        data = datagen.generate(schema, n, seed=seed, tables=q.tables, progress=False)
        for r in run_workload(engine_name, data, schema, [q], repeat=repeat):
            out.append({**r, "scale": n})
    return out


def frame(results: Sequence[dict[str, Any]]):
    """Results as a pandas DataFrame (the plan text and SQL left out for display)."""
    import pandas as pd
    df = pd.DataFrame(list(results))
    return df.drop(columns=[c for c in ("sql",) if c in df.columns])


def write_json(results: Sequence[dict[str, Any]], path: str, **meta) -> str:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({**meta, "results": list(results)}, fh, indent=2, default=str)
    return path


def available_engines(names: Sequence[str]) -> list[str]:
    """The engines of `names` that can run here (servers reachable)."""
    ok = []
    for n in names:
        if n in engines.SERVERS:
            try:
                with engines.connect(engines.server_url(n)) as e:
                    e.query("SELECT 1")
            except DbDesignError:
                print(f"bench: {n} server unreachable; skipped", file=sys.stderr)
                continue
        ok.append(n)
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    """`make bench`: the standard workload on every reachable engine -> data/results/bench.json,
    plus write cost (write_cost.json) and scaling (scaling.json)."""
    ap = argparse.ArgumentParser(prog="python -m dbdesign.bench")
    ap.add_argument("--engines", default="sqlite,duckdb,postgres,mysql")
    ap.add_argument("--rows", type=int, default=30_000, help="rows of the largest table")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default=RESULTS_DIR)
    ap.add_argument("--source", default="migrations")
    ap.add_argument("--skip-write", action="store_true")
    ap.add_argument("--skip-scaling", action="store_true")
    args = ap.parse_args(argv)
    from .source import load_source
    try:
        schema = load_source(args.source)
        names = available_engines([e.strip() for e in args.engines.split(",") if e.strip()])
        for n in names:
            engines.engine_class(n)
        data = datagen.generate(schema, args.rows, seed=args.seed, tables=BENCH_TABLES)
        results = []
        for n in names:
            print(f"bench: {n} ...", file=sys.stderr)
            results.extend(run_workload(n, data, schema, repeat=args.repeat))
        meta = {"rows": args.rows, "seed": args.seed, "counts": data.counts}
        print(write_json(results, os.path.join(args.out, "bench.json"), **meta))
        if not args.skip_write:
            wdata = datagen.generate(schema, min(args.rows, 50_000), seed=args.seed,
                                     tables=["users", "posts"], progress=False)
            wc = [r for n in names for r in write_cost(n, wdata, schema)]
            print(write_json(wc, os.path.join(args.out, "write_cost.json"), counts=wdata.counts))
        if not args.skip_scaling:
            sc = [r for n in names for q in ("user-by-email", "posts-created-range")
                  for r in scaling(n, schema, q, repeat=max(5, args.repeat // 2))]
            print(write_json(sc, os.path.join(args.out, "scaling.json")))
    except DbDesignError as err:
        print(f"dbdesign.bench: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
