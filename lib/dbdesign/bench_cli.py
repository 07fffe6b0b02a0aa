"""`dbdesign datagen` and `dbdesign bench`: thin click commands over datagen / bench.

The lead registers them: ``main.add_command(datagen)``, ``main.add_command(bench)``."""
from __future__ import annotations

import json
import sys

import click

from .clitools import handle_errors

ENGINES = click.Choice(["sqlite", "duckdb", "postgres", "mysql"])


@click.command()
@click.argument("source", required=False)
@click.option("--rows", type=click.IntRange(1), default=10_000, show_default=True,
              help="Rows of the largest table; the others follow the FK fan-out.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--table", "tables", multiple=True,
              help="Only these tables and their required parents (repeatable).")
@click.option("--engine", type=ENGINES, help="Load into a fresh file: sqlite or duckdb (needs --out).")
@click.option("--db", "url", help="Load into this database URL (tables are created there).")
@click.option("--out", type=click.Path(dir_okay=False), help="File for --engine sqlite|duckdb.")
@click.option("--indexes", type=click.Choice(["schema", "none"]), default="schema", show_default=True)
@handle_errors
def datagen(source, rows, seed, tables, engine, url, out, indexes) -> None:
    """Generate seeded, referentially valid data for SOURCE and load it into a database."""
    from . import datagen as dg
    from .clitools import load
    from .engines import connect
    from .errors import InputError
    schema, _ = load(source)
    if engine and url:
        raise InputError("give --engine (with --out) or --db, not both")
    if engine in ("postgres", "mysql"):
        raise InputError(f"--engine {engine} needs a server: use --db URL")
    if engine and not out:
        raise InputError(f"--engine {engine} writes a file: add --out FILE")
    if engine:
        url = f"{engine}:///{out}"
    target = connect(url) if url else None
    if target is not None:
        target.conn  # a bad or unreachable database is bad input before any data is made
    # the tables asked for, plus the parents their NOT NULL foreign keys need
    data = dg.generate(schema, rows, seed=seed, tables=dg.with_parents(schema, tables) if tables else None)
    report = None
    if target is not None:
        with target as eng:
            report = dg.load(data, eng, indexes=indexes)
    click.echo(json.dumps({"seconds": round(data.seconds, 3), "counts": data.counts,
                           "load": report.to_dict() if report else None}, indent=2, default=str))


@click.command()
@click.argument("source", required=False)
@click.option("--engine", "engine_names", type=ENGINES, multiple=True,
              help="Engine(s) to run on (default: all reachable).")
@click.option("--db", "url", help="Run on this database URL instead of a throw-away one.")
@click.option("--rows", type=click.IntRange(1), default=20_000, show_default=True)
@click.option("--queries", "queries_file", type=click.Path(dir_okay=False),
              help="A SQL file of '-- name:' blocks (default: the standard blog workload).")
@click.option("--query", "query_names", multiple=True, help="Only these queries (repeatable).")
@click.option("--repeat", type=click.IntRange(1), default=15, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--steady/--unsteady", default=True, show_default=True,
              help="Pin the client (and a local server's threads, where allowed) to one CPU, "
              "wait while that CPU is slowed (move to another after losing 1 s to it), retake "
              "samples taken while it was, and sample until the median is known to +-3% "
              "(bench.time_call).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def bench(source, engine_names, url, rows, queries_file, query_names, repeat, seed, steady, fmt) -> None:
    """Run the workload with and without each candidate index; plans and timings."""
    from . import bench as b
    from . import datagen as dg
    from . import workload as wl
    from .clitools import load
    from .engines import connect, engine_class
    schema, _ = load(source)
    queries = wl.load_queries(queries_file) if queries_file else wl.blog_workload()
    if query_names:
        queries = [wl.get_query(n, queries) for n in query_names]
    tables = sorted({t for q in queries for t in q.tables} & set(schema.tables)) or None
    if url:
        with connect(url) as eng:  # a bad or unreachable database before any data is made
            eng.conn
            name = eng.name
    data = dg.generate(schema, rows, seed=seed, tables=dg.with_parents(schema, tables) if tables else None)
    results = []
    if url:
        results = b.run_workload(name, data, schema, queries, url=url, repeat=repeat, steady=steady)
    else:
        names = list(engine_names) or b.available_engines(["sqlite", "duckdb", "postgres", "mysql"])
        for n in names:
            engine_class(n)
            results.extend(b.run_workload(n, data, schema, queries, repeat=repeat, steady=steady))
    if fmt == "json":
        click.echo(json.dumps({"results": results}, indent=2, default=str))
        return
    df = b.frame(results)
    cols = [c for c in ("engine", "query", "index", "uses_index", "median_ms", "ci95_ms", "p90_ms",
                        "index_bytes", "plan") if c in df.columns]
    click.echo(df[cols].to_string(index=False))
