"""pytest plugin (registered in pyproject.toml with `-p dbdesign.pytest_plugin`): nbval and
the database servers.

A plugin module rather than notebooks/conftest.py: a second `conftest` module would shadow
tests/conftest.py, which the tests import helpers from.

Chapters whose checked outputs include PostgreSQL or MariaDB results declare it in their
metadata (`"dbdesign": {"servers": ["postgres", "mysql"]}`). On a machine without those
servers their cells are skipped with the reason - the stored outputs were recorded with them,
so comparing would only report the missing server. Under CI=true an unreachable server is a
failure, as in tests/conftest.py.
"""
from __future__ import annotations

import functools
import json
import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _problem(name: str) -> str | None:
    from dbdesign import engines
    return engines.availability([name])[name]


@functools.lru_cache(maxsize=None)
def _servers(path: str) -> tuple[str, ...]:
    with open(path, encoding="utf-8") as fh:
        meta = json.load(fh).get("metadata", {})
    return tuple(meta.get("dbdesign", {}).get("servers", ()))


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = str(item.fspath)
        if not path.endswith(".ipynb"):
            continue
        for server in _servers(path):
            problem = _problem(server)
            if problem is None:
                continue
            if IN_CI:
                raise pytest.UsageError(f"{server} server unreachable under CI=true "
                                        f"({os.path.basename(path)} needs it): {problem}")
            item.add_marker(pytest.mark.skip(reason=f"{os.path.basename(path)} records {server} "
                                                    f"results and {server} is unreachable: {problem}"))
            break
