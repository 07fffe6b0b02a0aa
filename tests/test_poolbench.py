"""Pools on the real servers: the sweep produces every cell (its timings are benchmarks'
business, not asserted here), exhaustion, recovery with and without a check and maximum
lifetime rotation on PostgreSQL (psycopg_pool) and MariaDB (SQLAlchemy QueuePool), what
pgbouncer in transaction mode breaks - each fix shown working - and the pool size read off
a sweep, on hand-built sweeps."""
from __future__ import annotations

import random

import pytest

from dbdesign import engines
from dbdesign.engines import pgbouncer
from dbdesign.lab import datagen, poolbench
from dbdesign.errors import InputError

from conftest import IN_CI, require_engine

SERVERS = ["postgres", "mysql"]


@pytest.fixture(scope="module")
def pg():
    require_engine("postgres")
    with engines.throwaway("postgres") as eng:
        yield eng


@pytest.fixture(scope="module", params=SERVERS)
def server(request):
    require_engine(request.param)
    with engines.throwaway(request.param) as eng:
        yield eng


@pytest.mark.parametrize("name", SERVERS)
def test_sweep_runs_every_cell_with_the_pattern_mix(example_schema, name):
    require_engine(name)
    data = datagen.generate(example_schema, 300, progress=False)
    with engines.throwaway(name) as eng:
        datagen.load(data, eng)
        mix = poolbench.query_mix(example_schema, data, name, per_pattern=3)
        assert len({sql for sql, _ in mix}) >= 10 and not any("SELECT 1" in sql for sql, _ in mix)
        cells = poolbench.sweep(eng.url, mix, [1, 3], [1, 4], seconds=0.15, rounds=2)
    assert [(c.pool_size, c.concurrency) for c in cells] == [(1, 1), (1, 4), (3, 1), (3, 4)]
    assert all(c.engine == name and c.ops > 0 and c.errors == 0 and c.p99_ms >= c.p50_ms for c in cells)
    assert all(len(c.rounds_throughput) == len(c.rounds_p99_ms) == 2 for c in cells)
    assert all(0 < c.client_ops_max and c.client_ops_min <= c.client_ops_max
               and c.client_ops_min * c.concurrency <= c.ops <= c.client_ops_max * c.concurrency for c in cells)
    rec = poolbench.recommend_size(cells, 4)
    assert rec["size"] in poolbench.plateau(cells, 4)["sizes"]


def test_pool_bench_wants_a_server():
    with pytest.raises(InputError, match="embedded database has no connection pool"):
        poolbench.server_engine("sqlite:///:memory:")


def test_exhaustion_gives_clients_the_pool_timeout(server):
    r = poolbench.exhaustion(server.url, size=2, clients=5, hold_s=0.4, timeout_s=0.1)
    assert r["ok"] == 2 and r["timeouts"] == 3
    assert r["error"].startswith({"psycopg_pool": "PoolTimeout", "sqlalchemy": "TimeoutError"}[r["library"]])


def test_recovery_after_the_server_kills_the_pool_needs_the_check(server):
    without = poolbench.recovery(server.url, server.url, size=3, check=False)
    with_check = poolbench.recovery(server.url, server.url, size=3, check=True)
    assert without["killed"] == 3 and without["errors"] > 0 and without["ok"] + without["errors"] == 6
    assert with_check["killed"] == 3 and with_check["errors"] == 0 and with_check["ok"] == 6
    if without["library"] == "sqlalchemy":  # the first disconnect invalidates the whole pool
        assert without["errors"] == 1 and ("Lost connection" in without["error"] or "gone away" in without["error"])
    else:  # psycopg_pool discards each dead connection when it comes back
        assert without["errors"] == 3 and "terminating connection" in without["error"]
        # and with the check, sleeps with backoff (1 s first, jittered) after each dead one
        assert with_check["slowest_ms"] >= 800


def test_kill_session_of_a_gone_session_is_false(server):
    with engines.connect(server.url) as victim:
        sid = victim.query(victim.SESSION_ID)[0][0]
    with engines.connect(server.url) as admin:
        for _ in range(50):  # the server ends a closed connection's session asynchronously
            if not admin.kill_session(sid):
                break
        assert not admin.kill_session(sid)


