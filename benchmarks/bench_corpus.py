"""Reading real schemas: per-corpus-file parse rate, skipped-statement kinds and lint findings
per rule (the false-alarm radar), then lint and ddl of generated large pg_dumps (2 MB,
~1,000 tables; 50 MB) as separate processes, with wall time, CPU time and peak RSS.

The large inputs are renamed copies of corpus pg_dumps (gisia, Pagila 2024), each copy in its
own schema (`public.` -> `copy_N.`), so every statement kind of a real dump is in them, and,
at the big size, small hand-written tables with inline keys (`50MB-small-tables`, ~370 bytes a
table: the 134,718-table shape the hardening issue first measured).
Quality bars (issue 13/19), in CPU seconds (the machine is shared; each run records the load
average): lint of the 2 MB dump under 2 s; lint and `ddl --dialect mysql` of the 50 MB dump
under 1 GB peak RSS each, and 10x faster than first measured (3.5 min lint, 7 min MySQL ddl:
under 21 s and 42 s).
`--baseline-lib DIR` also times lint and MySQL ddl of each generated dump with another
checkout's `lib` (e.g. `git archive main lib | tar -x -C DIR`), for a before/after on the same
input and conditions (the big dump only with `--baseline-big`); with `--baseline-input FILE`,
lint of FILE too.

`--replay` also replays every corpus schema on PostgreSQL, MariaDB, SQLite and DuckDB
(`dbdesign.schema.replay`: render, run in a throw-away database, read back, diff): the replay rate
(replays that execute / replays tried) and the empty round trips per schema x engine; engines
that cannot be reached are listed as skipped, not counted. `--replay-only` skips the rest.

Run: .venv/bin/python benchmarks/bench_corpus.py [--big-mb 50] [--skip-big] [--large-only] [--replay]
Writes data/results/bench_corpus.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "lib"))
sys.path.insert(0, str(REPO / "tests"))

from corpus_load import CASES, CORPUS, original_files, parse_case  # noqa: E402
from dbdesign.config import Config  # noqa: E402
from dbdesign.checks.lint import lint  # noqa: E402
from dbdesign.schema.parse import iter_raw  # noqa: E402

DUMP_SOURCES = ("gisia-structure.sql", "pagila-schema-2024.sql")


def generated_dump(target_bytes: int, path: Path) -> dict:
    """Write renamed copies of the corpus pg_dumps until `target_bytes`; returns its facts."""
    texts = [(CORPUS / s).read_text(encoding="utf-8") for s in DUMP_SOURCES]
    size = copies = 0
    with open(path, "w", encoding="utf-8") as out:
        while size < target_bytes:
            text = texts[copies % len(texts)]
            chunk = f"CREATE SCHEMA copy_{copies};\n" + re.sub(r"\bpublic\.", f"copy_{copies}.", text)
            out.write(chunk)
            size += len(chunk.encode())
            copies += 1
    return {"bytes": size, "copies": copies}


def hand_written_dump(target_bytes: int, path: Path) -> dict:
    """Write small hand-written tables (inline keys, REFERENCES, an index; about 370 bytes a
    table, the shape of the 134,718-table file the hardening issue measured) up to
    `target_bytes`; returns its facts."""
    size = copies = 0
    with open(path, "w", encoding="utf-8") as out:
        while size < target_bytes:
            n = copies
            chunk = (
                f"CREATE TABLE s{n}_users (\n  id bigint PRIMARY KEY,\n  email varchar(255) NOT NULL UNIQUE,\n"
                f"  name text,\n  created_at timestamptz NOT NULL DEFAULT now()\n);\n"
                f"CREATE TABLE s{n}_posts (\n  id bigint PRIMARY KEY,\n"
                f"  user_id bigint NOT NULL REFERENCES s{n}_users(id) ON DELETE CASCADE,\n"
                f"  title text NOT NULL,\n  body text,\n  status varchar(20) NOT NULL DEFAULT 'draft',\n"
                f"  published_at timestamptz,\n  created_at timestamptz NOT NULL DEFAULT now()\n);\n"
                f"CREATE INDEX idx_s{n}_posts_user_id ON s{n}_posts (user_id);\n")
            out.write(chunk)
            size += len(chunk.encode())
            copies += 1
    return {"bytes": size, "copies": copies}


def tables_in(path: Path) -> int:
    """CREATE TABLE statements in a generated input (each is one table of the model)."""
    with open(path, encoding="utf-8") as fh:
        return sum(line.startswith("CREATE TABLE ") for line in fh)


def bars(large: dict, big: str) -> dict:
    """The issue's bars, judged on CPU seconds and peak RSS."""
    out = {}
    if "2MB" in large:
        out["lint_2MB_under_2s_cpu"] = large["2MB"]["lint"]["cpu_s"] < 2.0
    if big in large:
        b = large[big]
        out[f"lint_{big}_under_21s_cpu"] = b["lint"]["cpu_s"] < 21.0
        out[f"ddl_mysql_{big}_under_42s_cpu"] = b["ddl_mysql"]["cpu_s"] < 42.0
        out[f"lint_{big}_under_1GB"] = b["lint"]["peak_rss_mb"] < 1024
        out[f"ddl_mysql_{big}_under_1GB"] = b["ddl_mysql"]["peak_rss_mb"] < 1024
        if "ddl_postgres" in b:
            out[f"ddl_postgres_{big}_under_1GB"] = b["ddl_postgres"]["peak_rss_mb"] < 1024
    return out


