"""The one small interface every engine implements, and its capability flags.

Each engine module (`sqlite`, `duckdb`, `postgres`, `mysql`) subclasses `Engine`; code that
needs an engine difference asks a capability flag instead of comparing names (sqlglot's style).
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from dbdesign.errors import EngineError

if TYPE_CHECKING:
    from dbdesign.model import Schema


class Params:
    """The values of executed statements, kept out of their SQL text. `p(value)` keeps the
    value and returns a marker to write where it goes; `Engine.query(sql, p)` swaps the markers
    it finds for the driver's placeholders (in text order) and hands the values to the driver.
    A marker carries its value's index, so fragments may be composed in any order and one
    `Params` may serve several statements. Generated scripts spell values with
    `Dialect.literal` instead; `inline` does that for a statement built with markers."""

    MARK = "\x00"  # never in SQL text otherwise: quoting refuses NUL in identifiers

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"{self.MARK}{len(self.values) - 1}{self.MARK}"

    def split(self, sql: str) -> tuple[list[str], list[Any]]:
        """The text between the markers of `sql`, and the values in the order they occur."""
        parts = sql.split(self.MARK)
        if len(parts) % 2 == 0 or not all(p.isdigit() for p in parts[1::2]):
            raise EngineError("a NUL character in SQL text outside a parameter marker")
        return parts[::2], [self.values[int(i)] for i in parts[1::2]]

    def inline(self, sql: str, literal) -> str:
        """`sql` with every marker replaced by `literal(value)` (a script's spelling)."""
        texts, values = self.split(sql)
        return texts[0] + "".join(literal(v) + t for v, t in zip(values, texts[1:]))


@dataclass(frozen=True)
class Capabilities:
    transactional_ddl: bool = True
    partial_index: bool = True
    expression_index: bool = True
    desc_index: bool = True
    fk_actions: bool = True  # ON DELETE CASCADE / SET NULL
    alter_add_foreign_key: bool = True
    enum_type: bool = False  # CREATE TYPE ... AS ENUM
    inline_enum: bool = False  # column type ENUM('a', 'b')
    timestamptz: bool = True
    uuid_type: bool = True
    varchar_length_enforced: bool = True
    check_enforced: bool = True
    fk_enforced_by_default: bool = True
    identity: bool = True
    fk_auto_index: bool = False  # engine creates an index on FK columns by itself
    include_columns: bool = False  # CREATE INDEX ... INCLUDE (...)
    full_text: str = "none"  # what full-text search exists here

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Engine:
    """A connection to one database, opened from a URL."""

    name: str = "?"
    dialect: str = "?"  # sqlglot dialect name
    # sqlglot dialect `introspect()` reads the catalogue's expression text with (CHECK,
    # DEFAULT, generated column, index WHERE) before writing it as the model's PostgreSQL text
    expression_dialect: str | None = None  # None: `dialect`
    # The catalogue reports a column of an enum type by its values, not by the type's name
    # (two enums with equal values cannot be told apart there)
    enum_columns_by_values: bool = False
    restrict_is_no_action: bool = False  # FK RESTRICT and NO ACTION are the same check here
    booleans_as_integers: bool = False  # TRUE/FALSE are stored (and read back) as 1/0

    @classmethod
    def stored_type(cls, text: str, raw: str) -> str:
        """The type this engine holds for the canonical PostgreSQL type `text` (declared as
        `raw`), so designed and introspected models compare: its type equivalences."""
        return text
    capabilities: Capabilities = Capabilities()
    url_schemes: tuple[str, ...] = ()
    # SQLAlchemy URL scheme (dialect+driver) reaching this engine with a pinned driver; None:
    # no pinned SQLAlchemy dialect (generated ORM models cannot be run here)
    sqlalchemy_scheme: str | None = None

    def __init__(self, url: str):
        self.url = url
        self._conn = None

    # -- connection ------------------------------------------------------------------------
    @property
    def conn(self):
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _connect(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- running SQL -----------------------------------------------------------------------
    def query(self, sql: str, params: "Sequence[Any] | Params" = ()) -> list[tuple]:
        """Run one statement; `params`: values for the driver's placeholders, or a `Params`
        whose markers `sql` holds."""
        sql, params = self.bind(sql, params)
        cur = self.conn.cursor()
        try:
            cur.execute(sql, params) if params else cur.execute(sql)
            return list(cur.fetchall()) if cur.description else []
        except Exception as err:  # driver errors differ per engine; normalise them
            raise EngineError(f"{self.name}: {_first_line(err)}") from err
        finally:
            with contextlib.suppress(Exception):
                cur.close()

    def execute(self, sql: str, params: "Sequence[Any] | Params" = ()) -> None:
        self.query(sql, params)

    def run_script(self, statements: Sequence[str], transaction: bool = True) -> None:
        """Run statements in order. With `transaction` (and transactional DDL) all or nothing.
        A failure raises EngineError naming the statement number and the engine's message."""
        use_tx = transaction and self.capabilities.transactional_ddl
        if use_tx:
            self.begin()
        for i, sql in enumerate(statements, 1):
            try:
                self.execute(sql)
            except EngineError as err:
                if use_tx:
                    self.rollback()
                raise EngineError(f"statement {i} failed: {err}\n  {sql.strip()[:200]}") from err
        if use_tx:
            self.commit()

    def begin(self) -> None:
        self.execute("BEGIN")

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        with contextlib.suppress(Exception):
            self.execute("ROLLBACK")

    def version(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def warmup_calls(self) -> int:
        """Runs of a statement before timing it measures the steady state: the driver or the
        server may change how it runs a statement it has seen a few times. By default one:
        the first run parses and plans it."""
        return 1

    # -- facts the index lab asks ---------------------------------------------------------
    label = "?"  # the engine's name for people
    paramstyle = "%s"  # the driver's positional placeholder
    # format-style drivers (psycopg, PyMySQL) read every % of a statement that has parameters:
    # a literal % is written %% there
    percent_in_params = "%%"

    @classmethod
    def bind(cls, sql: str, params: "Sequence[Any] | Params") -> tuple[str, Sequence[Any]]:
        """`sql` and `params` as the driver takes them: a `Params`' markers become this
        driver's placeholders and its values (adapted) follow in text order. Values never
        enter the SQL text, so no quote, backslash or NUL in one can change the statement."""
        if not isinstance(params, Params):
            return sql, params
        texts, values = params.split(sql)
        if not values:
            return texts[0], ()
        texts = [t.replace("%", cls.percent_in_params) for t in texts]
        return cls.paramstyle.join(texts), [cls.adapt_param(v) for v in values]
    index_methods: tuple[str, ...] = ("btree",)  # CREATE INDEX ... USING <method> it builds
    per_index_bytes = True  # False: an index's size is the database's growth when it is built
    clustered_pk = False  # secondary indexes carry the primary key (InnoDB)

    @classmethod
    def adapt_param(cls, value: Any) -> Any:
        """A Python value as this driver takes it (UUIDs and datetimes where it does not)."""
        return value

    def drop_index_sql(self, name: str, table: str) -> str:
        return 'DROP INDEX "' + name.replace('"', '""') + '"'

    def drop_index(self, name: str, table: str, columns: Sequence[str] = ()) -> None:
        """Drops index `name` of `table` (`columns`: its key, for engines that need it back)."""
        self.execute(self.drop_index_sql(name, table))

    def index_bytes(self, name: str, table: str) -> int | None:
        """Bytes of one index (None where the engine cannot say)."""
        return None

    def analyze(self, tables: Sequence[str]) -> None:
        """Refresh the optimizer statistics of `tables` (plans change after it)."""
        self.execute("ANALYZE")

    def index_scan_counts(self) -> dict[str, int] | None:
        """Scans per index since the statistics were reset (None: the engine does not count)."""
        return None

    def database_bytes(self) -> int | None:
        """Bytes the database takes (for engines without a per-index figure)."""
        return None

    def table_names(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def introspect(self) -> "Schema":  # pragma: no cover - abstract
        """Read this live database back into the model (current schema only; tables named
        `dbdesign_*` are our bookkeeping and skipped). Normalisation rules: see
        `engines.introspection`; comparing with a design: `dbdesign.schema.diff`."""
        raise NotImplementedError

    # -- bulk loads of generated data (`lab.datagen.load`) ----------------------------------
    bulk_method = "?"  # the bulk path, for people (LoadReport.method)
    # DuckDB type prefix -> SQL over `{}` (the staging column) that shapes a generated value
    # for this engine's loader; the first matching prefix wins
    export_casts: tuple[tuple[str, str], ...] = ()
    # Foreign keys are added after the load (ALTER TABLE, validated in one pass by the
    # engine) rather than checked row by row as the rows arrive
    fks_after_load = False
    # Keys ("primary", "unique") added after the load (ALTER TABLE ... ADD: the index is built
    # in one sorted pass) rather than grown one row at a time (`datagen.load_statements`)
    keys_after_load: tuple[str, ...] = ()
    # Files an embedded engine writes beside its database file (journals, write-ahead logs)
    sidecar_suffixes: tuple[str, ...] = ()

    def missing_objects(self, wanted: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Of the (kind, name) pairs - "function" or "collation", lower case - that a schema's
        CHECKs and index expressions use without defining them, those this database lacks.
        The dialects of engines without stored functions and named collations already leave
        those out of the DDL; an engine that has them asks its catalogue."""
        return set()

    def provide_types(self, names: set[str]) -> list[str]:
        """Make the column types `names` (lower case, which the schema uses but does not
        define) exist where the engine can, returning a line per action. Engines without
        extension types get stand-ins from their dialect instead: nothing to do."""
        return []

    def check_bulk_options(self, options: dict[str, Any]) -> None:
        """Raise InputError when `options` (datagen.load's keyword options) cannot work here,
        before anything is created."""

    @contextlib.contextmanager
    def load_session(self, data) -> Iterator["Engine"]:
        """The engine to run a load's statements on (this one, by default)."""
        yield self

    def verify_load(self, data, tables: Sequence[str], report) -> None:
        """After the load's keys, indexes and foreign keys are built: check what the engine
        did not (nothing, by default)."""

    def after_load(self, tables: Sequence[str], report) -> None:
        """Bring the database's own state in line with the loaded rows, so the application's
        next insert works (a sequence past the loaded keys); nothing by default."""

    def bulk_load(self, data, tables: Sequence[str], report, tmp: str, options: dict[str, Any]) -> None:  # pragma: no cover
        """Copy the staging tables `tables` of `data` (a datagen.Dataset) into this database's
        existing tables with the engine's fast path, filling `report` (rows, seconds, notes)."""
        raise NotImplementedError

    # -- throw-away databases --------------------------------------------------------------
    @classmethod
    @contextlib.contextmanager
    def throwaway(cls, server_url: str | None = None) -> Iterator["Engine"]:  # pragma: no cover
        """A fresh, empty database of this engine, dropped (or deleted) afterwards."""
        raise NotImplementedError
        yield


def on_each(worker, conns: Sequence[Any]) -> None:
    """`worker(conn)` on every connection of `conns` at once (a bulk load's sessions): the
    first in this thread, each other in a thread of its own; returns when all are done."""
    import threading
    threads = [threading.Thread(target=worker, args=(c,)) for c in conns[1:]]
    for t in threads:
        t.start()
    try:
        worker(conns[0])
    finally:
        for t in threads:
            t.join()


def _first_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0]


class ServerEngine(Engine):
    """An engine reached over the network (PostgreSQL, MariaDB): throw-away databases are
    created on the server and dropped afterwards; subclasses give the two statements."""

    DEFAULT_URL: str = ""
    CREATE_DATABASE: str = ""  # format string with {name}
    DROP_DATABASE: str = ""

    LIST_DATABASES: str = ""  # query: the names of every database on the server
    # Session setting that bounds one statement's run time ({seconds}), and its reset.
    STATEMENT_TIMEOUT: str = ""
    STATEMENT_TIMEOUT_RESET: str = ""
    OWN_QUERY_TIMEOUT = 120  # seconds for the catalogue queries dbdesign runs itself
    # Sessions as a client connection pool meets them (poolbench): the query returning this
    # connection's server session id, a statement holding a connection busy for {seconds}
    # (a float), the query returning the server's connection limit, and the pool library
    # measured against the engine ("psycopg_pool" or "sqlalchemy", SQLAlchemy's QueuePool).
    SESSION_ID: str = ""
    SLEEP: str = ""
    MAX_CONNECTIONS: str = ""
    pool_library: str = ""

    def kill_session(self, session_id: int) -> bool:  # pragma: no cover - abstract
        """End another connection's session on the server, as an administrator or a failover
        would; False when there is no such session."""
        raise NotImplementedError

    @contextlib.contextmanager
    def own_queries(self, seconds: float | None = None) -> Iterator["ServerEngine"]:
        """Bound every statement run inside by `seconds` (default `OWN_QUERY_TIMEOUT`): for
        the queries dbdesign runs itself (introspection, the availability check), never
        around user migrations or benchmark loads, which may rightly run long."""
        self.execute(self.STATEMENT_TIMEOUT.format(seconds=seconds or self.OWN_QUERY_TIMEOUT))
        try:
            yield self
        finally:
            with contextlib.suppress(EngineError):
                self.execute(self.STATEMENT_TIMEOUT_RESET)

    @classmethod
    @contextlib.contextmanager
    def throwaway(cls, server_url: str | None = None) -> Iterator["Engine"]:
        """A fresh database named `dbdesign_tmp_<creation time>_<random>`, dropped afterwards.
        A run killed before the drop leaves its database behind; every later throwaway drops
        those older than `THROWAWAY_MAX_AGE` first (younger ones may belong to runs still
        going, so they stay)."""
        from urllib.parse import urlsplit, urlunsplit
        admin = cls(server_url or cls.DEFAULT_URL)
        drop_stale_throwaways(admin)
        name = throwaway_name()
        admin.execute(cls.CREATE_DATABASE.format(name=name))
        engine = cls(urlunsplit(urlsplit(admin.url)._replace(path="/" + name)))
        try:
            yield engine
        finally:
            engine.close()
            admin.execute(cls.DROP_DATABASE.format(name=name))
            admin.close()


THROWAWAY_PREFIX = "dbdesign_tmp_"
THROWAWAY_MAX_AGE = 3600  # seconds; a throwaway older than this belongs to no live run


def throwaway_name(now: float | None = None) -> str:
    """`dbdesign_tmp_<unix seconds>_<8 hex>`: recognisable, and its age readable from it."""
    import time
    import uuid
    return f"{THROWAWAY_PREFIX}{int(now if now is not None else time.time())}_{uuid.uuid4().hex[:8]}"


def throwaway_age(name: str, now: float | None = None) -> float | None:
    """Seconds since the throwaway `name` was made; None for any other name."""
    import re
    import time
    m = re.fullmatch(re.escape(THROWAWAY_PREFIX) + r"(\d{10})_[0-9a-f]{8}", name)
    return (now if now is not None else time.time()) - int(m.group(1)) if m else None


def drop_stale_throwaways(admin: "ServerEngine", max_age: float = THROWAWAY_MAX_AGE) -> list[str]:
    """Drop the throwaway databases on `admin`'s server older than `max_age` seconds; return
    their names. Never touches a database whose name is not a throwaway's."""
    dropped = []
    for (name,) in admin.query(admin.LIST_DATABASES):
        age = throwaway_age(name)
        if age is not None and age > max_age:
            with contextlib.suppress(EngineError):  # another run may drop it at the same time
                admin.execute(admin.DROP_DATABASE.format(name=name))
                dropped.append(name)
    return dropped

