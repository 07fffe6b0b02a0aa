"""Benchmark: `migrate up` of the example migrations on SQLite (target < 1 s), cold and warm,
and `verify` of the example across SQLite + DuckDB (target < 15 s).

Writes data/results/migrate.json. Cold = a fresh Migrator (reads, parses and renders the folder)
plus applying; apply-only = rendering done beforehand, to show where the time goes. `verify`
is timed end to end (throw-away databases, every check of every migration, introspection)."""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "lib"))

from dbdesign import engines  # noqa: E402
from dbdesign.migrate.runner import Migrator  # noqa: E402
from dbdesign.migrate.verify import verify  # noqa: E402


def run_once(name: str) -> dict:
    with engines.throwaway(name) as eng:
        t0 = time.perf_counter()
        m = Migrator(str(REPO / "migrations"), eng)
        for mig in m.migrations:
            m.steps(mig, "up")
        t1 = time.perf_counter()
        applied = m.up().versions
        t2 = time.perf_counter()
        noop = m.up().versions
        t3 = time.perf_counter()
    return {"render_s": t1 - t0, "apply_s": t2 - t1, "total_s": t2 - t0, "noop_s": t3 - t2,
            "applied": len(applied), "noop_applied": len(noop)}


def verify_once() -> dict:
    t0 = time.perf_counter()
    r = verify(str(REPO / "migrations"), engines=("sqlite", "duckdb"))
    return {"total_s": time.perf_counter() - t0, "ok": r.ok, "checks": len(r.checks),
            "findings": len(r.findings), **{f"{k}_s": v for k, v in r.seconds.items()}}


def main(repeats: int = 5, verify_repeats: int = 3) -> dict:
    results = {}
    for name in ("sqlite", "duckdb"):
        runs = [run_once(name) for _ in range(repeats)]
        results[name] = {k: round(statistics.median(r[k] for r in runs), 4) for k in runs[0]}
    vruns = [verify_once() for _ in range(verify_repeats)]
    ver = {k: (round(statistics.median(r[k] for r in vruns), 3) if k.endswith("_s") else vruns[0][k])
           for k in vruns[0]}
    count = len(list((REPO / "migrations").glob("*.up.sql")))
    out = {"benchmark": f"migrate up and verify (example, {count} migrations)", "repeats": repeats,
           "target_sqlite_up_s": 1.0, "sqlite_up_within_target": results["sqlite"]["total_s"] < 1.0,
           "engines": results,
           "verify": {"engines": ["sqlite", "duckdb"], "repeats": verify_repeats, "target_s": 15.0,
                      "within_target": ver["total_s"] < 15.0, **ver}}
    path = REPO / "data" / "results" / "migrate.json"
    os.makedirs(path.parent, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