def run_measured(args: list[str], lib: Path = REPO / "lib") -> dict:
    """Run `python -m dbdesign.cli ARGS` as its own process: wall s, CPU s, peak RSS MB."""
    env = {**os.environ, "PYTHONPATH": str(lib)}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "dbdesign.cli", *args], stdout=out,
                                stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read().decode(errors="replace")
    return {"exit": proc.returncode, "wall_s": round(wall, 2),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "stdout_bytes": len(stdout),
            "load_avg_1m_after": round(os.getloadavg()[0], 2),
            "stderr_tail": stderr.strip().splitlines()[-1:] if proc.returncode not in (0, 1) else []}


def corpus_stats() -> list[dict]:
    rows = []
    for case in CASES:
        files = original_files(case)
        if not files or not files[0].exists():
            continue
        size = sum(f.stat().st_size for f in files)
        statements = sum(1 for f in files for _ in iter_raw(f.read_text(encoding="utf-8"), case.read))
        c0, t0 = time.process_time(), time.perf_counter()
        schema = parse_case(case)
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        result = lint(schema, Config())
        rows.append({
            "file": case.path, "read": case.read, "bytes": size, "statements": statements,
            "parse_cpu_s": round(cpu, 3), "parse_wall_s": round(wall, 3),
            "statements_per_cpu_s": round(statements / cpu) if cpu else None,
            "tables": len(schema.tables),
            "skipped": dict(Counter(f"{s.category}: {s.kind}" for s in schema.skipped).most_common()),
            "findings_per_rule": dict(Counter(f.rule for f in result.active).most_common()),
        })
    return rows


REPLAY_ENGINES = ("postgres", "mysql", "sqlite", "duckdb")


