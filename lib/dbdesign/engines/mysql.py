"""MySQL / MariaDB through PyMySQL (a server; URL mysql://user:pass@host:port/db).

MariaDB has no transactional DDL: a failing multi-statement script stays half-applied, which
is why `capabilities.transactional_ddl` is False and callers must plan for it."""
from __future__ import annotations

import contextlib
import uuid
from typing import Iterator
from urllib.parse import unquote, urlsplit, urlunsplit

import pymysql

from ..errors import EngineUnavailable, InputError
from .base import Capabilities, Engine
from .postgres import _safe

DEFAULT_URL = "mysql://root@127.0.0.1:3306/test"


class MySQLEngine(Engine):
    name = "mysql"
    dialect = "mysql"
    url_schemes = ("mysql", "mariadb")
    capabilities = Capabilities(
        transactional_ddl=False, partial_index=False, expression_index=False,
        alter_add_foreign_key=True, inline_enum=True, timestamptz=False,
        fk_auto_index=True,  # InnoDB indexes FK columns itself (ENGINE_FACTS)
        full_text="FULLTEXT indexes (InnoDB, natural language / boolean mode)",
    )

    def __init__(self, url: str):
        super().__init__(url)
        parts = urlsplit(url)
        if not parts.hostname:
            raise InputError("MySQL/MariaDB URLs look like mysql://user:password@host:3306/database", url)
        self._params = dict(
            host=parts.hostname, port=parts.port or 3306, user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""), database=parts.path.lstrip("/") or None,
            autocommit=True, charset="utf8mb4", connect_timeout=5)

    def _connect(self):
        try:
            return pymysql.connect(**self._params)
        except pymysql.err.OperationalError as err:
            raise EngineUnavailable(f"mysql: cannot connect to {_safe(self.url)}: {err.args[-1]}") from err

    def begin(self) -> None:
        self.execute("START TRANSACTION")

    def version(self) -> str:
        return self.query("SELECT VERSION()")[0][0]

    def table_names(self) -> list[str]:
        rows = self.query("SELECT table_name FROM information_schema.tables WHERE "
                          "table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1")
        return [r[0] for r in rows]

    @classmethod
    @contextlib.contextmanager
    def throwaway(cls, server_url: str | None = None) -> Iterator["MySQLEngine"]:
        admin = cls(server_url or DEFAULT_URL)
        name = "dbdesign_tmp_" + uuid.uuid4().hex[:12]
        admin.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        parts = urlsplit(admin.url)
        engine = cls(urlunsplit(parts._replace(path="/" + name)))
        try:
            yield engine
        finally:
            engine.close()
            admin.execute(f"DROP DATABASE IF EXISTS `{name}`")
            admin.close()
