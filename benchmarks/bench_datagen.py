"""Data generator at scale (issues 3 and 20), measured side by side in one run ->
data/results/datagen.json.

1. Reference: plain DuckDB SQL generating 1 M users + 5 M posts in memory (hashed strings,
   timestamps, enum picks) - what DuckDB itself does on this machine, now.
2. Our generator on the same shape (users + posts, 1 M / 5 M) in memory: ratio to (1),
   target >= 0.7x.
3. End to end, as a user runs it: `dbdesign datagen migrations --rows N --db URL` in a child
   process, for a DuckDB file (target >= 0.3x the reference, schema keys in place), SQLite
   (>= 0.5 M rows/s), PostgreSQL (>= 0.5 M rows/s) and MariaDB (>= 0.2 M rows/s). Each run
   reports wall seconds and rows/s end to end, and the load's own rows/s from its JSON.
4. Peak RSS of `dbdesign datagen --rows 5000000` (target < 2 GiB) into a DuckDB file (no
   memory limit by default: its keys stay in memory while rows arrive) and into PostgreSQL
   (generation under the default 1GB limit), as the child reports it.
5. A per-row Faker/Python baseline on the users columns (target: generation >= 50x faster).

    .venv/bin/python benchmarks/bench_datagen.py [--rows 1000000] [--rss-rows 5000000]
        [--rss-engines duckdb,postgres]
        [--engines duckdb,sqlite,postgres,mysql] [--faker-rows 20000]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "lib"))

import duckdb  # noqa: E402

from dbdesign import engines  # noqa: E402
from dbdesign.lab import datagen  # noqa: E402
from dbdesign.schema.source import load_source  # noqa: E402

GEN_RATIO = 0.7
E2E_RATIO = 0.3
ENGINE_TARGET = {"sqlite": 500_000, "postgres": 500_000, "mysql": 200_000}
RSS_TARGET_MIB = 2048
FAKER_RATIO_TARGET = 50.0


def reference(users: int, posts: int) -> dict:
    """Plain DuckDB SQL: users and posts with md5 strings, timestamps and enum picks."""
    conn = duckdb.connect()
    t0 = time.perf_counter()
    conn.execute(f"""CREATE TABLE users AS SELECT range AS id, md5(range::VARCHAR) AS email,
        'user_' || range AS username, ['member','editor','admin'][1 + (hash(range, 'r') % 3)::INT] AS role,
        TIMESTAMP '2019-01-01' + to_microseconds((hash(range, 'c') % 189216000000000)::BIGINT) AS created_at
        FROM range({users})""")
    conn.execute(f"""CREATE TABLE posts AS SELECT range AS id, hash(range, 'u') % {users} AS user_id,
        md5(range::VARCHAR) || ' ' || md5((range + 1)::VARCHAR) AS title,
        ['draft','published','archived'][1 + (hash(range, 's') % 3)::INT] AS status,
        (hash(range, 'v') % 10000)::INT AS view_count,
        TIMESTAMP '2019-01-01' + to_microseconds((hash(range, 'p') % 189216000000000)::BIGINT) AS created_at
        FROM range({posts})""")
    secs = time.perf_counter() - t0
    conn.close()
    return {"rows": users + posts, "seconds": round(secs, 2), "rows_per_s": round((users + posts) / secs)}


def ours_users_posts(schema, users: int, posts: int) -> dict:
    """Our generator, same shape as the reference: users + posts only, in memory."""
    t0 = time.perf_counter()
    data = datagen.generate(schema, posts, tables=["users", "posts"], counts={"users": users},
                            progress=False)
    secs = time.perf_counter() - t0
    n = sum(data.counts.values())
    data.conn.close()
    return {"rows": n, "seconds": round(secs, 2), "rows_per_s": round(n / secs)}


def cli_run(url: str, rows: int, extra: list[str] = ()) -> dict:
    """`dbdesign datagen migrations --rows N --db URL` in a child process: wall time, the
    child's peak RSS, and its JSON (counts, load report)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "lib"), os.environ.get("PYTHONPATH", "")])}
    args = [sys.executable, "-m", "dbdesign.cli", "datagen", str(REPO / "migrations"),
            "--rows", str(rows), "--db", url, "--no-progress", *extra]
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"datagen --db {url} failed ({proc.returncode}): {err.strip()[-2000:]}")
    res = json.loads(out)
    load = res.get("load") or {}
    n = sum(res["counts"].values())
    return {"rows": n, "wall_s": round(wall, 2), "rows_per_s": round(n / wall),
            "generate_s": res.get("seconds"), "load_rows_per_s": round(load.get("rows_per_s") or 0),
            "load_s": round(sum((load.get("seconds") or {}).values()), 2),
            "index_s": round(load.get("index_seconds") or 0, 2),
            # VmHWM as the child reports it: ru_maxrss would include this (big) parent's, which
            # Linux carries into a child across fork and exec
            "peak_mib": res.get("peak_mib") or round(usage.ru_maxrss / 1024), "method": load.get("method"),
            "notes": load.get("notes"), "summary": err.strip().splitlines()[-1:]}


