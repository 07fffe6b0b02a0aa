"""MySQL / MariaDB through PyMySQL (a server; URL mysql://user:pass@host:port/db).

MariaDB has no transactional DDL: a failing multi-statement script stays half-applied, which
is why `capabilities.transactional_ddl` is False and callers must plan for it."""
from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote, urlsplit

import sqlglot
from sqlglot import exp

from dbdesign.errors import EngineUnavailable, InputError, mask_secrets
from dbdesign.model import (CheckConstraint, Column, ForeignKey, Index, IndexColumn, PrimaryKey, Schema,
                     Table, UniqueConstraint)
from dbdesign.engines.base import Capabilities, ServerEngine, on_each
from dbdesign.engines.introspection import clean_default, clean_expr, fk_action, is_internal, norm_type

DEFAULT_URL = "mysql://root@127.0.0.1:3306/test"
CONNECT_TIMEOUT = 5  # seconds: TCP connect, and the wait for the server's greeting
READ_TIMEOUT = 3600  # seconds a query may go without the server sending anything
WRITE_TIMEOUT = 60  # seconds a send to the server may block


def _bq(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class MySQLEngine(ServerEngine):
    DEFAULT_URL = DEFAULT_URL
    CREATE_DATABASE = "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    DROP_DATABASE = "DROP DATABASE IF EXISTS `{name}`"
    restrict_is_no_action = True  # InnoDB documents RESTRICT and NO ACTION as equal
    booleans_as_integers = True

    @classmethod
    def stored_type(cls, text: str, raw: str) -> str:
        if text in ("BOOLEAN", "SMALLINT(1)"):
            return "BOOLEAN"
        if raw.upper() == "FLOAT":
            return "REAL"  # MariaDB's FLOAT is single precision (PostgreSQL's REAL)
        if text in ("LONGBLOB", "BLOB", "BYTEA"):
            return "BLOB"  # BYTEA is rendered LONGBLOB, which introspection reads as BLOB
        return text
    STATEMENT_TIMEOUT = "SET SESSION max_statement_time = {seconds}"
    STATEMENT_TIMEOUT_RESET = "SET SESSION max_statement_time = DEFAULT"
    LIST_DATABASES = "SHOW DATABASES"
    SESSION_ID = "SELECT CONNECTION_ID()"
    SLEEP = "SELECT SLEEP({seconds})"
    MAX_CONNECTIONS = "SELECT @@max_connections"
    pool_library = "sqlalchemy"
    name = "mysql"
    label = "MariaDB/MySQL"
    enum_columns_by_values = True  # enum types are inline ENUM('a', 'b') column types here
    dialect = "mysql"
    url_schemes = ("mysql", "mariadb")
    sqlalchemy_scheme = "mysql+pymysql"
    clustered_pk = True  # InnoDB: every secondary index carries the primary key
    capabilities = Capabilities(
        transactional_ddl=False, partial_index=False, expression_index=False,
        alter_add_foreign_key=True, inline_enum=True, timestamptz=False,
        fk_auto_index=True,  # InnoDB indexes FK columns itself (ENGINE_FACTS)
        full_text="FULLTEXT indexes (InnoDB, natural language / boolean mode)",
    )

    def __init__(self, url: str):
        super().__init__(url)
        parts = urlsplit(url)
        try:
            parts.port
        except ValueError:
            raise InputError("the port must be a number from 1 to 65535, e.g. "
                             "mysql://user@host:3306/database", url) from None
        if not parts.hostname:
            raise InputError("MySQL/MariaDB URLs look like mysql://user:password@host:3306/database", url)
        self._params = dict(
            host=parts.hostname, port=parts.port or 3306, user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""), database=parts.path.lstrip("/") or None,
            autocommit=True, charset="utf8mb4", connect_timeout=CONNECT_TIMEOUT,
            read_timeout=CONNECT_TIMEOUT, write_timeout=WRITE_TIMEOUT)

    def _connect(self):
        """Connect with connect, read and write timeouts: `connect_timeout` alone covers only
        the TCP connect, and a server that accepts and never sends its greeting would block
        forever. The read timeout is short while connecting and then raised to
        `READ_TIMEOUT` for queries (user migrations and benchmark loads may run long)."""
        import pymysql
        try:
            conn = pymysql.connect(**self._params)
        except pymysql.err.MySQLError as err:
            raise EngineUnavailable(f"mysql: cannot connect to {mask_secrets(self.url)}: "
                                    f"{mask_secrets(str(err.args[-1]))}") from None
        # PyMySQL reads the server's greeting under `read_timeout` and has no public way to
        # change it afterwards; it re-applies `_read_timeout` before every read.
        conn._read_timeout = READ_TIMEOUT
        return conn

    def begin(self) -> None:
        self.execute("START TRANSACTION")

    # -- bulk loads of generated data ------------------------------------------------------
    bulk_method = "LOAD DATA LOCAL INFILE (multi-row INSERT when the server forbids local_infile)"
    # Every secondary B-tree grown row by row while the rows arrive (a foreign key's own
    # index, a UNIQUE) thrashes a small buffer pool: the example's 1 M comments (5 foreign
    # keys, UUID keys) wrote ~500 MB/s for minutes with the default 128 MiB. Added after the
    # load, InnoDB builds each one by a sort; with foreign_key_checks=0 ADD FOREIGN KEY is
    # in place and checks nothing (`bulk_load` checked the rows). The primary key stays inline: InnoDB
    # clusters the rows by it, and they arrive in its order.
    fks_after_load = True
    keys_after_load = ("unique",)
    # an array column is a JSON column here (dialects: arrays -> JSON)
    export_casts = ((r".*\[\]$", "to_json({})::VARCHAR"), ("BOOLEAN", "{}::INTEGER"),)
    # MariaDB's UUID type (10.7+) stores a UUID of version 1-5 with the variant bit set with its
    # groups in reverse order (nnnnnnnnnnnn-vsss-Vhhh-mmmm-llllllll: time-based ones cluster),
    # others as written (10.11.2+, MDEV-29959); measured here on 10.11. A load sorted in that
    # order appends to the clustered index: 1 M example comments (UUID key) loaded in 6.8 s,
    # against 27.7 s in text order (inserts at random places of a B-tree larger than the
    # 128 MiB buffer pool).
    UUID_ORDER = ("CASE WHEN substr({0}::VARCHAR, 15, 1) BETWEEN '1' AND '5' AND substr({0}::VARCHAR, 20, 1) >= '8' "
                  "THEN substr({0}::VARCHAR, 25, 12) || substr({0}::VARCHAR, 20, 4) || substr({0}::VARCHAR, 15, 4) "
                  "|| substr({0}::VARCHAR, 10, 4) || substr({0}::VARCHAR, 1, 8) ELSE replace({0}::VARCHAR, '-', '') END")

    def bulk_load(self, data, tables, report, tmp, options) -> None:
        """LOAD DATA LOCAL INFILE from a CSV file DuckDB writes (`_load_local`), with
        foreign_key_checks off for the load (checking each row's FK is what makes MariaDB
        loads slow); one DuckDB anti-join per FK between the loaded tables checks the rows
        sent while they load, before COMMIT (1 M example rows: 2.3 s of anti-joins in
        MariaDB after the load, ~0.5 s in DuckDB beside it). Servers with local_infile=OFF
        get multi-row INSERTs.

        LOCAL implies IGNORE: a row a key or CHECK refuses is skipped with a warning, not an
        error. So a load with any warning fails, and each table's row count is compared with
        what was sent. unique_checks stays on, so InnoDB checks every PRIMARY KEY and UNIQUE
        on every row: measured here (MariaDB 10.11, empty table, unique_checks=0 and
        foreign_key_checks=0 take InnoDB's bulk-insert path), one duplicate among 50k rows
        made the load keep 25,032 rows while reporting 49,999 affected and one warning about
        another value; with unique_checks=1 it skips the one duplicate. unique_checks=0 was
        not faster either (the example at 200k rows: 17.4 s against 16.9 s)."""
        from dbdesign.errors import EngineError
        from dbdesign.lab import datagen as dg
        uuids: dict[str, dict[str, str]] = {}
        for table, column in self.query("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                                        "WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE = 'uuid'"):
            uuids.setdefault(table, {})[column] = self.UUID_ORDER
        jobs = []
        for table in tables:
            # primary-key order: InnoDB clusters rows by it (100k example rows here:
            # 30.4 -> 18.3 s of LOAD DATA cold, 20.1 -> 16.5 s warm), a UUID as MariaDB stores it
            jobs.append((table, dg.export_select(data, table, self.export_casts, key_order=True,
                                                 sort_keys=uuids.get(table)),
                         data.columns(table), data.counts.get(table) or dg._count(data, table)))
        with ThreadPoolExecutor(1) as pool:
            # foreign_key_checks is off and InnoDB never re-checks: the references between
            # the loaded tables are checked in DuckDB while the rows go in, before COMMIT
            fk_check = pool.submit(dg._duckdb_fk_violation, data, tables, "mysql")

            def before_commit() -> None:
                t0 = time.perf_counter()
                problem = fk_check.result()
                report.verify_seconds = time.perf_counter() - t0
                if problem:
                    raise EngineError(problem)
                report.notes.append(f"foreign keys between the loaded tables verified before COMMIT by one "
                                    f"DuckDB anti-join each over the rows sent, run while they loaded "
                                    f"({report.verify_seconds:.2f} s waited)")
            if self.local_infile():
                self._load_local(data, jobs, report, tmp, before_commit)
            else:
                report.method = "multi-row INSERT (server has local_infile=OFF)"
                self._insert_rows(data, jobs, report, before_commit)

    def local_infile(self) -> bool:
        """Whether the server lets a client send a file for LOAD DATA LOCAL INFILE."""
        return self.query("SELECT @@local_infile")[0][0] in (1, "1", "ON")

    def _insert_rows(self, data, jobs, report, before_commit) -> None:
        """Multi-row INSERTs on this session (a server with local_infile=OFF), in one
        transaction and in strict mode (a value MariaDB would change is an error, not a
        warning of some earlier batch); the session's sql_mode is restored after."""
        import pymysql
        from dbdesign.errors import EngineError
        table = ""
        cur = self.conn.cursor()
        mode = self.query("SELECT @@SESSION.sql_mode")[0][0]
        try:
            cur.execute("SET SESSION sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES')")
            self.conn.begin()  # one transaction: this session commits each statement otherwise
            for table, select, cols, _ in jobs:
                t0 = time.perf_counter()
                ins = f"INSERT INTO {_bq(table)} ({', '.join(_bq(c) for c in cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
                n = 0
                src = data.conn.cursor()
                try:
                    src.execute(select)
                    while batch := src.fetchmany(5000):
                        cur.executemany(ins, [tuple(map(self.adapt_param, row)) for row in batch])
                        n += len(batch)
                finally:
                    src.close()
                self._check_loaded(cur, table, n)
                report.table_done(table, n, time.perf_counter() - t0)
            before_commit()
            self.conn.commit()
        except BaseException as err:  # a DuckDB error or Ctrl-C too: nothing stays half-loaded
            self.conn.rollback()
            if isinstance(err, pymysql.Error):
                raise EngineError(f"mysql: loading {table}: {err.args[-1]}") from err
            raise
        finally:
            cur.execute("SET SESSION sql_mode = %s", (mode,))

    LOAD_CONNECTIONS = 2  # LOAD DATA parses on the server: one busy core per connection

    def _load_local(self, data, jobs, report, tmp, before_commit) -> None:
        """LOAD DATA LOCAL INFILE on `LOAD_CONNECTIONS` connections, each taking the next
        table, largest first, and exporting its CSV while the other's LOAD DATA runs
        (foreign_key_checks is off, so the tables are independent; a second connection that
        cannot be opened leaves one). Both commit once every table is in and `before_commit`
        passed."""
        import queue
        import threading
        import pymysql
        from dbdesign.errors import EngineError
        from dbdesign.lab import datagen as dg
        todo: queue.Queue = queue.Queue()
        for job in sorted(jobs, key=lambda j: -j[3]):
            todo.put(job)
        conns, errors, lock = [], [], threading.Lock()

        def worker(conn) -> None:
            duck, cur, table = data.conn.cursor(), conn.cursor(), ""
            try:
                while not errors:
                    try:
                        table, select, cols, n = todo.get_nowait()
                    except queue.Empty:
                        return
                    t0 = time.perf_counter()
                    path = os.path.join(tmp, f"{dg.staging_name(table)}.csv")
                    duck.execute(f"COPY ({select}) TO ? (FORMAT csv, HEADER false, NULLSTR 'NULL', "
                                 "FORCE_QUOTE *)", [path])
                    cur.execute(f"LOAD DATA LOCAL INFILE %s INTO TABLE {_bq(table)} CHARACTER SET utf8mb4 "
                                "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' "
                                f"LINES TERMINATED BY '\\n' ({', '.join(_bq(c) for c in cols)})", (path,))
                    os.remove(path)
                    self._check_loaded(cur, table, n)
                    with lock:
                        report.table_done(table, n, time.perf_counter() - t0)
            except pymysql.Error as err:
                errors.append(EngineError(f"mysql: loading {table}: {err.args[-1]}"))
            except BaseException as err:  # Ctrl-C too: the other worker stops taking tables
                errors.append(err)
            finally:
                duck.close()
        try:
            for _ in range(self.LOAD_CONNECTIONS):
                try:
                    # one transaction per connection, committed when every table is in
                    conn = pymysql.connect(**{**self._params, "local_infile": True, "autocommit": False})
                except pymysql.Error:
                    if conns:  # a server with one connection to spare: one worker
                        break
                    raise
                conn._read_timeout = READ_TIMEOUT
                conn.cursor().execute("SET foreign_key_checks = 0")
                conns.append(conn)
            on_each(worker, conns)
            if errors:
                raise errors[0]
            before_commit()
            for conn in conns:
                conn.commit()
        except pymysql.Error as err:
            raise EngineError(f"mysql: loading: {err.args[-1]}") from err
        finally:
            for conn in conns:
                conn.close()

    @staticmethod
    def _check_loaded(cur, table: str, sent: int) -> None:
        """Fail on any warning (LOAD DATA LOCAL skips or changes a row a key or CHECK
        refuses, with only a warning) and on a row count other than what was sent."""
        from dbdesign.errors import EngineError
        warnings = cur.execute("SHOW WARNINGS") and cur.fetchall()
        if warnings:
            raise EngineError(f"mysql: loading {table}: {len(warnings)} warnings, first: "
                              f"{warnings[0][2]} (LOAD DATA LOCAL skips or changes such rows)")
        cur.execute(f"SELECT count(*) FROM {_bq(table)}")
        held = cur.fetchone()[0]
        if held != sent:
            raise EngineError(f"mysql: loading {table}: {sent} rows sent, {held} in the table")

    @contextlib.contextmanager
    def load_session(self, data) -> Iterator["MySQLEngine"]:
        """foreign_key_checks=0 while the load's statements run: ADD FOREIGN KEY is then in
        place (no table copy) and checks nothing; `bulk_load` checked the rows before COMMIT."""
        self.execute("SET foreign_key_checks = 0")
        try:
            yield self
        finally:
            self.execute("SET foreign_key_checks = 1")

    def version(self) -> str:
        return self.query("SELECT VERSION()")[0][0]

    def kill_session(self, session_id: int) -> bool:
        """`KILL CONNECTION id` (the thread id `CONNECTION_ID()` returns): the server closes
        the connection; its client finds out at its next statement (error 2013 or 2006)."""
        from dbdesign.errors import EngineError
        try:
            self.execute(f"KILL CONNECTION {int(session_id)}")
        except EngineError as err:
            if "unknown thread" in str(err).lower():
                return False
            raise
        return True

    @classmethod
    def adapt_param(cls, value):
        return str(value) if isinstance(value, uuid.UUID) else value

    def drop_index_sql(self, name: str, table: str) -> str:
        return f"DROP INDEX {_bq(name)} ON {_bq(table)}"

    def drop_index(self, name: str, table: str, columns=()) -> None:
        """MariaDB refuses to drop an index a foreign key relies on (InnoDB dropped its own FK
        index when ours appeared): a plain index on the first column goes back in the same
        ALTER."""
        from dbdesign.errors import EngineError
        try:
            self.execute(self.drop_index_sql(name, table))
        except EngineError as err:
            if "foreign key" not in str(err).lower() or not columns:
                raise
            first = re.sub(r"\s+(ASC|DESC)$", "", columns[0].strip(), flags=re.I)
            self.execute(f"ALTER TABLE {_bq(table)} ADD INDEX {_bq(f'fk_{table}_{first}')} "
                         f"({_bq(first)}), DROP INDEX {_bq(name)}")

    def analyze(self, tables) -> None:
        for t in tables:
            self.query(f"ANALYZE TABLE {_bq(t)}")

    def index_bytes(self, name: str, table: str) -> int | None:
        self.query(f"ANALYZE TABLE {_bq(table)}")
        r = self.query("SELECT s.stat_value * @@innodb_page_size FROM mysql.innodb_index_stats s "
                       "WHERE s.database_name = DATABASE() AND s.table_name = %s "
                       "AND s.index_name = %s AND s.stat_name = 'size'", (table, name))
        return int(r[0][0]) if r else None

    def table_names(self) -> list[str]:
        rows = self.query("SELECT table_name FROM information_schema.tables WHERE "
                          "table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1")
        return [r[0] for r in rows]

    def introspect(self) -> Schema:
        """This database as a `Schema` (information_schema; see the notes below and
        `engines.introspection` for how engine spellings are normalised)."""
        with self.own_queries():
            return _introspect_mysql(self)


# -- introspection -------------------------------------------------------------------------
# information_schema of the connected database. MariaDB specifics, decided and documented:
# - The primary key is always named PRIMARY: read as name None (a design's name cannot survive).
# - A column-level CHECK is named after its column by MariaDB: read as name None.
# - JSON is an alias of LONGTEXT plus a column CHECK json_valid(col): read back as type JSON,
#   without that check.
# - A unique key is a UNIQUE constraint in information_schema whether it was declared as
#   UNIQUE (...) or CREATE UNIQUE INDEX: read as a UniqueConstraint (`diff` treats a UNIQUE
#   constraint and a full unique index on the same columns as equivalent across engines).
# - InnoDB's own indexes on FK columns (named after the constraint, or after the first column
#   when the FK is unnamed) are real indexes and are kept; `diff(..., engine="mysql")` ignores
#   an extra index whose columns are exactly a foreign key's columns (option `fk_auto_index`).
# - Unspecified FK actions read as RESTRICT (InnoDB's word for NO ACTION).

def _introspect_mysql(engine: MySQLEngine) -> Schema:
    schema = Schema(sources=[mask_secrets(engine.url)])
    db = "TABLE_SCHEMA = DATABASE()"
    for name, comment in engine.query(
            f"SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema.TABLES WHERE {db} "
            "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"):
        if not is_internal(name):
            schema.tables[name] = Table(name=name, comment=comment or None)

    for tname, cname, ctype, nullable, default, extra, comment, gen in engine.query(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, "
            f"COLUMN_COMMENT, GENERATION_EXPRESSION FROM information_schema.COLUMNS WHERE {db} "
            "ORDER BY TABLE_NAME, ORDINAL_POSITION"):
        table = schema.tables.get(tname)
        if table is None:
            continue
        col = Column(name=cname, type=norm_type(ctype, "mysql"), nullable=nullable == "YES",
                     comment=comment or None)
        extra = (extra or "").lower()
        if "generated" in extra and gen:
            col.generated = clean_expr(gen, "mysql")
        else:
            col.default = clean_default(default, "mysql")
        if col.type == "BOOLEAN" and col.default in ("0", "1"):
            col.default = "TRUE" if col.default == "1" else "FALSE"
        if "auto_increment" in extra:
            col.identity = "by default"  # AUTO_INCREMENT accepts explicit values
        table.columns[cname] = col

    key_cols: dict[tuple[str, str], list[tuple]] = {}
    for tname, cname, col, ref_table, ref_col in engine.query(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, "
            f"REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE {db} "
            "ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"):
        key_cols.setdefault((tname, cname), []).append((col, ref_table, ref_col))

    stats: dict[tuple[str, str], list[tuple]] = {}
    for tname, iname, non_unique, col, collation, sub_part, itype, icomment in engine.query(
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION, SUB_PART, "
            f"INDEX_TYPE, INDEX_COMMENT FROM information_schema.STATISTICS WHERE {db} "
            "ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"):
        stats.setdefault((tname, iname), []).append(
            (non_unique, col, collation, sub_part, itype, icomment))

    for tname, cname, ctype in engine.query(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM "
            f"information_schema.TABLE_CONSTRAINTS WHERE {db} "
            "AND CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE') ORDER BY TABLE_NAME, CONSTRAINT_NAME"):
        table = schema.tables.get(tname)
        if table is None:
            continue
        cols = [c for c, _, _ in key_cols.get((tname, cname), [])]
        if ctype == "PRIMARY KEY":
            table.primary_key = PrimaryKey(cols)
        elif all(p[2] != "D" and p[3] is None for p in stats.get((tname, cname), [])):
            table.uniques.append(UniqueConstraint(cols, cname))
            stats.pop((tname, cname), None)
        # else: a unique key with DESC or prefix parts stays an index (below)
    for (tname, iname), parts in sorted(stats.items()):
        table = schema.tables.get(tname)
        if table is None or iname == "PRIMARY":
            continue
        itype = (parts[0][4] or "BTREE").lower()
        table.indexes.append(Index(
            name=iname, table=tname,
            columns=[IndexColumn(column=p[1], desc=p[2] == "D") for p in parts],
            unique=not parts[0][0], method=None if itype == "btree" else itype,
            comment=parts[0][5] or None))

    for tname, cname, on_update, on_delete, ref_table in engine.query(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE, REFERENCED_TABLE_NAME "
            "FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() "
            "ORDER BY TABLE_NAME, CONSTRAINT_NAME"):
        table = schema.tables.get(tname)
        if table is None:
            continue
        parts = key_cols.get((tname, cname), [])
        table.foreign_keys.append(ForeignKey(
            [p[0] for p in parts], ref_table, [p[2] for p in parts], fk_action(on_delete),
            fk_action(on_update), cname))

    for tname, cname, level, clause in engine.query(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, LEVEL, CHECK_CLAUSE FROM "
            "information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() "
            "ORDER BY TABLE_NAME, CONSTRAINT_NAME"):
        table = schema.tables.get(tname)
        if table is None:
            continue
        expression = clean_expr(clause, "mysql")
        col = table.columns.get(cname) if level == "Column" else None
        if col is not None and col.type == "TEXT" and expression.lower() == f"json_valid({cname})":
            col.type = "JSON"  # MariaDB's JSON: LONGTEXT + CHECK (json_valid(col))
            continue
        cols = [c.name for c in sqlglot.parse_one(expression, read="postgres").find_all(exp.Column)]
        table.checks.append(CheckConstraint(expression, None if level == "Column" else cname,
                                            list(dict.fromkeys(cols))))
    return schema
