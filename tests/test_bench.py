"""bench: result records carry plan-derived uses_index, timings, sizes (no timing asserts)."""
from __future__ import annotations

import json
import time

from conftest import require_engine, EXAMPLE_QUERIES
from dbdesign import engines
from dbdesign.lab import bench, datagen, workload


def test_run_query_records(example_schema, engine_name, tmp_path):
    data = datagen.generate(example_schema, 3000, tables=["users", "posts"], progress=False)
    q = workload.get_query("posts-by-status-recent", EXAMPLE_QUERIES)
    res = bench.run_workload(engine_name, data, example_schema, [q], warmup=1, repeat=3)
    assert [r["index"] for r in res] == [None, "ix_posts_status", "ix_posts_status_created_at"]
    for r in res:
        assert r["engine"] == engine_name and r["rows"] == 3000 and r["result_rows"] == 20
        assert r["p90_ms"] >= r["median_ms"] >= r["min_ms"] > 0 and r["overhead_ms"] > 0
        assert r["ci95_ms"][0] <= r["median_ms"] <= r["ci95_ms"][1]
    assert res[0]["uses_index"] is False
    if engine_name != "duckdb":  # DuckDB's ART does not serve filter + sort
        assert res[2]["uses_index"] and not res[2]["sort"]
        assert res[2]["index_bytes"] > 0
    path = bench.write_json(res, str(tmp_path / "r.json"), rows=3000)
    assert json.load(open(path))["results"][0]["query"] == "posts-by-status-recent"
    assert len(bench.frame(res)) == 3


def test_write_cost_counts_indexes(example_schema):
    data = datagen.generate(example_schema, 1000, tables=["users", "posts"], progress=False)
    rows = bench.write_cost("sqlite", data, example_schema, "posts", index_counts=(0, 3), single_rows=50)
    assert [r["indexes"] for r in rows] == [0, 3]
    assert all(r["bulk_rows"] == 1000 and r["single_inserts_per_s"] > 0 for r in rows)


def test_timing_statistics():
    t = bench.time_call(lambda: None, warmup=1, repeat=11)
    assert t.runs == 11 and t.min_ms <= t.median_ms <= t.p90_ms <= t.max_ms
    assert t.min_ms <= t.ci_low_ms <= t.median_ms <= t.ci_high_ms <= t.max_ms


def test_median_ci_uses_the_binomial_order_statistics():
    xs = [float(i) for i in range(1, 22)]  # n = 21: ranks 6 and 16 (1-based)
    assert bench.median_ci(xs) == (6.0, 16.0)
    assert bench.median_ci([1.0]) == (1.0, 1.0)
    big = [float(i) for i in range(1, 101)]  # n = 100: ranks 40 and 61
    assert bench.median_ci(big) == (40.0, 61.0)


def test_calibration_sizes_samples_and_the_ci_brackets_the_median():
    """A sub-millisecond call is repeated within a sample until it lasts min_sample_ms."""
    t = bench.time_call(lambda: None, warmup=3, repeat=9, min_sample_ms=2.0)
    assert t.calls_per_run == 200 and t.runs == 9  # capped: ~0.1 us per call
    assert t.p25_ms <= t.median_ms <= t.p75_ms and t.iqr_ms >= 0
    slow = bench.time_call(lambda: time.sleep(0.003), warmup=2, repeat=3, min_sample_ms=1.0)
    assert slow.calls_per_run == 1


def test_time_call_keeps_the_gc_state():
    import gc
    seen = []
    t = bench.time_call(lambda: seen.append(gc.isenabled()), warmup=1, repeat=3, min_sample_ms=0.01)
    assert not any(seen) and gc.isenabled() and t.runs == 3


def test_ratio_is_inconclusive_where_the_intervals_overlap():
    base = {"median_ms": 2.0, "ci95_ms": [1.8, 2.2]}
    assert bench.ratio(base, {"median_ms": 1.0, "ci95_ms": [0.9, 1.1]}) == \
        {"speedup_x": 2.0, "verdict": "faster"}
    assert bench.ratio(base, {"median_ms": 1.9, "ci95_ms": [1.7, 2.1]})["verdict"] == "inconclusive"
    assert bench.ratio(base, {"median_ms": 4.0, "ci95_ms": [3.5, 4.5]})["verdict"] == "slower"
    res = [{"engine": "sqlite", "query": "q", "index": None, "available": True, **base},
           {"engine": "sqlite", "query": "q", "index": "ix", "available": True,
            "median_ms": 1.0, "ci95_ms": [0.9, 1.1]},
           {"engine": "sqlite", "query": "q", "index": "ix2", "available": False}]
    assert [(c["index"], c["verdict"]) for c in bench.compare_index_sets(res)] == [("ix", "faster")]