def end_to_end(name: str, rows: int, tmp: str) -> dict:
    if name in engines.EMBEDDED:
        path = os.path.join(tmp, f"bench.{name}")
        try:
            return cli_run(f"{name}:///{path}", rows)
        finally:
            for p in [path + x for x in ("", *engines.engine_class(name).sidecar_suffixes)]:
                if os.path.exists(p):
                    os.remove(p)
    with engines.throwaway(name) as eng:
        url = eng.url
        eng.close()
        return cli_run(url, rows)


def faker_users(n: int, seed: int = 42) -> float:
    """rows/s of the usual approach: Faker + uuid + random, one Python dict per row."""
    import random
    import uuid

    from faker import Faker
    fake = Faker()
    Faker.seed(seed)
    rnd = random.Random(seed)
    t0 = time.perf_counter()
    rows = []
    for i in range(n):
        rows.append({
            "id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "email": f"{i}.{fake.email()}", "username": f"{fake.user_name()}{i}",
            "password_hash": fake.sha256(), "role": rnd.choices(["member", "editor", "admin"], [80, 15, 5])[0],
            "created_at": fake.date_time_between("-6y"), "updated_at": fake.date_time_between("-1y"),
            "deleted_at": fake.date_time_between("-1y") if rnd.random() < 0.05 else None,
            "created_by": None, "updated_by": None})
    return n / (time.perf_counter() - t0)


