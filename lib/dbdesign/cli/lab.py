"""`dbdesign datagen` and `dbdesign bench`: thin click commands over datagen / bench (added to
the `dbdesign` group in cli.py)."""
from __future__ import annotations

import contextlib
import json
import os

import click

from dbdesign.cli.tools import handle_errors
from dbdesign.engines import SERVERS

ENGINES = click.Choice(["sqlite", "duckdb", "postgres", "mysql"])


def _memory_size(ctx, param, value):
    from dbdesign.config import is_memory_size
    if value is not None and not is_memory_size(value):
        raise click.BadParameter(f"{value!r} is not a size such as 1GB or 512MiB")
    return value


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
@click.option("--progress/--no-progress", default=None,
              help="Progress bars per table (default: when stderr is a terminal).")
@click.option("--memory-limit", metavar="SIZE", callback=_memory_size,
              help="DuckDB's memory limit while generating, e.g. 2GB (beyond it the rows spill to "
                   "disk). Default: [datagen] memory_limit, else 1GB - none when loading into "
                   "DuckDB, which holds its keys in memory while the rows arrive.")
@handle_errors
def datagen(source, rows, seed, tables, engine, url, out, indexes, progress, memory_limit) -> None:
    """Generate seeded, referentially valid data for SOURCE and load it into a database.

    Prints the counts, the generated rows each table's constraints rejected (per reason) and
    the load report as JSON, and one summary line (rows, rows/s, peak memory, rejected rows)
    on stderr."""
    import time
    from dbdesign.lab import datagen as dg
    from dbdesign.cli.tools import load
    from dbdesign.engines import connect
    from dbdesign.errors import InputError
    t0 = time.perf_counter()
    schema, config = load(source)
    if engine and url:
        raise InputError("give --engine (with --out) or --db, not both")
    if engine in SERVERS:
        raise InputError(f"--engine {engine} needs a server: use --db URL")
    if engine and not out:
        raise InputError(f"--engine {engine} writes a file: add --out FILE")
    if engine:
        url = f"{engine}:///{out}"
    target = connect(url) if url else None
    # a database file this command creates is removed again if the load fails (no half-loaded file)
    new_file = getattr(target, "path", None) if target is not None else None
    if new_file and (new_file == ":memory:" or os.path.exists(new_file)):
        new_file = None
    if target is not None:
        target.conn  # a bad or unreachable database is bad input before any data is made
    try:
        # the tables asked for, plus the parents their NOT NULL foreign keys need
        realism = dict(config.extra.get("datagen") or {})
        if memory_limit:
            realism["memory_limit"] = memory_limit
        elif "memory_limit" not in realism and getattr(target, "name", None) != "duckdb":
            realism["memory_limit"] = dg.BOUNDED_MEMORY_LIMIT
        data = dg.generate(schema, rows, seed=seed, tables=dg.with_parents(schema, tables) if tables else None,
                           progress=progress, realism=realism)
        report = None
        if target is not None:
            with target as eng:
                report = dg.load(data, eng, indexes=indexes, progress=progress)
    except BaseException:
        if target is not None:
            target.close()
        for leftover in [new_file + x for x in ("", *target.sidecar_suffixes)] if new_file else ():
            with contextlib.suppress(FileNotFoundError):
                os.remove(leftover)
        raise
    total = sum(data.counts.values())
    secs = time.perf_counter() - t0
    click.echo(json.dumps({"seconds": round(data.seconds, 3), "counts": data.counts,
                           "rejected": data.rejection(), "memory_limit": realism.get("memory_limit"),
                           "load": report.to_dict() if report else None,
                           "rows": total, "total_seconds": round(secs, 2),
                           "rows_per_s": round(total / secs), "peak_mib": round(dg.peak_mib())},
                          indent=2, default=str))
    click.echo(dg.summary_line(total, secs, data.rejection()), err=True)


