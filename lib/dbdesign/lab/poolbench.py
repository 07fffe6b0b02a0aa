"""Connection pools measured on real servers: psycopg_pool on PostgreSQL, SQLAlchemy's
QueuePool on MariaDB.

`sweep()` runs client threads against a pool for a fixed time per (pool size, concurrency)
cell with a query mix drawn from the schema's access patterns (`access_patterns.derive`:
gets by key, lists of children - not `SELECT 1`) over generated data, and records throughput,
p50/p99 latency (acquire + query) and the time spent waiting for a connection. `exhaustion()`,
`recovery()` and `rotation()` show what clients see when the pool runs dry, when the server
kills its connections (with and without a check before use), and that `max_lifetime` replaces
connections. The clients are Python threads: at high concurrency the client's GIL is part of
what is measured, which is why the numbers are for comparing pool sizes on one machine, not
for capacity planning.
"""
from __future__ import annotations

import logging
import random
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from dbdesign.generate.access_patterns import derive
from dbdesign.model import Schema


@dataclass
class Cell:
    engine: str
    pool_size: int
    concurrency: int
    seconds: float
    ops: int
    errors: int
    throughput: float  # operations per second
    p50_ms: float
    p99_ms: float
    wait_p50_ms: float
    wait_p99_ms: float
    rounds_throughput: list[float] = field(default_factory=list)  # every round's, best kept above

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def query_mix(schema: Schema, data, engine: str, per_pattern: int = 20, seed: int = 7) -> list[tuple[str, dict]]:
    """(SQL, parameters) pairs: every derived access pattern with key values drawn from the
    generated data, in the driver's parameter style."""
    from dbdesign.lab.datagen import quote, staging_name
    rng = random.Random(seed)
    out = []
    for p in derive(schema):
        table = schema.table(p.entity)
        sql, _ = p.sql(table)
        cols = ", ".join(f'"{k}"' for k in p.key)
        keys = data.sample(f'SELECT {cols} FROM {quote(staging_name(table.qualname))} WHERE {" AND ".join(f"{chr(34)}{k}{chr(34)} IS NOT NULL" for k in p.key)} '
                           f"ORDER BY hash({cols}) LIMIT {int(per_pattern)}")
        sql = re.sub(r":(\w+)", r"%(\1)s", sql)
        if engine == "mysql":
            sql = sql.replace('"', "`")
        for k in keys:
            out.append((sql, {name: str(v) for name, v in zip(p.key, k)}))
    rng.shuffle(out)
    return out


