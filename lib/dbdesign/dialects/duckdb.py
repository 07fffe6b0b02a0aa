"""DuckDB 2.0: schemas and enum types exist, but (ENGINE_FACTS) no ON DELETE CASCADE / SET NULL,
no partial indexes, DESC dropped, no ALTER TABLE ADD FOREIGN KEY, VARCHAR(n) length ignored,
no identity (a sequence instead), generated columns are VIRTUAL only, and foreign keys cannot
cross schemas."""
from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from dbdesign.engines.duckdb import DuckDBEngine
from dbdesign.model import Column, Schema, Table
from dbdesign.dialects.base import Dialect, build_type, col_obj

T = exp.DataType.Type


class DuckDBDialect(Dialect):
    name = "duckdb"
    sqlalchemy_dialects = ("duckdb",)
    sqlglot_dialect = "duckdb"
    caps = DuckDBEngine.capabilities
    CROSS_SCHEMA_FK = False
    GENERATED_STORED = False
    DESC_NULLS_FIRST = False
    INDEX_METHODS = ("btree",)
    NATIVE_PG_TYPES = frozenset({"ARRAY", "INTERVAL", "TIMETZ", "BIT"})
    LENGTH_CHECK_TYPE = "VARCHAR"
    PG_ARRAY_TEXT = False  # '{}'::VARCHAR[] is a conversion error; ['a']::VARCHAR[] works
    ARRAY_INDEX_KEYS = False  # "Invalid type for index key"
    CHECK_ON_GENERATED = False  # "Constraints on generated columns are not supported yet"
    FK_KEY_ORDER = True  # binder error: "does not have a primary key or unique constraint"
    FK_SAME_TYPE = True  # binder error for INTEGER -> BIGINT
    FK_SELF_ROW = False  # a row referencing itself: "Violates foreign key constraint" (checked
    # against rows committed before the statement, ENGINE_FACTS)
    DROP_TRIGGER_ON_TABLE = True
    ALTER_TABLE = "rebuild-family"  # "Cannot alter entry ... entries that depend on it"

    @classmethod
    def string_with_nul(cls, text: str) -> str:
        """A VARCHAR may hold NUL, SQL text may not: the pieces joined with chr(0)."""
        return "(" + " || chr(0) || ".join(cls.string(p) for p in text.split("\0")) + ")"

    def map_type(self, table: Table, col: Column, dt: exp.DataType) -> exp.DataType:
        obj = col_obj(table, col)
        if dt.this == T.JSONB:
            self.note("json", obj, "changed", "JSONB -> JSON (text with JSON functions)")
            return build_type("JSON", dialect="duckdb")
        if self.length_limited(dt) is not None:
            return self.emulate_length(table, col, dt)
        if dt.this in (T.TIMESTAMP, T.TIMESTAMPTZ) and dt.expressions:
            precision = dt.expressions[0].sql()
            if precision != "6":
                self.note("timestamp precision", obj, "changed",
                          f"TIMESTAMP({precision}): DuckDB keeps microseconds, no precision")
            return exp.DataType(this=dt.this)  # microseconds, as TIMESTAMP(6) asked
        return dt

    def adapt_identity(self, model: Schema, table: Table) -> None:
        for col in table.columns.values():
            if col.identity:
                seq = self.sequence_name(table, col)
                self.note("identity", col_obj(table, col), "emulated",
                          f"no identity columns: DEFAULT nextval('{seq}'); GENERATED "
                          f"{col.identity.upper()} is not enforced (explicit ids accepted)")
                col.default = self.sql(exp.func("nextval", exp.Literal.string(seq)))
                col.identity = None
                table.__dict__.setdefault("_sequences", []).append(seq)

    def sequence_name(self, table: Table, col: Column) -> str:
        name = f"seq_{table.name}_{col.name}"
        return f"{table.schema}.{name}" if table.schema else name

    def pre_table_statements(self, t: Table) -> list[str]:
        seqs = t.__dict__.get("_sequences", [])
        return [self.sql(exp.Create(kind="SEQUENCE", this=self.table_node(s))) for s in seqs]

    def insert_if_absent(self, insert_sql: str, key=()) -> str:
        # DuckDB 2.0 refuses ON CONFLICT / INSERT OR IGNORE on a table with row triggers
        # ("not yet supported"): select the VALUES rows whose key is not there yet. Parameter
        # markers (`engines.Params`) stand as $n placeholders while sqlglot rewrites the
        # statement and come back unchanged.
        from dbdesign.engines.base import Params
        mark = Params.MARK
        text = re.sub(f"{mark}(\\d+){mark}", lambda m: f"${int(m.group(1)) + 1}", insert_sql)
        node = sqlglot.parse_one(text, read="duckdb").transform(
            lambda x: exp.Var(this=f"{mark}{int(x.name) - 1}{mark}")
            if isinstance(x, exp.Placeholder) and x.name.isdigit() else x)
        target, values = node.this, node.expression
        if not key or not isinstance(target, exp.Schema) or not isinstance(values, exp.Values):
            return super().insert_if_absent(insert_sql, key)
        table = target.this.sql(dialect="duckdb")
        cols = [c.sql(dialect="duckdb") for c in target.expressions]
        keys = [self.ident(k).sql(dialect="duckdb") for k in key]
        match = " AND ".join(f"t.{k} = v.{k}" for k in keys)
        return (f"INSERT INTO {table} ({', '.join(cols)}) SELECT * FROM ({values.sql(dialect='duckdb')}) "
                f"AS v({', '.join(cols)}) WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {match})")
