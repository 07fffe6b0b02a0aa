"""Write overhead of the audit triggers: rows/s with and without, same run, per engine.

Two throw-away databases per engine (schema only vs schema + audit triggers); the same batch of
tag inserts and then updates in one transaction each. Writes data/results/audit.json.
Usage: python benchmarks/bench_audit.py [N_ROWS]
"""
from __future__ import annotations

import json
import os
import sys
import time

from dbdesign import engines
from dbdesign.generate import audit
from dbdesign.lab import probe
from dbdesign.errors import EngineUnavailable
from dbdesign.schema.source import load_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(engine_name: str, schema, n: int, with_audit: bool) -> dict[str, float]:
    with engines.throwaway(engine_name) as eng:
        probe.install_schema(eng, schema)
        if with_audit:
            audit.install_audit(eng, schema)
        values = probe.ValueFactory(schema)
        base = probe.load_baseline(eng, schema, values)
        audit.set_actor(eng, base["users"]["id"])
        tags = schema.tables["tags"]
        rows = [values.row(tags, base) for _ in range(n)]
        eng.begin()
        t = time.perf_counter()
        for r in rows:
            eng.execute(probe.insert_sql(tags, r))
        eng.commit()
        ins = time.perf_counter() - t
        t = time.perf_counter()
        if engine_name == "duckdb" and with_audit:  # UPDATE is audited in the application there
            audit.app_update(eng, schema, "tags", {"name": "renamed"}, "1=1", base["users"]["id"])
        else:
            eng.execute("UPDATE tags SET name = 'renamed'")
        upd = time.perf_counter() - t
        logged = eng.query("SELECT count(*) FROM audit_log")[0][0]
        return {"insert_rows_per_s": round(n / ins), "update_rows_per_s": round((n + 1) / upd),
                "audit_rows": logged}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    schema = load_source(os.path.join(ROOT, "migrations"))
    results = {"rows": n, "engines": {}}
    for name in ("sqlite", "duckdb", "postgres", "mysql"):
        try:
            plain = run(name, schema, n, False)
            logged = run(name, schema, n, True)
        except EngineUnavailable as err:
            results["engines"][name] = {"skipped": str(err)}
            continue
        results["engines"][name] = {
            "without_audit": plain, "with_audit": logged,
            "insert_slowdown": round(plain["insert_rows_per_s"] / logged["insert_rows_per_s"], 2),
            "update_slowdown": round(plain["update_rows_per_s"] / logged["update_rows_per_s"], 2)}
        print(name, results["engines"][name])
    out = os.path.join(ROOT, "data", "results", "audit.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=2)
    print("->", out)


if __name__ == "__main__":
    main()