def _percentile(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def run_cell(engine: str, borrow: Callable, mix: list[tuple[str, dict]], pool_size: int,
             concurrency: int, seconds: float) -> Cell:
    """`concurrency` threads run queries from `mix` through `borrow()` (a context manager
    yielding a DB-API connection) for `seconds`."""
    lat: list[float] = []
    waits: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    start_gate = threading.Barrier(concurrency)

    def client(i: int) -> None:
        rng = random.Random(i)
        mine_lat, mine_wait, errs = [], [], 0
        start_gate.wait()
        while time.perf_counter() < stop:
            sql, params = mix[rng.randrange(len(mix))]
            t0 = time.perf_counter()
            try:
                with borrow() as conn:
                    t1 = time.perf_counter()
                    cur = conn.cursor()
                    cur.execute(sql, params)
                    cur.fetchall()
                    cur.close()
            except Exception:
                errs += 1
                continue
            t2 = time.perf_counter()
            mine_lat.append(t2 - t0)
            mine_wait.append(t1 - t0)
        with lock:
            lat.extend(mine_lat)
            waits.extend(mine_wait)
            errors[0] += errs

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    ms = 1000.0
    return Cell(engine, pool_size, concurrency, round(elapsed, 3), len(lat), errors[0],
                round(len(lat) / elapsed, 1), round(_percentile(lat, .5) * ms, 3), round(_percentile(lat, .99) * ms, 3),
                round(_percentile(waits, .5) * ms, 3), round(_percentile(waits, .99) * ms, 3))


def postgres_pool(url: str, size: int, **kw):
    from psycopg_pool import ConnectionPool
    pool = ConnectionPool(url, min_size=size, max_size=size, open=True, kwargs={"autocommit": True}, **kw)
    pool.wait(10)
    return pool, pool.connection


def mysql_pool(url: str, size: int, **kw):
    from contextlib import contextmanager

    from sqlalchemy import create_engine
    from sqlalchemy.pool import QueuePool
    engine = create_engine(url.replace("mysql://", "mysql+pymysql://", 1), poolclass=QueuePool,
                           pool_size=size, max_overflow=0, pool_timeout=kw.pop("timeout", 30), **kw)

    @contextmanager
    def borrow():
        conn = engine.raw_connection()
        try:
            yield conn
            conn.commit()
        finally:
            conn.close()
    return engine, borrow


def sweep(engine: str, url: str, mix: list[tuple[str, dict]], sizes: list[int], concurrencies: list[int],
          seconds: float = 1.0, rounds: int = 1) -> list[Cell]:
    """Every (pool size, concurrency) cell on one database. With `rounds` > 1 the sizes are
    measured in turn that many times and each cell keeps its best round, so a few seconds of
    a busy machine do not decide which pool size wins."""
    best: dict[tuple[int, int], Cell] = {}
    for _ in range(rounds):
        for size in sizes:
            if engine == "postgres":
                pool, borrow = postgres_pool(url, size)
                close = pool.close
            else:
                pool, borrow = mysql_pool(url, size)
                close = pool.dispose
            try:
                run_cell(engine, borrow, mix, size, 1, min(0.2, seconds))  # warm the connections and caches
                for c in concurrencies:
                    cell = run_cell(engine, borrow, mix, size, c, seconds)
                    seen = best[(size, c)].rounds_throughput if (size, c) in best else []
                    if not seen or cell.throughput > best[(size, c)].throughput:
                        best[(size, c)] = cell
                    best[(size, c)].rounds_throughput = seen + [cell.throughput]
            finally:
                close()
    return [best[k] for k in sorted(best)]


def default_sizes(cores: int | None = None) -> list[int]:
    """1, then cores .. 4 x cores, plus the HikariCP recommendation."""
    import os

    from dbdesign.generate.pool import recommend
    cores = cores or os.cpu_count() or 2
    return sorted({1, cores, 2 * cores, 3 * cores, 4 * cores, recommend(db_cores=cores).max_size})


def plateau(cells: list[Cell], concurrency: int, tolerance: float = 0.10) -> dict[str, Any]:
    """At one concurrency: the best throughput and the pool sizes within `tolerance` of it.
    When the same cell varied more than that from round to round (`noise`: the median over
    cells of (max - min) / max of their rounds), the machine cannot tell sizes apart that
    closely, and the band widens to the noise - reported, so a reader sees which it was."""
    row = [c for c in cells if c.concurrency == concurrency]
    best = max(c.throughput for c in row)
    spreads = sorted((max(c.rounds_throughput) - min(c.rounds_throughput)) / max(c.rounds_throughput)
                     for c in row if len(c.rounds_throughput) > 1 and max(c.rounds_throughput) > 0)
    noise = spreads[len(spreads) // 2] if spreads else 0.0
    band = max(tolerance, noise)
    return {"concurrency": concurrency, "best": best, "noise": round(noise, 3), "band": round(band, 3),
            "sizes": sorted(c.pool_size for c in row if c.throughput >= best * (1 - band))}


# -- failure modes (PostgreSQL) ---------------------------------------------------------------
def exhaustion(url: str, size: int = 2, clients: int = 6, hold_s: float = 0.5, timeout_s: float = 0.2) -> dict[str, Any]:
    """`clients` threads each hold a connection for `hold_s` from a pool of `size` with an
    acquire timeout of `timeout_s`: the ones that do not get a connection in time get
    psycopg_pool's PoolTimeout - what a request handler sees and must turn into a 503."""
    from psycopg_pool import ConnectionPool, PoolTimeout
    out: list[str] = []
    lock = threading.Lock()
    with ConnectionPool(url, min_size=size, max_size=size, timeout=timeout_s, open=True) as pool:
        pool.wait(10)
        gate = threading.Barrier(clients)

        def client() -> None:
            gate.wait()
            try:
                with pool.connection() as conn:
                    conn.execute("SELECT pg_sleep(%s)", (hold_s,))
                res = "ok"
            except PoolTimeout as err:
                res = f"PoolTimeout: {str(err).splitlines()[0]}"
            with lock:
                out.append(res)
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = pool.get_stats()
    timeouts = [r for r in out if r != "ok"]
    return {"pool_size": size, "clients": clients, "ok": out.count("ok"), "timeouts": len(timeouts),
            "error": timeouts[0] if timeouts else None, "requests_errors": stats.get("requests_errors", 0)}


def recovery(url: str, admin_url: str, size: int = 4, check: bool = False) -> dict[str, Any]:
    """Kill every connection of a pool with `pg_terminate_backend`, then run `size * 2`
    queries: without a check the pool hands out dead connections (errors); with
    `check=ConnectionPool.check_connection` (a pre-ping) it replaces them first."""
    from psycopg_pool import ConnectionPool
    tag = f"dbdesign_pool_{random.randrange(10**9)}"
    kw = {"check": ConnectionPool.check_connection} if check else {}
    log = logging.getLogger("psycopg.pool")  # it warns per dead connection it discards: counted here
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        return _recovery(url, admin_url, size, check, tag, kw)
    finally:
        log.setLevel(level)


def _recovery(url: str, admin_url: str, size: int, check: bool, tag: str, kw: dict) -> dict[str, Any]:
    import psycopg
    from psycopg_pool import ConnectionPool
    errors, ok = 0, 0
    with ConnectionPool(url, min_size=size, max_size=size, open=True,
                        kwargs={"application_name": tag, "autocommit": True}, **kw) as pool:
        pool.wait(10)
        with psycopg.connect(admin_url, autocommit=True) as admin:
            killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE application_name = %s", (tag,)).fetchone()[0]
        time.sleep(0.2)
        for _ in range(size * 2):
            try:
                with pool.connection() as conn:
                    conn.execute("SELECT 1").fetchone()
                ok += 1
            except psycopg.OperationalError:
                errors += 1
    return {"check": check, "killed": killed, "queries": size * 2, "ok": ok, "errors": errors}


def rotation(url: str, size: int = 2, max_lifetime_s: float = 1.0, run_s: float = 3.0) -> dict[str, Any]:
    """With `max_lifetime`, the pool closes connections older than it (with psycopg_pool's
    jitter) and opens new ones: the distinct backend pids seen over `run_s` exceed the size."""
    from psycopg_pool import ConnectionPool
    pids = set()
    with ConnectionPool(url, min_size=size, max_size=size, max_lifetime=max_lifetime_s, open=True) as pool:
        pool.wait(10)
        end = time.perf_counter() + run_s
        while time.perf_counter() < end:
            with pool.connection() as conn:
                pids.add(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
            time.sleep(0.02)
    return {"pool_size": size, "max_lifetime_s": max_lifetime_s, "seconds": run_s, "distinct_backends": len(pids)}


def summary(cells: list[Cell]) -> str:
    lines = [f"{'engine':8} {'pool':>4} {'clients':>7} {'ops/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'wait p99':>9}"]
    for c in cells:
        lines.append(f"{c.engine:8} {c.pool_size:4d} {c.concurrency:7d} {c.throughput:9.1f} {c.p50_ms:8.2f} "
                     f"{c.p99_ms:8.2f} {c.wait_p99_ms:9.2f}")
    return "\n".join(lines)



def bench(schema: Schema, url: str, rows: int = 3000, sizes: list[int] | None = None,
          clients: list[int] | None = None, seconds: float = 1.0, rounds: int = 1) -> dict[str, Any]:
    """The whole measurement on one server: generated data in a throw-away database, the
    sweep, the plateau at the highest concurrency and HikariCP's recommendation beside it."""
    from dbdesign import engines
    from dbdesign.lab import datagen
    from dbdesign.generate.pool import recommend
    name = "postgres" if url.startswith(("postgres://", "postgresql://")) else "mysql" if url.startswith("mysql://") else None
    if name is None:
        from dbdesign.errors import InputError
        raise InputError(f"pool bench needs a server URL (postgresql://... or mysql://...), not {url.split(':')[0]}")
    sizes = sizes or default_sizes()
    clients = clients or [1, 4, 16, 64]
    data = datagen.generate(schema, rows, progress=False)
    cls = engines.connect(url, create=False).__class__
    with cls.throwaway(url) as eng:
        datagen.load(data, eng)
        version = eng.version() if hasattr(eng, "version") else ""
        mix = query_mix(schema, data, name)
        cells = sweep(name, eng.url, mix, sizes, clients, seconds, rounds)
    top, recommended = max(clients), recommend().max_size
    flat = plateau(cells, top)
    return {"engine": name, "server_version": str(version), "rows": rows, "queries_in_mix": len(mix),
            "seconds_per_cell": seconds, "rounds": rounds, "sizes": sizes, "clients": clients,
            "recommended": recommended, "plateau": flat,
            "recommended_on_plateau": recommended in flat["sizes"],
            "cells": [c.to_dict() for c in cells]}


def plot(cells: list[Cell], concurrency: int, recommended: int, tolerance: float = 0.10):
    """Throughput and p99 latency against pool size at one client concurrency, the plateau
    band (`plateau()`: within `tolerance` of the best, or the noise) shaded and the
    recommended size marked."""
    import matplotlib.pyplot as plt
    row = sorted((c for c in cells if c.concurrency == concurrency), key=lambda c: c.pool_size)
    sizes = [c.pool_size for c in row]
    plat = plateau(cells, concurrency, tolerance)
    best, band = plat["best"], plat["band"]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(sizes, [c.throughput for c in row], "o-", color="tab:blue", label="throughput (queries/s)")
    ax.axhspan(best * (1 - band), best, color="tab:blue", alpha=0.12, label=f"plateau (within {band:.0%} of best)")
    ax.axvline(recommended, color="tab:green", ls="--", label=f"recommended: {recommended}")
    ax.set_xlabel("pool size (connections)")
    ax.set_ylabel("queries/s")
    ax.set_ylim(bottom=0)
    ax2 = ax.twinx()
    ax2.plot(sizes, [c.p99_ms for c in row], "s:", color="tab:red", label="p99 latency (ms)")
    ax2.set_ylabel("p99 ms")
    ax2.set_ylim(bottom=0)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="lower right", fontsize=8)
    ax.set_title(f"{row[0].engine}: {concurrency} clients")
    fig.tight_layout()
    return fig
