"""Shared pieces of the command-line layer: error handling, JSON output, loading SOURCE.

Kept apart from `cli` so that command modules living beside their libraries (`migrate_cli`,
`probe_cli`, ...) can use them without importing `cli`, which imports them.
"""
from __future__ import annotations

import functools
import itertools
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sized

import click

from dbdesign.errors import DbDesignError, InputError, mask_secrets

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


def emit_stream(pieces) -> None:
    """Text pieces on stdout as they come, one write per 64 KB (a write per piece costs more
    than making it), so a large output is never held whole."""
    out = click.get_text_stream("stdout")
    chunks: list[str] = []
    size = 0
    for piece in pieces:
        chunks.append(piece)
        size += len(piece)
        if size >= 1 << 16:
            out.write("".join(chunks))
            chunks, size = [], 0
    out.write("".join(chunks))


_COMPACT = json.JSONEncoder(default=str)  # no indent: the C encoder


def _record_encoder():
    """`_COMPACT.encode` for many small records: the standard library's C encoder made once
    (`JSONEncoder.encode` makes it anew for every call, half the cost of writing 800,000
    lint findings); `_COMPACT.encode` itself where the C encoder is missing."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _COMPACT.encode
    encoder = make(None, _COMPACT.default, json.encoder.encode_basestring_ascii, None,
                   _COMPACT.key_separator, _COMPACT.item_separator, False, False, True)
    return lambda obj: "".join(encoder(obj, 0))


_encode_record = _record_encoder()


def _json_chunks(data, depth: int = 0) -> Iterator[str]:
    """`data` as JSON, indented down to lists of records, each record on one line: readable,
    and encoded by the C encoder (Python's indenting encoder is pure Python, several times
    slower on a large schema's findings)."""
    pad = "  " * (depth + 1)
    if isinstance(data, dict) and data and depth < 2:
        items = list(data.items())
        yield "{\n"
        for i, (k, v) in enumerate(items):
            yield f"{pad}{_COMPACT.encode(str(k))}: "
            yield from _json_chunks(v, depth + 1)
            yield ",\n" if i + 1 < len(items) else "\n"
        yield "  " * depth + "}"
    elif _listlike(data) and depth < 3:
        if not len(data):
            yield "[]"
            return
        yield "[\n"
        for i, item in enumerate(data):
            yield pad + _encode_record(item) + (",\n" if i + 1 < len(data) else "\n")
        yield "  " * depth + "]"
    else:
        yield _COMPACT.encode(data)


def _listlike(data) -> bool:
    """A list, a tuple, or a sized iterable made as it is read (`checks.lint.Records`)."""
    return isinstance(data, (list, tuple)) or (
        isinstance(data, Sized) and isinstance(data, Iterable) and not isinstance(data, (str, bytes, dict)))


def emit_json(data) -> None:
    """JSON on stdout, written as it is encoded (a 50 MB schema's lint is ~100 MB of JSON:
    never held as one string)."""
    emit_stream(itertools.chain(_json_chunks(data), "\n"))


READS = click.Choice(["postgres", "mysql", "sqlite"])
READ_OPTION = click.option(
    "--read", "read", type=READS, default=None,
    help="Engine whose SQL the schema or migration files are written in: postgres (default; "
         "pg_dump, psql scripts), mysql (mysqldump, MariaDB/MySQL DDL), sqlite (.schema "
         "output). Config: read = ...")
STRICT_OPTION = click.option("--strict", is_flag=True,
                             help="Exit 1 when a statement of SOURCE was not understood.")


def load(source: str | None, read: str | None = None):
    """(schema, config) for SOURCE, or the configured source (default: ./migrations), read as
    `read` (else the config's `read`, else postgres). Input warnings go to stderr."""
    from dbdesign.config import load_config
    from dbdesign.schema.parse import reading
    from dbdesign.schema.source import load_source
    config = load_config().for_source(source)
    read = read or config.read
    path = config.source
    try:
        with reading(read):
            schema = load_source(path, read)
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


def skipped_lines(skipped) -> list[str]:
    """One summary line per category ("64 statements without design effect skipped: 58 OWNER
    TO, 6 GRANT"); statements not understood are listed one per line with file:line."""
    from collections import Counter
    out = []
    for category, label in (("no design effect", "statements without design effect skipped"),
                            ("not modelled", "details understood but not in the model")):
        counts = Counter(s.kind for s in skipped if s.category == category)
        if counts:
            kinds = ", ".join(f"{n} {k}" for k, n in counts.most_common())
            total = sum(counts.values())
            label = label.replace("statements", "statement", 1) if total == 1 else label
            out.append(f"{total} {label}: {kinds}")
    for s in skipped:
        if s.category == "not understood":
            where = f"{s.file}:{s.line}" if s.file else "<sql>"
            out.append(f"{where}: not understood: {s.kind}: {s.reason}")
    return out


def finish(schema, strict: bool, summary: bool = True) -> None:
    """After a command's output: the skipped-statement summary on stderr (`summary`; JSON
    output carries it instead), and --strict: a statement that was not understood fails the
    command (exit 1)."""
    if summary:
        for line in skipped_lines(schema.skipped):
            click.echo(line, err=True)
    missed = [s for s in schema.skipped if s.category == "not understood"]
    if strict and missed:
        click.echo(f"dbdesign: --strict: {len(missed)} statement(s) not understood (listed above)",
                   err=True)
        sys.exit(1)