def test_max_lifetime_rotates_connections(server):
    rotated = poolbench.rotation(server.url, size=2, max_lifetime_s=0.5, run_s=2.0)
    kept = poolbench.rotation(server.url, size=2, max_lifetime_s=None, run_s=1.0)
    assert rotated["distinct_sessions"] > 2 and kept["distinct_sessions"] <= 2


def test_pgbouncer_transaction_mode_breaks_session_state_and_the_fixes_hold(pg):
    if pgbouncer.binary() is None:
        if IN_CI:
            pytest.fail("pgbouncer is not installed under CI=true (make setup installs it)")
        pytest.skip("pgbouncer is not installed (Debian package pgbouncer)")
    with pgbouncer.running(pg.url) as url:
        rows = pgbouncer.features(url)
    by = {(r["feature"], r["variant"].split(" ")[0]): r["broken"] for r in rows}
    assert by[("migration lock", "session")] and not by[("migration lock", "pg_advisory_xact_lock")]
    assert by[("audit actor", "session")] and not by[("audit actor", "SET")]
    assert by[("prepared statements", "server-side")] and not by[("prepared statements", "prepare_threshold=None")]


def test_transaction_local_actor_is_postgres_only():
    from dbdesign.generate.audit import set_actor
    from dbdesign.errors import InputError
    with engines.throwaway("sqlite") as eng, pytest.raises(InputError, match="PostgreSQL setting"):
        set_actor(eng, "alice", local=True)


def cell(size, throughput, p99=2.0, rounds=None, p99_rounds=None, errors=0, clients=16):
    """A hand-built sweep cell: `rounds` throughputs (best kept) and their p99s."""
    rounds = rounds or [throughput]
    return poolbench.Cell("postgres", size, clients, 1.0, 100, errors, throughput, 1.0, p99, 0.1, 0.2,
                          list(rounds), list(p99_rounds or [p99] * len(rounds)))


def test_plateau_is_within_ten_percent_and_reports_the_noise():
    steady = [cell(1, 50, rounds=[50, 50]), cell(2, 95, rounds=[95, 95]), cell(4, 100, rounds=[100, 99]),
              cell(8, 88, rounds=[88, 88])]
    plat = poolbench.plateau(steady, 16)
    assert plat["sizes"] == [2, 4] and plat["noise"] == 0.0
    noisy = [cell(1, 50, rounds=[50, 30]), cell(2, 95, rounds=[95, 60]), cell(4, 100, rounds=[100, 70]),
             cell(8, 88, rounds=[88, 60])]
    plat = poolbench.plateau(noisy, 16)
    assert plat["noise"] > 0.3 and plat["sizes"] == [2, 4]  # noise is reported, the band stays 10%
    assert poolbench.recommend_size(noisy, 16)["noise_exceeds_tolerance"]
    assert not poolbench.recommend_size(steady, 16)["noise_exceeds_tolerance"]


@pytest.mark.parametrize("cells, size, best", [
    # rises then falls (too many connections contend): the smallest within 10% of the best
    ([cell(1, 40), cell(2, 91), cell(4, 100), cell(6, 97), cell(8, 70)], 2, 4),
    # 90.0 is exactly 10% below 100: on the plateau (>=); 89.9 is not
    ([cell(1, 89.9), cell(3, 90.0), cell(5, 100)], 3, 5),
    # flat: every size within 10%, so the fewest connections
    ([cell(1, 98), cell(2, 100), cell(4, 99), cell(8, 97)], 1, 2),
    # monotonic rise: the best is the largest, the plateau starts where it comes within 10%
    ([cell(1, 20), cell(2, 40), cell(4, 80), cell(6, 95), cell(8, 100)], 6, 8),
    # noisy zig-zag: a size off the plateau between two on it does not matter
    ([cell(1, 30), cell(2, 93), cell(3, 80), cell(4, 100), cell(5, 85), cell(6, 96)], 2, 4),
    # tie for the best throughput: the lower p99 is the best; the smallest on the plateau wins
    ([cell(2, 100, p99=5.3), cell(4, 100, p99=5.0), cell(8, 60)], 2, 4),
    # exact tie in throughput and p99: the smaller size is the best, and recommended
    ([cell(3, 100), cell(6, 100)], 3, 3),
])
def test_recommendation_is_the_smallest_size_on_the_measured_plateau(cells, size, best):
    rec = poolbench.recommend_size(cells, 16)
    assert (rec["size"], rec["best_size"]) == (size, best)
    assert rec["size"] in poolbench.plateau(cells, 16)["sizes"]