def test_judge_ratio_interval_and_verdict():
    # disjoint repeats: the ratio of the medians, bounded by the extreme ratios of the quartiles
    r = bench.judge_ratio([10, 11, 12, 13, 14], [4, 5, 5, 6, 6])
    assert r.x == 12 / 5 and r.lo == 11 / 6 and r.hi == 13 / 5 and r.verdict == "higher"
    assert r.text("slower") == "2.40x slower (1.83–2.60x)"
    # overlapping repeats are inconclusive, whichever median is larger
    r = bench.judge_ratio([9, 10, 11, 12, 30], [10, 10.5, 11, 11.5, 12])
    assert r.verdict == "inconclusive" and r.lo <= r.x <= r.hi and "inconclusive" in r.text()
    assert bench.judge_ratio([4, 5, 5, 6, 6], [10, 11, 12, 13, 14]).verdict == "lower"
    # the interval can be the full range of the repeats
    assert bench.judge_ratio([10, 11, 12, 13, 30], [4, 5, 5, 6, 11], interval="range").verdict == "inconclusive"


def test_write_cost_ratios_against_the_fewest_indexes(example_schema):
    data = datagen.generate(example_schema, 1000, tables=["users", "posts"], progress=False)
    rows = bench.write_cost("sqlite", data, example_schema, "posts", index_counts=(0, 3), single_rows=100, repeat=4)
    assert all(len(r["single_inserts_samples"]) == 4 for r in rows)
    ratios = bench.write_cost_ratios(rows)
    assert [(r["indexes"], r["base_indexes"]) for r in ratios] == [(0, 0), (3, 0)]
    assert ratios[0]["cost_x"] == 1 and ratios[0]["verdict"] == "inconclusive"
    again = bench.judge_ratio(rows[0]["single_inserts_samples"], rows[1]["single_inserts_samples"])
    assert (ratios[1]["cost_x"], ratios[1]["verdict"]) == (round(again.x, 3), again.verdict)


def test_no_engine_or_harness_touches_cpu_affinity():
    """Timing never moves a thread: nothing in the library calls sched_setaffinity."""
    import pathlib
    lib = pathlib.Path(bench.__file__).parent
    assert not [p.name for p in lib.rglob("*.py") if "sched_setaffinity" in p.read_text()]


def test_postgres_warm_up_reaches_the_generic_plan_before_timing(example_schema):
    """psycopg prepares after 5 runs and PostgreSQL switches a prepared statement to a
    generic plan after 5 custom ones: time_query's warm-up must cover both, or the first
    samples time other plans than the rest (pg_prepared_statements counts them)."""
    require_engine("postgres")
    with engines.throwaway("postgres") as eng:
        eng.execute("CREATE TABLE t (id int PRIMARY KEY, k int)")
        eng.execute("INSERT INTO t SELECT g, g % 100 FROM generate_series(1, 5000) g")
        eng.execute("CREATE INDEX t_k ON t (k)")
        eng.execute("ANALYZE t")
        sql = "SELECT id FROM t WHERE k = %s ORDER BY id"

        def plans_so_far():
            rows = eng.query("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                             "WHERE statement LIKE 'SELECT id FROM t %'")
            return rows[0] if rows else (0, 0)
        warm = eng.warmup_calls()
        for _ in range(warm - 1):
            eng.query(sql, (7,))
        assert plans_so_far()[0] == 0  # one run short: no generic plan yet
        eng.query(sql, (7,))
        assert plans_so_far() == (1, 5)
        t = bench.time_query(eng, sql, (7,), warmup=1, repeat=3, min_sample_ms=0.01)
        generic, custom = plans_so_far()
        assert custom == 5 and generic == 1 + warm + 3 * t.calls_per_run
