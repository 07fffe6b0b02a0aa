"""Parse + lint benchmark: a 500-table synthetic schema as DDL text (quality bar: < 2 s).

Generates the schema with `dbdesign.schema.synth.synthetic_ddl` (deterministic), then times
parse_sql + lint together, `--repeat` times (default 5), and writes
data/results/parse_lint.json with the median, min, max, the split between parse and lint, and
the finding counts (so a change that makes the lint fast by finding nothing shows up).
Run: .venv/bin/python benchmarks/bench_parse_lint.py [--tables 500] [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "lib"))

import sqlglot  # noqa: E402

from dbdesign.config import Config  # noqa: E402
from dbdesign.checks.lint import lint  # noqa: E402
from dbdesign.schema.parse import parse_sql  # noqa: E402
from dbdesign.schema.synth import synthetic_ddl  # noqa: E402

TARGET_SECONDS = 2.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", default=str(REPO / "data" / "results" / "parse_lint.json"))
    args = ap.parse_args()

    ddl = synthetic_ddl(args.tables, args.seed)
    runs = []
    for _ in range(args.repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        schema = parse_sql(ddl, "synthetic.sql")
        t1 = time.perf_counter()
        result = lint(schema, Config())
        t2, c2 = time.perf_counter(), time.process_time()
        runs.append({"parse_s": t1 - t0, "lint_s": t2 - t1, "total_s": t2 - t0, "cpu_s": c2 - c0})

    totals = [r["total_s"] for r in runs]
    median = statistics.median(totals)
    by_rule = Counter(f.rule for f in result.findings)
    out = {
        "benchmark": "parse_lint",
        "tables": len(schema.tables),
        "indexes": sum(len(t.indexes) for t in schema.tables.values()),
        "foreign_keys": sum(len(t.foreign_keys) for t in schema.tables.values()),
        "ddl_lines": ddl.count("\n") + 1,
        "repeat": args.repeat,
        "median_s": round(median, 4),
        "min_s": round(min(totals), 4),
        "max_s": round(max(totals), 4),
        "median_parse_s": round(statistics.median(r["parse_s"] for r in runs), 4),
        "median_lint_s": round(statistics.median(r["lint_s"] for r in runs), 4),
        # CPU seconds of this process: the wall clock also counts other work on a shared machine
        "median_cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 4),
        "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "cpus": os.cpu_count(),
        "target_s": TARGET_SECONDS,
        "meets_target": median < TARGET_SECONDS,
        "findings": len(result.findings),
        "findings_by_rule": dict(sorted(by_rule.items())),
        "python": platform.python_version(),
        "sqlglot": sqlglot.__version__,
        "machine": platform.machine(),
    }
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps({k: out[k] for k in ("tables", "median_s", "median_parse_s", "median_lint_s",
                                           "median_cpu_s", "load_average_1m", "target_s",
                                           "meets_target", "findings")}))
    return 0 if out["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
