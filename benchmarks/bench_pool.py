"""Connection pools under concurrency on the real servers: the pool-size x client sweep
(psycopg_pool on PostgreSQL, SQLAlchemy QueuePool on MariaDB) with the access-pattern query
mix, the pool size recommended from it (the smallest on the measured plateau) beside
HikariCP's formula, then on each server pool exhaustion, recovery after the server kills the
pool's connections (with and without a check) and maximum-lifetime rotation, and what breaks
through pgbouncer. Writes data/results/pool.json.
Usage: python benchmarks/bench_pool.py [SECONDS_PER_CELL] [ROUNDS] [TARGET_CLIENTS]
"""
from __future__ import annotations

import json
import os
import platform
import sys

from dbdesign import engines
from dbdesign.engines import pgbouncer
from dbdesign.lab import poolbench
from dbdesign.schema.source import load_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    target = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    schema = load_source(os.path.join(ROOT, "migrations"))
    out: dict = {"cores": os.cpu_count(), "python": platform.python_version(),
                 "load_average_before": os.getloadavg(), "engines": {}}
    for name in engines.SERVERS:
        problem = engines.availability([name])[name]
        if problem:
            out["engines"][name] = {"skipped": problem}
            continue
        result = poolbench.bench(schema, engines.server_url(name), rows=3000, seconds=seconds, rounds=rounds,
                                 target_clients=target)
        print(poolbench.summary([poolbench.Cell(**c) for c in result["cells"]]), flush=True)
        print(json.dumps({k: result[k] for k in ("recommendation", "hikaricp")}), flush=True)
        with engines.throwaway(name) as eng:
            result["failure_modes"] = poolbench.failure_modes(eng.url)
        out["engines"][name] = result
    if "postgres" in engines.available(["postgres"]) and pgbouncer.binary():  # pgbouncer fronts PostgreSQL
        with engines.throwaway("postgres") as eng, pgbouncer.running(eng.url) as bouncer:
            out["pgbouncer"] = {"version": pgbouncer.version(), "features": pgbouncer.features(bouncer)}
    out["load_average_after"] = os.getloadavg()
    os.makedirs(os.path.join(ROOT, "data", "results"), exist_ok=True)
    path = os.path.join(ROOT, "data", "results", "pool.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=2)
    print(json.dumps({k: v.get("failure_modes", v) for k, v in out["engines"].items()}, indent=1))
    print("wrote", path)


if __name__ == "__main__":
    main()
