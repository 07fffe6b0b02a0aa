"""PostgreSQL: the authoring dialect. Everything is kept; the output is the model re-rendered."""
from __future__ import annotations

from ..engines.postgres import PostgresEngine
from .base import Dialect


class PostgresDialect(Dialect):
    name = "postgres"
    sqlglot_dialect = "postgres"
    caps = PostgresEngine.capabilities


def dollar_quote(body: str, tag: str = "body") -> str:
    """`body` in a dollar quote whose tag does not occur in it, so nothing in the body (a
    name holding `$$`, say) can end the quote early: $body$...$body$, else $body1$... ."""
    n = 0
    while True:
        delim = f"${tag}{n or ''}$"
        if delim not in body:
            return f"{delim}{body}{delim}"
        n += 1
