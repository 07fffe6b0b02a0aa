"""Connection pools measured on real servers: psycopg_pool on PostgreSQL, SQLAlchemy's
QueuePool on MariaDB (each engine names its library, `pool_library`).

`sweep()` runs client threads against a pool for a fixed time per (pool size, concurrency)
cell with a query mix drawn from the schema's access patterns (`access_patterns.derive`:
gets by key, lists of children - not `SELECT 1`) over generated data, and records throughput,
p50/p99 latency (acquire + query) and the time spent waiting for a connection.
`recommend_size()` reads the pool size off that sweep: the smallest size on the measured
plateau. `exhaustion()`, `recovery()` and `rotation()` show what clients see when the pool
runs dry, when the server kills its connections (with and without a check before use), and
that a maximum lifetime replaces connections; the engine supplies the server side (its
session id, how to kill a session, a sleep). The clients are Python threads: at high
concurrency the client's GIL is part of what is measured, which is why the numbers are for
comparing pool sizes on one machine, not for capacity planning.
"""
from __future__ import annotations

import logging
import random
import re
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterator

from dbdesign.generate.access_patterns import derive
from dbdesign.model import Schema

TOLERANCE = 0.10  # the plateau: within 10% of the best measured throughput


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
    rounds_p99_ms: list[float] = field(default_factory=list)  # every round's p99, same order
    # queries completed by the least and the most served client: a pool that does not hand a
    # returned connection to the longest waiter lets a few clients do nearly all the work
    client_ops_min: int = 0
    client_ops_max: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def query_mix(schema: Schema, data, engine: str, per_pattern: int = 20, seed: int = 7) -> list[tuple[str, dict]]:
    """(SQL, parameters) pairs: every derived access pattern with key values drawn from the
    generated data, names quoted in the engine's dialect, parameters in the pyformat style
    both drivers (psycopg, PyMySQL) accept."""
    from dbdesign import engines
    from dbdesign.lab.datagen import quote, staging_name
    from dbdesign.dialects import get_dialect
    dialect = get_dialect(engines.engine_class(engine).dialect)
    rng = random.Random(seed)
    out = []
    for p in derive(schema):
        table = schema.table(p.entity)
        sql, _ = p.sql(table, quote=lambda name: dialect.quote(name, force=True))
        cols = ", ".join(quote(k) for k in p.key)
        present = " AND ".join(f"{quote(k)} IS NOT NULL" for k in p.key)
        keys = data.sample(f"SELECT {cols} FROM {quote(staging_name(table.qualname))} WHERE {present} "
                           f"ORDER BY hash({cols}) LIMIT {int(per_pattern)}")
        sql = re.sub(r":(\w+)", r"%(\1)s", sql.replace("%", "%%"))
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
    per_client: list[int] = []
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
            per_client.append(len(mine_lat))
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
                round(_percentile(waits, .5) * ms, 3), round(_percentile(waits, .99) * ms, 3),
                client_ops_min=min(per_client), client_ops_max=max(per_client))


class PsycopgPool:
    """psycopg_pool's ConnectionPool of fixed size. `check` hands out a connection only after
    `ConnectionPool.check_connection` (a round trip) found it alive; `max_lifetime` closes
    connections older than it (psycopg_pool shortens it by up to 5% at random, so that
    connections opened together do not all expire together)."""

    library = "psycopg_pool"
    logger = "psycopg.pool"  # warns once per broken connection it discards

    def __init__(self, url: str, size: int, timeout: float = 30.0, max_lifetime: float | None = None,
                 check: bool = False):
        import psycopg
        from psycopg_pool import ConnectionPool, PoolTimeout
        kw: dict[str, Any] = {"check": ConnectionPool.check_connection} if check else {}
        if max_lifetime:
            kw["max_lifetime"] = max_lifetime
        self.timeout_error = PoolTimeout
        self.errors: tuple[type[BaseException], ...] = (psycopg.Error,)
        self.pool = ConnectionPool(url, min_size=size, max_size=size, timeout=timeout, open=True,
                                   kwargs={"autocommit": True}, **kw)
        self.pool.wait(10)

    def borrow(self):
        """A context manager lending a DB-API connection."""
        return self.pool.connection()

    def query(self, sql: str) -> list:
        """`sql` the way an application runs it through this library."""
        with self.pool.connection() as conn:
            return conn.execute(sql).fetchall()

    def close(self) -> None:
        self.pool.close()


