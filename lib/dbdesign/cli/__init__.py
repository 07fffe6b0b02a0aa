"""The `dbdesign` command: a thin click layer over the library.

Exit codes: 0 ok, 1 findings at error severity (or a failed gate), 2 bad input. Bad input is one
line on stderr (``file:line:col: message``), never a traceback.
"""
from __future__ import annotations

import itertools
import sys

import click

from dbdesign import __version__
from dbdesign.cli.tools import (DIALECTS, FORMATS_TEXT_JSON, READ_OPTION, STRICT_OPTION, emit_json,
                       emit_stream, finish, handle_errors, load)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dbdesign")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="The dbdesign.toml to use (default: the nearest one in this folder or its "
                   "parents).")
def main(config_file: str | None) -> None:
    """Design, lint, document and replay a relational schema (DDL file or migrations folder)."""
    import gc
    import os
    # A schema is millions of small objects that live until the command ends: with the default
    # thresholds the collector rescans them every 700 allocations (a fifth of a 50 MB lint).
    gc.set_threshold(100_000, 50, 1000)
    from dbdesign.config import CONFIG_ENV
    if config_file is not None:
        os.environ[CONFIG_ENV] = config_file


@main.command()
@click.argument("source", required=False)
@click.option("--format", "fmt", type=FORMATS_TEXT_JSON, default="text", show_default=True)
@READ_OPTION
@STRICT_OPTION
@handle_errors
def lint(source: str | None, fmt: str, read: str | None, strict: bool) -> None:
    """Design lint of SOURCE (a .sql file or migrations folder). Exit 1 on error findings
    (and, with --strict, on statements not understood)."""
    from dbdesign.checks.lint import lint as run_lint
    schema, config = load(source, read)
    result = run_lint(schema, config)
    if fmt == "json":
        emit_json(result.to_dict(lazy=True))
    else:
        emit_stream(line + "\n" for line in result.text_lines())
    finish(schema, strict, summary=fmt != "json")
    sys.exit(1 if result.has_errors else 0)


@main.command()
@click.argument("source", required=False)
@click.option("--dialect", type=DIALECTS, required=True, help="Target engine's dialect.")
@READ_OPTION
@STRICT_OPTION
@handle_errors
def ddl(source: str | None, dialect: str, read: str | None, strict: bool) -> None:
    """DDL for one engine on stdout; one portability note per line on stderr."""
    from dbdesign.dialects import get_dialect
    schema, _ = load(source, read)
    target = get_dialect(dialect)
    emit_stream(itertools.chain((f"{s};\n" for s in target.render_iter(schema, consume=True)), "\n"))
    for note in target.ctx.notes:
        click.echo(str(note), err=True)
    finish(schema, strict)


@main.command()
@click.argument("source", required=False)
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@READ_OPTION
@STRICT_OPTION
@handle_errors
def catalog(source: str | None, fmt: str, read: str | None, strict: bool) -> None:
    """The constraint catalogue and index list of SOURCE."""
    from dbdesign.generate.catalog import build_catalog
    schema, _ = load(source, read)
    cat = build_catalog(schema)
    if fmt == "json":
        emit_json(cat.to_dict())
    else:
        click.echo(cat.to_markdown())
    finish(schema, strict, summary=fmt != "json")


@main.command()
@click.option("--db", "url", required=True, help="sqlite:///f.db, duckdb:///f.duckdb, postgresql://..., mysql://...")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
@click.option("--lint/--no-lint", "with_lint", default=True, show_default=True)
@handle_errors
def inspect(url: str, fmt: str, with_lint: bool) -> None:
    """Introspect a live database into the model, then lint it (or print its catalogue)."""
    from dbdesign.generate.catalog import build_catalog
    from dbdesign.config import load_config
    from dbdesign.engines import connect
    from dbdesign.checks.lint import lint as run_lint
    with connect(url, create=False) as engine:
        schema = engine.introspect()
    # Introspected objects have no file: findings point at the database and the table instead.
    origin = schema.sources[0] if schema.sources else url
    for table in schema.tables.values():
        for obj in (table, *table.columns.values(), table.primary_key, *table.foreign_keys,
                    *table.uniques, *table.checks, *table.indexes):
            if obj is not None and obj.source.file is None:
                obj.source.file = f"{origin}#{table.qualname}"
    config = load_config()
    if with_lint:
        result = run_lint(schema, config)
        if fmt == "json":
            emit_json(result.to_dict())
        elif fmt == "md":
            click.echo(build_catalog(schema).to_markdown())
        else:
            click.echo(result.format_text())
        sys.exit(1 if result.has_errors else 0)
    cat = build_catalog(schema)
    emit_json(cat.to_dict()) if fmt == "json" else click.echo(cat.to_markdown())


