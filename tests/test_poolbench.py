"""Pools on the real servers: the sweep produces every cell (its timings are benchmarks'
business, not asserted here), exhaustion, recovery with and without a check, max_lifetime
rotation, and what pgbouncer in transaction mode breaks - each fix shown working."""
from __future__ import annotations

import pytest

from dbdesign import engines
from dbdesign.engines import pgbouncer
from dbdesign.lab import datagen, poolbench

from conftest import IN_CI, require_engine


@pytest.fixture(scope="module")
def pg():
    require_engine("postgres")
    with engines.throwaway("postgres") as eng:
        yield eng


@pytest.mark.parametrize("name", ["postgres", "mysql"])
def test_sweep_runs_every_cell_with_the_pattern_mix(example_schema, name):
    require_engine(name)
    data = datagen.generate(example_schema, 300, progress=False)
    with engines.throwaway(name) as eng:
        datagen.load(data, eng)
        mix = poolbench.query_mix(example_schema, data, name, per_pattern=3)
        assert len({sql for sql, _ in mix}) >= 10 and not any("SELECT 1" in sql for sql, _ in mix)
        cells = poolbench.sweep(name, eng.url, mix, [1, 3], [1, 4], seconds=0.15)
    assert [(c.pool_size, c.concurrency) for c in cells] == [(1, 1), (1, 4), (3, 1), (3, 4)]
    assert all(c.ops > 0 and c.errors == 0 and c.p99_ms >= c.p50_ms for c in cells)
    plat = poolbench.plateau(cells, 4)
    assert plat["sizes"] and plat["best"] == max(c.throughput for c in cells if c.concurrency == 4)


def test_exhaustion_gives_clients_a_pool_timeout(pg):
    r = poolbench.exhaustion(pg.url, size=2, clients=5, hold_s=0.4, timeout_s=0.1)
    assert r["ok"] == 2 and r["timeouts"] == 3 and "PoolTimeout" in r["error"]


def test_recovery_after_terminate_backend_needs_the_check(pg):
    without = poolbench.recovery(pg.url, pg.url, size=3, check=False)
    with_check = poolbench.recovery(pg.url, pg.url, size=3, check=True)
    assert without["killed"] == 3 and without["errors"] > 0
    assert with_check["killed"] == 3 and with_check["errors"] == 0 and with_check["ok"] == 6


def test_max_lifetime_rotates_connections(pg):
    r = poolbench.rotation(pg.url, size=2, max_lifetime_s=0.5, run_s=2.0)
    assert r["distinct_backends"] > 2


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


def test_plateau_band_is_ten_percent_or_the_measured_noise():
    def cell(size, rounds):
        return poolbench.Cell("postgres", size, 16, 1.0, 1, 0, max(rounds), 1.0, 2.0, 0.1, 0.2, list(rounds))
    steady = [cell(1, [50, 50]), cell(2, [95, 95]), cell(4, [100, 99]), cell(8, [88, 88])]
    plat = poolbench.plateau(steady, 16)
    assert plat["band"] == 0.10 and plat["sizes"] == [2, 4]
    noisy = [cell(1, [50, 30]), cell(2, [95, 60]), cell(4, [100, 70]), cell(8, [88, 60])]
    plat = poolbench.plateau(noisy, 16)
    assert plat["noise"] > 0.3 and plat["sizes"] == [2, 4, 8]
