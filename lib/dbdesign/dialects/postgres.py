"""PostgreSQL: the authoring dialect. Everything is kept; the output is the model re-rendered."""
from __future__ import annotations

from ..engines.postgres import PostgresEngine
from .base import Dialect


class PostgresDialect(Dialect):
    name = "postgres"
    sqlglot_dialect = "postgres"
    caps = PostgresEngine.capabilities
    MAX_IDENTIFIER = 63  # NAMEDATALEN - 1: longer names are truncated with only a NOTICE
