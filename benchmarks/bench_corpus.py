"""Reading real schemas: per-corpus-file parse rate, skipped-statement kinds and lint findings
per rule (the false-alarm radar), then lint and ddl of generated large pg_dumps (2 MB,
~1,000 tables; 50 MB) as separate processes, with wall time, CPU time and peak RSS.

The large inputs are renamed copies of corpus pg_dumps (gisia, Pagila 2024), each copy in its
own schema (`public.` -> `copy_N.`), so every statement kind of a real dump is in them.
Quality bars (issue 13/19): lint of the 2 MB dump under 2 s; 50 MB lint and ddl under 1 GB.
`--baseline-lib DIR --baseline-input FILE` also times `lint` of FILE with another checkout's
`lib` (e.g. `git archive main lib | tar -x -C DIR`) and with this one, for a before/after.

Run: .venv/bin/python benchmarks/bench_corpus.py [--big-mb 50] [--skip-big]
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
from dbdesign.lint import lint  # noqa: E402
from dbdesign.parse import iter_raw  # noqa: E402

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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big-mb", type=float, default=50.0)
    ap.add_argument("--skip-big", action="store_true", help="Only the corpus and the 2 MB dump.")
    ap.add_argument("--baseline-lib", type=Path, help="Another checkout's lib/ to time as 'before'.")
    ap.add_argument("--baseline-input", type=Path, help="Input both libs can read (for --baseline-lib).")
    ap.add_argument("--out", default=str(REPO / "data" / "results" / "bench_corpus.json"))
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    results: dict = {"python": platform.python_version(), "machine": platform.machine(),
                     "cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()}
    results["corpus"] = corpus_stats()
    for row in results["corpus"]:
        print(f"{row['file']:34} {row['statements']:6} stmts {row['parse_cpu_s']:6.2f} s CPU "
              f"({row['statements_per_cpu_s']}/s) {row['tables']:4} tables; "
              f"findings {sum(row['findings_per_rule'].values())}")
    with tempfile.TemporaryDirectory(prefix="dbdesign-bench-") as tmp:
        sizes = [("2MB", 2.0)] + ([] if args.skip_big else [(f"{args.big_mb:g}MB", args.big_mb)])
        results["large"] = {}
        for label, mb in sizes:
            path = Path(tmp) / f"dump_{label}.sql"
            facts = generated_dump(int(mb * 1_000_000), path)
            facts["lint"] = run_measured(["lint", "--format", "json", str(path)])
            facts["ddl_postgres"] = run_measured(["ddl", "--dialect", "postgres", str(path)])
            results["large"][label] = facts
            print(f"{label}: {facts['bytes'] / 1e6:.1f} MB, {facts['copies']} copies; lint "
                  f"{facts['lint']}; ddl {facts['ddl_postgres']}")
        if args.baseline_lib and args.baseline_input:
            results["baseline"] = {
                "input": str(args.baseline_input), "bytes": args.baseline_input.stat().st_size,
                "before_lint": run_measured(["lint", "--format", "json", str(args.baseline_input)],
                                            args.baseline_lib),
                "after_lint": run_measured(["lint", "--format", "json", str(args.baseline_input)])}
            print(f"baseline: {results['baseline']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
