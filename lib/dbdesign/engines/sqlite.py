"""SQLite through Python's sqlite3 (embedded; always available)."""
from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from typing import Iterator

from ..errors import EngineError, InputError
from .base import Capabilities, Engine


class SQLiteEngine(Engine):
    name = "sqlite"
    dialect = "sqlite"
    url_schemes = ("sqlite",)
    capabilities = Capabilities(
        enum_type=False, inline_enum=False, timestamptz=False, uuid_type=False,
        varchar_length_enforced=False,  # VARCHAR(255) is decoration (ENGINE_FACTS)
        fk_enforced_by_default=False,  # needs PRAGMA foreign_keys=ON per connection
        identity=False, alter_add_foreign_key=False, include_columns=False,
        full_text="FTS5 virtual tables",
    )

    def __init__(self, url: str):
        super().__init__(url)
        if not url.startswith("sqlite:///"):
            raise InputError("SQLite URLs look like sqlite:///path/to/file.db or sqlite:///:memory:", url)
        self.path = url[len("sqlite:///"):] or ":memory:"

    def _connect(self):
        if self.path != ":memory:":
            parent = os.path.dirname(os.path.abspath(self.path))
            if not os.path.isdir(parent):
                raise InputError(f"folder {parent} does not exist; create it first", self.url)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so no implicit transaction
        # can swallow the foreign_keys pragma (ENGINE_FACTS: the pragma must run right away).
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def version(self) -> str:
        return sqlite3.sqlite_version

    def table_names(self) -> list[str]:
        rows = self.query("SELECT name FROM sqlite_master WHERE type='table' "
                          "AND name NOT LIKE 'sqlite_%' ORDER BY name")
        return [r[0] for r in rows]

    @classmethod
    @contextlib.contextmanager
    def throwaway(cls, server_url: str | None = None) -> Iterator["SQLiteEngine"]:
        with tempfile.TemporaryDirectory(prefix="dbdesign-") as tmp:
            engine = cls("sqlite:///" + os.path.join(tmp, "throwaway.db"))
            try:
                yield engine
            finally:
                engine.close()
