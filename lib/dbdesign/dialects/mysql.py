"""MariaDB 10.11 (the `mysql` target): no schemas (a schema is a database), no partial or
expression indexes, no CREATE TYPE (inline ENUM instead), no time-zone-aware timestamp,
AUTO_INCREMENT instead of identity, comments inline in CREATE TABLE. DDL is not transactional.

Partial and expression indexes are dropped with a note rather than emulated with generated
columns: an extra column would change the table's shape (SELECT *, INSERT without a column
list), which the design did not ask for; the note names the generated-column alternative."""
from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.dialects.mysql import MySQL

from dbdesign.engines.mysql import MySQLEngine
from dbdesign.model import Column, Schema, Table
from dbdesign.dialects.base import Dialect, build_type, col_obj

T = exp.DataType.Type


class MariaDB(MySQL):
    """sqlglot's MySQL dialect as MariaDB 10.11 needs it: no REGEXP_LIKE() function (1901 in
    a CHECK), the REGEXP operator instead."""

    class Generator(MySQL.Generator):
        TRANSFORMS = {**MySQL.Generator.TRANSFORMS,
                      exp.RegexpLike: lambda self, e: self.binary(e, "REGEXP")}


class MySQLDialect(Dialect):
    name = "mysql"
    sqlalchemy_dialects = ("mysql", "mariadb")
    sqlglot_dialect = MariaDB
    caps = MySQLEngine.capabilities
    SCHEMAS = False
    COMMENTS = "inline"
    INDEX_COMMENTS = False
    DESC_NULLS_FIRST = False
    DEFAULT_PARENS = True
    INDEX_METHODS = ("btree",)
    NATIVE_PG_TYPES = frozenset({"BIT"})
    IDENT_QUOTE = "`"

    @classmethod
    def string(cls, text: str) -> str:
        """MariaDB reads backslash escapes in strings: `\\` doubles, `'` doubles (never `\\'`,
        so the literal stays closed under sql_mode NO_BACKSLASH_ESCAPES too, where only the
        backslashes would then read as two)."""
        return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"

    @classmethod
    def string_with_nul(cls, text: str) -> str:
        """NUL as MariaDB's `\\0` escape (a VARCHAR/TEXT holds it)."""
        return cls.string(text).replace("\0", "\\0")

    MAX_IDENTIFIER = 64
    SCHEMA_WIDE_NAMES = frozenset({"fk"})  # index names are per table; FK names per database
    CHECK_ON_IDENTITY = False  # 1901: a CHECK may not use an AUTO_INCREMENT column
    FK_AUTONAME_SUFFIX = 8  # InnoDB names an unnamed FK <table>_ibfk_<n>
    FK_SAME_TYPE = True  # errno 150 for INT -> BIGINT
    INLINE_INDEXES = False  # datagen loads first and indexes after; see KNOWN_GAPS (ente, 1553)
    FK_KEY_ORDER = True  # errno 150: referenced columns must lead an index, in its order
    JSON_CAST = False
    # ERROR 1170/1071: no TEXT/BLOB in a key without a prefix length
    KEY_TEXT_TYPES = {t: "VARCHAR(255)" for t in ("TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT")} | {
        t: "VARBINARY(255)" for t in ("BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB")}

    # INSERT IGNORE skips duplicate keys, but also downgrades other errors (NOT NULL, CHECK,
    # bad values) to warnings; ON DUPLICATE KEY UPDATE id = id would fire the BEFORE UPDATE
    # trigger and move updated_at. So: INSERT IGNORE, then every warning but 1062 (duplicate
    # entry) is an error.
    INSERT_IF_ABSENT_PROBLEMS = "SHOW WARNINGS"
    NEW_UUID_SQL = "UUID()"  # version 1 (time-based) on MariaDB
    TABLE_COPY_CHECK = True  # migrate.table_copy asks the server
    DROP_INDEX_ON_TABLE = RENAME_INDEX_IN_ALTER_TABLE = DROP_CONSTRAINTS_FIRST = MODIFY_COLUMN = True

    def insert_if_absent(self, insert_sql: str, key=()) -> str:
        return re.sub(r"^\s*INSERT\s+INTO\b", "INSERT IGNORE INTO", insert_sql, count=1, flags=re.I)

    def map_type(self, table: Table, col: Column, dt: exp.DataType) -> exp.DataType:
        obj = col_obj(table, col)
        if dt.this in (T.TIMESTAMPTZ, T.TIMESTAMPLTZ):
            self.note("timestamptz", obj, "changed",
                      "no time-zone-aware type: DATETIME(6) holding UTC by convention (set the "
                      "session time_zone to '+00:00')")
            return build_type("DATETIME(6)", dialect="mysql")
        if dt.this == T.TIMESTAMP:
            return build_type("DATETIME(6)", dialect="mysql")
        if dt.this in (T.VARBINARY, T.BINARY) and not dt.expressions:
            return build_type("LONGBLOB", dialect="mysql")  # BYTEA: unbounded bytes
        if dt.this == T.JSONB:
            self.note("json", obj, "changed",
                      "JSONB -> JSON (LONGTEXT + JSON_VALID check): no binary form, no GIN")
            return build_type("JSON", dialect="mysql")
        if dt.this == T.ARRAY:
            self.note("array", obj, "changed", "no arrays: JSON")
            return build_type("JSON", dialect="mysql")
        return dt

    def map_expression(self, node: exp.Expression, obj: str, where: str) -> exp.Expression:
        def fix(n: exp.Expression) -> exp.Expression:
            if isinstance(n, exp.Uuid):
                self.note("gen_random_uuid", obj, "changed",
                          "UUID() is a version-1 (time-based) UUID in MariaDB, not random")
                return exp.Anonymous(this="uuid", expressions=[])
            if isinstance(n, (exp.RegexpLike, exp.RegexpILike)):
                self.note("regular expression", obj, "changed",
                          "REGEXP: case-insensitive under the default collation, and MariaDB's "
                          "PCRE syntax")
                return exp.RegexpLike(this=n.this, expression=n.expression)
            if isinstance(n, exp.CurrentTimestamp) and where == "default":
                return exp.CurrentTimestamp(this=exp.Literal.number(6))
            if isinstance(n, exp.Boolean) and not isinstance(n.parent, exp.Is):
                # BOOLEAN is TINYINT(1): TRUE is 1, as the catalogue stores it (IS TRUE stays)
                return exp.Literal.number(1 if n.this else 0)
            return n
        return node.transform(fix)

    def adapt_identity(self, model: Schema, table: Table) -> None:
        # MariaDB allows one AUTO_INCREMENT per table, and it must lead a key.
        keyed = [c for c in table.columns.values() if c.identity and table.primary_key
                 and table.primary_key.columns[:1] == [c.name]]
        for col in table.columns.values():
            if col.identity and col not in keyed:
                self.note("identity", col_obj(table, col), "dropped",
                          "only one AUTO_INCREMENT column per table, and it must lead the "
                          "primary key; fill this one in the application")
                col.identity = None
        for col in table.columns.values():
            if col.identity:
                obj = col_obj(table, col)
                if col.identity == "always":
                    self.note("identity", obj, "not enforced",
                              "AUTO_INCREMENT; GENERATED ALWAYS is not enforced (explicit ids "
                              "accepted)")
                else:
                    self.note("identity", obj, "emulated", "AUTO_INCREMENT")
                col.identity = "by default"

    def identity_constraints(self, t: Table, col: Column) -> list[exp.Expression]:
        if col.identity:
            return [exp.ColumnConstraint(kind=exp.AutoIncrementColumnConstraint())]
        return []
