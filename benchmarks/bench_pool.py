"""Connection pools under concurrency on the real servers: the pool-size x client sweep
(psycopg_pool on PostgreSQL, SQLAlchemy QueuePool on MariaDB) with the access-pattern query
mix, plus pool exhaustion, recovery after pg_terminate_backend (with and without a check) and
max_lifetime rotation, and what breaks through pgbouncer. Writes data/results/pool.json.
Usage: python benchmarks/bench_pool.py [SECONDS_PER_CELL] [ROUNDS]
"""
from __future__ import annotations

import json
import os
import platform
import sys

from dbdesign import engines
from dbdesign.engines import pgbouncer
from dbdesign.lab import poolbench
from dbdesign.engines import mysql, postgres
from dbdesign.errors import EngineUnavailable
from dbdesign.schema.source import load_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    schema = load_source(os.path.join(ROOT, "migrations"))
    out: dict = {"cores": os.cpu_count(), "python": platform.python_version(), "engines": {}}
    for name in ("postgres", "mysql"):
        problem = engines.availability([name])[name]
        if problem:
            out["engines"][name] = {"skipped": problem}
            continue
        url = (postgres.DEFAULT_URL if name == "postgres" else mysql.DEFAULT_URL)
        result = poolbench.bench(schema, url, rows=3000, seconds=seconds, rounds=rounds)
        print(poolbench.summary([poolbench.Cell(**c) for c in result["cells"]]), flush=True)
        out["engines"][name] = result
    try:
        with engines.throwaway("postgres") as eng:
            out["failure_modes"] = {
                "exhaustion": poolbench.exhaustion(eng.url),
                "recovery_without_check": poolbench.recovery(eng.url, eng.url, check=False),
                "recovery_with_check": poolbench.recovery(eng.url, eng.url, check=True),
                "rotation": poolbench.rotation(eng.url)}
            with pgbouncer.running(eng.url) as bouncer:
                out["pgbouncer"] = {"version": pgbouncer.version(), "features": pgbouncer.features(bouncer)}
    except EngineUnavailable as err:
        out["failure_modes"] = {"skipped": str(err)}
    os.makedirs(os.path.join(ROOT, "data", "results"), exist_ok=True)
    path = os.path.join(ROOT, "data", "results", "pool.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=2)
    print(json.dumps({k: v for k, v in out.items() if k != "engines"}, indent=1))
    print("wrote", path)


if __name__ == "__main__":
    main()
