"""Connection-pool settings: derived, rendered per client library, and measured.

The seed's gate asks for "Connection pooling configured: pool size, timeouts set" and its
outputs for an "ORM configuration". The sizing rule is HikariCP's ("About Pool Sizing"):
connections ~ cores x 2 + effective spindles, per database server, shared by every application
instance - so each instance gets its share, and the sum must stay below the server's
`max_connections` minus what administrators and migrations need. More connections than that
only queue inside the database instead of in the pool.
"""
from __future__ import annotations

import os
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import InputError


@dataclass
class PoolSettings:
    """Pool settings for one application instance."""
    max_size: int
    min_size: int
    connect_timeout_s: float = 5.0  # give up opening a connection
    acquire_timeout_s: float = 10.0  # wait for a free connection before failing the request
    idle_timeout_s: float = 300.0  # close connections idle this long (down to min_size)
    max_lifetime_s: float = 1800.0  # recycle: picks up failovers / config changes
    statement_timeout_ms: int = 30_000  # a runaway query cannot hold a connection forever
    rationale: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def recommend(db_cores: int | None = None, spindles: int = 1, app_instances: int = 1,
              server_max_connections: int = 100, reserved: int = 5) -> PoolSettings:
    """Per-instance pool size from the database server's cores (HikariCP's rule), capped so
    that all instances together stay under `server_max_connections - reserved`."""
    if app_instances < 1 or spindles < 0 or server_max_connections < 1:
        raise InputError("app_instances >= 1, spindles >= 0 and server_max_connections >= 1 please")
    cores = db_cores or os.cpu_count() or 2
    total = cores * 2 + spindles
    budget = server_max_connections - reserved
    if budget < app_instances:
        raise InputError(f"max_connections={server_max_connections} minus {reserved} reserved leaves "
                         f"fewer connections than the {app_instances} application instances; raise "
                         "max_connections or put pgbouncer in front")
    why = [f"HikariCP rule: {cores} cores x 2 + {spindles} spindle(s) = {total} connections for the server"]
    if total > budget:
        why.append(f"capped at max_connections {server_max_connections} - {reserved} reserved = {budget}")
        total = budget
    per = max(1, total // app_instances)
    why.append(f"shared by {app_instances} instance(s): {per} each")
    return PoolSettings(max_size=per, min_size=max(1, per // 4), rationale=why)


def render(settings: PoolSettings, target: str, url: str = "postgresql://app@db:5432/app") -> str:
    """The settings as code for `target`: psycopg_pool | sqlalchemy | node-pg."""
    s = settings
    if target == "psycopg_pool":
        return (f"from psycopg_pool import ConnectionPool\n\n"
                f"pool = ConnectionPool(\n    {url!r},\n    min_size={s.min_size}, max_size={s.max_size},\n"
                f"    timeout={s.acquire_timeout_s},  # seconds to wait for a free connection\n"
                f"    max_idle={s.idle_timeout_s}, max_lifetime={s.max_lifetime_s},\n"
                f"    kwargs={{'connect_timeout': {int(s.connect_timeout_s)}, "
                f"'options': '-c statement_timeout={s.statement_timeout_ms}'}},\n)\n")
    if target == "sqlalchemy":
        return (f"from sqlalchemy import create_engine\n\n"
                f"engine = create_engine(\n    {url.replace('postgresql://', 'postgresql+psycopg://', 1)!r},\n"
                f"    pool_size={s.min_size}, max_overflow={s.max_size - s.min_size},  # max {s.max_size}\n"
                f"    pool_timeout={s.acquire_timeout_s}, pool_recycle={int(s.max_lifetime_s)},\n"
                f"    pool_pre_ping=True,  # drop dead connections before use\n"
                f"    connect_args={{'connect_timeout': {int(s.connect_timeout_s)}, "
                f"'options': '-c statement_timeout={s.statement_timeout_ms}'}},\n)\n")
    if target == "node-pg":
        return ("const { Pool } = require('pg');\n\n"
                f"const pool = new Pool({{\n  connectionString: '{url}',\n  max: {s.max_size},\n"
                f"  idleTimeoutMillis: {int(s.idle_timeout_s * 1000)},\n"
                f"  connectionTimeoutMillis: {int(s.connect_timeout_s * 1000)},\n"
                f"  statement_timeout: {s.statement_timeout_ms},\n"
                f"  maxLifetimeSeconds: {int(s.max_lifetime_s)},\n}});\n")
    raise InputError(f"unknown pool target {target!r}; choose psycopg_pool, sqlalchemy or node-pg")


def server_max_connections(engine) -> int:
    """The server's connection limit (PostgreSQL `max_connections`, MariaDB `max_connections`)."""
    if engine.name == "postgres":
        return int(engine.query("SHOW max_connections")[0][0])
    if engine.name == "mysql":
        return int(engine.query("SELECT @@max_connections")[0][0])
    raise InputError(f"{engine.name} is embedded: no server connection limit, no pool needed")


def measure_connect_vs_pool(url: str, n: int = 30) -> dict[str, float]:
    """Median milliseconds of `SELECT 1` on PostgreSQL: a new connection each time vs a
    connection borrowed from psycopg_pool. For notebooks and benchmarks, not for assertions."""
    import psycopg
    from psycopg_pool import ConnectionPool

    def med(samples: list[float]) -> float:
        return round(statistics.median(samples) * 1000, 3)

    fresh = []
    for _ in range(n):
        t = time.perf_counter()
        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("SELECT 1").fetchone()
        fresh.append(time.perf_counter() - t)
    pooled = []
    with ConnectionPool(url, min_size=2, max_size=2, open=True) as pool:
        pool.wait()
        for _ in range(n):
            t = time.perf_counter()
            with pool.connection() as conn:
                conn.execute("SELECT 1").fetchone()
            pooled.append(time.perf_counter() - t)
    return {"new_connection_ms": med(fresh), "pooled_ms": med(pooled),
            "ratio": round(med(fresh) / max(med(pooled), 1e-6), 1), "n": n}