@click.command()
@click.argument("source", required=False)
@click.option("--engine", "engine_names", type=ENGINES, multiple=True,
              help="Engine(s) to run on (default: all reachable).")
@click.option("--db", "url", help="Run on this database URL instead of a throw-away one.")
@click.option("--rows", type=click.IntRange(1), default=None,
              help="Rows of the largest table (default 20000; --suite: 30000, 300000 with --large).")
@click.option("--queries", "queries_file", type=click.Path(dir_okay=False),
              help="A SQL file of '-- name:' blocks (default: the configured workload, else one "
              "derived from the schema).")
@click.option("--query", "query_names", multiple=True, help="Only these queries (repeatable).")
@click.option("--repeat", type=click.IntRange(1), default=15, show_default=True,
              help="Samples per timing (each calibrated to last ~5 ms).")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--suite", is_flag=True, help="The full benchmark (make bench): every "
              "benchmarks/bench_*.py, the workload, write cost and scaling; JSON under --out and "
              "one line per quality bar.")
@click.option("--large", is_flag=True, help="--suite: bigger data and scaling curves.")
@click.option("--out", default="data/results", show_default=True, help="--suite: results folder.")
@click.option("--skip-scripts", is_flag=True, help="--suite: skip benchmarks/bench_*.py.")
@click.option("--skip-write", is_flag=True, help="--suite: skip the write-cost runs.")
@click.option("--skip-scaling", is_flag=True, help="--suite: skip the scaling runs.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def bench(source, engine_names, url, rows, queries_file, query_names, repeat, seed, suite, large,
          out, skip_scripts, skip_write, skip_scaling, fmt) -> None:
    """Run the workload with and without each candidate index: plans, and timings as median,
    IQR and 95% CI of the median; index sets whose CIs overlap compare as inconclusive."""
    from dbdesign.lab import bench as b
    from dbdesign.lab import datagen as dg
    from dbdesign.lab import workload as wl
    from dbdesign.cli.tools import load
    from dbdesign.engines import connect, engine_class
    from dbdesign.errors import InputError
    schema, config = load(source)
    queries = wl.load_queries(queries_file) if queries_file else wl.for_schema(schema, source, config)
    if query_names:
        queries = [wl.get_query(n, queries) for n in query_names]
    names = list(engine_names) or b.available_engines(["sqlite", "duckdb", "postgres", "mysql"])
    for n in names:
        engine_class(n)
    if suite:
        if url:
            raise InputError("--suite runs on throw-away databases: drop --db")
        b.suite(schema, queries, names, rows=rows or (300_000 if large else 30_000),
                repeat=repeat, seed=seed, out=out, large=large, scripts=not skip_scripts,
                write=not skip_write, scale=not skip_scaling)
        return
    tables = sorted({t for q in queries for t in q.tables} & set(schema.tables)) or None
    if url:
        with connect(url) as eng:  # a bad or unreachable database before any data is made
            eng.conn
            name = eng.name
    data = dg.generate(schema, rows or 20_000, seed=seed,
                       tables=dg.with_parents(schema, tables) if tables else None, progress=False)
    results = []
    if url:
        results = b.run_workload(name, data, schema, queries, url=url, repeat=repeat)
    else:
        for n in names:
            results.extend(b.run_workload(n, data, schema, queries, repeat=repeat))
    comparisons = b.compare_index_sets(results)
    if fmt == "json":
        click.echo(json.dumps({"results": results, "comparisons": comparisons}, indent=2, default=str))
        return
    df = b.frame(results)
    cols = [c for c in ("engine", "query", "index", "uses_index", "median_ms", "iqr_ms", "ci95_ms",
                        "index_bytes", "plan") if c in df.columns]
    click.echo(df[cols].to_string(index=False))
    if comparisons:
        import pandas as pd
        click.echo("\nagainst the baseline without candidates (inconclusive: the 95% CIs overlap):")
        click.echo(pd.DataFrame(comparisons)[["engine", "query", "index", "speedup_x", "verdict"]]
                   .to_string(index=False))
