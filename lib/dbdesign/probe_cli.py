"""`dbdesign probe` and `dbdesign audit`: thin click commands over `probe` and `audit`.

They are added to the `dbdesign` group in cli.py.
Exit codes: 0 every guard held, 1 a probe found a guard that did not hold, 2 bad input.
"""
from __future__ import annotations

import sys

import click

from .clitools import DIALECTS, emit_json, handle_errors, load


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
    from .probe import ALL_ENGINES, run_probe
    schema, _ = load(source)
    targets = [url] if url else list(engine_names or ALL_ENGINES)
    result = run_probe(schema, targets)
    if fmt == "json":
        emit_json(result.to_dict() | {"findings": [vars(f) for f in result.findings]})
    else:
        frame = result.matrix()
        click.echo(frame.to_string())
        for f in result.findings:
            click.echo(f"{f.file}:{f.line}: {f.severity}: {f.message}")
    sys.exit(1 if result.findings else 0)


@click.command()
@click.argument("source", required=False)
@click.option("--dialect", type=DIALECTS, required=True, help="Engine to generate triggers for.")
@click.option("--table", "tables", multiple=True, help="Audit only these tables (default: all with a key).")
@handle_errors
def audit(source: str | None, dialect: str, tables: tuple[str, ...]) -> None:
    """Timestamp, actor and audit-log triggers for SOURCE on stdout; notes on stderr."""
    from .audit import audit_statements
    schema, _ = load(source)
    plan = audit_statements(schema, dialect, list(tables) or None)
    click.echo(plan.sql)
    for note in plan.notes:
        click.echo(f"note: {note}", err=True)