def test_recommendation_skips_plateau_sizes_with_a_worse_p99_than_the_best_beyond_its_spread():
    # size 2 is on the throughput plateau but its p99 is 3x the best's: clients would see it
    cells = [cell(1, 50, p99=30), cell(2, 95, p99=15.0), cell(4, 100, p99=5.0), cell(8, 99, p99=5.2)]
    rec = poolbench.recommend_size(cells, 16)
    assert rec["size"] == 4 and rec["p99_excluded"] == [2] and rec["p99_limit_ms"] == 5.5
    # ... unless the best cell's own rounds spread that far: then the difference is noise
    cells[2] = cell(4, 100, p99=5.0, rounds=[100, 96], p99_rounds=[5.0, 16.0])
    assert poolbench.recommend_size(cells, 16)["size"] == 2


def test_cells_with_errors_are_never_recommended_and_other_concurrencies_are_ignored():
    cells = [cell(1, 99, errors=3), cell(2, 100), cell(4, 98), cell(1, 500, clients=4)]
    rec = poolbench.recommend_size(cells, 16)
    assert rec["size"] == 2 and rec["errored_sizes"] == [1]
    with pytest.raises(ValueError, match="no error-free cell"):
        poolbench.recommend_size([cell(1, 10, errors=1)], 16)


def test_recommendation_rule_holds_on_random_sweeps():
    """On many random sweeps: the recommendation is on the 10% plateau, its p99 within the
    limit, and no smaller error-free size meets both conditions."""
    rng = random.Random(17)
    for _ in range(500):
        cells = [cell(s, round(rng.uniform(1, 200), 1), p99=round(rng.uniform(1, 20), 2),
                      errors=int(rng.random() < 0.1))
                 for s in sorted(rng.sample(range(1, 17), rng.randint(1, 8)))]
        clean = [c for c in cells if not c.errors]
        if not clean:
            continue
        rec = poolbench.recommend_size(cells, 16)
        best = max(c.throughput for c in clean)
        pick = next(c for c in cells if c.pool_size == rec["size"])
        assert pick.errors == 0 and pick.throughput >= 0.9 * best and pick.p99_ms <= rec["p99_limit_ms"]
        assert not any(c.pool_size < pick.pool_size and c.throughput >= 0.9 * best
                       and c.p99_ms <= rec["p99_limit_ms"] for c in clean)


def _cli(*args):
    from click.testing import CliRunner

    from conftest import EXAMPLE_MIGRATIONS

    from dbdesign.cli import main
    return CliRunner().invoke(main, ["pool", "bench", str(EXAMPLE_MIGRATIONS), *args], catch_exceptions=False)


@pytest.mark.parametrize("args, message", [
    (["--db", "sqlite:///x.db"], "embedded database has no connection pool"),
    (["--db", "postgresql://postgres@127.0.0.1:5432/x", "--clients", "1,4", "--target-clients", "8"],
     "target concurrency 8 is not among the measured clients 1, 4"),
    (["--db", "postgresql://postgres@127.0.0.1:5432/x", "--sizes", "0,2"], "positive integers"),
])
def test_pool_bench_bad_input_is_one_line_exit_2(args, message):
    res = _cli(*args)
    assert res.exit_code == 2 and message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert res.stdout == ""


def test_pool_bench_json_carries_the_sweep_and_the_recommendation_from_it():
    import json
    require_engine("postgres")
    res = _cli("--db", engines.server_url("postgres"), "--rows", "200", "--sizes", "1,2", "--clients", "1,3",
               "--seconds", "0.1", "--rounds", "1", "--format", "json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    cells = [poolbench.Cell(**c) for c in out["cells"]]
    assert [(c.pool_size, c.concurrency) for c in cells] == [(1, 1), (1, 3), (2, 1), (2, 3)]
    assert out["recommendation"] == poolbench.recommend_size(cells, 3)
    assert out["hikaricp"]["on_plateau"] == (out["hikaricp"]["size"] in out["plateau"]["sizes"])
