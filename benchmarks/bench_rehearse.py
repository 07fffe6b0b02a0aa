"""Benchmark: the lock rehearsal at review scale - how long writes are blocked by a plain
CREATE INDEX vs CREATE INDEX CONCURRENTLY (and the other fixture migrations) on PostgreSQL and
MariaDB with 1M rows (`--rows N` to change it).

Writes data/results/rehearse.json: per engine and migration the blocked-write ms, duration,
p99 write latency, refusals, locks seen and the rule that predicted the block. Chapter 03
charts it next to its own small-scale run."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "lib"))

from dbdesign import engines  # noqa: E402
from dbdesign.migrate.rehearse import rehearse  # noqa: E402

FOLDER = REPO / "tests" / "fixtures" / "migrations_rehearsal"


def main(rows: int, names: list[str]) -> dict:
    out = {"benchmark": "lock rehearsal (tests/fixtures/migrations_rehearsal)", "rows": rows, "engines": {}}
    for name in names:
        problem = engines.availability([name])[name]
        if problem:
            out["engines"][name] = {"skipped": problem}
            continue
        t0 = time.perf_counter()
        result = rehearse(str(FOLDER), engines.server_url(name), rows,
                          on_step=lambda msg: print(f"{name}: {msg}", file=sys.stderr))
        out["engines"][name] = {**result.to_dict(), "total_s": round(time.perf_counter() - t0, 1)}
        print(result.format_text(), file=sys.stderr)
    path = REPO / "data" / "results" / "rehearse.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, default=str))
    print(path)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engine", action="append", choices=["postgres", "mysql"])
    args = parser.parse_args()
    main(args.rows, args.engine or ["postgres", "mysql"])
