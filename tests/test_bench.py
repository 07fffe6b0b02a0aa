"""bench: result records carry plan-derived uses_index, timings, sizes (no timing asserts)."""
from __future__ import annotations

import json
import os
import time

import pytest

from conftest import require_engine
from dbdesign import bench, datagen, engines, workload


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
         for q in ("x", "y", "z")]
    b = [{**a[0], "median_ms": 1.05}, {**a[1], "median_ms": 0.8}, {**a[2], "median_ms": 1.104}]
    res = {r["query"]: r for r in bench.compare_runs(a, b)}
    assert res["x"]["stable"] and res["x"]["ratio"] == 1.05
    assert not res["y"]["stable"] and res["y"]["ratio"] == 1.25
    bar = bench.stability_bars(list(res.values()), "back-to-back")[0]
    # a miss just over the bar reads as one (1.104x, not a rounded 1.10x)
    assert bar.met is False and "y[-] 1.250x, z[-] 1.104x)" in bar.measured
    assert "1/3 within; worst 1.250x" in bar.measured


def test_short_calls_are_batched_per_sample():
    t = bench.time_call(lambda: None, warmup=2, repeat=5, min_sample_ms=1.0)
    assert t.calls_per_run > 1  # a no-op is far below 1 ms: several calls per sample


def _two_cpus() -> list[int]:
    cpus = bench._cpus()
    if len(cpus) < 2:
        pytest.skip("one CPU: steady timing has nothing to choose between")
    return cpus


def test_steady_timing_retakes_samples_the_probe_after_them_found_slowed(monkeypatch):
    """The retake decision reads only the probes around each sample, never the sample: the
    probe right after samples 8-10 reports the work's CPU slowed (3x), so exactly those three
    are retaken; unsteady timing never retakes."""
    _two_cpus()
    fast = bench._probe()
    state = {"calls": 0, "fresh": False}

    def fn():
        state["calls"] += 1
        state["fresh"] = True
        time.sleep(0.0002)  # above min_sample_ms: one call per sample

    def probe():
        slow = state["fresh"] and state["calls"] in (8, 9, 10)
        state["fresh"] = False
        return fast * 3 if slow else fast

    monkeypatch.setattr(bench, "_probe", probe)
    monkeypatch.setattr(bench, "_PROBES", {})
    t = bench.time_call(fn, warmup=1, repeat=7, min_sample_ms=0.1, steady=True, precision=0)
    assert (t.runs, t.retaken, t.slowed_kept) == (7, 3, False)
    assert state["calls"] == 1 + 7 + 3
    assert bench.time_call(lambda: None, warmup=1, repeat=7, min_sample_ms=0.1).retaken == 0


def test_steady_timing_keeps_the_work_off_a_slowed_cpu(monkeypatch):
    """With the first CPU's probe 3x its norm, every call runs pinned to another CPU (the
    probe is told where it runs by this thread's affinity); afterwards every thread has its
    own affinity back."""
    cpus = _two_cpus()
    fast = bench._probe()
    monkeypatch.setattr(bench, "_PROBES", {})
    bench._record({c: fast for c in cpus})
    monkeypatch.setattr(bench, "_probe", lambda: fast * 3 if os.sched_getaffinity(0) == {cpus[0]}
                        else fast)
    seen = []
    t = bench.time_call(lambda: seen.append(os.sched_getaffinity(0)), warmup=1, repeat=5,
                        min_sample_ms=0.01, steady=True, precision=0)
    assert t.pinned == "client" and t.runs == 5 and not t.slowed_kept
    assert seen and all(len(a) == 1 and cpus[0] not in a for a in seen)
    assert os.sched_getaffinity(0) == set(cpus)
    # a CPU chosen by the caller (a query's rerun on its first timing's CPU) is kept, and
    # the timing waits for it rather than moving
    seen.clear()
    monkeypatch.setattr(bench, "STEADY_CAP_S", 0.05)
    t = bench.time_call(lambda: seen.append(os.sched_getaffinity(0)), warmup=1, repeat=5,
                        min_sample_ms=0.01, steady=True, precision=0, cpu=cpus[0])
    assert t.cpu == cpus[0] and t.waited_s > 0 and t.slowed_kept
    assert seen and all(a == {cpus[0]} for a in seen)


def test_steady_timing_moves_off_a_cpu_that_stays_slowed_and_starts_over(monkeypatch):
    """The caller's CPU turns slowed after three samples while the other stays fast: after
    MOVE_AFTER_S of waiting the work moves, warms up again and takes all of its samples
    there (none from the first CPU are kept); with every CPU slowed it never moves."""
    cpus = _two_cpus()
    fast = bench._probe()
    monkeypatch.setattr(bench, "_PROBES", {})
    bench._record({c: fast for c in cpus})
    calls = []

    def probe():
        on_first = os.sched_getaffinity(0) == {cpus[0]}
        return fast * 3 if on_first and len(calls) >= 5 else fast
    monkeypatch.setattr(bench, "_probe", probe)
    monkeypatch.setattr(bench, "MOVE_AFTER_S", 0.02)
    monkeypatch.setattr(bench, "STEADY_CAP_S", 5.0)
    t = bench.time_call(lambda: calls.append(os.sched_getaffinity(0)), warmup=2, repeat=12,
                        min_sample_ms=0.001, steady=True, precision=0, cpu=cpus[0])
    assert (t.moved, t.cpu, t.runs, t.slowed_kept) == (1, cpus[1], 12, False)
    assert t.waited_s > 0
    first = calls.index({cpus[1]})
    assert first >= 5 and all(a == {cpus[0]} for a in calls[:first])
    assert len(calls[first:]) == 2 + 12 * t.calls_per_run  # warm-up and samples, all there
    assert all(a == {cpus[1]} for a in calls[first:])
    assert os.sched_getaffinity(0) == set(cpus)
    # every CPU slowed: nothing to move to, so it waits out the cap on the caller's CPU
    monkeypatch.setattr(bench, "_probe", lambda: fast * 3)
    monkeypatch.setattr(bench, "STEADY_CAP_S", 0.1)
    t = bench.time_call(lambda: None, warmup=1, repeat=3, min_sample_ms=0.01, steady=True,
                        precision=0, cpu=cpus[0])
    assert (t.moved, t.cpu, t.slowed_kept) == (0, cpus[0], True)