@main.command()
@click.argument("source", required=False)
@click.option("-o", "--output", required=True, help="File to write: .svg .png .dot .mmd (Mermaid) .dbml")
@click.option("--around", help="Only this table and its neighbours.")
@click.option("--depth", type=click.IntRange(0, 20), default=1, show_default=True, help="Hops for --around.")
@click.option("--compact", is_flag=True, help="Keys only.")
@click.option("--cluster", type=click.Choice(["auto", "prefix", "none"]), default="auto", show_default=True)
@click.option("--max-cluster", type=click.IntRange(2, 1000), default=None,
              help="Tables per cluster [default: [erd] max_cluster, else 40].")
@click.option("--audit-edges", is_flag=True, help="Also draw created_by/updated_by lines.")
@click.option("--diff-from", "diff_from", help="Older SOURCE: draw what changed from it to SOURCE.")
@click.option("--whole", is_flag=True,
              help="One diagram of every table, even past --max-cluster tables (no overview).")
@READ_OPTION
@STRICT_OPTION
@handle_errors
def erd(source, output, around, depth, compact, cluster, max_cluster, audit_edges, diff_from,
        whole, read, strict) -> None:
    """Entity-relationship diagram of SOURCE (or a before/after diff with --diff-from).

    Past --max-cluster tables, OUTPUT is a cluster overview and each cluster (and each
    [erd.viewpoints] entry of dbdesign.toml) gets its own file next to it; every file
    written is listed. Mermaid is split only past GitHub's limits."""
    from dbdesign.review import erd as erd_mod
    from dbdesign.config import load_config
    schema, _ = load(source, read)
    opts = dict(around=around, depth=depth, compact=compact, cluster=cluster,
                audit_edges=audit_edges, config=load_config())
    if max_cluster is not None:
        opts["max_cluster"] = max_cluster
    if diff_from:
        erd_mod.render_diff(load(diff_from, read)[0], schema, output, **opts)
        click.echo(output)
    elif whole:
        erd_mod.render(schema, output, **opts)
        click.echo(output)
    else:
        for f in erd_mod.render_set(schema, output, **opts):
            click.echo(f"{f.path}: {f.what}" if f.path else f.what)
    finish(schema, strict)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True)
def rules(fmt: str) -> None:
    """Every lint rule: id, severity, what it checks, why, and where the advice comes from."""
    from dbdesign.checks.lint import RULES, rules_markdown
    if fmt == "md":
        click.echo(rules_markdown())
    elif fmt == "json":
        emit_json([{"id": r.id, "severity": r.severity, "summary": r.summary,
                    "rationale": r.rationale, "source": r.source} for r in RULES.values()])
    else:
        for r in RULES.values():
            click.echo(f"{r.id:34} {r.severity:8} {r.summary}")


@main.command()
@click.argument("source", required=False)
@click.option("--env", "env", default="dev", show_default=True, help="Seed folder under seeds/.")
@click.option("--db", "url", help="Apply to this database (its schema must exist); omit to only check.")
@click.option("--seeds-dir", default="seeds", show_default=True)
@click.option("--from", "source_url", help="staging only: the database to copy, masked per [staging.mask].")
@READ_OPTION
@handle_errors
def seed(source: str | None, env: str, url: str | None, seeds_dir: str, source_url: str | None,
         read: str | None) -> None:
    """Check an environment's seed files against the schema, and apply them with --db. The
    staging environment is built instead: --from a source database, anonymised, into --db."""
    from dbdesign.generate.seeds import apply_seeds, check_seeds
    schema, config = load(source, read)
    if env == "staging":
        from dbdesign.generate.anonymise import build_staging, rules_from_config
        from dbdesign.engines import connect
        if not (url and source_url):
            raise click.UsageError("staging is built from a database: give --from SOURCE_URL and --db TARGET_URL")
        rules = rules_from_config(config, schema)
        with connect(source_url, create=False) as src, connect(url) as dst:
            result = build_staging(src, dst, schema, rules)
        for table, n in result.rows.items():
            click.echo(f"{table}: {n} rows copied, masked")
        for leak in result.leaks:
            click.echo(f"leak: {leak}", err=True)
        click.echo(f"staging: {'LEAKS FOUND' if result.leaks else 'no original value of a masked column survives'}")
        sys.exit(1 if result.leaks else 0)
    if url:
        from dbdesign.engines import connect
        with connect(url) as engine:
            seeds = apply_seeds(engine, schema, seeds_dir, env)
    else:
        seeds = check_seeds(schema, seeds_dir, env)
    for s in seeds:
        rows = ", ".join(f"{t} {n}" for t, n in s.tables.items())
        click.echo(f"{s.path}: {rows}")
    click.echo(f"{env}: {len(seeds)} seed files {'applied' if url else 'valid'}")