class QueuePoolClient:
    """SQLAlchemy's QueuePool of fixed size (`max_overflow=0`: QueuePool closes overflow
    connections on return). `check` is `pool_pre_ping` (a ping before each checkout);
    `max_lifetime` is `pool_recycle`, applied when a connection is checked out. Queries go
    through `Engine.connect()`, whose disconnect handling invalidates every pooled connection
    once one of them is found dead."""

    library = "sqlalchemy"
    logger = "sqlalchemy.pool"  # logs a traceback per dead connection it cannot reset

    def __init__(self, url: str, size: int, timeout: float = 30.0, max_lifetime: float | None = None,
                 check: bool = False, scheme: str = ""):
        from urllib.parse import urlsplit

        from sqlalchemy import create_engine, exc
        from sqlalchemy.pool import QueuePool
        target = urlsplit(url)._replace(scheme=scheme).geturl() if scheme else url
        self.engine = create_engine(target, poolclass=QueuePool, pool_size=size, max_overflow=0,
                                    pool_timeout=timeout, pool_recycle=max_lifetime or -1,
                                    pool_pre_ping=check)
        self.timeout_error = exc.TimeoutError
        self.errors = (exc.DBAPIError, self.engine.dialect.loaded_dbapi.Error)

    @contextmanager
    def borrow(self):
        """A context manager lending a DB-API connection (committed before it goes back)."""
        conn = self.engine.raw_connection()
        try:
            yield conn
            conn.commit()
        finally:
            conn.close()

    def query(self, sql: str) -> list:
        """`sql` the way an application runs it through this library."""
        from sqlalchemy import text
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql)).fetchall())

    def close(self) -> None:
        self.engine.dispose()


POOL_LIBRARIES = {"psycopg_pool": PsycopgPool, "sqlalchemy": QueuePoolClient}


def server_engine(url: str):
    """The engine class of a server URL (one with a client pool library), else InputError."""
    from dbdesign import engines
    from dbdesign.errors import InputError
    cls = engines.connect(url).__class__  # the class only: nothing is opened or created
    if getattr(cls, "pool_library", "") not in POOL_LIBRARIES:
        raise InputError(f"pool bench needs a server URL (postgresql://... or mysql://...), "
                         f"not {cls.label}: an embedded database has no connection pool")
    return cls


@contextmanager
def open_pool(url: str, size: int, timeout: float = 30.0, max_lifetime: float | None = None,
              check: bool = False) -> Iterator[PsycopgPool | QueuePoolClient]:
    """A fixed-size pool of the client library the engine of `url` is measured with."""
    cls = server_engine(url)
    lib = POOL_LIBRARIES[cls.pool_library]
    kw = {"scheme": cls.sqlalchemy_scheme} if lib is QueuePoolClient else {}
    pool = lib(url, size, timeout=timeout, max_lifetime=max_lifetime, check=check, **kw)
    try:
        yield pool
    finally:
        pool.close()


def sweep(url: str, mix: list[tuple[str, dict]], sizes: list[int], concurrencies: list[int],
          seconds: float = 1.0, rounds: int = 1) -> list[Cell]:
    """Every (pool size, concurrency) cell on one database. With `rounds` > 1 the sizes are
    measured in turn that many times and each cell keeps its best round (and every round's
    throughput and p99, the measured noise), so a few seconds of a busy machine do not decide
    which pool size wins. Each size's pool is opened and warmed once and stays open across
    the rounds: the rounds repeat the measurement, not the connecting."""
    name = server_engine(url).name
    best: dict[tuple[int, int], Cell] = {}
    with ExitStack() as stack:
        pools = {}
        for size in sizes:
            pools[size] = pool = stack.enter_context(open_pool(url, size))
            with holding(pool, size):  # open every connection now (QueuePool opens lazily) ...
                pass
            run_cell(name, pool.borrow, mix, size, 1, min(0.2, seconds))  # ... and warm the caches
        for _ in range(rounds):
            for size, pool in pools.items():
                for c in concurrencies:
                    cell = run_cell(name, pool.borrow, mix, size, c, seconds)
                    old = best.get((size, c))
                    if old is None or cell.throughput > old.throughput:
                        best[(size, c)] = cell
                    best[(size, c)].rounds_throughput = (old.rounds_throughput if old else []) + [cell.throughput]
                    best[(size, c)].rounds_p99_ms = (old.rounds_p99_ms if old else []) + [cell.p99_ms]
    return [best[k] for k in sorted(best)]


def default_sizes(cores: int | None = None) -> list[int]:
    """1, then cores .. 4 x cores, plus the HikariCP recommendation."""
    import os

    from dbdesign.generate.pool import recommend
    cores = cores or os.cpu_count() or 2
    return sorted({1, cores, 2 * cores, 3 * cores, 4 * cores, recommend(db_cores=cores).max_size})


