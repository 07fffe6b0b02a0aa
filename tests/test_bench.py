"""bench: result records carry plan-derived uses_index, timings, sizes (no timing asserts)."""
from __future__ import annotations

import json
import time

from dbdesign import bench, datagen, workload


def test_run_query_records(example_schema, engine_name, tmp_path):
    data = datagen.generate(example_schema, 3000, tables=["users", "posts"], progress=False)
    q = workload.get_query("posts-by-status-recent")
    res = bench.run_workload(engine_name, data, example_schema, [q], warmup=1, repeat=3)
    assert [r["index"] for r in res] == [None, "ix_posts_status", "ix_posts_status_created_at"]
    for r in res:
        assert r["engine"] == engine_name and r["rows"] == 3000 and r["result_rows"] == 20
        assert r["p90_ms"] >= r["median_ms"] >= r["min_ms"] > 0 and r["overhead_ms"] > 0
    assert res[0]["uses_index"] is False
    if engine_name != "duckdb":  # DuckDB's ART does not serve filter + sort
        assert res[2]["uses_index"] and not res[2]["sort"]
        assert res[2]["index_bytes"] > 0
    path = bench.write_json(res, str(tmp_path / "r.json"), rows=3000)
    assert json.load(open(path))["results"][0]["query"] == "posts-by-status-recent"
    assert len(bench.frame(res)) == 3


def test_write_cost_counts_indexes(example_schema):
    data = datagen.generate(example_schema, 1000, tables=["users", "posts"], progress=False)
    rows = bench.write_cost("sqlite", data, example_schema, index_counts=(0, 3), single_rows=50)
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


def test_precision_takes_more_samples_only_while_the_median_is_uncertain(monkeypatch):
    """A steady 2 ms call stops at `repeat`; a call alternating 1 ms / 3 ms leaves the median
    uncertain, so sampling goes on until the cap (samples, then PRECISION_CAP_S)."""
    calm = bench.time_call(lambda: time.sleep(0.002), warmup=1, repeat=21, min_sample_ms=0.1,
                           precision=0.25)
    assert calm.runs == 21
    flip = {"n": 0}

    def noisy():
        flip["n"] += 1
        time.sleep(0.001 if flip["n"] % 2 else 0.003)

    t = bench.time_call(noisy, warmup=1, repeat=9, min_sample_ms=0.1, precision=0.01,
                        max_repeat=30)
    assert t.runs == 30 and t.ci_high_ms > 1.02 * t.ci_low_ms
    monkeypatch.setattr(bench, "PRECISION_CAP_S", 0.0)
    t = bench.time_call(noisy, warmup=1, repeat=9, min_sample_ms=0.1, precision=0.01,
                        max_repeat=30)
    assert t.runs == 9  # the time cap is spent: `repeat` samples and no more


def test_compare_runs_flags_pairs_over_ten_percent():
    a = [{"engine": "sqlite", "query": q, "index": None, "available": True, "median_ms": 1.0}
         for q in ("x", "y")]
    b = [{**a[0], "median_ms": 1.05}, {**a[1], "median_ms": 0.8}]
    res = {r["query"]: r for r in bench.compare_runs(a, b)}
    assert res["x"]["stable"] and res["x"]["ratio"] == 1.05
    assert not res["y"]["stable"] and res["y"]["ratio"] == 1.25
    bar = bench.stability_bars(list(res.values()), "back-to-back")[0]
    assert bar.met is False and "y[-] 1.25x" in bar.measured


def test_short_calls_are_batched_per_sample():
    t = bench.time_call(lambda: None, warmup=2, repeat=5, min_sample_ms=1.0)
    assert t.calls_per_run > 1  # a no-op is far below 1 ms: several calls per sample


def test_steady_timing_retakes_samples_taken_while_the_machine_is_slowed(monkeypatch):
    """The retake decision reads only the probes around each sample, never the sample: a
    probe reporting a slowed machine for a few samples makes them retaken; a machine slowed
    for good ends in kept samples, marked `slowed_kept`, once STEADY_CAP_S is spent."""
    calls = {"n": 0}
    fast = bench._probe()

    def probe():  # slowed (3x) for 20 probes after the first 60, then normal again
        calls["n"] += 1
        return fast * 3 if 60 < calls["n"] <= 80 else fast

    monkeypatch.setattr(bench, "_probe", probe)
    monkeypatch.setattr(bench, "_PROBES", {})
    t = bench.time_call(lambda: None, warmup=1, repeat=7, min_sample_ms=0.1, steady=True,
                        precision=0)
    assert t.runs == 7 and t.retaken >= 4 and not t.slowed_kept
    assert bench.time_call(lambda: None, warmup=1, repeat=7, min_sample_ms=0.1).retaken == 0

    monkeypatch.setattr(bench, "_PROBES", {})
    bench._record({c: fast for c in bench._probe_cpus(bench._cpus())})
    monkeypatch.setattr(bench, "_probe", lambda: fast * 3)
    monkeypatch.setattr(bench, "STEADY_CAP_S", 0.05)
    t = bench.time_call(lambda: None, warmup=1, repeat=5, min_sample_ms=0.1, steady=True,
                        precision=0)
    assert t.runs == 5 and t.slowed_kept and t.retaken >= 1


def test_a_slow_phase_longer_than_the_probe_window_becomes_the_norm(monkeypatch):
    """Probes 1.5x slower than the window's fastest mean slowed; once the fast probes have
    left the window (PROBE_WINDOW_S), the same probes are the new normal."""
    monkeypatch.setattr(bench, "_PROBES", {})
    monkeypatch.setattr(bench, "PROBE_WINDOW_S", 0.05)
    bench._record({0: 100, 1: 100})
    assert bench._slowed({0: 150, 1: 100}, {0: 150, 1: 100})  # CPU 0 slowed before and after
    assert not bench._slowed({0: 150, 1: 100}, {0: 100, 1: 100})  # not after: kept
    time.sleep(0.06)
    assert not bench._slowed({0: 150, 1: 100}, {0: 150, 1: 100})


def test_machine_noise_reports_pairs():
    n = bench.machine_noise(pairs=2)
    assert n["pairs"] == 2 and len(n["ratios"]) == 2 and n["worst_ratio"] >= 1.0
    assert 0 <= n["within_10pct"] <= 2
