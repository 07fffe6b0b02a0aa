"""`dbdesign probe` and `dbdesign audit`: thin click commands over `probe` and `audit`.

They are added to the `dbdesign` group in cli.py.
Exit codes: 0 every guard held, 1 a probe found a guard that did not hold, 2 bad input.
"""
from __future__ import annotations

import sys

import click

from dbdesign.cli.tools import DIALECTS, READ_OPTION, emit_json, handle_errors, load


@click.command()
@click.argument("source", required=False)
@click.option("--engine", "engine_names", multiple=True,
              type=click.Choice(["sqlite", "duckdb", "postgres", "mysql"]),
              help="Engine(s) to probe in throw-away databases (default: all four).")
@click.option("--db", "url", help="Probe in this (empty) database instead.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def probe(source: str | None, engine_names: tuple[str, ...], url: str | None, fmt: str) -> None:
    """Adversarial writes against every constraint of SOURCE: which engine rejects what."""
    from dbdesign.lab.probe import ALL_ENGINES, run_probe
    schema, _ = load(source)
    targets = [url] if url else list(engine_names or ALL_ENGINES)
    result = run_probe(schema, targets)
    if fmt == "json":
        emit_json(result.to_dict() | {"findings": [f.to_dict() for f in result.findings]})
    else:
        frame = result.matrix()
        click.echo(frame.to_string())
        for f in result.findings:
            click.echo(f"{f.file}:{f.line}: {f.severity}: {f.message}")
    sys.exit(1 if result.findings else 0)


@click.command()
@click.argument("source", required=False)
@click.option("--dialect", type=DIALECTS, help="Print the triggers for this engine on stdout.")
@click.option("--table", "tables", multiple=True, help="Audit only these tables (default: all with a key).")
@click.option("--write", "folder", type=click.Path(file_okay=False),
              help="Write NNNN_audit_trail up/down files for every engine into this migrations folder.")
@READ_OPTION
@handle_errors
def audit(source: str | None, dialect: str | None, tables: tuple[str, ...], folder: str | None,
          read: str | None) -> None:
    """Timestamp, actor and audit-log triggers for SOURCE: on stdout for --dialect (notes on
    stderr), or as migration files per engine with --write."""
    from dbdesign.generate.audit import audit_statements
    from dbdesign.generate.deployed import audit_migrations
    _print_or_write(source, read, dialect, folder, tables, ["audit_trail"], audit_statements, audit_migrations)


def _print_or_write(source, read, dialect, folder, tables, names, statements, migrations) -> None:
    """The generator's SQL for `dialect` on stdout (notes on stderr), or its migration files
    (numbered after the folder's last version, or in place when regenerated) with --write."""
    schema, config = load(source, read)
    only = list(tables) or None
    if folder:
        from dbdesign.generate.deployed import plan_versions, write_migrations
        first = plan_versions(folder, names)[names[0]]
        for path in write_migrations(migrations(schema, first, config, only), folder):
            click.echo(path)
        return
    if not dialect:
        raise click.UsageError("give --dialect to print, or --write FOLDER to write migrations")
    plan = statements(schema, dialect, only, config)
    click.echo(plan.sql)
    for note in plan.notes:
        click.echo(f"note: {note}", err=True)


@click.command()
@click.argument("source", required=False)
@click.option("--dialect", type=DIALECTS, help="Print the soft-delete objects for this engine on stdout.")
@click.option("--table", "tables", multiple=True, help="Only these tables (default: [lint] user_facing_tables).")
@click.option("--write", "folder", type=click.Path(file_okay=False),
              help="Write live_uniques / soft_delete_cascade / active_views migrations into this folder.")
@READ_OPTION
@handle_errors
def softdelete(source: str | None, dialect: str | None, tables: tuple[str, ...], folder: str | None,
               read: str | None) -> None:
    """Live-only uniques, cascade triggers and active_* views for SOURCE: on stdout for
    --dialect (notes on stderr), or as migration files with --write."""
    from dbdesign.generate.deployed import SOFT_DELETE_NAMES, soft_delete_migrations
    from dbdesign.generate.softdelete import soft_delete_statements
    _print_or_write(source, read, dialect, folder, tables, SOFT_DELETE_NAMES, soft_delete_statements,
                    soft_delete_migrations)