def replay_stats(only: list[str] | None = None) -> dict:
    """Replay of each corpus schema on each engine: executes? diff lines, notes."""
    from dbdesign.errors import EngineUnavailable
    from dbdesign.schema.replay import replay
    rows, skipped = [], []
    for case in CASES:
        if not original_files(case) or (only and not any(o in case.path for o in only)):
            continue
        schema = parse_case(case)
        for engine in REPLAY_ENGINES:
            t0 = time.perf_counter()
            try:
                r = replay(schema, engine)
            except EngineUnavailable as err:
                skipped.append({"file": case.path, "engine": engine, "reason": str(err)})
                continue
            rows.append({"file": case.path, "read": case.read, "engine": engine,
                         "statements": r.statements, "executed": r.executed,
                         "round_trip_empty": r.round_trip_empty, "diff": len(r.diff),
                         "notes": r.notes, "note_features": r.note_features,
                         "error": r.error.splitlines()[0] if r.error else None,
                         "replay_s": round(time.perf_counter() - t0, 2)})
            print(f"replay {case.path:32} {engine:8} executes={'yes' if r.executed else 'NO '} "
                  f"round-trip-empty={'yes' if r.round_trip_empty else 'no '} diff={len(r.diff):3} "
                  f"notes={r.notes:4} {rows[-1]['error'] or ''}"[:220])
    tried = len(rows)
    summary = {"replays": tried, "executed": sum(r["executed"] for r in rows),
               "round_trip_empty": sum(r["round_trip_empty"] for r in rows),
               "replay_rate": round(sum(r["executed"] for r in rows) / tried, 3) if tried else None}
    print(f"replay rate {summary['executed']}/{tried}, empty round trips "
          f"{summary['round_trip_empty']}/{tried}")
    return {"summary": summary, "rows": rows, "skipped": skipped}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big-mb", type=float, default=50.0)
    ap.add_argument("--skip-big", action="store_true", help="Only the corpus and the 2 MB dump.")
    ap.add_argument("--large-only", action="store_true", help="Only the generated large dumps.")
    ap.add_argument("--big-mysql-only", action="store_true",
                    help="For the big dump, only lint and MySQL ddl (no PostgreSQL ddl).")
    ap.add_argument("--baseline-lib", type=Path, help="Another checkout's lib/ to time as 'before'.")
    ap.add_argument("--baseline-big", action="store_true",
                    help="With --baseline-lib: also the big dump (slow with an old lib).")
    ap.add_argument("--baseline-input", type=Path, help="Input both libs can read (for --baseline-lib).")
    ap.add_argument("--replay", action="store_true", help="Also replay the corpus on the engines.")
    ap.add_argument("--replay-only", action="store_true", help="Only the replays.")
    ap.add_argument("--case", action="append", help="With --replay: substring of a corpus path.")
    ap.add_argument("--out", default=str(REPO / "data" / "results" / "bench_corpus.json"))
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    results: dict = {"python": platform.python_version(), "machine": platform.machine(),
                     "cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()}
    if args.replay or args.replay_only:
        results["replay"] = replay_stats(args.case)
    if args.replay_only:
        return _write(results, args.out)
    results["corpus"] = [] if args.large_only else corpus_stats()
    for row in results["corpus"]:
        print(f"{row['file']:34} {row['statements']:6} stmts {row['parse_cpu_s']:6.2f} s CPU "
              f"({row['statements_per_cpu_s']}/s) {row['tables']:4} tables; "
              f"findings {sum(row['findings_per_rule'].values())}")
    with tempfile.TemporaryDirectory(prefix="dbdesign-bench-") as tmp:
        big = f"{args.big_mb:g}MB"
        sizes = [("2MB", 2.0, generated_dump)] + ([] if args.skip_big else [
            (big, args.big_mb, generated_dump), (f"{big}-small-tables", args.big_mb, hand_written_dump)])
        results["large"] = {}
        for label, mb, make in sizes:
            path = Path(tmp) / f"dump_{label}.sql"
            facts = make(int(mb * 1_000_000), path)
            facts["tables"] = tables_in(path)
            facts["lint"] = run_measured(["lint", "--format", "json", str(path)])
            if label == "2MB" or not args.big_mysql_only:
                facts["ddl_postgres"] = run_measured(["ddl", "--dialect", "postgres", str(path)])
            facts["ddl_mysql"] = run_measured(["ddl", "--dialect", "mysql", str(path)])
            if args.baseline_lib and (label == "2MB" or args.baseline_big):
                # the same input through the other lib, right after
                facts["before"] = {
                    "lib": str(args.baseline_lib),
                    "lint": run_measured(["lint", "--format", "json", str(path)], args.baseline_lib),
                    "ddl_mysql": run_measured(["ddl", "--dialect", "mysql", str(path)],
                                              args.baseline_lib)}
            results["large"][label] = facts
            print(f"{label}: {facts['bytes'] / 1e6:.1f} MB, {facts['copies']} copies, "
                  f"{facts['tables']} tables; lint {facts['lint']}; ddl postgres "
                  f"{facts.get('ddl_postgres')}; ddl mysql {facts['ddl_mysql']}")
        results["bars"] = {**bars(results["large"], big), **bars(results["large"], f"{big}-small-tables")}
        if args.baseline_lib and args.baseline_input:
            results["baseline"] = {
                "input": str(args.baseline_input), "bytes": args.baseline_input.stat().st_size,
                "before_lint": run_measured(["lint", "--format", "json", str(args.baseline_input)],
                                            args.baseline_lib),
                "after_lint": run_measured(["lint", "--format", "json", str(args.baseline_input)])}
            print(f"baseline: {results['baseline']}")
    return _write(results, args.out)


def _write(results: dict, path: str) -> int:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
