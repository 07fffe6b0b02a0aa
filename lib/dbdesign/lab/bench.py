"""Measurements: read time with and without each candidate index, write cost, storage, scaling.

Every number is measured on a real engine loaded with `datagen` data, timed as pytest-benchmark
and pyperf time (`time_call`): calls per sample calibrated, warm-up, GC off, N samples; median,
interquartile range and the 95% confidence interval of the median. Two index sets compare as
"inconclusive" where those intervals overlap (`compare_index_sets`). The cost of the Python
path alone (`SELECT 1`) is measured and reported next to every query, not hidden. Results are
plain dicts (JSON under data/results/, or a pandas DataFrame via `frame`); `make bench` runs
`suite` through `dbdesign bench --suite`.
"""
from __future__ import annotations

import collections
import contextlib
import json
import math
import os
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any, Sequence

from dbdesign import engines
from dbdesign.lab import datagen, plans, workload
from dbdesign.errors import EngineError

RESULTS_DIR = os.path.join("data", "results")


@dataclass
class Timing:
    """Per-call times of one timed statement, in ms: median, quartiles, the 95% confidence
    interval of the median, extremes; `runs` samples of `calls_per_run` back-to-back calls."""
    median_ms: float
    p25_ms: float
    p75_ms: float
    ci_low_ms: float
    ci_high_ms: float
    min_ms: float
    max_ms: float
    p90_ms: float
    runs: int
    calls_per_run: int = 1

    @property
    def iqr_ms(self) -> float:
        return self.p75_ms - self.p25_ms


def median_ci(samples: Sequence[float]) -> tuple[float, float]:
    """The distribution-free 95% confidence interval of the median of sorted `samples`: the
    order statistics n/2 -+ 0.98 sqrt(n) (binomial, normal approximation)."""
    n = len(samples)
    h = 0.98 * math.sqrt(n)
    lo = max(1, math.floor(n / 2 - h))
    hi = min(n, math.ceil(1 + n / 2 + h))
    return samples[lo - 1], samples[hi - 1]


