"""PostgreSQL: the authoring dialect. Everything is kept; the output is the model re-rendered."""
from __future__ import annotations

from sqlglot import exp

from dbdesign.engines.postgres import PostgresEngine
from dbdesign.dialects.base import Dialect


class PostgresDialect(Dialect):
    name = "postgres"
    sqlglot_dialect = "postgres"
    caps = PostgresEngine.capabilities
    DEFERRABLE = frozenset({"fk", "unique", "pk"})
    NOT_VALID = NULLS_NOT_DISTINCT = OPERATOR_CLASSES = PARTITIONS = DOMAINS = True
    UNKNOWN_FUNCTIONS = EXTENSION_TYPES = COLLATIONS = True
    MIGRATION_VERBATIM = DROP_TRIGGER_ON_TABLE = POSTGRES_LOCKS = True
    NO_BODY_CHECKS = "SET check_function_bodies = false"  # as pg_dump writes it
    SCHEMA_WIDE_NAMES = frozenset({"index", "constraint index"})  # PK/UNIQUE name an index
    MAX_IDENTIFIER = 63  # NAMEDATALEN - 1: longer names are truncated with only a NOTICE

    def map_expression(self, node: exp.Expression, obj: str, where: str) -> exp.Expression:
        """`nextval('public.s'::regclass)` as the catalogue shows it: `public` is on the
        search path, so the sequence is named without it."""
        def fix(n: exp.Expression) -> exp.Expression:
            if isinstance(n, exp.Literal) and n.is_string and n.this.startswith("public.") \
                    and isinstance(n.parent, exp.Cast) and n.parent.to.sql().upper() == "REGCLASS":
                return exp.Literal.string(n.this[len("public."):])
            return n
        return node.transform(fix)


def dollar_quote(body: str, tag: str = "body") -> str:
    """`body` in a dollar quote whose tag does not occur in it, so nothing in the body (a
    name holding `$$`, say) can end the quote early: $body$...$body$, else $body1$... ."""
    n = 0
    while True:
        delim = f"${tag}{n or ''}$"
        if delim not in body:
            return f"{delim}{body}{delim}"
        n += 1
