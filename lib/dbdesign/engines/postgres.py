"""PostgreSQL through psycopg 3 (a server; URL postgresql://user@host:port/db)."""
from __future__ import annotations

from dbdesign.errors import EngineUnavailable, InputError, mask_secrets
from dbdesign.model import (CheckConstraint, Column, EnumType, ForeignKey, PrimaryKey, Schema, Table,
                     UniqueConstraint)
from dbdesign.engines.base import Capabilities, ServerEngine, on_each
from dbdesign.engines.introspection import add_index_sql, clean_default, clean_expr, is_internal, norm_type

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qn(table: str) -> str:
    """A model table name (`schema.table` or `table`) quoted part by part."""
    return ".".join(_q(p) for p in table.split("."))


CONNECT_TIMEOUT = 5  # seconds, for connecting and the startup exchange


class PostgresEngine(ServerEngine):
    DEFAULT_URL = DEFAULT_URL
    CREATE_DATABASE = 'CREATE DATABASE "{name}"'
    DROP_DATABASE = 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    STATEMENT_TIMEOUT = "SET statement_timeout = '{seconds}s'"
    STATEMENT_TIMEOUT_RESET = "RESET statement_timeout"
    LIST_DATABASES = "SELECT datname FROM pg_database"
    SESSION_ID = "SELECT pg_backend_pid()"
    SLEEP = "SELECT pg_sleep({seconds})"
    MAX_CONNECTIONS = "SHOW max_connections"
    pool_library = "psycopg_pool"
    name = "postgres"
    label = "PostgreSQL"
    dialect = "postgres"
    url_schemes = ("postgresql", "postgres")
    sqlalchemy_scheme = "postgresql+psycopg"
    index_methods = ("btree", "hash", "gin", "gist", "brin", "spgist")
    capabilities = Capabilities(enum_type=True, include_columns=True,
                                full_text="tsvector + GIN indexes")

    def _connect(self):
        """Connect with a 5 s connect timeout (it also bounds a server that accepts and never
        answers: libpq applies it to the whole startup exchange) and TCP keepalives, so a
        vanished server is noticed while a query waits. No statement_timeout here: user
        migrations and benchmark loads may rightly run long; the short catalogue queries
        dbdesign runs itself go through `query(..., timeout=...)` where a caller wants one."""
        import psycopg
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                                   keepalives=1, keepalives_idle=10, keepalives_interval=5,
                                   keepalives_count=2)
        except psycopg.ProgrammingError as err:  # a malformed DSN or URL
            raise InputError(f"postgres: bad connection URL {mask_secrets(self.url)}: "
                             f"{mask_secrets(str(err).strip().splitlines()[0])}") from None
        except psycopg.OperationalError as err:
            raise EngineUnavailable(f"postgres: cannot connect to {mask_secrets(self.url)}: "
                                    f"{mask_secrets(str(err).strip().splitlines()[0])}") from None

    def version(self) -> str:
        return self.query("SHOW server_version")[0][0]

    def provide_types(self, names: set[str]) -> list[str]:
        """A type no schema on the search path has, named like an available extension that is
        not installed (cube, hstore, ltree, citext: an extension's type usually carries its
        name), gets that extension; any other stays missing and CREATE TABLE says so."""
        if not names:
            return []
        have = {r[0] for r in self.query(
            "SELECT lower(t.typname) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = ANY(current_schemas(true)) AND lower(t.typname) = ANY(%s)", (sorted(names),))}
        out = []
        for name, in self.query("SELECT name FROM pg_available_extensions WHERE installed_version IS NULL "
                                "AND name = ANY(%s) ORDER BY name", (sorted(set(names) - have),)):
            self.execute(f"CREATE EXTENSION IF NOT EXISTS {_q(name)}")
            out.append(f"type {name}: not defined by the schema; CREATE EXTENSION {name} (the "
                       "available extension of that name)")
        return out

    def missing_objects(self, wanted: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """The functions no schema on the search path has (pg_proc), and the collations
        pg_collation lacks (a qualified name in its own schema)."""
        funcs = sorted(n for k, n in wanted if k == "function")
        have = {("function", r[0]) for r in self.query(
            "SELECT DISTINCT lower(p.proname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = ANY(current_schemas(true)) AND lower(p.proname) = ANY(%s)", (funcs,))} if funcs else set()
        colls = sorted(n for k, n in wanted if k == "collation")
        if colls:
            have |= {("collation", r[0]) for r in self.query(
                "SELECT lower(n.nspname || '.' || c.collname) FROM pg_collation c JOIN pg_namespace n "
                "ON n.oid = c.collnamespace WHERE lower(n.nspname || '.' || c.collname) = ANY(%s) UNION "
                "SELECT lower(c.collname) FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace "
                "WHERE n.nspname = ANY(current_schemas(true)) AND lower(c.collname) = ANY(%s)", (colls, colls))}
        return set(wanted) - have

    # -- bulk loads of generated data ------------------------------------------------------
    bulk_method = ("COPY FROM STDIN, two tables at a time on two connections: binary COPY from an Arrow "
                   "stream (ADBC PostgreSQL driver) where every column's type allows, else CSV written by DuckDB")
    # The PostgreSQL types (a domain's base type; "enum" for every enum) that binary COPY fills
    # from a DuckDB staging type: the ADBC driver sends each Arrow value in the type's binary
    # form, which the server reads without parsing text (1 M example comments: 1.4 s, against
    # 4.1 s as CSV). Each maps to the DuckDB type the Arrow stream must carry and the staging
    # types cast to it (an integer narrowed by DuckDB's CAST fails on overflow, as PostgreSQL
    # would). A pair not listed (json, numeric, arrays, network types) goes as CSV, which the
    # server parses as it would a literal; so does bool, which the driver (adbc-driver-postgresql
    # 1.13) sends from DuckDB's Arrow stream in a form the server refuses ("incorrect binary
    # data format").
    _INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT")
    BINARY_COPY_TYPES = {"uuid": ("UUID", ("UUID",)), "text": ("VARCHAR", ("VARCHAR",)),
                         "varchar": ("VARCHAR", ("VARCHAR",)), "bpchar": ("VARCHAR", ("VARCHAR",)),
                         "enum": ("VARCHAR", ("VARCHAR",)), "int2": ("SMALLINT", _INTEGERS),
                         "int4": ("INTEGER", _INTEGERS), "int8": ("BIGINT", _INTEGERS),
                         "float8": ("DOUBLE", ("DOUBLE",)),
                         "date": ("DATE", ("DATE",)), "timestamp": ("TIMESTAMP", ("TIMESTAMP",)),
                         "timestamptz": ("TIMESTAMP", ("TIMESTAMP",))}
    # An FK checked per row is a trigger firing a lookup per row (2.4 M example rows: ~6k
    # rows/s on a busy machine); ADD FOREIGN KEY after the load validates with one join.
    fks_after_load = True
    # A primary key or UNIQUE added after the load is one sorted index build; grown row by
    # row while COPY runs, a UUID key writes to random pages of its B-tree
    keys_after_load = ("primary", "unique")
    # a DuckDB list as PostgreSQL's array text ('{"a","b"}': every element quoted, which reads
    # back as any element type)
    export_casts = ((r".*\[\]$", "'{{' || array_to_string(list_transform({}, lambda v: '\"' || "
                     "replace(replace(v::VARCHAR, '\\', '\\\\'), '\"', '\\\"') || '\"'), ',') || '}}'"),)
    COPY_CONNECTIONS = 2  # COPY parses on the server backend: one busy core per connection

    def bulk_load(self, data, tables, report, tmp, options) -> None:
        """COPY each table: binary from DuckDB's Arrow stream through the ADBC driver where
        every column's type allows (`_binary_selects`), else from a CSV file DuckDB writes
        (faster than any per-value path through Python); keys and CHECKs are checked by
        PostgreSQL as the rows arrive. `COPY_CONNECTIONS` workers take the tables largest first, each
        exporting its next table while the other's COPY runs (a second connection that cannot
        be opened leaves one). A table waits for the parents its foreign keys in the database
        name (`_loaded_parents`): none when `load` adds them after the data, all of them in a
        migrated database."""
        import contextlib
        import threading
        from dbdesign.lab import datagen as dg
        self.execute("SET timezone = 'UTC'")  # staging timestamps are UTC wall-clock values
        # for the index builds and FK validations after the load, on this session
        self.execute("SET maintenance_work_mem = '256MB'")
        parents = self._loaded_parents(tables)
        adbc = adbc_postgres()
        binary = self._binary_selects(data, tables) if adbc else {}
        if adbc and set(tables) - set(binary):
            report.notes.append("loaded as CSV (a column type binary COPY is not used for): "
                                + ", ".join(t for t in tables if t not in binary))
        jobs = {}
        for table in tables:
            # what each COPY needs from the staging connection, read here: it is not for threads
            jobs[table] = (binary.get(table) or dg.export_select(data, table, self.export_casts), data.columns(table),
                           data.counts.get(table) or dg._count(data, table))
        todo = sorted(tables, key=lambda t: -jobs[t][2])
        done: set[str] = set()
        running = [0]
        # UUIDs as 16 bytes in the Arrow stream; the setting is the whole staging database's
        lossless = data.conn.execute("SELECT current_setting('arrow_lossless_conversion')").fetchone()[0]
        if binary:
            data.conn.execute("SET arrow_lossless_conversion = true")
        conns = [self.conn]
        # a migration may have moved this session's search_path: the other sessions follow it
        path = self.query("SELECT current_setting('search_path')")[0][0]
        with contextlib.ExitStack() as stack:
            for _ in range(self.COPY_CONNECTIONS - 1):
                try:
                    extra = stack.enter_context(self._connect())
                except Exception:  # a server with one connection to spare: one worker
                    break
                extra.execute("SET timezone = 'UTC'")
                extra.execute("SELECT set_config('search_path', %s, false)", [path])
                conns.append(extra)
            ready, errors = threading.Condition(), []

            def next_table() -> str | None:
                with ready:
                    while todo and not errors:
                        table = next((t for t in todo if parents[t] <= done), None)
                        if table is None and not running[0]:
                            # a cycle of foreign keys: the generation order (the old serial one)
                            table = next(t for t in tables if t in todo)
                        if table is not None:
                            todo.remove(table)
                            running[0] += 1
                            return table
                        ready.wait()
                    return None

            def worker(conn) -> None:
                duck = data.conn.cursor()  # a DuckDB connection of its own, thread-safe
                arrow = None
                try:
                    while (table := next_table()) is not None:
                        select, columns, rows = jobs[table]
                        if table in binary and arrow is None:
                            try:
                                arrow = self._adbc_connect(adbc, path)
                            except EngineUnavailable:  # no connection to spare: this worker's as CSV
                                arrow = False
                        if table in binary and arrow:
                            secs = self._copy_binary(arrow, duck, table, select)
                        else:
                            secs = self._copy_table(conn, duck, table, select, columns, tmp)
                        with ready:
                            report.table_done(table, rows, secs)
                            done.add(table)
                            running[0] -= 1
                            ready.notify_all()
                except BaseException as err:  # Ctrl-C too: the other worker must not wait on
                    with ready:
                        errors.append(err)
                        ready.notify_all()
                finally:
                    duck.close()
                    if arrow:
                        arrow.close()
            try:
                on_each(worker, conns)
            finally:
                if binary:
                    data.conn.execute(f"SET arrow_lossless_conversion = {bool(lossless)}")
        if errors:
            raise errors[0]

    def after_load(self, tables, report) -> None:
        """Each sequence a loaded column draws from (serial, identity, or a default owned by
        the column) moves to the largest loaded value: generated rows carry explicit keys,
        and the application's next INSERT would otherwise draw 1 and collide."""
        moved = 0
        for table in tables:
            name = _qn(table)
            for col, seq in self.query(
                    "SELECT a.attname, pg_get_serial_sequence(%s, a.attname) FROM pg_attribute a "
                    "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped", (name, name)):
                if seq is not None:
                    moved += bool(self.query(f"SELECT setval(%s::regclass, m) FROM (SELECT max({_q(col)}) AS m "
                                             f"FROM {name}) x WHERE m IS NOT NULL", (seq,)))
        if moved:
            report.notes.append(f"{moved} sequences moved past the loaded keys")

    def _loaded_parents(self, tables) -> dict[str, set[str]]:
        """For each of `tables`, the others its foreign keys in the database reference (a
        self-reference is checked at the end of its own COPY, so it is no wait)."""
        oid = {}
        for table in tables:
            name = _qn(table)
            oid[self.query("SELECT to_regclass(%s)::oid", (name,))[0][0]] = table
        parents: dict[str, set[str]] = {t: set() for t in tables}
        for child, parent in self.query(
                "SELECT conrelid::oid, confrelid::oid FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = ANY(%s) AND confrelid <> conrelid",
                ([o for o in oid if o is not None],)):
            if parent in oid:
                parents[oid[child]].add(oid[parent])
        return parents

    def _binary_selects(self, data, tables) -> dict[str, str]:
        """{table: SELECT of its staging rows shaped for binary COPY}, for the tables of
        `tables` whose every loaded column pairs its staging type with its type in the
        database as `BINARY_COPY_TYPES` allows."""
        from dbdesign.lab import datagen as dg
        out = {}
        for table in tables:
            name = _qn(table)
            target = dict(self.query(
                "SELECT a.attname, CASE WHEN t.typtype = 'e' THEN 'enum' ELSE coalesce(b.typname, t.typname) END "
                "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                "LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype "
                "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped", (name,)))
            staged = dict(data.conn.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND table_name = ?",
                [data.catalog, dg.staging_name(table)]).fetchall())
            parts = []
            for c in data.columns(table):
                arrow, accepted = self.BINARY_COPY_TYPES.get(target.get(c), (None, ()))
                have = staged.get(c, "").upper()
                if have not in accepted:
                    break
                parts.append(dg.quote(c) if have == arrow else f"CAST({dg.quote(c)} AS {arrow}) AS {dg.quote(c)}")
            else:
                out[table] = f"SELECT {', '.join(parts)} FROM {data.staged(table)}"
        return out

    def _adbc_connect(self, adbc, search_path: str):
        """An ADBC connection to this database, on `search_path` (the load session's)."""
        from dbdesign.dialects import DIALECTS
        try:
            conn = adbc.connect(self.url)
        except Exception as err:
            raise EngineUnavailable(f"postgres: ADBC cannot connect to {mask_secrets(self.url)}: "
                                    f"{mask_secrets(str(err).strip().splitlines()[0])}") from None
        with conn.cursor() as cur:
            cur.execute(f"SELECT set_config('search_path', {DIALECTS['postgres'].literal(search_path)}, false)")
        return conn

    def _copy_binary(self, conn, duck, table: str, select: str) -> float:
        """One table: DuckDB's Arrow stream of `select`, sent by the ADBC driver as binary COPY
        and committed. Seconds."""
        import time
        from dbdesign.errors import EngineError
        t0 = time.perf_counter()
        schema, _, name = table.rpartition(".")
        try:
            with conn.cursor() as cur:
                cur.adbc_ingest(name, duck.sql(select), mode="append", db_schema_name=schema or None)
            conn.commit()
        except Exception as err:
            conn.rollback()
            why = str(err).strip().splitlines()[0]
            why = why.split("ERROR:", 1)[-1].strip() if "ERROR:" in why else why
            raise EngineError(f"postgres: COPY {table}: {mask_secrets(why)}") from err
        return time.perf_counter() - t0

    def _copy_table(self, conn, duck, table: str, select: str, columns: list[str], tmp: str) -> float:
        """One table: DuckDB (`duck`) writes `select` as CSV, `conn` COPYs it in. Seconds."""
        import os
        import time
        from dbdesign.errors import EngineError
        from dbdesign.lab import datagen as dg
        t0 = time.perf_counter()
        path = os.path.join(tmp, f"{dg.staging_name(table)}.csv")
        duck.execute(f"COPY ({select}) TO ? (FORMAT csv, HEADER false)", [path])
        name = _qn(table)
        sql = f"COPY {name} ({', '.join(_q(c) for c in columns)}) FROM STDIN (FORMAT csv)"
        try:
            with conn.cursor() as cur, cur.copy(sql) as copy, open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        except Exception as err:
            raise EngineError(f"postgres: COPY {table}: {str(err).splitlines()[0]}") from err
        finally:
            os.remove(path)
        return time.perf_counter() - t0

    def kill_session(self, session_id: int) -> bool:
        """`pg_terminate_backend`: the backend process exits; its client finds out at its next
        statement."""
        return bool(self.query("SELECT pg_terminate_backend(%s)", (int(session_id),))[0][0])

    def warmup_calls(self) -> int:
        """psycopg prepares a statement on the server after `prepare_threshold` (5) runs, and
        PostgreSQL plans a prepared statement's first 5 executions for their parameters before
        it may switch to a generic plan (plan_cache_mode = auto): runs 1-5 unprepared, 6-10
        custom plans, generic from run 11 on (which builds it; pg_prepared_statements shows
        it). Timing starts at run 12."""
        threshold = self.conn.prepare_threshold
        return 5 if threshold is None else threshold + 6

    def analyze(self, tables) -> None:
        """VACUUM as well: index-only scans need the visibility map."""
        for t in tables:
            self.execute("VACUUM ANALYZE " + _qn(t))

    def index_scan_counts(self) -> dict[str, int] | None:
        return {r[0]: int(r[1]) for r in self.query("SELECT indexrelname, idx_scan FROM pg_stat_user_indexes")}

    def index_bytes(self, name: str, table: str) -> int | None:
        r = self.query("SELECT pg_relation_size(c.oid) FROM pg_class c WHERE c.relname = %s "
                       "AND c.relkind = 'i'", (name,))
        return int(r[0][0]) if r else None

    def table_names(self) -> list[str]:
        rows = self.query("SELECT table_name FROM information_schema.tables WHERE "
                          "table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1")
        return [r[0] for r in rows]

    def introspect(self) -> Schema:
        """Every user schema of this database as a `Schema` (pg_catalog; see
        `engines.introspection` for how engine spellings are normalised)."""
        with self.own_queries():
            return _introspect_postgres(self)