@main.command()
@click.argument("source", required=False)
@click.option("--format", "fmt", type=FORMATS_TEXT_JSON, default="text", show_default=True)
@click.option("--seeds-dir", default="seeds", show_default=True)
@click.option("--engine", "engine_names", multiple=True, type=click.Choice(["sqlite", "duckdb", "postgres", "mysql"]),
              help="Deploy and check on these engines only (default: every reachable one).")
@READ_OPTION
@handle_errors
def gate(source: str | None, fmt: str, seeds_dir: str, engine_names: tuple[str, ...],
         read: str | None) -> None:
    """The design checklist and gate criteria, computed from the project: the migrations are
    applied to a throw-away database per engine and checked by writes. Exit 1 if not passed."""
    import os
    from dbdesign.checks.gate import evaluate
    schema, config = load(source, read)
    src = source or config.source
    result = evaluate(schema, config, src if os.path.isdir(src) else None, seeds_dir,
                      engines=engine_names or None)
    if fmt == "json":
        emit_json(result.to_dict())
    else:
        click.echo(result.format_text())
    sys.exit(0 if result.passed else 1)


@main.command()
@click.argument("source", required=False)
@click.option("--engine", "engine_name", type=click.Choice(["sqlite", "duckdb", "postgres", "mysql"]),
              default="sqlite", show_default=True)
@click.option("--queries", "queries_file", type=click.Path(dir_okay=False),
              help="SQL file of named queries (-- name: ...); default: the configured workload, else one derived from the schema.")
@click.option("--rows", type=click.IntRange(100, 10_000_000), default=20_000, show_default=True)
@click.option("--baseline", type=click.Choice(["schema", "keys"]), default="schema", show_default=True,
              help="Start from the design's indexes, or from keys only.")
@click.option("--no-verify", is_flag=True, help="Only propose; do not build and measure.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
@READ_OPTION
@handle_errors
def advise(source, engine_name, queries_file, rows, baseline, no_verify, fmt, read) -> None:
    """Propose indexes for a workload and verify each on generated data (plan, read gain,
    write cost, size); `--format md` prints the index documentation."""
    from dbdesign.lab.advisor import advise as run_advise
    from dbdesign.lab.workload import for_schema, load_queries
    schema, config = load(source, read)
    queries = load_queries(queries_file) if queries_file else for_schema(schema, source, config)
    advice = run_advise(schema, queries, engine_name, rows=rows, baseline=baseline, verify=not no_verify)
    if fmt == "md":
        click.echo(advice.index_documentation(schema))
    elif fmt == "json":
        emit_json({"engine": advice.engine, "rows": advice.rows,
                   "proposals": advice.to_frame().to_dict(orient="records")})
    else:
        frame = advice.to_frame()[["index", "definition", "queries", "verdict", "used_by_plan",
                                   "read_gain_x", "insert_cost_x", "index_kib"]]
        click.echo(frame.to_string(index=False))


@main.command()
@click.option("--scale", type=click.Choice(["small", "large"]), default="small", show_default=True,
              help="Data scale for the notebooks (small runs in about a minute).")
@click.option("--out", "out_dir", default="build/report", show_default=True, type=click.Path(file_okay=False))
@handle_errors
def report(scale: str, out_dir: str) -> None:
    """Execute every notebook and write one offline HTML design review plus its output files."""
    from dbdesign.review.report import build_report
    path = build_report(out_dir, scale, log=lambda m: click.echo(m, err=True))
    click.echo(str(path))


# Command groups that live beside their library modules.
from dbdesign.cli.migrate import migrate  # noqa: E402
from dbdesign.cli.lab import bench, datagen  # noqa: E402
from dbdesign.cli.probe import audit, probe, softdelete  # noqa: E402
from dbdesign.cli.design import api, nosql, pool  # noqa: E402

for _command in (migrate, probe, audit, softdelete, datagen, bench, api, nosql, pool):
    main.add_command(_command)
