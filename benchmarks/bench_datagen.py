"""Data generator quality bars (issue 3), measured in one run -> data/results/datagen.json.

1. 1 M users + 5 M posts generated in DuckDB (target < 10 s on this 2-core machine).
2. 1 M rows loaded into SQLite (target >= 300k rows/s): users (the schema's DDL, PK only).
3. A per-row Faker/Python baseline for the same users columns, same run (target >= 50x slower).

    .venv/bin/python benchmarks/bench_datagen.py [--users 1000000] [--faker-rows 20000]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import time

import duckdb

from dbdesign import datagen, engines
from dbdesign.source import load_source


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--faker-rows", type=int, default=20_000)
    ap.add_argument("--out", default="data/results/datagen.json")
    args = ap.parse_args()
    schema = load_source("migrations")
    out = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                       "duckdb": duckdb.__version__, "sqlite": sqlite3.sqlite_version}}

    t0 = time.perf_counter()
    data = datagen.generate(schema, 5 * args.users, tables=["users", "posts"],
                            counts={"users": args.users}, progress=True)
    gen_s = time.perf_counter() - t0
    total = sum(data.counts.values())
    out["generate"] = {"counts": data.counts, "seconds": round(gen_s, 2),
                       "rows_per_s": round(total / gen_s), "target_s": 10, "ok": gen_s < 10}
    print("generate", out["generate"])

    users = datagen.generate(schema, args.users, tables=["users"], progress=False)
    with engines.throwaway("sqlite") as eng:
        rep = datagen.load(users, eng, indexes="none", analyze=False)
    rps = rep.rows["users"] / rep.seconds["users"]
    out["sqlite_load"] = {"table": "users", "rows": rep.rows["users"],
                          "seconds": round(rep.seconds["users"], 2), "rows_per_s": round(rps),
                          "target_rows_per_s": 300_000, "ok": rps >= 300_000, "method": rep.method}
    print("sqlite load", out["sqlite_load"])
    data.conn.close()

    f_rps = faker_users(args.faker_rows)
    ratio = out["generate"]["rows_per_s"] / f_rps
    out["faker_baseline"] = {"rows": args.faker_rows, "rows_per_s": round(f_rps),
                             "duckdb_over_faker": round(ratio, 1), "target_ratio": 50, "ok": ratio >= 50}
    print("faker", out["faker_baseline"])
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(out, fh, indent=2)
    print(args.out)


if __name__ == "__main__":
    main()
