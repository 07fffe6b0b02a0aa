"""SQLite through Python's sqlite3 (embedded; always available)."""
from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import tempfile
from typing import Iterator

from dbdesign.errors import InputError
from dbdesign.model import (Column, Diagnostic, ForeignKey, PrimaryKey, Schema, SourceRef, Table,
                     UniqueConstraint)
from dbdesign.schema.parse import parse_sql
from dbdesign.engines.base import Capabilities, Engine
from dbdesign.engines.introspection import add_index_sql, clean_default, fk_action, is_internal, norm_type


class SQLiteEngine(Engine):
    name = "sqlite"
    sidecar_suffixes = ("-journal", "-wal", "-shm")
    booleans_as_integers = True

    @classmethod
    def stored_type(cls, text: str, raw: str) -> str:
        """SQLite's column affinity rules (https://www.sqlite.org/datatype3.html, 3.1)."""
        if "INT" in text:
            return "INTEGER"
        if any(k in text for k in ("CHAR", "CLOB", "TEXT")):
            return "TEXT"
        if text == "" or "BLOB" in text or "BYTEA" in text:
            return "BLOB"
        if any(k in text for k in ("REAL", "FLOA", "DOUB")):
            return "REAL"
        return "NUMERIC"
    label = "SQLite"
    dialect = "sqlite"
    url_schemes = ("sqlite",)
    sqlalchemy_scheme = "sqlite"
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
            if os.path.isdir(self.path):
                raise InputError(f"{self.path} is a folder, not a database file", self.url)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so no implicit transaction
        # can swallow the foreign_keys pragma (ENGINE_FACTS: the pragma must run right away).
        try:
            conn = sqlite3.connect(self.path, isolation_level=None)
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as err:
            raise InputError(f"cannot open {self.path} as a SQLite database ({err}); check the "
                             "path and permissions", self.url) from None
        return conn

    def version(self) -> str:
        return sqlite3.sqlite_version

    paramstyle = "?"
    percent_in_params = "%"

    @classmethod
    def adapt_param(cls, value):
        import datetime
        import uuid
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, datetime.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    def index_bytes(self, name: str, table: str) -> int | None:
        """dbstat pages of the index, or of an FTS5 table's shadow tables (`name_data`, ...)."""
        r = self.query("SELECT sum(pgsize) FROM dbstat WHERE name = ? OR name LIKE ? ESCAPE '\\'",
                       (name, name.replace("_", "\\_") + "\\_%"))
        return int(r[0][0]) if r and r[0][0] is not None else None

    def table_names(self) -> list[str]:
        rows = self.query("SELECT name FROM sqlite_master WHERE type='table' "
                          "AND name NOT LIKE 'sqlite_%' ORDER BY name")
        return [r[0] for r in rows]

    def introspect(self) -> Schema:
        """This database as a `Schema` (PRAGMAs + the stored CREATE text; see
        `engines.introspection` for how engine spellings are normalised)."""
        return _introspect_sqlite(self)

    # -- bulk loads of generated data ------------------------------------------------------
    bulk_method = "ADBC ingest or multi-row INSERT: one transaction, key order, verified before COMMIT"
    # SQLite has no UUID, timestamp, boolean or decimal storage class: text, 0/1 and REAL;
    # an array column is JSON text here (dialects: arrays -> TEXT CHECK (json_valid(...)))
    export_casts = ((r".*\[\]$", "to_json({})::VARCHAR"), ("UUID", "{}::VARCHAR"), ("TIMESTAMP", "strftime({}, '%Y-%m-%d %H:%M:%S.%f')"),
                    ("BOOLEAN", "{}::INTEGER"), ("DECIMAL", "{}::DOUBLE"), ("DATE", "{}::VARCHAR"))

    def check_bulk_options(self, options) -> None:
        """writer='adbc' needs a database file, no open transaction on this connection (the
        driver's own SQLite would not see its locks) and the adbc-driver-sqlite package."""
        from dbdesign.lab import datagen as dg
        if options.get("writer") != "adbc":
            return
        if self.conn.in_transaction:
            raise InputError("writer='adbc' cannot load while this connection has a transaction "
                             "open (the driver's own SQLite would not see its locks); COMMIT or "
                             "ROLLBACK first, or use writer='python'")
        if self.path == ":memory:":
            raise InputError("writer='adbc' needs a database file: an in-memory SQLite database "
                             "is private to its connection; use writer='python'")
        if dg.adbc_sqlite() is None:
            raise InputError("writer='adbc' needs the adbc-driver-sqlite package "
                             "(pip install -r requirements.txt)")

    def bulk_load(self, data, tables, report, tmp, options) -> None:
        """One transaction with foreign keys and CHECKs off, rows in key order, verified
        before COMMIT (`datagen.sqlite_load`, which has the writers and the checks)."""
        from dbdesign.lab import datagen as dg
        dg.sqlite_load(data, self, tables, report, options["chunk_rows"], options["checks"], options["writer"])

    @classmethod
    @contextlib.contextmanager
    def throwaway(cls, server_url: str | None = None) -> Iterator["SQLiteEngine"]:
        with tempfile.TemporaryDirectory(prefix="dbdesign-") as tmp:
            engine = cls("sqlite:///" + os.path.join(tmp, "throwaway.db"))
            try:
                yield engine
            finally:
                engine.close()


