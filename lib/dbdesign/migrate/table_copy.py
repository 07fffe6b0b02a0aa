"""Which ALTER TABLEs make MariaDB/MySQL copy the table: asked of the server itself.

InnoDB runs an ALTER as INSTANT (metadata only), INPLACE (rebuild or index build while writes
mostly go on) or COPY (a new table filled row by row while writes wait). Which one applies
depends on the operation, the column types and the server version, and the server is the only
reliable source: a throw-away database on the given server replays the migrations folder
(rendered for MariaDB/MySQL by the runner's renderer) and each ALTER TABLE / CREATE INDEX on a
table that already held data is first tried with ``ALGORITHM=INSTANT``, then ``INPLACE``. When
the server refuses both, the statement runs as plain (COPY) and the finding quotes the server's
reason (`migration-table-copy`). Tables created by the same file, or by an earlier file of the
same unapplied batch, are skipped: there is nothing to copy yet.
"""
from __future__ import annotations

import copy
import contextlib
import re

from dbdesign.errors import EngineError, InputError
from dbdesign.checks.lint import Finding
from dbdesign.model import Schema

_TARGET = re.compile(r"^\s*(?:ALTER\s+TABLE\s+(?:IGNORE\s+)?|CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?"
                     r"INDEX\s+\S+\s+ON\s+)`?(?P<table>[\w$]+)`?", re.I)
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?(?P<table>[\w$]+)`?", re.I)
# The server's words when an algorithm cannot be used (MariaDB 10.x and MySQL 8).
_UNSUPPORTED = re.compile(r"ALGORITHM=\w+ is not supported|not supported.*ALGORITHM|Try ALGORITHM=", re.I)


def _with_algorithm(sql: str, algorithm: str) -> str:
    sql = sql.rstrip().rstrip(";")
    return f"{sql}, ALGORITHM={algorithm}" if sql.lstrip().upper().startswith("ALTER") \
        else f"{sql} ALGORITHM={algorithm}"


def probe_statement(engine, sql: str) -> tuple[str, str | None]:
    """Run one ALTER on `engine` with the cheapest algorithm the server accepts: ('INSTANT' |
    'INPLACE' | 'COPY', the server's reason for refusing INPLACE). The change is applied."""
    reason = None
    for algorithm in ("INSTANT", "INPLACE"):
        try:
            engine.execute(_with_algorithm(sql, algorithm))
            return algorithm, reason
        except EngineError as err:
            if not _UNSUPPORTED.search(str(err)):
                raise
            found = re.search(r"Reason: ([^'\"]+?)\.? Try", str(err))
            reason = found.group(1) if found else str(err).split(": ", 1)[-1]
    engine.execute(sql)
    return "COPY", reason


def table_copy_findings(directory: str, server_url: str, batch_from: int | None = None,
                        decisions: list | None = None) -> list[Finding]:
    """`migration-table-copy` for every statement the server would run as COPY. `decisions`,
    when given, receives (file, line, table, algorithm, reason) for every probed statement."""
    from dbdesign import engines
    from dbdesign.migrate.runner import load_folder, render_file
    from dbdesign.checks.migration_lint import SEVERITY
    from dbdesign.schema.parse import parse_sql
    migrations = load_folder(directory)
    findings: list[Finding] = []
    schema = Schema()
    batch_tables: set[str] = set()
    with engines.engine_class("mysql").throwaway(server_url) as eng:
        version = eng.version()
        for m in migrations:
            created: set[str] = set()
            rendered = render_file(m.up, "mysql", copy.deepcopy(schema), exact_lines=True)
            for step in rendered.steps:
                made = _CREATE_TABLE.match(step.sql)
                if made:
                    created.add(made.group("table"))
                target = _TARGET.match(step.sql)
                table = target.group("table") if target else None
                live = (table is not None and table not in created and table not in batch_tables
                        and schema.table(table) is not None)
                if not live:
                    eng.execute(step.sql)
                    continue
                algorithm, reason = probe_statement(eng, step.sql)
                if decisions is not None:
                    decisions.append((step.file, step.line, table, algorithm, reason))
                if algorithm == "COPY":
                    findings.append(Finding(
                        "migration-table-copy", SEVERITY["migration-table-copy"],
                        f"the server ({version}) runs this neither INSTANT nor INPLACE ({reason}); it copies "
                        f"{table} row by row while writes wait. Expand/contract (new column, "
                        "backfill, switch), or an online schema change tool (gh-ost, "
                        "pt-online-schema-change)", table=table, file=step.file, line=step.line))
            if batch_from is not None and m.version >= batch_from:
                batch_tables |= created
            with open(m.up, encoding="utf-8") as fh, contextlib.suppress(InputError):
                parse_sql(fh.read(), m.up, schema)
    return findings
