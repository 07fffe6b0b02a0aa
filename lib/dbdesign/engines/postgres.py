"""PostgreSQL through psycopg 3 (a server; URL postgresql://user@host:port/db)."""
from __future__ import annotations

import contextlib
import uuid
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg

from ..errors import EngineUnavailable
from .base import Capabilities, Engine

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


class PostgresEngine(Engine):
    name = "postgres"
    dialect = "postgres"
    url_schemes = ("postgresql", "postgres")
    capabilities = Capabilities(enum_type=True, include_columns=True,
                                full_text="tsvector + GIN indexes")

    def _connect(self):
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as err:
            raise EngineUnavailable(f"postgres: cannot connect to {_safe(self.url)}: "
                                    f"{str(err).strip().splitlines()[0]}") from err

    def version(self) -> str:
        return self.query("SHOW server_version")[0][0]

    def table_names(self) -> list[str]:
        rows = self.query("SELECT table_name FROM information_schema.tables WHERE "
                          "table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1")
        return [r[0] for r in rows]

    @classmethod
    @contextlib.contextmanager
    def throwaway(cls, server_url: str | None = None) -> Iterator["PostgresEngine"]:
        admin = cls(server_url or DEFAULT_URL)
        name = "dbdesign_tmp_" + uuid.uuid4().hex[:12]
        admin.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(admin.url)
        engine = cls(urlunsplit(parts._replace(path="/" + name)))
        try:
            yield engine
        finally:
            engine.close()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


def _safe(url: str) -> str:
    """The URL without its password, for error messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
