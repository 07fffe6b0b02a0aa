"""`dbdesign api`, `dbdesign nosql` and `dbdesign pool`: the contract check, the access-pattern
driven NoSQL designs and the pooling measurements, each a few lines over its library module."""
from __future__ import annotations

import sys

import click

from dbdesign.cli.tools import FORMATS_TEXT_JSON, emit_json, handle_errors, load


@click.command()
@click.argument("source", required=False)
@click.option("--openapi", "openapi_file", help="OpenAPI 3.0/3.1 file (YAML or JSON) to check against the schema.")
@click.option("--generate", is_flag=True, help="Print OpenAPI component schemas generated from the schema instead.")
@click.option("--format", "fmt", type=FORMATS_TEXT_JSON, default="text", show_default=True)
@handle_errors
def api(source: str | None, openapi_file: str | None, generate: bool, fmt: str) -> None:
    """Check an API contract against SOURCE (exit 1 on error findings), or --generate one."""
    from dbdesign.checks.api import check, document
    from dbdesign.errors import InputError
    schema, config = load(source)
    if generate:
        import yaml
        doc = document(schema)
        emit_json(doc) if fmt == "json" else click.echo(yaml.safe_dump(doc, sort_keys=False), nl=False)
        return
    openapi_file = openapi_file or ((getattr(config, "extra", None) or {}).get("api") or {}).get("openapi")
    if not openapi_file:
        raise InputError("no contract: pass --openapi FILE (or set [api] openapi = \"...\" in dbdesign.toml)")
    result = check(schema, openapi_file)
    emit_json(result.to_dict()) if fmt == "json" else click.echo(result.format_text())
    sys.exit(1 if result.has_errors else 0)


@click.command()
@click.argument("source", required=False)
@click.option("--patterns", "patterns_file", help="Access patterns (YAML); default: [nosql] patterns in dbdesign.toml, else derived from the schema.")
@click.option("--target", type=click.Choice(["mongodb", "dynamodb"]), required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "script"]), default="text", show_default=True,
              help="script: the mongosh script / the create-table JSON.")
@handle_errors
def nosql(source: str | None, patterns_file: str | None, target: str, fmt: str) -> None:
    """A MongoDB or DynamoDB design of SOURCE for its access patterns."""
    from dbdesign.generate.access_patterns import for_schema, load_patterns
    schema, config = load(source)
    patterns = load_patterns(patterns_file, schema) if patterns_file else for_schema(schema, config)
    if target == "mongodb":
        from dbdesign.generate.mongodb import design
        doc = design(schema, patterns, config)
        if fmt == "script":
            click.echo(doc.mongosh(schema), nl=False)
        elif fmt == "json":
            emit_json({"collections": {c: {"validator": doc.validator(schema, c),
                                           "indexes": doc.indexes().get(c, [])} for c in doc.collections},
                       "patterns": doc.to_frame().to_dict("records")})
        else:
            click.echo(doc.to_frame().to_string(index=False))
        return
    from dbdesign.generate.dynamodb import design as kv_design
    kv = kv_design(schema, patterns)
    if fmt == "script":
        emit_json(kv.create_table())
    elif fmt == "json":
        emit_json({"create_table": kv.create_table(), "patterns": kv.to_frame().to_dict("records")})
    else:
        click.echo(kv.to_frame().to_string(index=False))


@click.group()
def pool() -> None:
    """Connection pools measured on a real server."""


@pool.command("bench")
@click.argument("source", required=False)
@click.option("--db", "url", required=True, help="postgresql://... (psycopg_pool) or mysql://... (SQLAlchemy QueuePool)")
@click.option("--rows", type=click.IntRange(10, 10_000_000), default=3000, show_default=True,
              help="Generated rows (largest table) loaded into a throw-away database on that server.")
@click.option("--sizes", default="", help="Pool sizes, comma-separated (default: 1, cores .. 4 x cores, HikariCP's).")
@click.option("--clients", default="1,4,16,64", show_default=True, help="Client concurrency levels.")
@click.option("--seconds", type=click.FloatRange(0.1, 60), default=1.0, show_default=True, help="Per cell.")
@click.option("--rounds", type=click.IntRange(1, 100), default=2, show_default=True,
              help="Times each size is measured in turn; a cell keeps its best round, the spread is the noise.")
@click.option("--target-clients", type=click.IntRange(1), default=None,
              help="Client concurrency the pool size is recommended for (default: the highest in --clients).")
@click.option("--format", "fmt", type=FORMATS_TEXT_JSON, default="text", show_default=True)
@handle_errors
def pool_bench(source, url, rows, sizes, clients, seconds, rounds, target_clients, fmt) -> None:
    """Throughput, p50/p99 and acquire wait per pool size x client concurrency, with a query
    mix from SOURCE's access patterns over generated data (in a throw-away database), and
    the pool size recommended from the measurements: the smallest on the plateau."""
    from dbdesign.lab.poolbench import bench
    from dbdesign.errors import InputError
    try:
        size_list = [int(x) for x in sizes.split(",") if x.strip()] or None
        client_list = [int(x) for x in clients.split(",") if x.strip()]
    except ValueError:
        raise InputError("--sizes and --clients are comma-separated integers, e.g. --clients 1,4,16") from None
    if not client_list or any(n < 1 for n in (size_list or []) + client_list):
        raise InputError("--sizes and --clients are positive integers, e.g. --sizes 1,2,4 --clients 1,4,16")
    schema, _ = load(source)
    result = bench(schema, url, rows=rows, sizes=size_list, clients=client_list, seconds=seconds,
                   rounds=rounds, target_clients=target_clients)
    if fmt == "json":
        emit_json(result)
    else:
        from dbdesign.lab.poolbench import Cell, summary
        rec, hikari = result["recommendation"], result["hikaricp"]
        click.echo(summary([Cell(**c) for c in result["cells"]]))
        click.echo(f"recommended pool size {rec['size']}: {rec['rule']}. It ran {rec['throughput']:.0f} "
                   f"queries/s at p99 {rec['p99_ms']:.2f} ms; the best, size {rec['best_size']}, "
                   f"{rec['best_throughput']:.0f} queries/s; plateau {rec['plateau_sizes']}; "
                   f"round-to-round noise {rec['noise']:.0%}")
        if rec["noise_exceeds_tolerance"]:
            click.echo(f"note: the same cell varied {rec['noise']:.0%} between rounds, more than the "
                       f"{rec['tolerance']:.0%} tolerance; run more --rounds or longer --seconds on a quieter "
                       "machine before configuring this size")
        click.echo(f"HikariCP's formula says {hikari['size']} "
                   + ("(on the measured plateau)" if hikari["on_plateau"] else "(not on the measured plateau)"
                      if hikari["measured"] else "(not among the measured --sizes)"))
