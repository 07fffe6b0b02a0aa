"""ERD benchmark: a 300-table synthetic schema -> clustered SVG (quality bar: < 10 s, clusters <= 40).

Writes data/results/erd.json with the timings, cluster count, max cluster size and how well the
connectivity clusters recover the generator's modules (share of tables in their cluster's main
prefix). Run: .venv/bin/python benchmarks/bench_erd.py [--tables 300] [--seed 0] [--svg out.svg]
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "lib"))

from dbdesign.review import erd  # noqa: E402
from dbdesign.schema.parse import parse_sql  # noqa: E402
from dbdesign.schema.synth import synthetic_ddl  # noqa: E402

TARGET_SECONDS = 10.0


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--svg", help="also write the SVG here")
    ap.add_argument("--out", default=str(REPO / "data" / "results" / "erd.json"))
    args = ap.parse_args()

    ddl, t_gen = _timed(synthetic_ddl, args.tables, args.seed)
    schema, t_parse = _timed(parse_sql, ddl)
    groups, t_cluster = _timed(erd.clusters, schema)
    prefix_groups = erd.clusters(schema, method="prefix")
    svg, t_svg = _timed(erd.to_svg, schema)  # cluster="auto": clustered past 40 tables
    svg_compact, t_svg_compact = _timed(erd.to_svg, schema, compact=True)
    _, t_mermaid = _timed(erd.to_mermaid, schema)
    _, t_dbml = _timed(erd.to_dbml, schema)
    agree = sum(max(Counter(t.split("_")[0] for t in g).values()) for g in groups)
    dot_version = subprocess.run(["dot", "-V"], capture_output=True, text=True).stderr.strip()

    result = {
        "tables": len(schema.tables),
        "foreign_keys": sum(len(t.foreign_keys) for t in schema.tables.values()),
        "seed": args.seed,
        "seconds": {"generate_ddl": round(t_gen, 3), "parse": round(t_parse, 3),
                    "cluster": round(t_cluster, 3), "svg_clustered": round(t_svg, 3),
                    "svg_clustered_compact": round(t_svg_compact, 3),
                    "mermaid": round(t_mermaid, 3), "dbml": round(t_dbml, 3)},
        "svg_bytes": len(svg.encode()),
        "svg_compact_bytes": len(svg_compact.encode()),
        "cluster_count": len(groups),
        "max_cluster_size": max(len(g) for g in groups),
        "cluster_sizes": [len(g) for g in groups],
        "cluster_module_agreement": round(agree / len(schema.tables), 3),
        "prefix_cluster_count": len(prefix_groups),
        "prefix_max_cluster_size": max(len(g) for g in prefix_groups),
        "target_seconds": TARGET_SECONDS,
        "meets_target": t_svg < TARGET_SECONDS and max(len(g) for g in groups) <= 40,
        "graphviz": dot_version,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.svg:
        Path(args.svg).write_text(svg, encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0 if result["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
