"""DuckDB (embedded; always available). See ENGINE_FACTS: no FK actions, no partial indexes,
ART indexes used only for point lookups, plain EXPLAIN hides index use."""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
from typing import Iterator

import sqlglot
from sqlglot import exp

from dbdesign.errors import InputError
from dbdesign.errors import EngineError
from dbdesign.model import (CheckConstraint, Column, EnumType, ForeignKey, PrimaryKey, Schema, Table,
                     UniqueConstraint)
from dbdesign.engines.base import Capabilities, Engine, _first_line
from dbdesign.engines.introspection import (add_index_sql, clean_default, clean_expr, is_internal, norm_type,
                                             strip_implicit)


class DuckDBEngine(Engine):
    name = "duckdb"
    sidecar_suffixes = (".wal",)
    label = "DuckDB"
    dialect = "duckdb"
    expression_dialect = "postgres"  # DuckDB prints expressions in the grammar it derives from
    enum_columns_by_values = True
    restrict_is_no_action = True  # no FK actions at all: every FK checks at once

    @classmethod
    def stored_type(cls, text: str, raw: str) -> str:
        if re.fullmatch(r"(VARCHAR|CHAR|TEXT|BPCHAR)(\(\d+\))?", text):
            return "TEXT"  # DuckDB has one string type; lengths are ignored (ENGINE_FACTS)
        return text
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
            if os.path.isdir(self.path):
                raise InputError(f"{self.path} is a folder, not a database file", self.url)
        import duckdb
        try:
            return duckdb.connect(self.path)
        except duckdb.Error as err:
            raise InputError(f"cannot open {self.path} as a DuckDB database "
                             f"({_first_line(err)}); check the path and permissions",
                             self.url) from None

    def query(self, sql: str, params=()) -> list[tuple]:
        # DuckDB's conn.cursor() is a *new connection* with its own transaction context, so a
        # BEGIN on one cursor and a COMMIT on the next fail ("no transaction is active"): run
        # every statement on the connection itself.
        sql, params = self.bind(sql, params)
        try:
            cur = self.conn.execute(sql, params) if params else self.conn.execute(sql)
            return list(cur.fetchall()) if cur.description else []
        except Exception as err:
            raise EngineError(f"{self.name}: {_first_line(err)}") from err

    def version(self) -> str:
        import duckdb
        return duckdb.__version__

    paramstyle = "?"
    percent_in_params = "%"
    per_index_bytes = False  # no per-index figure: the database's growth when it is built

    def database_bytes(self) -> int | None:
        self.execute("CHECKPOINT")
        r = self.query("SELECT used_blocks * block_size FROM pragma_database_size() "
                       "WHERE database_name = current_database()")
        return int(r[0][0])

    def table_names(self) -> list[str]:
        rows = self.query("SELECT table_name FROM duckdb_tables() WHERE NOT internal "
                          "AND schema_name = current_schema() ORDER BY table_name")
        return [r[0] for r in rows]

    def introspect(self) -> Schema:
        """This database's current schema as a `Schema` (duckdb_* catalogue functions; see
        `engines.introspection` for how engine spellings are normalised)."""
        return _introspect_duckdb(self)

    # -- bulk loads of generated data ------------------------------------------------------
    bulk_method = "INSERT ... SELECT from the generating connection (target file attached)"
    # The keys of a table no other table references are added after the rows (ALTER TABLE ...
    # ADD builds the index in one pass: 1 M rows, UNIQUE 0.6 s after vs 1.8 s inline). DuckDB
    # has no ADD FOREIGN KEY, so foreign keys are created with their tables, and it refuses
    # to ALTER a table another table's foreign key depends on: a parent keeps its keys inline.
    keys_after_load = ("primary", "unique")
    _stage: str | None = None  # the generating connection's catalog while a load is attached

    @contextlib.contextmanager
    def load_session(self, data) -> Iterator["DuckDBEngine"]:
        """The generating connection with this database file ATTACHed (and made current), so
        rows go from the staging tables into the target in one INSERT ... SELECT each, with
        no copy through Python or a file. Another DuckDB instance in this process cannot
        attach a file this engine holds open, so the engine's own connection is closed for
        the load and reopened on next use. An in-memory target (private to its connection)
        is loaded through Parquet files instead."""
        conn = data.conn
        if self.path == ":memory:" or conn is self._conn:
            yield self
            return
        self.close()
        stage = conn.execute("SELECT current_database()").fetchone()[0]
        try:
            conn.execute(f"ATTACH {_literal(os.path.abspath(self.path))} AS dd_target")
        except Exception as err:
            raise EngineError(f"duckdb: cannot attach {self.path}: {_first_line(err)}") from err
        conn.execute("USE dd_target")
        self._conn, self._stage = conn, stage
        try:
            yield self
        except BaseException:
            self._conn, self._stage = None, None
            with contextlib.suppress(Exception):  # a fatal error invalidates the connection:
                conn.execute(f"USE {_quote(stage)}")  # the error that caused it is the one to show
                conn.execute("DETACH dd_target")
            raise
        self._conn, self._stage = None, None
        conn.execute(f"USE {_quote(stage)}")
        conn.execute("DETACH dd_target")

    def bulk_load(self, data, tables, report, tmp, options) -> None:
        """One INSERT ... SELECT per table (from the attached staging tables, or a Parquet
        file for an in-memory target). A table that references itself loads in depth levels
        (`self_reference_levels`): DuckDB checks a foreign key only against rows committed
        before the statement."""
        import time
        from dbdesign.lab import datagen as dg
        for table in tables:
            cols = ", ".join(_quote(c) for c in data.columns(table))
            t0 = time.perf_counter()
            levels = dg.self_reference_levels(data, table)
            staged = _quote(dg.staging_name(table))
            if self._stage is not None:
                src = f"{_quote(self._stage)}.main.{staged}"
                level = f"{_quote(levels[0])} IN (SELECT id FROM temp.main._dd_level WHERE lvl = {{}})" if levels else ""
            else:
                path = os.path.join(tmp, f"{dg.staging_name(table)}.parquet")
                sel = (f"SELECT s.*, l.lvl AS _dd_lvl FROM {staged} s JOIN _dd_level l ON s.{_quote(levels[0])} = l.id"
                       if levels else f"SELECT {cols} FROM {staged}")
                data.conn.execute(f"COPY ({sel}) TO ? (FORMAT parquet)", [path])
                src, level = f"read_parquet({_literal(path)})", "_dd_lvl = {}"
            # generation order, which is creation order (created-at grows with the row index):
            # rows sorted by a foreign key load faster but make a table clustered by that key,
            # as no production table is, and the lab would time reads on it
            into = f"INSERT INTO {'.'.join(_quote(p) for p in table.split('.'))} ({cols}) SELECT {cols} FROM {src}"
            try:
                if levels is None:
                    self.execute(into)
                else:
                    for k in range(levels[1]):
                        self.execute(f"{into} WHERE {level.format(k)}")
                    report.notes.append(f"{table}: self-referencing FK loaded in {levels[1]} depth levels "
                                        "(DuckDB checks FKs against rows committed before the statement)")
            except EngineError as err:
                raise EngineError(f"duckdb: loading {table}: {str(err).removeprefix('duckdb: ')}"
                                  f"{memory_advice(err)}") from err
            report.table_done(table, data.counts.get(table) or dg._count(data, table), time.perf_counter() - t0)

    @classmethod
    @contextlib.contextmanager
    def throwaway(cls, server_url: str | None = None) -> Iterator["DuckDBEngine"]:
        with tempfile.TemporaryDirectory(prefix="dbdesign-") as tmp:
            engine = cls("duckdb:///" + os.path.join(tmp, "throwaway.duckdb"))
            try:
                yield engine
            finally:
                engine.close()


