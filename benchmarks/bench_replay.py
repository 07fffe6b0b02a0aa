"""Replay rate per corpus schema: each real schema of `../shared/corpus` (SOURCES.md) read
unedited, its DDL rendered for PostgreSQL, MariaDB, SQLite and DuckDB, run on the real engine
in a throw-away database, read back and diffed (`dbdesign.replay`); plus lint findings per rule
(the false-alarm radar). Writes data/results/replay.json; prints one line per schema x engine.

Replay rate = replays that execute / replays tried; round trip = executed with an empty diff.
Engines that cannot be reached are listed as skipped, not counted.
Run: .venv/bin/python benchmarks/bench_replay.py [--case pagila] [--engine postgres ...]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "lib"))
sys.path.insert(0, str(REPO / "tests"))

from corpus_load import CASES, CORPUS, parse_case  # noqa: E402

from dbdesign.errors import EngineUnavailable  # noqa: E402
from dbdesign.lint import lint  # noqa: E402
from dbdesign.replay import replay  # noqa: E402

ENGINES = ("postgres", "mysql", "sqlite", "duckdb")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", action="append", help="substring of a corpus path (repeatable)")
    ap.add_argument("--engine", action="append", choices=ENGINES)
    ap.add_argument("--out", default=str(REPO / "data" / "results" / "replay.json"))
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not here: {CORPUS}", file=sys.stderr)
        return 2
    engines = args.engine or list(ENGINES)
    rows, skipped = [], []
    for case in CASES:
        if args.case and not any(c in case.path for c in args.case):
            continue
        t0 = time.perf_counter()
        schema = parse_case(case)
        parse_s = time.perf_counter() - t0
        findings = Counter(f.rule for f in lint(schema).findings)
        for engine in engines:
            t0 = time.perf_counter()
            try:
                r = replay(schema, engine)
            except EngineUnavailable as err:
                skipped.append({"case": case.path, "engine": engine, "reason": str(err)})
                continue
            row = {"case": case.path, "read": case.read, "engine": engine,
                   "same_engine": engine == case.read, "tables": len(schema.tables),
                   "statements": r.statements, "executed": r.executed,
                   "round_trip_empty": r.round_trip_empty, "diff": len(r.diff),
                   "notes": r.notes, "note_features": r.note_features,
                   "error": r.error.splitlines()[0] if r.error else None,
                   "parse_s": round(parse_s, 3), "replay_s": round(time.perf_counter() - t0, 3),
                   "findings_per_rule": dict(sorted(findings.items()))}
            rows.append(row)
            print(f"{case.path:32} {engine:8} executes={'yes' if r.executed else 'NO ':3} "
                  f"round-trip-empty={'yes' if r.round_trip_empty else 'no ':3} diff={len(r.diff):3} "
                  f"notes={r.notes:4} {row['error'] or ''}"[:220])
    tried = len(rows)
    summary = {"replays": tried, "executed": sum(r["executed"] for r in rows),
               "round_trip_empty": sum(r["round_trip_empty"] for r in rows),
               "replay_rate": round(sum(r["executed"] for r in rows) / tried, 3) if tried else None}
    print(f"replay rate {summary['executed']}/{tried}, empty round trips "
          f"{summary['round_trip_empty']}/{tried}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "rows": rows, "skipped": skipped}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
