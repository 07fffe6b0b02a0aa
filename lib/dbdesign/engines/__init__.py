"""Engines behind one interface: `connect(url)`, `ENGINES[name]`, `capability_table()`."""
from __future__ import annotations

import os
from typing import Iterable
from urllib.parse import urlsplit

from dbdesign.errors import InputError
from dbdesign.engines.base import Capabilities, Engine, Params
from dbdesign.engines.duckdb import DuckDBEngine
from dbdesign.engines.mysql import MySQLEngine
from dbdesign.engines.postgres import PostgresEngine
from dbdesign.engines.sqlite import SQLiteEngine

ENGINES: dict[str, type[Engine]] = {
    "sqlite": SQLiteEngine,
    "duckdb": DuckDBEngine,
    "postgres": PostgresEngine,
    "mysql": MySQLEngine,
}
EMBEDDED = ("sqlite", "duckdb")
SERVERS = ("postgres", "mysql")


def engine_class(name: str) -> type[Engine]:
    try:
        return ENGINES[name]
    except KeyError:
        raise InputError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}") from None


def connect(url: str, create: bool = True) -> Engine:
    """Open an engine from a URL: sqlite:///f.db, duckdb:///f.duckdb, postgresql://..., mysql://...

    `create=False` is for commands that only read (inspect, migrate status/plan, verify --db):
    a missing SQLite/DuckDB file is an error then, instead of a new empty database."""
    try:
        scheme = urlsplit(url).scheme.split("+")[0].lower()
    except ValueError as err:  # e.g. an unclosed [IPv6 address
        raise InputError(f"not a database URL ({err}); use sqlite:///file.db, "
                         "postgresql://user@host/db or mysql://user@host/db", url) from None
    for cls in ENGINES.values():
        if scheme in cls.url_schemes:
            engine = cls(url)
            path = getattr(engine, "path", None)
            if not create and path and path != ":memory:" and not os.path.exists(path):
                raise InputError(f"no database file {path}; check the path (a command that "
                                 "only reads never creates one)", url)
            return engine
    raise InputError(f"unknown database URL scheme {scheme!r}; use sqlite:///file.db, "
                     "duckdb:///file.duckdb, postgresql://user@host/db or mysql://user@host/db", url)


def server_url(name: str) -> str:
    """The server URL for throw-away databases: $DBDESIGN_POSTGRES_URL / $DBDESIGN_MYSQL_URL,
    else this machine's defaults."""
    from dbdesign.engines.mysql import DEFAULT_URL as MYSQL_URL
    from dbdesign.engines.postgres import DEFAULT_URL as PG_URL
    defaults = {"postgres": PG_URL, "mysql": MYSQL_URL}
    return os.environ.get(f"DBDESIGN_{name.upper()}_URL", defaults.get(name, ""))


def throwaway(name: str):
    """Context manager: a fresh empty database of engine `name`, removed afterwards."""
    cls = engine_class(name)
    return cls.throwaway(server_url(name) if name in SERVERS else None)


_AVAILABILITY: dict[tuple[str, str], str | None] = {}


def availability(names: Iterable[str] | None = None, refresh: bool = False) -> dict[str, str | None]:
    """{engine: None if it can run here, else the reason (one line)} for `names` (default all).

    SQLite and DuckDB are embedded: always available. A server gets one `SELECT 1` through
    `server_url(name)` ($DBDESIGN_POSTGRES_URL / $DBDESIGN_MYSQL_URL); the answer is cached per
    process and URL (a down server costs its connect timeout once, not once per caller);
    `refresh=True` asks again. An unknown name raises InputError."""
    from dbdesign.errors import DbDesignError
    out: dict[str, str | None] = {}
    for name in (ENGINES if names is None else names):
        engine_class(name)
        if name not in SERVERS:
            out[name] = None
            continue
        key = (name, server_url(name))
        if refresh or key not in _AVAILABILITY:
            try:
                with connect(key[1]) as eng, eng.own_queries(10):
                    eng.query("SELECT 1")
                _AVAILABILITY[key] = None
            except DbDesignError as err:
                _AVAILABILITY[key] = (str(err).strip().splitlines() or [type(err).__name__])[0]
        out[name] = _AVAILABILITY[key]
    return out


def available(names: Iterable[str] | None = None) -> list[str]:
    """The engines of `names` (default all) that can run here, in the order given."""
    return [n for n, why in availability(names).items() if why is None]


def capability_table() -> list[dict]:
    """One row per engine and capability, for notebooks and the portability report."""
    return [{"engine": name, **cls.capabilities.as_dict()} for name, cls in ENGINES.items()]


__all__ = ["Capabilities", "Engine", "Params", "ENGINES", "EMBEDDED", "SERVERS", "engine_class", "connect",
           "server_url", "throwaway", "capability_table", "availability", "available"]
