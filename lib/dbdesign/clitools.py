"""Shared pieces of the command-line layer: error handling, JSON output, loading SOURCE.

Kept apart from `cli` so that command modules living beside their libraries (`migrate_cli`,
`probe_cli`, ...) can use them without importing `cli`, which imports them.
"""
from __future__ import annotations

import functools
import json
import os
import sys

import click

from .errors import DbDesignError, EngineError, EngineUnavailable, InputError

FORMATS_TEXT_JSON = click.Choice(["text", "json"])
DIALECTS = click.Choice(["postgres", "mysql", "sqlite", "duckdb"])


def handle_errors(fn):
    """Turn our errors into one line and an exit code; let click's own usage errors through.

    Bad input (our InputError, an unreachable server, an engine refusing the input, a file that
    cannot be read or written) -> exit 2. Anything else is a bug in dbdesign: one line asking
    for a report, exit 3, and the traceback only with DBDESIGN_DEBUG=1."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (InputError, EngineUnavailable) as err:
            click.echo(f"dbdesign: {err}", err=True)
            sys.exit(2)
        except EngineError as err:
            click.echo(f"dbdesign: {str(err).splitlines()[0]}", err=True)
            sys.exit(2)
        except DbDesignError as err:
            click.echo(f"dbdesign: {err}", err=True)
            sys.exit(2)
        except OSError as err:
            where = f"{err.filename}: " if err.filename else ""
            click.echo(f"dbdesign: {where}{err.strerror or err}; check the path and permissions", err=True)
            sys.exit(2)
        except click.ClickException:
            raise
        except Exception as err:  # a bug: say so plainly instead of a traceback
            if os.environ.get("DBDESIGN_DEBUG"):
                raise
            first = (str(err).splitlines() or [""])[0]
            click.echo(f"dbdesign: internal error ({type(err).__name__}: {first}); please report it "
                       "with the command you ran (DBDESIGN_DEBUG=1 shows the traceback)", err=True)
            sys.exit(3)
    return wrapper


def emit_json(data) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def load(source: str | None):
    """(schema, config) for SOURCE, or the configured source (default: ./migrations)."""
    from .config import load_config
    from .source import load_source
    config = load_config()
    schema = load_source(source or config.source)
    for diag in schema.diagnostics:
        click.echo(str(diag), err=True)
    return schema, config