# -- introspection -------------------------------------------------------------------------
# One query per catalogue over every user schema (tables of the current schema and `public`
# keep plain names, others are qualified as `app.orders`), so a database with thousands of
# tables is still a handful of round trips.
_USER_SCHEMAS = ("n.nspname NOT IN ('pg_catalog', 'information_schema') "
                 "AND n.nspname NOT LIKE 'pg\\_%'")

_PG_FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL",
                  "d": "SET DEFAULT"}

# Partitions are tables of their own (the parent's key, bound and name are kept on them).
_PG_TABLES = """
SELECT c.oid, c.relname, obj_description(c.oid, 'pg_class'), n.nspname,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       pc.relname, pn.nspname, pg_get_expr(c.relpartbound, c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_class pc ON pc.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE {user_schemas} AND c.relkind IN ('r', 'p')
ORDER BY c.relname"""

_PG_COLUMNS = """
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
       col_description(a.attrelid, a.attnum)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE {user_schemas} AND c.relkind IN ('r', 'p') AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum"""

# Column names of conkey/confkey in key order (unnest WITH ORDINALITY keeps the order).
_PG_CONSTRAINTS = """
SELECT con.conrelid, con.conname, con.contype,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, pos)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.pos),
       rc.relname, rn.nspname,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, pos)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.pos),
       con.confdeltype, con.confupdtype,
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE {user_schemas} AND con.contype IN ('p', 'u', 'f', 'c')
  AND NOT (con.contype = 'f' AND con.conparentid <> 0)
  AND NOT (con.contype = 'c' AND NOT con.conislocal)
ORDER BY con.conrelid, con.oid"""