# -- introspection -------------------------------------------------------------------------
# PRAGMAs are the engine's truth for columns, keys and index columns; CHECK constraints,
# constraint names, partial WHERE and index expressions exist only in the stored CREATE text
# (sqlite_master.sql), which we read with our own parser (`dbdesign.schema.parse`) - SQLite's DDL is
# close enough to PostgreSQL's for it; what it cannot read becomes a Diagnostic, never a guess.

def _scratch_table(schema: Schema, name: str, sql: str) -> Table | None:
    """The CREATE TABLE text parsed on its own (for checks and constraint names)."""
    try:
        parsed = parse_sql(sql, read="sqlite")
    except InputError as err:
        schema.diagnostics.append(Diagnostic(
            f"CHECK constraints and constraint names of table {name} not read: the stored "
            f"CREATE TABLE did not parse ({err.message})"))
        return None
    table = next(iter(parsed.tables.values()), None)
    if table is None:
        schema.diagnostics.append(Diagnostic(
            f"CHECK constraints and constraint names of table {name} not read: the stored "
            "CREATE TABLE was not understood"))
    return table


def _introspect_sqlite(engine: SQLiteEngine) -> Schema:
    schema = Schema(sources=[engine.url])
    tables = engine.query("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                          "AND name NOT LIKE 'sqlite_%' ORDER BY name")
    index_sql = dict(engine.query("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                  "AND sql IS NOT NULL"))
    for name, sql in tables:
        if is_internal(name):
            continue
        parsed = _scratch_table(schema, name, sql or "")
        table = schema.tables[name] = Table(name=name)
        qn = _quote(name)
        without_rowid = bool(re.search(r"\)\s*WITHOUT\s+ROWID\s*;?\s*$", sql or "", re.I))
        info = engine.query(f"PRAGMA table_xinfo({qn})")
        pk_cols = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        # INTEGER PRIMARY KEY is an alias of the rowid: never NULL, numbered by the engine.
        rowid_alias = (len(pk_cols) == 1 and not without_rowid and
                       next(r[2] for r in info if r[1] == pk_cols[0]).upper() == "INTEGER")
        for _cid, cname, ctype, notnull, dflt, pk, hidden in info:
            if hidden == 1:
                continue  # hidden columns of virtual tables
            col = Column(name=cname, type=norm_type(ctype, "sqlite") if ctype else "",
                         nullable=not notnull, default=clean_default(dflt, "sqlite"))
            if rowid_alias and cname == pk_cols[0]:
                col.nullable, col.identity = False, "by default"
            if hidden in (2, 3) and parsed is not None and cname in parsed.columns:
                col.generated = parsed.columns[cname].generated
            table.columns[cname] = col
        if pk_cols:
            pk_name = parsed.primary_key.name if parsed is not None and parsed.primary_key else None
            table.primary_key = PrimaryKey(pk_cols, pk_name)
        _sqlite_foreign_keys(engine, table, parsed)
        for _seq, iname, unique, origin, _partial in engine.query(f"PRAGMA index_list({qn})"):
            if origin == "pk":
                continue  # backs the primary key
            if origin == "u":  # backs a UNIQUE constraint in the CREATE TABLE
                cols = [r[2] for r in engine.query(f"PRAGMA index_info({_quote(iname)})")]
                uname = None
                if parsed is not None:
                    uname = next((u.name for u in parsed.uniques if u.columns == cols), None)
                table.uniques.append(UniqueConstraint(cols, uname))
            elif iname in index_sql:
                add_index_sql(schema, index_sql[iname], "sqlite")
        table.uniques.sort(key=lambda u: (u.name or "", u.columns))
        if parsed is not None:
            for ck in parsed.checks:
                ck.source = SourceRef()
                table.checks.append(ck)
    return schema


def _sqlite_foreign_keys(engine: SQLiteEngine, table: Table, parsed: Table | None) -> None:
    rows = engine.query(f"PRAGMA foreign_key_list({_quote(table.name)})")
    groups: dict[int, list[tuple]] = {}
    for row in rows:
        groups.setdefault(row[0], []).append(row)
    # SQLite numbers foreign keys from the last declared; reverse to declaration order.
    for fk_id in sorted(groups, reverse=True):
        parts = sorted(groups[fk_id], key=lambda r: r[1])
        ref_table = parts[0][2]
        cols = [r[3] for r in parts]
        ref_cols = [r[4] for r in parts]
        if any(c is None for c in ref_cols):  # REFERENCES parent without columns: its PK
            info = engine.query(f"PRAGMA table_info({_quote(ref_table)})")
            ref_cols = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        name = None
        if parsed is not None:
            name = next((f.name for f in parsed.foreign_keys
                         if f.columns == cols and f.ref_table == ref_table), None)
        table.foreign_keys.append(ForeignKey(cols, ref_table, ref_cols, fk_action(parts[0][6]),
                                             fk_action(parts[0][5]), name))


def _quote(name: str) -> str:
    from dbdesign.dialects import DIALECTS  # the dialects import the engines
    return DIALECTS["sqlite"].quote(name, force=True)