# DuckDB's words when the memory limit is reached (an Out of Memory error, or a failed
# commit that could not allocate a block)
_OUT_OF_MEMORY = re.compile(r"Out of Memory|could not allocate block", re.I)


def memory_advice(err: BaseException) -> str:
    """What to do when a DuckDB error is its memory limit, to append to the message; "" else."""
    return ("; raise [datagen] memory_limit in dbdesign.toml or lower --rows"
            if _OUT_OF_MEMORY.search(str(err)) else "")


# -- introspection -------------------------------------------------------------------------
# DuckDB's catalogue functions (duckdb_tables/columns/constraints/indexes/types). Two losses
# are the engine's, not ours: constraint names are generated (and cannot be used: there is no
# DROP CONSTRAINT), so they are read as None; a column of an enum type reports the inline
# ENUM('a', 'b'), mapped back to the enum whose values match.
# Expressions are read with the PostgreSQL grammar DuckDB derives from (now() -> CURRENT_TIMESTAMP).

def _introspect_duckdb(engine: DuckDBEngine) -> Schema:
    schema = Schema(sources=[engine.url])
    current = engine.query("SELECT current_schema()")[0][0]
    # Every user schema of this database; the current one keeps plain names.
    where = ("database_name = current_database() "
             "AND schema_name NOT IN ('information_schema', 'pg_catalog')")

    def qn(nsp: str, name: str) -> str:
        return name if nsp == current else f"{nsp}.{name}"

    for nsp, name, comment in engine.query(
            f"SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE "
            f"NOT internal AND NOT temporary AND {where} ORDER BY schema_name, table_name"):
        if not is_internal(name):
            table = Table(name=name, schema=None if nsp == current else nsp, comment=comment)
            schema.tables[table.qualname] = table
    for nsp, name in engine.query(f"SELECT schema_name, type_name FROM duckdb_types() WHERE "
                                  f"logical_type = 'ENUM' AND NOT internal AND {where} "
                                  "ORDER BY schema_name, type_name"):
        values = engine.query(f"SELECT enum_range(NULL::{_quote(nsp)}.{_quote(name)})")[0][0]
        schema.enums[qn(nsp, name)] = EnumType(qn(nsp, name), list(values))
    enum_by_values = {tuple(e.values): e.name for e in schema.enums.values()}

    for nsp, tname, cname, dtype, nullable, default, comment, generated in engine.query(
            f"SELECT schema_name, table_name, column_name, data_type, is_nullable, column_default, "
            f"comment, is_generated FROM duckdb_columns() WHERE NOT internal AND {where} "
            "ORDER BY schema_name, table_name, column_index"):
        table = schema.tables.get(qn(nsp, tname))
        if table is None:
            continue
        ctype = norm_type(dtype, "duckdb")
        if dtype.upper().startswith("ENUM("):
            values = tuple(v.this for v in exp.DataType.build(dtype, dialect="duckdb").expressions)
            ctype = enum_by_values.get(values, ctype)
        if generated:
            table.columns[cname] = Column(name=cname, type=ctype, nullable=bool(nullable),
                                          generated=_generation(default, dtype), comment=comment)
            continue
        table.columns[cname] = Column(name=cname, type=ctype, nullable=bool(nullable),
                                      default=clean_default(default, DuckDBEngine.expression_dialect), comment=comment)

    for nsp, tname, ctype, cols, expression, ref_table, ref_cols in engine.query(
            f"SELECT schema_name, table_name, constraint_type, constraint_column_names, expression, "
            f"referenced_table, referenced_column_names FROM duckdb_constraints() WHERE {where} "
            "ORDER BY schema_name, table_name, constraint_index"):
        table = schema.tables.get(qn(nsp, tname))
        if table is None:
            continue
        cols = list(cols)
        if ctype == "PRIMARY KEY":
            table.primary_key = PrimaryKey(cols)
        elif ctype == "UNIQUE":
            table.uniques.append(UniqueConstraint(cols))
        elif ctype == "FOREIGN KEY":
            # No referential actions exist in DuckDB: every FK behaves as NO ACTION. Foreign
            # keys cannot cross schemas there, so the parent is in the child's schema.
            table.foreign_keys.append(ForeignKey(cols, qn(nsp, ref_table), list(ref_cols)))
        elif ctype == "CHECK":
            table.checks.append(CheckConstraint(clean_expr(expression, DuckDBEngine.expression_dialect), None, cols))

    for nsp, tname, sql, comment in engine.query(
            f"SELECT schema_name, table_name, sql, comment FROM duckdb_indexes() WHERE {where} "
            "ORDER BY schema_name, table_name, index_name"):
        if qn(nsp, tname) in schema.tables and sql:
            ix = add_index_sql(schema, sql)
            if ix is not None:
                ix.comment = comment
    return schema


def _generation(text: str, dtype: str) -> str:
    """A generated column's expression as declared: DuckDB reports it (in `column_default`)
    wrapped in a cast to the column's own type, `CAST((i + 1) AS INTEGER)`."""
    tree = sqlglot.parse_one(text, read=DuckDBEngine.expression_dialect)
    if isinstance(tree, exp.Cast) and tree.to.sql(dialect="duckdb") == \
            exp.DataType.build(dtype, dialect="duckdb", udt=True).sql(dialect="duckdb"):
        tree = tree.this
    return strip_implicit(tree).sql(dialect="postgres")


def _literal(value: str) -> str:
    from dbdesign.dialects import DIALECTS  # the dialects import the engines
    return DIALECTS["duckdb"].literal(value)


def _quote(name: str) -> str:
    from dbdesign.dialects import DIALECTS  # the dialects import the engines
    return DIALECTS["duckdb"].quote(name, force=True)