# Indexes that only back a PRIMARY KEY / UNIQUE / EXCLUDE constraint are the constraint itself.
_PG_INDEXES = """
SELECT i.indrelid, pg_get_indexdef(i.indexrelid), obj_description(i.indexrelid, 'pg_class')
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE {user_schemas} AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                  AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY i.indrelid, ic.relname"""

_PG_ENUMS = """
SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder), n.nspname
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
WHERE {user_schemas}
GROUP BY t.typname, n.nspname ORDER BY n.nspname, t.typname"""


def _introspect_postgres(engine: PostgresEngine) -> Schema:
    schema = Schema(sources=[mask_secrets(engine.url)])
    current = engine.query("SELECT current_schema()")[0][0]
    by_oid: dict[int, Table] = {}
    def q(sql: str) -> list[tuple]:
        return engine.query(sql.replace("{user_schemas}", _USER_SCHEMAS))

    def local(nsp: str | None) -> str | None:
        return None if nsp in (current, "public", None) else nsp

    for oid, name, comment, nsp, part_key, parent, parent_nsp, bound in q(_PG_TABLES):
        if is_internal(name):
            continue
        table = Table(name=name, schema=local(nsp), comment=comment, partition_by=part_key,
                      partition_bound=bound)
        if parent is not None:
            table.partition_of = f"{local(parent_nsp)}.{parent}" if local(parent_nsp) else parent
        by_oid[oid] = schema.tables[table.qualname] = table
    for relid, name, typ, notnull, default, identity, generated, comment in q(_PG_COLUMNS):
        table = by_oid.get(relid)
        if table is None:
            continue
        col = Column(name=name, type=norm_type(typ, "postgres"), nullable=not notnull,
                     comment=comment)
        if generated == "s":
            col.generated = clean_expr(default, "postgres")
        else:
            col.default = clean_default(default, "postgres")
        if identity in ("a", "d"):
            col.identity = "always" if identity == "a" else "by default"
        table.columns[name] = col
    for (relid, name, kind, cols, ref_name, ref_schema, ref_cols, on_delete, on_update,
         check) in q(_PG_CONSTRAINTS):
        table = by_oid.get(relid)
        if table is None:
            continue
        cols = list(cols)
        if kind == "p":
            table.primary_key = PrimaryKey(cols, name)
        elif kind == "u":
            table.uniques.append(UniqueConstraint(cols, name))
        elif kind == "f":
            ref_table = f"{local(ref_schema)}.{ref_name}" if local(ref_schema) else ref_name
            table.foreign_keys.append(ForeignKey(
                cols, ref_table, list(ref_cols), _PG_FK_ACTIONS.get(on_delete),
                _PG_FK_ACTIONS.get(on_update), name))
        elif kind == "c":
            table.checks.append(CheckConstraint(clean_expr(check, "postgres"), name, cols))
    for relid, indexdef, comment in q(_PG_INDEXES):
        if relid not in by_oid:
            continue
        ix = add_index_sql(schema, indexdef)
        if ix is not None:
            ix.comment = comment
    for name, values, nsp in q(_PG_ENUMS):
        qn = f"{local(nsp)}.{name}" if local(nsp) else name
        schema.enums[qn] = EnumType(qn, list(values))
    return schema


def adbc_postgres():
    """The ADBC PostgreSQL driver's DB-API module, or None when it is not installed."""
    try:
        import adbc_driver_postgresql.dbapi as adbc
    except ImportError:
        return None
    return adbc