def _quantile(ordered: Sequence[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_call(fn, warmup: int = 5, repeat: int = 21, min_sample_ms: float = 5.0) -> Timing:
    """Time `fn` as pytest-benchmark and pyperf do: `warmup` calls first (plans compile, pages
    fault in), then `repeat` samples, each the mean of enough back-to-back calls to last
    `min_sample_ms` (calibrated from the later warm-up calls; one sub-millisecond call is at the
    mercy of the scheduler). The young GC generations are collected first and the collector is
    off while timing, so our own allocations do not land a collection in one sample (a full
    collection costs ~0.1 s in a notebook kernel holding DataFrames). Times are per call."""
    import gc
    was_enabled = gc.isenabled()
    gc.collect(1)
    gc.disable()
    try:
        took = []
        for _ in range(max(1, warmup)):
            t = time.perf_counter_ns()
            fn()
            took.append(time.perf_counter_ns() - t)
        per_call_ns = statistics.median(took[len(took) // 2:])
        inner = max(1, min(200, int(min_sample_ms * 1e6 / max(per_call_ns, 1.0)) + 1))
        samples = []
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter_ns()
            for _ in range(inner):
                fn()
            samples.append((time.perf_counter_ns() - t0) / inner / 1e6)
    finally:
        if was_enabled:
            gc.enable()
    samples.sort()
    return Timing(statistics.median(samples), _quantile(samples, 0.25), _quantile(samples, 0.75),
                  *median_ci(samples), samples[0], samples[-1], _quantile(samples, 0.9),
                  len(samples), inner)


def time_query(engine, sql: str, params: Sequence[Any] = (), warmup: int = 5, repeat: int = 21,
               min_sample_ms: float = 5.0) -> Timing:
    """Time `engine.query` (execute + fetch all rows) - the path an application pays. Warm-up
    runs at least `engine.warmup_calls()` times (PostgreSQL: until the statement has its
    generic plan)."""
    warmup = max(warmup, engine.warmup_calls())
    return time_call(lambda: engine.query(sql, params), warmup, repeat, min_sample_ms)


def harness_overhead(engine, repeat: int = 30) -> Timing:
    """`SELECT 1` through the same path: the floor under every measured query."""
    return time_query(engine, "SELECT 1", (), warmup=5, repeat=repeat)


# -- noise: the one judgement of a timing ratio ---------------------------------------------------
@dataclass(frozen=True)
class Spread:
    """Repeated measurements of one thing: the median and an interval around it (`lo`..`hi`:
    the interquartile range of the repeats by default), `n` repeats."""
    median: float
    lo: float
    hi: float
    n: int = 1

    @classmethod
    def of(cls, samples: Sequence[float], interval: str = "iqr") -> "Spread":
        """From raw repeats; `interval` "iqr" (quartiles), "range" (min-max) or "ci95" (the
        distribution-free 95% interval of the median)."""
        xs = sorted(float(x) for x in samples if x is not None and not math.isnan(float(x)))
        if not xs:
            raise ValueError("no samples")
        if interval == "iqr":
            lo, hi = _quantile(xs, 0.25), _quantile(xs, 0.75)
        elif interval == "range":
            lo, hi = xs[0], xs[-1]
        elif interval == "ci95":
            lo, hi = median_ci(xs)
        else:
            raise ValueError(f"interval {interval!r}: iqr, range or ci95")
        return cls(statistics.median(xs), lo, hi, len(xs))

    def overlaps(self, other: "Spread") -> bool:
        return self.lo <= other.hi and other.lo <= self.hi


@dataclass(frozen=True)
class Ratio:
    """`numerator / denominator` of two measured quantities: the ratio of the medians, its
    interval (the extreme ratios of the two intervals) and the verdict: "inconclusive" when
    the two intervals overlap (the repeats cannot tell them apart), else "higher" or "lower"."""
    x: float
    lo: float
    hi: float
    verdict: str

    @property
    def inconclusive(self) -> bool:
        return self.verdict == "inconclusive"

    def text(self, what: str = "") -> str:
        """`1.32x slower (1.10–1.58x)`: `what` names a ratio the repeats show above 1; below 1
        the text says so (`, below 1x`), and `, inconclusive` when the repeats overlap."""
        label = f" {what}" if what and self.verdict == "higher" else ""
        tail = {"inconclusive": ", inconclusive", "lower": ", below 1x"}.get(self.verdict, "")
        return f"{self.x:.2f}x{label} ({self.lo:.2f}–{self.hi:.2f}x{tail})"

    def as_dict(self) -> dict[str, Any]:
        return {"x": round(self.x, 3), "lo": round(self.lo, 3), "hi": round(self.hi, 3), "verdict": self.verdict}


def judge_ratio(numerator: Spread | Sequence[float], denominator: Spread | Sequence[float],
                interval: str = "iqr") -> Ratio:
    """The one judgement of a timing (or throughput) ratio in the lab, the notebooks and the
    report: ratio of the medians, interval from the two spreads, "inconclusive" where they
    overlap. Raw samples are summarised with `Spread.of(samples, interval)`."""
    a = numerator if isinstance(numerator, Spread) else Spread.of(numerator, interval)
    b = denominator if isinstance(denominator, Spread) else Spread.of(denominator, interval)
    inf = float("inf")
    x = a.median / b.median if b.median > 0 else inf
    lo = a.lo / b.hi if b.hi > 0 else inf
    hi = a.hi / b.lo if b.lo > 0 else inf
    verdict = "inconclusive" if a.overlaps(b) else ("higher" if x > 1 else "lower")
    return Ratio(x, min(lo, x), max(hi, x), verdict)


def ratio(base: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """How much faster `other` is than `base` (median over median), and whether the runs can
    tell: "inconclusive" when the two 95% intervals of the median overlap (`judge_ratio`)."""
    r = judge_ratio(Spread(base["median_ms"], *base["ci95_ms"]), Spread(other["median_ms"], *other["ci95_ms"]))
    return {"speedup_x": round(r.x, 2),
            "verdict": {"higher": "faster", "lower": "slower"}.get(r.verdict, r.verdict)}


def compare_index_sets(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per engine and query: each index set against the baseline without candidates
    (`speedup_x`, `verdict` faster / slower / inconclusive)."""
    base = {(r["engine"], r["query"]): r for r in results
            if r.get("available") and r["index"] is None}
    out = []
    for r in results:
        b = base.get((r["engine"], r["query"]))
        if r.get("available") and r["index"] is not None and b is not None:
            out.append({"engine": r["engine"], "query": r["query"], "index": r["index"],
                        "median_ms": r["median_ms"], "base_median_ms": b["median_ms"],
                        **ratio(b, r)})
    return out


# -- storage ---------------------------------------------------------------------------------
def index_bytes(engine, name: str, table: str) -> int | None:
    """Bytes of one index as the engine reports them (None where it cannot say)."""
    try:
        return engine.index_bytes(name, table)
    except EngineError:
        return None


@contextlib.contextmanager
def measured_index(engine, name: str, table: str):
    """Around building an index: yields a dict whose "bytes" is the index's size afterwards -
    the engine's own figure, or the database's growth where it has none (DuckDB)."""
    before = None if engine.per_index_bytes else engine.database_bytes()
    out: dict[str, Any] = {"bytes": None}
    yield out
    out["bytes"] = index_bytes(engine, name, table) if before is None \
        else engine.database_bytes() - before


# -- read experiments --------------------------------------------------------------------------
def run_query(engine, data, query: workload.Query, schema, rows: int, *, candidates=None,
              warmup: int = 5, repeat: int = 21, min_sample_ms: float = 5.0,
              overhead: Timing | None = None) -> list[dict[str, Any]]:
    """One query on one engine: without any candidate (baseline), then with each candidate
    built, analysed, planned, timed and dropped again. One result dict per index set.
    `overhead`: this connection's `harness_overhead` when already measured."""
    params = query.resolve_params(data)
    overhead = overhead or harness_overhead(engine)
    version = engine.version()
    out = []
    cands = [None] + [c for c in query.candidates if candidates is None or c.name in candidates]
    for cand in cands:
        base = {"query": query.name, "engine": engine.name, "version": version,
                "rows": rows, "index": cand.name if cand else None,
                "index_def": cand.label() if cand else None,
                "overhead_ms": round(overhead.median_ms, 4)}
        size: dict[str, Any] = {"bytes": None}
        build_s = None
        if cand is not None:
            ddl = cand.ddl(engine.name, schema)
            if not ddl:
                out.append({**base, "available": False, "reason": cand.reason(engine.name, schema)})
                continue
            with measured_index(engine, cand.name, cand.table) as size:
                t0 = time.perf_counter()
                for st in ddl:
                    engine.execute(st)
                build_s = time.perf_counter() - t0
                datagen.analyze_tables(engine, query.tables)
        try:
            sql, values = workload.bind(query.sql_for(engine.name, cand.name if cand else None),
                                        params, engine.name)
            plan = plans.explain(engine, sql, values)
            timing = time_query(engine, sql, values, warmup, repeat, min_sample_ms)
            nrows = len(engine.query(sql, values))
        finally:
            if cand is not None:
                cand.drop_from(engine)
        out.append({**base, "available": True, "uses_index": plan.uses_index,
                    "index_names": plan.index_names, "plan": plan.summary(),
                    "rows_examined": plan.rows_examined, "sort": plan.sort, "result_rows": nrows,
                    "median_ms": round(timing.median_ms, 4), "p90_ms": round(timing.p90_ms, 4),
                    "iqr_ms": [round(timing.p25_ms, 4), round(timing.p75_ms, 4)],
                    "ci95_ms": [round(timing.ci_low_ms, 4), round(timing.ci_high_ms, 4)],
                    "min_ms": round(timing.min_ms, 4),
                    "runs": timing.runs, "calls_per_run": timing.calls_per_run,
                    "index_bytes": size["bytes"],
                    "build_s": round(build_s, 4) if build_s is not None else None,
                    "sql": sql})
    return out


def run_workload(engine_name: str, data, schema, queries: Sequence[workload.Query], *,
                 url: str | None = None, warmup: int = 5, repeat: int = 21) -> list[dict[str, Any]]:
    """Load `data` into a throw-away database (or `url`) with primary keys only, then run every
    query whose tables were generated with and without each candidate index."""
    results: list[dict[str, Any]] = []
    rows = max(data.counts.values())
    with (engines.connect(url) if url else engines.throwaway(engine_name)) as eng:
        datagen.load(data, eng, indexes="none")
        overhead = harness_overhead(eng)
        for q in queries:
            if any(t not in data.counts for t in q.tables):
                continue
            results.extend(run_query(eng, data, q, schema, rows, warmup=warmup, repeat=repeat,
                                     overhead=overhead))
    return results


# -- write cost ------------------------------------------------------------------------------
def busiest_table(schema, tables: Sequence[str]) -> str:
    """Of `tables`, the one with the most secondary indexes (ties: the first) - where index
    maintenance costs writes most."""
    return max(tables, key=lambda n: len(schema.table(n).indexes))


def write_cost(engine_name: str, data, schema, table: str | None = None, index_counts=(0, 1, 3, 5),
               single_rows: int = 500, repeat: int = 5) -> list[dict[str, Any]]:
    """Bulk load rows/s and single-row INSERT / UPDATE throughput with 0..N secondary indexes
    (the schema's own indexes on `table` - default `busiest_table` of the data - in
    declaration order). The single-row writes are timed in `repeat` batches: the median rate
    and the per-batch rates (`*_samples`) for `write_cost_ratios`."""
    table = table or busiest_table(schema, data.tables)
    t = schema.table(table)
    all_ix = [ix for ix in t.indexes]
    out = []
    for k in index_counts:
        if k > len(all_ix):
            continue
        sub = datagen.subschema(schema, data.tables)
        sub.tables[t.qualname].indexes = all_ix[:k]
        with engines.throwaway(engine_name) as eng:
            missing = datagen.engine_gaps(eng, sub, data.tables, [])
            create, _, index_sql, _ = datagen.load_statements(sub, engine_name, data.tables, missing=missing)
            eng.run_script(create)
            for st in index_sql:  # indexes BEFORE the load: what an index costs each insert
                eng.execute(st)
            rep = datagen.load(data, eng, sub, indexes="none", create=False, analyze=False)
            n_idx = len(datagen.load_statements(sub, engine_name, [table], missing=missing)[2])
            single = _single_row_writes(eng, data, schema, table, single_rows, repeat)
            out.append({"engine": engine_name, "version": eng.version(), "table": table,
                        "indexes": n_idx, "index_names": [ix.name for ix in all_ix[:k]],
                        "bulk_rows": rep.rows[table], "bulk_s": round(rep.seconds[table], 4),
                        "bulk_rows_per_s": round(rep.rows[table] / rep.seconds[table]),
                        **single})
    return out


def fresh_rows(data, schema, table: str, n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Up to `n` generated rows of `table` as dicts with fresh values in every key and unique
    column, so they can be inserted next to the loaded ones. Foreign-key columns keep pointing
    at loaded parents: a key made only of foreign keys (a junction table) gets combinations of
    parents that no loaded row has."""
    import random
    import uuid
    t = schema.table(table)
    cols = data.columns(table)
    fk_cols = {c for fk in t.foreign_keys for c in fk.columns}
    sets = [list(s) for s in t.unique_column_sets()]
    for ix in t.indexes:  # partial and expression unique indexes as well
        if ix.unique:
            sets.append([c2 for c2 in t.columns if any(
                re.search(rf"\b{re.escape(c2)}\b", c.expression or c.column or "") for c in ix.columns)])
    uniq = {c for s in sets for c in s if c not in fk_cols}
    q, staging = datagen.quote, datagen.staging_name
    src = data.conn.execute(f"SELECT {', '.join(q(c) for c in cols)} FROM {q(staging(table))} "
                            f"LIMIT {int(n)}").fetchall()
    combos: list[tuple] = []
    junction = next((s for s in sets if s and set(s) <= fk_cols), None)
    if junction is not None:
        fks = [fk for fk in t.foreign_keys if set(fk.columns) & set(junction)]
        if not all(fk.ref_table in data.counts for fk in fks):
            return []
        parts = [f"(SELECT DISTINCT {', '.join(f'{q(r)} AS {q(c)}' for c, r in zip(fk.columns, fk.ref_columns))} "
                 f"FROM {q(staging(fk.ref_table))}) k{i}" for i, fk in enumerate(fks)]
        keys = [c for fk in fks for c in fk.columns]
        match = " AND ".join(f"s.{q(c)} = k{i}.{q(c)}" for i, fk in enumerate(fks) for c in fk.columns)
        combos = data.conn.execute(
            f"SELECT {', '.join(f'k{i}.{q(c)}' for i, fk in enumerate(fks) for c in fk.columns)} "
            f"FROM {', '.join(parts)} WHERE NOT EXISTS (SELECT 1 FROM {q(staging(table))} s "
            f"WHERE {match}) LIMIT {int(n)}").fetchall()
        src = src[:len(combos)]
    rng = random.Random(seed)
    rows = []
    top: dict[str, int] = {}
    for k, r in enumerate(src):
        d = dict(zip(cols, r))
        if combos:
            d.update(zip(keys, combos[k]))
        for c in uniq:
            v = d.get(c)
            if isinstance(v, uuid.UUID) or (t.column(c) and t.column(c).type.upper() == "UUID"):
                d[c] = uuid.UUID(int=rng.getrandbits(128), version=4)
            elif isinstance(v, str):
                fit = datagen.type_length(t.column(c).type) if t.column(c) else None
                d[c] = f"w{k}-{v}"[: max(len(v), 20)] if not fit or len(f"w{k}-{v}") <= fit \
                    else f"w{k}"[:fit]  # short codes: "w<k>" fits where the copy would not
            elif isinstance(v, int):
                if c not in top:  # past the largest loaded value: fits the column's type
                    top[c] = data.conn.execute(f"SELECT max({q(c)}) FROM {q(staging(table))}").fetchone()[0] or 0
                d[c] = top[c] + 1 + k
        rows.append(d)
    return rows


def insert_sql(table: str, cols: Sequence[str], engine_name: str) -> str:
    """INSERT of one row with named parameters (`workload.bind`), names quoted for the engine."""
    from dbdesign.lab.probe import quote
    dialect = engines.engine_class(engine_name).dialect
    return (f"INSERT INTO {quote(table, dialect)} ({', '.join(quote(c, dialect) for c in cols)}) "
            f"VALUES ({', '.join(':' + param_name(c) for c in cols)})")


def param_name(column: str) -> str:
    return re.sub(r"\W", "_", column)


def _single_row_writes(eng, data, schema, table: str, n: int, repeat: int = 5) -> dict[str, Any]:
    """n single-row INSERTs (generated rows with fresh keys) and n UPDATEs of an indexed
    column (the first one that is neither key nor unique), each its own statement, in
    `repeat` batches of n / repeat rows, one transaction per batch: the median rate and the
    rate of each batch."""
    from dbdesign.lab.probe import quote
    rows = fresh_rows(data, schema, table, n)
    if not rows:
        return {"single_inserts_per_s": None, "single_updates_per_s": None}
    cols = list(rows[0])
    t = schema.table(table)
    pk = t.primary_key.columns[0] if t.primary_key else cols[0]
    keyish = {c for s in t.unique_column_sets() for c in s} | {pk} \
        | {c for fk in t.foreign_keys for c in fk.columns}  # an UPDATE of an FK checks its parent
    indexed = [c.column for ix in t.indexes for c in ix.columns if c.column and c.column not in keyish]
    target = next(iter(indexed + [c for c in cols if c not in keyish]), pk)
    ins_sql = insert_sql(table, cols, eng.name)
    dialect = eng.dialect
    upd = f"UPDATE {quote(table, dialect)} SET {quote(target, dialect)} = :v WHERE {quote(pk, dialect)} = :id"
    size = max(1, len(rows) // max(1, repeat))
    batches = [rows[i:i + size] for i in range(0, len(rows) - size + 1, size)]
    ins_rates, upd_rates = [], []
    for batch in batches:
        eng.begin()
        t0 = time.perf_counter()
        for d in batch:
            s, v = workload.bind(ins_sql, {param_name(c): x for c, x in d.items()}, eng.name)
            eng.execute(s, v)
        ins_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for k, d in enumerate(batch):
            s, v = workload.bind(upd, {"v": rows[(k + 1) % len(rows)][target], "id": d[pk]}, eng.name)
            eng.execute(s, v)
        upd_s = time.perf_counter() - t0
        eng.commit()
        if ins_s and upd_s:
            ins_rates.append(len(batch) / ins_s)
            upd_rates.append(len(batch) / upd_s)
    if not ins_rates:
        return {"single_inserts_per_s": None, "single_updates_per_s": None}
    return {"single_inserts_per_s": round(statistics.median(ins_rates)),
            "single_updates_per_s": round(statistics.median(upd_rates)),
            "single_inserts_samples": [round(x) for x in ins_rates],
            "single_updates_samples": [round(x) for x in upd_rates],
            "updated_column": target}


def write_cost_ratios(rows: Sequence[dict[str, Any]], what: str = "single_inserts") -> list[dict[str, Any]]:
    """Per engine and index count: the write cost against the same engine with the fewest
    indexes (time per row with / without: 1.3 = 30 % slower), as `judge_ratio` of the
    per-batch rates, with its interval and verdict."""
    out = []
    by_engine: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for r in rows:
        if r.get(f"{what}_samples"):
            by_engine[r["engine"]].append(r)
    for eng, part in by_engine.items():
        part = sorted(part, key=lambda r: r["indexes"])
        base = part[0]
        for r in part:
            j = judge_ratio(base[f"{what}_samples"], r[f"{what}_samples"])
            out.append({"engine": eng, "indexes": r["indexes"], "base_indexes": base["indexes"],
                        "cost_x": round(j.x, 3), "lo": round(j.lo, 3), "hi": round(j.hi, 3),
                        "verdict": j.verdict, "text": j.text()})
    return out


# -- scaling -----------------------------------------------------------------------------------
def scaling(engine_name: str, schema, query: workload.Query, scales=(2_000, 20_000, 200_000),
            seed: int = 42, repeat: int = 9) -> list[dict[str, Any]]:
    """Time vs rows for one query with and without each candidate: an index lookup grows like
    log n, a scan like n."""
    out = []
    for n in scales:
        data = datagen.generate(schema, n, seed=seed, tables=datagen.with_parents(schema, query.tables),
                                progress=False)
        for r in run_workload(engine_name, data, schema, [query], repeat=repeat):
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
    """The engines of `names` that can run here; a skipped server is named on stderr
    (`engines.availability` does the one cached check)."""
    found = engines.availability(names)
    for n, why in found.items():
        if why is not None:
            print(f"bench: {n} skipped: {why}", file=sys.stderr)
    return [n for n, why in found.items() if why is None]


BENCH_DIR = "benchmarks"


@dataclass
class Bar:
    """One quality bar of the issues: target, measured, met or not (None: not measured)."""
    name: str
    target: str
    measured: str
    met: bool | None
    source: str


def run_scripts(out_dir: str, large: bool, skip: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """Every benchmarks/bench_*.py in a subprocess (each writes its JSON under data/results/);
    returns {name: {"rc", "seconds", "json"}}. A script that exits non-zero (some do when a
    target is missed) is recorded, not fatal."""
    import glob
    import subprocess
    done: dict[str, dict[str, Any]] = {}
    for path in sorted(glob.glob(os.path.join(BENCH_DIR, "bench_*.py"))):
        name = os.path.basename(path)[len("bench_"):-3]
        if name in skip:
            continue
        args = [sys.executable, path]
        if name == "datagen" and not large:
            args += ["--faker-rows", "10000"]
        print(f"bench: {path} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                  [os.path.abspath("lib"), os.environ.get("PYTHONPATH", "")])})
        secs = time.perf_counter() - t0
        result = os.path.join(out_dir, f"{name}.json")
        data = None
        if os.path.exists(result) and os.path.getmtime(result) >= time.time() - secs - 1:
            with open(result, encoding="utf-8") as fh:
                data = json.load(fh)
        done[name] = {"rc": proc.returncode, "seconds": round(secs, 1), "json": data,
                      "stderr_tail": proc.stderr.strip().splitlines()[-1:] if proc.returncode else []}
    return done


def script_bars(scripts: dict[str, dict[str, Any]]) -> list[Bar]:
    """The bars each benchmark script reports, read from its JSON (their key names differ)."""
    bars: list[Bar] = []
    for name, res in scripts.items():
        d = res["json"]
        if d is None:
            bars.append(Bar(f"benchmarks/bench_{name}.py", "runs", f"failed (exit {res['rc']}) "
                            f"{' '.join(res['stderr_tail'])}"[:160], False, name))
            continue
        if "bars" in d:
            bars += [Bar(b["bar"], b["target"], b["measured"], b["met"], name) for b in d["bars"]]
        elif name == "parse_lint":
            bars.append(Bar(f"parse + lint {d['tables']} tables", f"< {d['target_s']} s",
                            f"{d['median_s']} s median", d["meets_target"], name))
        elif name == "erd":
            bars.append(Bar(f"ERD of {d['tables']} tables (SVG, clustered)", f"< {d['target_seconds']} s",
                            f"{d['seconds'].get('svg_clustered')} s (max cluster {d.get('max_cluster_size')})",
                            d["meets_target"], name))
        elif name == "migrate":
            sq = d["engines"]["sqlite"]
            bars.append(Bar("migrate up (example) on SQLite", f"< {d['target_sqlite_up_s']} s",
                            f"{sq['total_s']} s", d["sqlite_up_within_target"], name))
            v = d.get("verify")
            if v:
                bars.append(Bar(f"migrate verify on {'+'.join(v['engines'])}", f"< {v['target_s']} s",
                                f"{v['total_s']} s", v["within_target"], name))
        elif name == "audit":
            for eng, r in d.get("engines", {}).items():
                if "skipped" in r:
                    continue
                bars.append(Bar(f"audit trigger overhead, {eng}", "reported (no target)",
                                f"insert {r.get('insert', str(r['insert_slowdown']) + 'x')}, "
                                f"update {r.get('update', str(r['update_slowdown']) + 'x')}", None, name))
        elif "meets_target" in d:
            bars.append(Bar(name, str(d.get("target_s", d.get("target_seconds", "?"))),
                            str(d.get("median_s", d.get("seconds", "?"))), d["meets_target"], name))
    return bars


def suite(schema, queries: Sequence[workload.Query], names: Sequence[str], *, rows: int,
          repeat: int = 21, seed: int = 42, out: str = RESULTS_DIR, large: bool = False,
          scripts: bool = True, write: bool = True, scale: bool = True) -> list[Bar]:
    """`make bench`: every benchmarks/bench_*.py, then `queries` on every engine of `names`
    (bench.json, with each index set against the baseline in comparisons.json), write cost
    (write_cost.json) and scaling (scaling.json); writes summary.json and returns the bars."""
    t_all = time.perf_counter()
    ran = run_scripts(out, large) if scripts else {}
    bars = script_bars(ran)
    tables = sorted({t for q in queries for t in q.tables} & set(schema.tables))
    data = datagen.generate(schema, rows, seed=seed, tables=datagen.with_parents(schema, tables),
                            progress=False)
    results: list[dict[str, Any]] = []
    for n in names:
        print(f"bench: workload on {n} ...", file=sys.stderr, flush=True)
        results.extend(run_workload(n, data, schema, queries, repeat=repeat))
    meta = {"rows": rows, "seed": seed, "counts": data.counts, "engines": list(names)}
    print(write_json(results, os.path.join(out, "bench.json"), **meta))
    comparisons = compare_index_sets(results)
    print(write_json(comparisons, os.path.join(out, "comparisons.json"), **meta))
    bars += workload_bars(results, comparisons)
    if write:
        wtable = busiest_table(schema, data.tables)
        wdata = datagen.generate(schema, min(rows, 50_000), seed=seed, progress=False,
                                 tables=datagen.with_parents(schema, [wtable]))
        wc = [r for n in names for r in write_cost(n, wdata, schema, wtable)]
        print(write_json(wc, os.path.join(out, "write_cost.json"), counts=wdata.counts))
    if scale:
        scales = (2_000, 20_000, 200_000) if not large else (10_000, 100_000, 1_000_000)
        lookup = next((q for q in queries if len(q.tables) == 1 and q.candidates), None)
        sc = [r for n in names if lookup
              for r in scaling(n, schema, lookup, scales=scales, repeat=max(5, repeat // 2))]
        print(write_json(sc, os.path.join(out, "scaling.json")))
        bars += scaling_bars(sc)
    total_s = time.perf_counter() - t_all
    summary = {"seconds": round(total_s, 1), "large": large, "rows": rows, "engines": list(names),
               "scripts": {k: {"rc": v["rc"], "seconds": v["seconds"]} for k, v in ran.items()},
               "bars": [asdict(b) for b in bars]}
    print(write_json([], os.path.join(out, "summary.json"), **summary))
    print(format_bars(bars, total_s))
    return bars


def workload_bars(results: Sequence[dict[str, Any]],
                  comparisons: Sequence[dict[str, Any]]) -> list[Bar]:
    """Per engine: how many candidate indexes the plans used, and how many of those the timings
    show faster, slower or cannot tell apart from the baseline (95% intervals overlap)."""
    out = []
    used = {(r["engine"], r["query"], r["index"]) for r in results
            if r.get("available") and r["index"] and r["uses_index"]}
    for eng in dict.fromkeys(r["engine"] for r in results):
        mine = [c for c in comparisons if c["engine"] == eng
                and (c["engine"], c["query"], c["index"]) in used]
        counts = collections.Counter(c["verdict"] for c in mine)
        tried = sum(1 for r in results if r["engine"] == eng and r["index"] and r.get("available"))
        out.append(Bar(f"candidate indexes, {eng}", "reported (no target)",
                       f"{len(mine)}/{tried} used by the plan: {counts['faster']} faster, "
                       f"{counts['slower']} slower, {counts['inconclusive']} inconclusive "
                       "(95% CIs of the medians overlap)", None, "workload"))
    return out


def scaling_bars(sc: Sequence[dict[str, Any]]) -> list[Bar]:
    """An index lookup grows like log n, a scan like n: compare time growth over the scales."""
    out = []
    for eng, query in dict.fromkeys((r["engine"], r["query"]) for r in sc):
        mine = [r for r in sc if r["engine"] == eng and r["query"] == query and r.get("available")]
        pts = sorted((r["scale"], r["median_ms"]) for r in mine if r["index"])
        scan = sorted((r["scale"], r["median_ms"]) for r in mine if not r["index"])
        if len(pts) >= 2 and len(scan) >= 2:
            grow_ix, grow_scan = pts[-1][1] / pts[0][1], scan[-1][1] / scan[0][1]
            rows_x = pts[-1][0] / pts[0][0]
            out.append(Bar(f"{query} scaling, {eng}", f"index grows far less than rows ({rows_x:g}x)",
                           f"indexed {grow_ix:.1f}x, scan {grow_scan:.1f}x", grow_ix < grow_scan, "scaling"))
    return out


def format_bars(bars: Sequence[Bar], seconds: float) -> str:
    lines = [f"quality bars ({seconds:.0f} s):"]
    for b in bars:
        mark = {True: "met", False: "NOT MET", None: "info"}[b.met]
        lines.append(f"  {mark:8s} {b.name}: {b.measured}  [target {b.target}]")
    return "\n".join(lines)

