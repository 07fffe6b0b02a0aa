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

from dbdesign.errors import InputError


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
    """The settings as code for `target`: psycopg_pool | sqlalchemy | node-pg, or as the
    `[pool]` section of dbdesign.toml (`toml`)."""
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
                f"    # fixed size (HikariCP's advice): SQLAlchemy closes 'overflow' connections on\n"
                f"    # return, so overflow would mean a new connection per request under load\n"
                f"    pool_size={s.max_size}, max_overflow=0,\n"
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
    if target == "toml":
        why = "".join(f"# {line}\n" for line in s.rationale)
        return (f"[pool]\n{why}max_size = {s.max_size}\nmin_size = {s.min_size}\n"
                f"connect_timeout = {_num(s.connect_timeout_s)}  # seconds\n"
                f"acquire_timeout = {_num(s.acquire_timeout_s)}  # seconds\n"
                f"idle_timeout = {_num(s.idle_timeout_s)}  # seconds\n"
                f"max_lifetime = {_num(s.max_lifetime_s)}  # seconds\n"
                f"statement_timeout_ms = {s.statement_timeout_ms}\n")
    raise InputError(f"unknown pool target {target!r}; choose psycopg_pool, sqlalchemy, node-pg or toml")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# `[pool]` keys in dbdesign.toml -> PoolSettings fields (timeouts in seconds, as people write them)
CONFIG_KEYS = {"max_size": "max_size", "min_size": "min_size", "connect_timeout": "connect_timeout_s",
               "acquire_timeout": "acquire_timeout_s", "idle_timeout": "idle_timeout_s",
               "max_lifetime": "max_lifetime_s", "statement_timeout_ms": "statement_timeout_ms"}
REQUIRED_CONFIG_KEYS = ("max_size", "connect_timeout", "idle_timeout")  # what the gate asks for


def from_config(section: dict[str, Any], file: str | None = None) -> PoolSettings:
    """PoolSettings from a `[pool]` table of dbdesign.toml. Unknown keys, missing required
    keys and non-positive numbers are InputErrors naming the key and the fix."""
    if not isinstance(section, dict):
        raise InputError("`pool` must be a table ([pool]) with max_size, connect_timeout and idle_timeout", file)
    unknown = sorted(set(section) - set(CONFIG_KEYS))
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r} in [pool]; known: {', '.join(CONFIG_KEYS)}", file)
    missing = [k for k in REQUIRED_CONFIG_KEYS if k not in section]
    if missing:
        raise InputError(f"[pool] lacks {', '.join(missing)}; `python -m dbdesign.generate.pool` prints a "
                         "recommended section", file)
    for k, v in section.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
            raise InputError(f"[pool] {k} must be a positive number, not {v!r}", file)
    max_size = int(section["max_size"])
    min_size = int(section.get("min_size", max(1, max_size // 4)))
    if min_size > max_size:
        raise InputError(f"[pool] min_size {min_size} is larger than max_size {max_size}", file)
    kwargs = {CONFIG_KEYS[k]: v for k, v in section.items() if k not in ("max_size", "min_size")}
    return PoolSettings(max_size=max_size, min_size=min_size, rationale=["from dbdesign.toml [pool]"], **kwargs)


def configured(config: Any) -> PoolSettings | None:
    """The `[pool]` settings of a loaded dbdesign.toml (`Config.pool`, or the raw section kept
    in `Config.extra` by a config reader that does not know it), None when there is none."""
    section = getattr(config, "pool", None)
    if section is None:
        section = (getattr(config, "extra", None) or {}).get("pool")
    if section is None:
        return None
    if isinstance(section, PoolSettings):
        return section
    return from_config(section, getattr(config, "path", None))


def server_max_connections(engine) -> int:
    """The server's connection limit (the engine's `MAX_CONNECTIONS` query)."""
    query = getattr(engine, "MAX_CONNECTIONS", "")
    if not query:
        raise InputError(f"{engine.name} is embedded: no server connection limit, no pool needed")
    return int(engine.query(query)[0][0])


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


def _main() -> None:
    import click

    @click.command(name="python -m dbdesign.generate.pool")
    @click.argument("db_cores", type=click.IntRange(1), required=False)
    @click.argument("app_instances", type=click.IntRange(1), default=1)
    @click.argument("max_connections", type=click.IntRange(1), default=100)
    def main(db_cores, app_instances, max_connections) -> None:
        """Print a recommended [pool] section for dbdesign.toml."""
        click.echo(render(recommend(db_cores=db_cores, app_instances=app_instances,
                                    server_max_connections=max_connections), "toml"), nl=False)
    try:
        main(standalone_mode=False)
    except click.ClickException as err:  # bad input: one line, exit 2
        click.echo(f"python -m dbdesign.generate.pool: {err.format_message()}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    _main()
