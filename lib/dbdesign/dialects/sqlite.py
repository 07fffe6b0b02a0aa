"""SQLite: dynamic typing, no schemas, no comments, no identity, no enum types.

Emulations (each one a PortabilityNote): UUID -> TEXT with a v4 UUID built from randomblob();
enum -> TEXT + CHECK IN; VARCHAR(n) -> TEXT + CHECK (length(col) <= n) (ENGINE_FACTS: the
length is decoration); JSON(B) -> TEXT + CHECK (json_valid(col)); identity -> INTEGER PRIMARY KEY
(the rowid alias). Foreign keys are written inline even when they point at a later table:
SQLite resolves references at DML time, so cycles need no ALTER TABLE (which it lacks)."""
from __future__ import annotations

from sqlglot import exp

from dbdesign.engines.sqlite import SQLiteEngine
from dbdesign.model import Column, Index, Schema, Table
from dbdesign.dialects.base import Dialect, build_type, col_obj

T = exp.DataType.Type
# A random (version 4) UUID from SQLite built-ins: 16 random bytes, version nibble 4, variant 8-b.
UUID_V4 = ("lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || "
           "substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
           "substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))")


class SQLiteDialect(Dialect):
    name = "sqlite"
    sqlalchemy_dialects = ("sqlite",)
    sqlglot_dialect = "sqlite"
    caps = SQLiteEngine.capabilities
    SCHEMAS = False
    ASSEMBLE_CREATE = False
    COMMENTS = None
    FK_FORWARD_REFERENCE = True
    DESC_NULLS_FIRST = False
    DEFAULT_PARENS = True
    INDEX_METHODS = ("btree",)
    NATIVE_PG_TYPES = frozenset()
    # REGEXP is not defined in SQLite unless the application registers a function for it.
    CHECK_UNSUPPORTED = (exp.RegexpLike, exp.RegexpILike)
    LENGTH_CHECK_TYPE = "TEXT"
    DEFERRABLE = frozenset({"fk"})  # DEFERRABLE INITIALLY DEFERRED foreign keys exist
    JSON_CAST = False
    ALTER_TABLE = "rebuild"
    NEW_UUID_SQL = f"({UUID_V4})"
    REBUILD_FOREIGN_KEYS_OFF = True  # PRAGMA foreign_keys=OFF, or the DROP cascades/refuses

    def sql(self, node: exp.Expression, pretty: bool = False, copy: bool = True) -> str:
        """PostgreSQL's escape strings (E'it\\'s') reach the model as sqlglot ByteStrings, which
        SQLite has no spelling for: written as the standard string of the same text."""
        node = node.transform(lambda n: exp.Literal.string(n.this)
                              if isinstance(n, exp.ByteString) and not n.args.get("is_bytes") else n,
                              copy=copy)
        return super().sql(node, pretty, copy=False)  # transform copied it (unless copy=False)

    @classmethod
    def string_with_nul(cls, text: str) -> str:
        """SQL text cannot carry NUL to SQLite (the statement would end there), but a TEXT
        value can hold it: the pieces joined with char(0), in parentheses."""
        return "(" + " || char(0) || ".join(cls.string(p) for p in text.split("\0")) + ")"

    def map_type(self, table: Table, col: Column, dt: exp.DataType) -> exp.DataType:
        obj = col_obj(table, col)
        if dt.this == T.UUID:
            self.note("uuid type", obj, "changed", "no UUID type: TEXT (36 characters)")
            return build_type("TEXT")
        if dt.this in (T.TIMESTAMPTZ, T.TIMESTAMPLTZ):
            self.note("timestamptz", obj, "changed",
                      "no date/time types: TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, no time zone; "
                      "DEFAULT now() -> CURRENT_TIMESTAMP (whole seconds)")
            return build_type("TEXT")
        if dt.this in (T.TIMESTAMP, T.DATETIME, T.DATE, T.TIME):
            return build_type("TEXT")
        if dt.this in (T.JSON, T.JSONB):
            self.add_check(table, f"ck_{table.name}_{col.name}_json",
                           # json_valid(NULL) is 0 on SQLite 3.40, so NULL is let through explicitly
                           exp.or_(exp.Is(this=self.column_ref(col.name), expression=exp.Null()),
                                   exp.func("json_valid", self.column_ref(col.name))), [col.name])
            self.note("json", obj, "emulated", "no JSON type: TEXT + CHECK (json_valid(col))")
            return build_type("TEXT")
        if dt.this in (T.DECIMAL, T.MONEY):
            self.note("numeric", obj, "changed",
                      "no exact decimals: REAL (floating point); store cents as INTEGER if "
                      "exactness matters")
            return build_type("NUMERIC")
        if dt.this == T.BOOLEAN:
            self.note("boolean", obj, "changed", "no BOOLEAN: INTEGER 0/1")
            return build_type("INTEGER")
        if self.length_limited(dt) is not None:
            return self.emulate_length(table, col, dt)
        if dt.this in (T.VARCHAR, T.CHAR, T.TEXT):
            return build_type("TEXT")
        if dt.is_type(*exp.DataType.INTEGER_TYPES):
            return build_type("INTEGER")
        return dt

    def statement_complete(self, sql: str) -> bool:
        import sqlite3
        return sqlite3.complete_statement(sql)

    def map_expression(self, node: exp.Expression, obj: str, where: str) -> exp.Expression:
        def fix(n: exp.Expression) -> exp.Expression:
            if isinstance(n, exp.Uuid):
                self.note("gen_random_uuid", obj, "emulated",
                          "no UUID function: a v4 UUID built from randomblob()")
                return exp.Paren(this=self.parse(UUID_V4))
            return n
        return node.transform(fix)

    def adapt_identity(self, model: Schema, table: Table) -> None:
        for col in table.columns.values():
            if not col.identity:
                pk = table.primary_key
                if (pk and pk.columns == [col.name] and col.type.upper() == "INTEGER"
                        and col.generated is None):
                    # An integer single-column key becomes the rowid alias: SQLite numbers the
                    # rows when no id is given, whether the design asked for it or not.
                    col.identity = "by default"
                    self.note("integer primary key", col_obj(table, col), "changed",
                              "INTEGER PRIMARY KEY is the rowid alias: a missing id is generated")
                continue
            obj = col_obj(table, col)
            if table.primary_key and table.primary_key.columns == [col.name]:
                col.type = "INTEGER"
                self.note("identity", obj, "emulated",
                          "INTEGER PRIMARY KEY (the rowid alias) assigns ids; GENERATED ALWAYS is "
                          "not enforced (explicit ids accepted)")
                col.identity = "by default"  # what the engine does: numbers rows, takes explicit ids
            else:
                self.note("identity", obj, "dropped",
                          "only a single-column INTEGER PRIMARY KEY is generated automatically")
                col.identity = None

    def identity_constraints(self, t: Table, col: Column) -> list[exp.Expression]:
        return []  # the rowid alias needs no keyword (AUTOINCREMENT would forbid id reuse, slower)

    def partial_index_kept(self, ix: Index) -> None:
        self.note("partial index", ix.name, "kept",
                  f"the planner uses it only when the query repeats WHERE {ix.where}")