def run(rows: int = 1_000_000, rss_rows: int = 5_000_000, engine_names=("duckdb", "sqlite", "postgres", "mysql"),
        rss_engines=("duckdb", "postgres"),
        faker_rows: int = 20_000, users: int = 1_000_000) -> dict:
    schema = load_source(str(REPO / "migrations"))
    out: dict = {"benchmark": "datagen", "machine": {
        "python": platform.python_version(), "cpus": os.cpu_count(), "duckdb": duckdb.__version__,
        "sqlite": sqlite3.sqlite_version, "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "load_average_1m": round(os.getloadavg()[0], 2)}}
    ref = reference(users, 5 * users)
    ours = ours_users_posts(schema, users, 5 * users)
    out["reference"], out["generate"] = ref, ours
    out["generate"]["ratio"] = round(ours["rows_per_s"] / ref["rows_per_s"], 3)
    print("reference", ref, "\nours", ours, flush=True)
    e2e = {}
    with tempfile.TemporaryDirectory(prefix="bench-datagen-") as tmp:
        for name in engine_names:
            if engines.availability([name])[name] is not None:
                e2e[name] = {"skipped": engines.availability([name])[name]}
                continue
            e2e[name] = end_to_end(name, rows, tmp)
            print(name, e2e[name], flush=True)
        if "duckdb" in e2e and "rows_per_s" in e2e["duckdb"]:
            e2e["duckdb"]["ratio"] = round(e2e["duckdb"]["rows_per_s"] / ref["rows_per_s"], 3)
        out["end_to_end"] = {"rows_arg": rows, **e2e}
        rss = {}
        for name in rss_engines if rss_rows else ():
            if engines.availability([name])[name] is None:
                rss[name] = end_to_end(name, rss_rows, tmp)
                print("rss", name, rss[name], flush=True)
        if rss:
            out["rss"] = {"rows_arg": rss_rows, **rss}
    f_rps = faker_users(faker_rows)
    out["faker_baseline"] = {"rows": faker_rows, "rows_per_s": round(f_rps),
                             "generate_over_faker": round(ours["rows_per_s"] / f_rps, 1)}
    out["machine"]["load_average_1m_end"] = round(os.getloadavg()[0], 2)
    bars = [
        {"bar": f"generation ({ours['rows']:,} users+posts) vs raw DuckDB SQL", "target": f">= {GEN_RATIO}x",
         "measured": f"{out['generate']['ratio']}x ({ours['rows_per_s']:,} vs {ref['rows_per_s']:,} rows/s)",
         "met": out["generate"]["ratio"] >= GEN_RATIO},
        {"bar": "DuckDB generation vs per-row Faker", "target": f">= {FAKER_RATIO_TARGET:g}x",
         "measured": f"{out['faker_baseline']['generate_over_faker']}x",
         "met": out["faker_baseline"]["generate_over_faker"] >= FAKER_RATIO_TARGET}]
    d = e2e.get("duckdb", {})
    if "ratio" in d:
        bars.append({"bar": f"end to end into a DuckDB file with keys (--rows {rows:,}, {d['rows']:,} rows)",
                     "target": f">= {E2E_RATIO}x", "measured": f"{d['ratio']}x ({d['rows_per_s']:,} rows/s, "
                     f"{d['wall_s']} s, peak {d['peak_mib']} MiB)", "met": d["ratio"] >= E2E_RATIO})
    for name, target in ENGINE_TARGET.items():
        r = e2e.get(name, {})
        if "load_rows_per_s" in r:
            bars.append({"bar": f"{name} load (--rows {rows:,}, {r['rows']:,} rows)", "target": f">= {target:,} rows/s",
                         "measured": f"{r['load_rows_per_s']:,} rows/s load ({r['rows_per_s']:,} rows/s end to end "
                                     f"incl. generation and {r['index_s']} s of index builds)",
                         "met": r["load_rows_per_s"] >= target})
    for name, r in rss.items():
        bars.append({"bar": f"peak RSS, --rows {rss_rows:,} into {name} ({r['rows']:,} rows, {r['wall_s']} s)",
                     "target": f"< {RSS_TARGET_MIB} MiB", "measured": f"{r['peak_mib']} MiB",
                     "met": r["peak_mib"] < RSS_TARGET_MIB})
    out["bars"] = bars
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="--rows of the end-to-end runs")
    ap.add_argument("--users", type=int, default=1_000_000, help="users of the reference (posts = 5x)")
    ap.add_argument("--rss-rows", type=int, default=5_000_000, help="--rows of the RSS runs (0: skip)")
    ap.add_argument("--rss-engines", default="duckdb,postgres",
                    help="targets of the RSS runs (DuckDB: no memory limit by default; the others 1GB)")
    ap.add_argument("--engines", default="duckdb,sqlite,postgres,mysql")
    ap.add_argument("--faker-rows", type=int, default=20_000)
    ap.add_argument("--out", default=str(REPO / "data" / "results" / "datagen.json"))
    args = ap.parse_args()
    out = run(args.rows, args.rss_rows, [e for e in args.engines.split(",") if e],
              [e for e in args.rss_engines.split(",") if e], args.faker_rows, args.users)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(out, fh, indent=2)
    for b in out["bars"]:
        print(f"{'met' if b['met'] else 'NOT met':8s} {b['bar']}: {b['measured']} (target {b['target']})")
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
