"""Render the schema model for `postgres`, `mysql` (MariaDB), `sqlite`, `duckdb`, and report
what each engine cannot hold (the portability report).

    >>> from dbdesign import dialects
    >>> out = dialects.render(schema, "sqlite")
    >>> out.sql, out.notes, out.model

`statements.render_statements` renders a PostgreSQL-dialect migration file statement by
statement.
"""
from __future__ import annotations

from dbdesign.errors import InputError
from dbdesign.model import Schema
from dbdesign.dialects.base import ACTIONS, Dialect, FkOrder, PortabilityNote, Rendered, fk_order, table_order
from dbdesign.dialects.duckdb import DuckDBDialect
from dbdesign.dialects.mysql import MySQLDialect
from dbdesign.dialects.postgres import PostgresDialect
from dbdesign.dialects.sqlite import SQLiteDialect

DIALECTS: dict[str, type[Dialect]] = {
    "postgres": PostgresDialect,
    "mysql": MySQLDialect,
    "sqlite": SQLiteDialect,
    "duckdb": DuckDBDialect,
}
NAMES = tuple(DIALECTS)


def get_dialect(name: str) -> Dialect:
    try:
        return DIALECTS[name]()
    except KeyError:
        raise InputError(f"unknown dialect {name!r}; choose one of {', '.join(DIALECTS)}") from None


def render(schema: Schema, dialect: str) -> Rendered:
    """DDL for `dialect`, the notes on what it lost, and the schema as the engine holds it."""
    return get_dialect(dialect).render(schema)


def portability_report(schema: Schema) -> list[PortabilityNote]:
    """Every note of every dialect, in dialect order."""
    return [n for name in NAMES for n in render(schema, name).notes]


def portability_frame(schema: Schema):
    """The report as a pandas DataFrame (engine, feature, object, action, detail) for notebooks;
    pivot it with ``.pivot_table(index='feature', columns='engine', values='action',
    aggfunc=lambda s: ', '.join(sorted(set(s))))``."""
    import pandas as pd
    rows = [vars(n) for n in portability_report(schema)]
    return pd.DataFrame(rows, columns=["engine", "feature", "object", "action", "detail"])



__all__ = ["ACTIONS", "DIALECTS", "NAMES", "Dialect", "PortabilityNote", "Rendered", "get_dialect",
           "render", "portability_report", "portability_frame", "table_order",
           "fk_order", "FkOrder"]
