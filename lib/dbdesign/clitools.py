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

from .errors import DbDesignError, EngineError, EngineUnavailable, InputError, mask_secrets

NESTED_TOO_DEEP = ("the input is nested too deeply (parentheses, expressions or tables inside "
                   "each other); flatten it")
FORMATS_TEXT_JSON = click.Choice(["text", "json"])
DIALECTS = click.Choice(["postgres", "mysql", "sqlite", "duckdb"])


def handle_errors(fn):
    """Turn our errors into one line and an exit code; let click's own usage errors through.

    Bad input (our InputError, an unreachable server, an engine refusing the input, a file that
    cannot be read or written) -> exit 2. Anything else is a bug in dbdesign: one line asking
    for a report, exit 3, and the traceback only with DBDESIGN_DEBUG=1."""
    def fail(message: str, code: int):
        click.echo(mask_secrets(f"dbdesign: {message}"), err=True)
        sys.exit(code)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DbDesignError as err:
            fail((str(err).splitlines() or [type(err).__name__])[0], 2)
        except RecursionError:
            fail(NESTED_TOO_DEEP, 2)
        except UnicodeDecodeError as err:
            fail(f"a file is not UTF-8 text ({err.reason} at byte {err.start}); save it as "
                 "UTF-8", 2)
        except OSError as err:
            where = f"{err.filename}: " if err.filename else ""
            fail(f"{where}{err.strerror or err}; check the path and permissions", 2)
        except click.ClickException:
            raise
        except Exception as err:  # a bug: say so plainly instead of a traceback
            if os.environ.get("DBDESIGN_DEBUG"):
                raise
            first = (str(err).splitlines() or [""])[0]
            fail(f"internal error ({type(err).__name__}: {first}); please report it with the "
                 "command you ran (DBDESIGN_DEBUG=1 shows the traceback)", 3)
    return wrapper


def emit_json(data) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def load(source: str | None):
    """(schema, config) for SOURCE, or the configured source (default: ./migrations)."""
    from .config import load_config
    from .source import load_source
    config = load_config()
    path = source or config.source
    try:
        schema = load_source(path)
    except (DbDesignError, OSError, UnicodeDecodeError):
        raise
    except RecursionError:
        raise InputError(NESTED_TOO_DEEP, path) from None
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as err:
        # The reader met a statement shape it does not know: the input cannot be read, so
        # it is bad input (exit 2) that names the file; the cause is kept for DBDESIGN_DEBUG.
        if os.environ.get("DBDESIGN_DEBUG"):
            raise
        raise InputError(f"cannot read this SQL ({type(err).__name__}: {err}); check the "
                         "statement syntax", path) from err
    for diag in schema.diagnostics:
        click.echo(str(diag), err=True)
    return schema, config