def test_steady_timing_waits_while_every_cpu_is_slowed_then_keeps_the_samples(monkeypatch):
    cpus = _two_cpus()
    fast = bench._probe()
    monkeypatch.setattr(bench, "_PROBES", {})
    bench._record({c: fast for c in cpus})
    monkeypatch.setattr(bench, "_probe", lambda: fast * 3)
    monkeypatch.setattr(bench, "STEADY_CAP_S", 0.05)
    t = bench.time_call(lambda: None, warmup=1, repeat=5, min_sample_ms=0.1, steady=True,
                        precision=0)
    assert t.runs == 5 and t.slowed_kept and t.waited_s >= 0.04


def _affinity(t: int) -> set[int] | None:
    try:
        return os.sched_getaffinity(t)
    except OSError:  # a server thread that ended meanwhile
        return None


def _movable(t: int) -> bool:
    try:
        os.sched_setaffinity(t, os.sched_getaffinity(t))
        return True
    except OSError:
        return False


def test_steady_timing_pins_the_server_threads_with_the_client(throwaway_engine, monkeypatch):
    """The threads serving the connection run on the client's CPU while it is timed (when
    this user may move them) and are given back their own affinity afterwards. In-process
    engines have no server threads; a server whose process this machine cannot see has None."""
    cpus = _two_cpus()
    eng = throwaway_engine
    tasks = eng.server_tasks()
    if eng.name in ("sqlite", "duckdb"):
        assert tasks == []
    elif tasks is None:
        pytest.skip(f"{eng.name} does not run on this machine (or /proc cannot show it)")
    else:
        # the identity check: a pid the server reports must be the process that started then
        real = eng._server_process()
        monkeypatch.setattr(eng, "_server_process", lambda: (real[0], real[1] + 60))
        assert eng.server_tasks() is None
        monkeypatch.setattr(eng, "_server_process", lambda: (os.getpid(), real[1]))
        assert eng.server_tasks() is None  # this process is no database server
        monkeypatch.undo()
    movable = [t for t in tasks if _movable(t)]
    before = {t: _affinity(t) for t in tasks}
    seen = []

    def call():
        eng.query("SELECT 1")
        seen.append((os.sched_getaffinity(0), {t: _affinity(t) for t in movable}))

    t = bench.time_call(call, warmup=1, repeat=5, min_sample_ms=0.01, steady=True, server=tasks)
    assert t.pinned == ("client+server" if movable else "client")
    for mine, theirs in seen:
        assert len(mine) == 1
        assert all(a in (mine, None) for a in theirs.values())
    assert all(_affinity(t) in (a, None) for t, a in before.items())
    assert os.sched_getaffinity(0) == set(cpus)


def test_threads_started_while_pinned_get_their_process_affinity_back():
    """A thread inherits the one CPU of the thread that starts it - in this process (DuckDB
    starts workers lazily) and in a server (MariaDB starts connection and InnoDB threads):
    release gives those their process's affinity too, after a move to another CPU as well."""
    import subprocess
    import sys
    import threading
    cpus = _two_cpus()
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys, threading, time\n"
         "sys.stdin.readline()\n"
         "t = threading.Thread(target=time.sleep, args=(30,), daemon=True); t.start()\n"
         "print(t.native_id, flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    stop = threading.Event()
    try:
        pin = bench._Pin([server.pid])
        assert pin.to(cpus[0]) and pin.what == "client+server"
        mine = threading.Thread(target=stop.wait)
        mine.start()
        server.stdin.write("start\n")
        server.stdin.flush()
        theirs = int(server.stdout.readline())
        assert os.sched_getaffinity(mine.native_id) == {cpus[0]}
        assert os.sched_getaffinity(theirs) == {cpus[0]}
        # a move (time_call leaving a slowed CPU) takes the thread born pinned along, and
        # does not mistake the one CPU it was born with for its own affinity
        assert pin.to(cpus[1]) and pin.cpu == cpus[1]
        assert os.sched_getaffinity(0) == {cpus[1]} == os.sched_getaffinity(mine.native_id)
        assert os.sched_getaffinity(server.pid) == {cpus[1]}
        pin.release()
        assert os.sched_getaffinity(mine.native_id) == set(cpus)
        assert os.sched_getaffinity(theirs) == set(cpus)
        assert os.sched_getaffinity(server.pid) == set(cpus)
    finally:
        stop.set()
        server.kill()
        server.wait()


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