def _noise(row: list[Cell]) -> float:
    """The median over cells of (max - min) / max of their rounds' throughput: how far the
    same cell moved from round to round on this machine (0 with one round)."""
    spreads = sorted((max(c.rounds_throughput) - min(c.rounds_throughput)) / max(c.rounds_throughput)
                     for c in row if len(c.rounds_throughput) > 1 and max(c.rounds_throughput) > 0)
    return spreads[len(spreads) // 2] if spreads else 0.0


def plateau(cells: list[Cell], concurrency: int, tolerance: float = TOLERANCE) -> dict[str, Any]:
    """At one concurrency: the best throughput and the pool sizes within `tolerance` of it
    (the plateau), with the round-to-round noise beside it. When the noise exceeds the
    tolerance, sizes on and just off the plateau cannot be told apart on this machine: more
    rounds or longer cells are needed before reading much into the edge."""
    row = [c for c in cells if c.concurrency == concurrency]
    if not row:
        raise ValueError(f"no measured cell at {concurrency} clients")
    best = max(c.throughput for c in row)
    return {"concurrency": concurrency, "best": best, "tolerance": tolerance, "noise": round(_noise(row), 3),
            "sizes": sorted(c.pool_size for c in row if c.throughput >= best * (1 - tolerance))}


RULE = ("the smallest pool size whose throughput at {clients} clients is within {tol:.0%} of the best "
        "measured, and whose p99 latency is no worse than the best cell's beyond that cell's own "
        "spread (its worst round, or +{tol:.0%}, whichever is wider)")


def recommend_size(cells: list[Cell], concurrency: int, tolerance: float = TOLERANCE) -> dict[str, Any]:
    """The pool size read off a measured sweep at `concurrency` clients.

    Best cell: the highest throughput among cells without errors (ties: lower p99, then the
    smaller size). Candidates: error-free cells with throughput >= best x (1 - `tolerance`)
    - the plateau - and p99 <= the best cell's p99 limit, max(its p99 x (1 + `tolerance`),
    the worst p99 of its own rounds). The recommendation is the smallest candidate: every
    size on the plateau serves the load as well as the best within the tolerance, and each
    connection beyond that costs server memory and a share of `max_connections` without
    adding throughput. The best cell is always a candidate, so there is always an answer,
    and it is on the plateau by construction. When the round-to-round noise exceeds the
    tolerance (`noise_exceeds_tolerance`), the sizes at the plateau's edge are within the
    noise of each other: measure more rounds before configuring the result."""
    row = [c for c in cells if c.concurrency == concurrency]
    clean = [c for c in row if c.errors == 0 and c.ops > 0]
    if not clean:
        raise ValueError(f"no error-free cell at {concurrency} clients: nothing to recommend from")
    best = sorted(clean, key=lambda c: (-c.throughput, c.p99_ms, c.pool_size))[0]
    p99_limit = max(best.p99_ms * (1 + tolerance), max(best.rounds_p99_ms or [best.p99_ms]))
    on_plateau = sorted((c for c in clean if c.throughput >= best.throughput * (1 - tolerance)),
                        key=lambda c: c.pool_size)
    candidates = [c for c in on_plateau if c.p99_ms <= p99_limit]
    pick = candidates[0]
    return {"size": pick.pool_size, "concurrency": concurrency, "throughput": pick.throughput,
            "p99_ms": pick.p99_ms, "best_size": best.pool_size, "best_throughput": best.throughput,
            "best_p99_ms": best.p99_ms, "p99_limit_ms": round(p99_limit, 3), "tolerance": tolerance,
            "plateau_sizes": [c.pool_size for c in on_plateau],
            "p99_excluded": [c.pool_size for c in on_plateau if c.p99_ms > p99_limit],
            "errored_sizes": sorted(c.pool_size for c in row if c.errors or not c.ops),
            "noise": round(_noise(row), 3), "noise_exceeds_tolerance": _noise(row) > tolerance,
            "rule": RULE.format(clients=concurrency, tol=tolerance)}

# -- failure modes, on any server engine through its pool library -----------------------------
def _describe(err: BaseException) -> str:
    """`Type: first line` of an error, as a client's log would show it."""
    return f"{type(err).__name__}: {(str(err).strip().splitlines() or [''])[0]}"


def exhaustion(url: str, size: int = 2, clients: int = 6, hold_s: float = 0.5, timeout_s: float = 0.2) -> dict[str, Any]:
    """`clients` threads each hold a connection for `hold_s` (the engine's sleep) from a pool
    of `size` with an acquire timeout of `timeout_s`: the ones that do not get a connection
    in time get the pool library's timeout error (psycopg_pool's PoolTimeout, SQLAlchemy's
    TimeoutError) - what a request handler sees and must turn into a 503."""
    sleep = server_engine(url).SLEEP.format(seconds=float(hold_s))
    out: list[str] = []
    lock = threading.Lock()
    with open_pool(url, size, timeout=timeout_s) as pool:
        gate = threading.Barrier(clients)

        def client() -> None:
            gate.wait()
            try:
                pool.query(sleep)
                res = "ok"
            except pool.timeout_error as err:
                res = _describe(err)
            with lock:
                out.append(res)
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    timeouts = [r for r in out if r != "ok"]
    return {"library": pool.library, "pool_size": size, "clients": clients, "ok": out.count("ok"),
            "timeouts": len(timeouts), "error": timeouts[0] if timeouts else None}


@contextmanager
def holding(pool, size: int) -> Iterator[list]:
    """`size` DB-API connections of `pool`, all checked out at once - so each is a different
    connection, and a pool that opens connections lazily (QueuePool) opens them here rather
    than inside a timed cell."""
    with ExitStack() as stack:
        yield [stack.enter_context(pool.borrow()) for _ in range(size)]


def pooled_session_ids(pool, size: int, session_id_sql: str) -> list[int]:
    """The server session ids of a pool's `size` connections, each asked while all are held."""
    ids = []
    with holding(pool, size) as conns:
        for conn in conns:
            cur = conn.cursor()
            cur.execute(session_id_sql)
            ids.append(int(cur.fetchone()[0]))
            cur.close()
    return ids


def recovery(url: str, admin_url: str, size: int = 4, check: bool = False) -> dict[str, Any]:
    """The server kills every connection of a pool of `size` (the engine's `kill_session`:
    `pg_terminate_backend`, MariaDB's `KILL CONNECTION`), then the application runs
    `size * 2` queries. Without a check the pool hands out dead connections and clients get
    errors (psycopg_pool: one per dead connection; SQLAlchemy: one, after which it
    invalidates the whole pool); with the check (psycopg_pool's `check_connection`,
    SQLAlchemy's `pool_pre_ping`) the pool replaces them before handing them out - and a
    request can wait meanwhile: psycopg_pool 3.3 sleeps with backoff (1, 2, 4 s) after each
    dead connection its check finds, so `slowest_ms` is what the unluckiest request waited."""
    from dbdesign import engines
    cls = server_engine(url)
    errors, ok, first, slowest = 0, 0, None, 0.0
    with open_pool(url, size, check=check) as pool:
        log = logging.getLogger(pool.logger)  # logs every dead connection it discards: counted here
        level = log.level
        log.setLevel(logging.CRITICAL)
        try:
            ids = pooled_session_ids(pool, size, cls.SESSION_ID)
            with engines.connect(admin_url) as admin:
                killed = sum(admin.kill_session(i) for i in ids)
            time.sleep(0.2)
            for _ in range(size * 2):
                t0 = time.perf_counter()
                try:
                    pool.query("SELECT 1")
                    ok += 1
                except pool.errors as err:
                    errors += 1
                    first = first or _describe(err)
                slowest = max(slowest, time.perf_counter() - t0)
        finally:
            log.setLevel(level)
    return {"library": pool.library, "check": check, "killed": killed, "queries": size * 2, "ok": ok,
            "errors": errors, "error": first, "slowest_ms": round(slowest * 1000, 1)}


def rotation(url: str, size: int = 2, max_lifetime_s: float | None = 1.0, run_s: float = 3.0) -> dict[str, Any]:
    """One client queries its session id every 20 ms for `run_s`. With a maximum connection
    lifetime (psycopg_pool's `max_lifetime`, SQLAlchemy's `pool_recycle`) the pool closes
    connections older than it and opens new ones, so more distinct server sessions appear
    than the pool holds; with `max_lifetime_s=None` at most `size` do."""
    session_id = server_engine(url).SESSION_ID
    ids = set()
    with open_pool(url, size, max_lifetime=max_lifetime_s) as pool:
        end = time.perf_counter() + run_s
        while time.perf_counter() < end:
            ids.add(pool.query(session_id)[0][0])
            time.sleep(0.02)
    return {"library": pool.library, "pool_size": size, "max_lifetime_s": max_lifetime_s, "seconds": run_s,
            "distinct_sessions": len(ids)}


def failure_modes(url: str) -> dict[str, Any]:
    """Exhaustion, recovery without and with a check, and rotation on one database. The
    three run at once, each on its own pool: they wait on sleeps and timeouts, not on the
    CPU. The two recoveries run one after the other (each silences the pool library's
    logger while it kills connections)."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(3) as ex:
        exhausted = ex.submit(exhaustion, url)
        recovered = ex.submit(lambda: (recovery(url, url, check=False), recovery(url, url, check=True)))
        rotated = ex.submit(rotation, url)
        without, with_check = recovered.result()
        return {"exhaustion": exhausted.result(), "recovery_without_check": without,
                "recovery_with_check": with_check, "rotation": rotated.result()}


def failure_modes_on(urls: dict[str, str]) -> dict[str, dict[str, Any]]:
    """`failure_modes` on several databases at once, one thread each ({name: url} ->
    {name: modes}): each server's run waits on its own sleeps and timeouts."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max(1, len(urls))) as ex:
        runs = {name: ex.submit(failure_modes, url) for name, url in urls.items()}
        return {name: run.result() for name, run in runs.items()}


def summary(cells: list[Cell]) -> str:
    """The cells as a text table; `client ops` is the least and most served client's count."""
    lines = [f"{'engine':8} {'pool':>4} {'clients':>7} {'ops/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'wait p50':>9} "
             f"{'wait p99':>9} {'client ops':>12}"]
    for c in cells:
        lines.append(f"{c.engine:8} {c.pool_size:4d} {c.concurrency:7d} {c.throughput:9.1f} {c.p50_ms:8.2f} "
                     f"{c.p99_ms:8.2f} {c.wait_p50_ms:9.2f} {c.wait_p99_ms:9.2f} "
                     f"{f'{c.client_ops_min}-{c.client_ops_max}':>12}")
    return "\n".join(lines)


def bench(schema: Schema, url: str, rows: int = 3000, sizes: list[int] | None = None,
          clients: list[int] | None = None, seconds: float = 1.0, rounds: int = 1,
          target_clients: int | None = None) -> dict[str, Any]:
    """The whole measurement on one server: generated data in a throw-away database, the
    sweep, and at `target_clients` (default: the highest concurrency measured) the plateau,
    the pool size recommended from it (`recommend_size`) and HikariCP's formula beside it."""
    from dbdesign.lab import datagen
    from dbdesign.errors import InputError
    from dbdesign.generate.pool import recommend
    cls = server_engine(url)
    sizes = sizes or default_sizes()
    clients = clients or [1, 4, 16, 64]
    target = target_clients or max(clients)
    if target not in clients:
        raise InputError(f"the target concurrency {target} is not among the measured clients "
                         f"{', '.join(map(str, clients))}; add it to --clients")
    data = datagen.generate(schema, rows, progress=False)
    with cls.throwaway(url) as eng:
        datagen.load(data, eng)
        version = eng.version()
        mix = query_mix(schema, data, cls.name)
        cells = sweep(eng.url, mix, sizes, clients, seconds, rounds)
    flat = plateau(cells, target)
    hikari = recommend()
    return {"engine": cls.name, "library": cls.pool_library, "server_version": str(version), "rows": rows,
            "queries_in_mix": len(mix), "seconds_per_cell": seconds, "rounds": rounds, "sizes": sizes,
            "clients": clients, "recommendation": recommend_size(cells, target), "plateau": flat,
            "hikaricp": {"size": hikari.max_size, "measured": hikari.max_size in sizes,
                         "on_plateau": hikari.max_size in flat["sizes"],
                         "rationale": hikari.rationale},
            "cells": [c.to_dict() for c in cells]}


def plot(cells: list[Cell], concurrency: int, recommended: int, compare: dict[str, int] | None = None,
         tolerance: float = TOLERANCE):
    """Throughput and p99 latency against pool size at one client concurrency, the plateau
    (within `tolerance` of the best) shaded, the recommended size marked, and `compare`
    ({label: size}, e.g. HikariCP's formula) as dotted lines."""
    import matplotlib.pyplot as plt
    row = sorted((c for c in cells if c.concurrency == concurrency), key=lambda c: c.pool_size)
    sizes = [c.pool_size for c in row]
    best = plateau(cells, concurrency, tolerance)["best"]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(sizes, [c.throughput for c in row], "o-", color="tab:blue", label="throughput (queries/s)")
    ax.axhspan(best * (1 - tolerance), best, color="tab:blue", alpha=0.12,
               label=f"plateau (within {tolerance:.0%} of best)")
    ax.axvline(recommended, color="tab:green", ls="--", label=f"recommended (measured): {recommended}")
    for label, size in (compare or {}).items():
        ax.axvline(size, color="tab:gray", ls=":", label=f"{label}: {size}")
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
