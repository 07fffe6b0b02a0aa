"""Shared fixtures: the example schema, and throw-away databases on all four engines.

Server-backed engines (PostgreSQL, MariaDB) skip with a reason when the server is unreachable,
except under CI=true, where an unreachable server is a failure."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from dbdesign import engines
from dbdesign.lab import workload
from dbdesign.schema.source import load_source

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_MIGRATIONS = REPO / "migrations"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ALL_ENGINES = ("sqlite", "duckdb", "postgres", "mysql")
EXAMPLE_QUERIES = workload.load_queries(str(REPO / "workload.sql"))  # the example's workload


def _server_problem(name: str) -> str | None:
    return engines.availability([name])[name]


def require_engine(name: str) -> None:
    """Skip (or fail under CI) when `name` is a server engine that cannot be reached."""
    if name not in engines.SERVERS:
        return
    problem = _server_problem(name)
    if problem:
        if IN_CI:
            pytest.fail(f"{name} server unreachable under CI=true: {problem}")
        pytest.skip(f"{name} server unreachable: {problem}")


@pytest.fixture(params=ALL_ENGINES)
def engine_name(request) -> str:
    require_engine(request.param)
    return request.param


@pytest.fixture
def throwaway_engine(engine_name):
    with engines.throwaway(engine_name) as eng:
        yield eng


@pytest.fixture(scope="session")
def example_schema():
    return load_source(str(EXAMPLE_MIGRATIONS))
