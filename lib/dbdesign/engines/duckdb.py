"""DuckDB (embedded; always available). See ENGINE_FACTS: no FK actions, no partial indexes,
ART indexes used only for point lookups, plain EXPLAIN hides index use."""
from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Iterator

import duckdb

from ..errors import InputError
from .base import Capabilities, Engine


class DuckDBEngine(Engine):
    name = "duckdb"
    dialect = "duckdb"
    url_schemes = ("duckdb",)
    capabilities = Capabilities(
        partial_index=False, desc_index=False, fk_actions=False, alter_add_foreign_key=False,
        enum_type=True, varchar_length_enforced=False, identity=False, include_columns=False,
        full_text="none offline (the fts extension is downloaded on first use)",
    )

    def __init__(self, url: str):
        super().__init__(url)
        if not url.startswith("duckdb:///"):
            raise InputError("DuckDB URLs look like duckdb:///path/to/file.duckdb or duckdb:///:memory:", url)
        self.path = url[len("duckdb:///"):] or ":memory:"

    def _connect(self):
        if self.path != ":memory:":
            parent = os.path.dirname(os.path.abspath(self.path))
            if not os.path.isdir(parent):
                raise InputError(f"folder {parent} does not exist; create it first", self.url)
        return duckdb.connect(self.path)

    def version(self) -> str:
        return duckdb.__version__

    def table_names(self) -> list[str]:
        rows = self.query("SELECT table_name FROM duckdb_tables() WHERE NOT internal "
                          "AND schema_name = current_schema() ORDER BY table_name")
        return [r[0] for r in rows]

    @classmethod
    @contextlib.contextmanager
    def throwaway(cls, server_url: str | None = None) -> Iterator["DuckDBEngine"]:
        with tempfile.TemporaryDirectory(prefix="dbdesign-") as tmp:
            engine = cls("duckdb:///" + os.path.join(tmp, "throwaway.duckdb"))
            try:
                yield engine
            finally:
                engine.close()
