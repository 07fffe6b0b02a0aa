"""Write overhead of the audit triggers: rows/s with and without, same run, per engine.

`audit.measure_overhead` on each engine: one throw-away database, a warm-up batch, then five
batches of inserts and one set-based update without the triggers and five with them. Each
slowdown is the ratio of the median rates with the interval of the batches and a verdict
(`bench.judge_ratio`: "inconclusive" where the batches overlap). Writes data/results/audit.json.
Usage: python benchmarks/bench_audit.py [N_ROWS]
"""
from __future__ import annotations

import json
import os
import sys

from dbdesign.generate import audit
from dbdesign.errors import EngineUnavailable
from dbdesign.schema.source import load_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    schema = load_source(os.path.join(ROOT, "migrations"))
    results = {"rows": n, "batches": 5, "engines": {}}
    for name in ("sqlite", "duckdb", "postgres", "mysql"):
        try:
            r = audit.measure_overhead(name, schema, n, repeat=5)
        except EngineUnavailable as err:
            results["engines"][name] = {"skipped": str(err)}
            continue
        results["engines"][name] = {**r, "insert_slowdown": r["insert slowdown"],
                                    "update_slowdown": r["update slowdown"]}
        print(name, r["insert"], "insert;", r["update"], "update")
    out = os.path.join(ROOT, "data", "results", "audit.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=2)
    print("->", out)


if __name__ == "__main__":
    main()
