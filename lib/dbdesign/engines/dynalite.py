"""dynalite - a DynamoDB-compatible server on LevelDB (npm, pinned, installed by `make` into
`build/dynalite/`) - started on 127.0.0.1 for one proof and stopped after, and the proof
itself: the single-table design's table and GSIs created, items loaded from the same rows as a
relational database, every access pattern run as one request through boto3 and compared with
the relational query.

dynalite implements the DynamoDB API (tables, GSIs, Query/GetItem, ScannedCount); it does not
model throughput, partitions or the 400 KB limit, which `dynamodb.KeyValueDesign.estimates`
computes instead.
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from dbdesign import REPO_ROOT
from dbdesign.generate.dynamodb import KeyValueDesign, from_attr, to_attr
from dbdesign.errors import EngineUnavailable
from dbdesign.engines.localserver import free_port, process
from dbdesign.model import Schema

VERSION = "4.0.0"
INSTALL_DIR = REPO_ROOT / "build" / "dynalite"


def binary() -> str | None:
    """The installed dynalite entry point, or None (`make setup` installs it)."""
    path = INSTALL_DIR / "node_modules" / "dynalite" / "cli.js"
    return str(path) if path.is_file() and shutil.which("node") else None


@contextlib.contextmanager
def server(timeout: float = 15.0) -> Iterator[str]:
    """A dynalite server on a free 127.0.0.1 port with its data in a temporary directory;
    yields the endpoint URL and stops the server (and removes the data) afterwards."""
    cli = binary()
    if cli is None:
        raise EngineUnavailable(f"dynalite is not installed in {INSTALL_DIR} (run `make setup`; needs node and npm)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="dbdesign-dynalite-") as tmp, \
            process(["node", cli, "--host", "127.0.0.1", "--port", str(port), "--path", tmp,
                     "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"],
                    port, "dynalite", timeout):
        yield f"http://127.0.0.1:{port}"


def client(endpoint: str):
    """A boto3 DynamoDB client for a local endpoint (dummy credentials: dynalite checks none)."""
    import boto3
    from botocore.config import Config
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local",
                        config=Config(retries={"max_attempts": 2}, connect_timeout=5, read_timeout=30))


@dataclass
class PatternRun:
    pattern: str
    operation: str
    index: str
    key: dict[str, Any]
    requests: int
    operations: list[str]  # the API calls made, e.g. ["Query"]
    items: int
    scanned: int
    capacity: float | None
    same_as_sql: bool
    sql_rows: int


def verify(schema: Schema, design: KeyValueDesign, rows: dict[str, list[dict[str, Any]]], sql_engine,
           samples: int = 2) -> list[PatternRun]:
    """Create the table on a fresh dynalite, load the items, and run every pattern for up to
    `samples` key values (the most common one first) as one GetItem/Query; each result is
    compared with the pattern's SQL on `sql_engine` (which holds the same rows). Every
    client call is counted, so "one request per pattern" and "no Scan" are measured, not assumed."""
    runs: list[PatternRun] = []
    with server() as endpoint:
        db = client(endpoint)
        calls: list[str] = []
        db.meta.events.register("before-call.dynamodb.*", lambda model, **kw: calls.append(model.name))
        db.create_table(**design.create_table())
        items = design.items(schema, rows)
        for i in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": {k: to_attr(v) for k, v in it.items()}}} for it in items[i:i + 25]]
            pending = {design.table_name: batch}
            while pending:
                pending = db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        calls.clear()
        for access in design.accesses:
            table = schema.table(access.pattern.entity)
            for values in _sample_keys(access.pattern, rows.get(table.qualname, []), samples):
                sql, order = access.pattern.sql(table)
                params = {k: values[k] for k in access.pattern.key}
                params.update({f"f_{k}": v for k, v in access.pattern.filter.items()})
                expected = _sql_rows(sql_engine, sql, params)
                op, kwargs = design.request(schema, access, values)
                before = len(calls)
                resp = getattr(db, op)(**kwargs)
                got = ([resp["Item"]] if "Item" in resp else []) if op == "get_item" else resp["Items"]
                got_rows = [{k: from_attr(v) for k, v in it.items()
                             if k not in ("PK", "SK") and not (k.startswith("GSI") and k[-2:] in ("PK", "SK"))}
                            for it in got]
                cap = (resp.get("ConsumedCapacity") or {}).get("CapacityUnits")
                runs.append(PatternRun(access.pattern.name, access.operation, access.index or "table",
                                       params, len(calls) - before, calls[before:], len(got_rows),
                                       resp.get("ScannedCount", len(got_rows)), cap,
                                       _norm(got_rows) == _norm(expected), len(expected)))
    return runs


def _sample_keys(p, rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """Key values to try: the most common key among rows matching the filter, then others."""
    match = [r for r in rows if all(str(r.get(k)) == str(v) for k, v in p.filter.items())
             and all(r.get(k) is not None for k in p.key)]
    counts: dict[tuple, int] = {}
    for r in match:
        key = tuple(r.get(k) for k in p.key)
        counts[key] = counts.get(key, 0) + 1
    ordered = sorted(counts, key=lambda k: (-counts[k], str(k)))
    picks = ordered[:1] + ordered[len(ordered) // 2: len(ordered) // 2 + max(n - 1, 0)]
    picks = list(dict.fromkeys(picks))[:n]
    return [dict(zip(p.key, k)) for k in picks] or [dict.fromkeys(p.key, "none")]


def _sql_rows(engine, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = engine.conn.cursor()
    cur.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _norm(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows compared as text, NULLs dropped (DynamoDB stores no attribute for them), order kept."""
    return [{k: str(v) for k, v in r.items() if v is not None} for r in rows]


def table_rows(engine, schema: Schema) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of `schema` on a SQLite engine, as dicts."""
    out = {}
    for t in schema.tables.values():
        cur = engine.conn.cursor()
        cur.execute(f'SELECT * FROM "{t.name}"')
        names = [d[0] for d in cur.description]
        out[t.qualname] = [dict(zip(names, r)) for r in cur.fetchall()]
    return out


def installed_version() -> str | None:
    pkg = INSTALL_DIR / "node_modules" / "dynalite" / "package.json"
    if not pkg.is_file():
        return None
    import json
    return json.loads(pkg.read_text()).get("version")


def env_ok() -> str | None:
    """None when dynalite can run here, else why not."""
    if not shutil.which("node"):
        return "node is not installed"
    if binary() is None:
        return f"dynalite {VERSION} is not installed in {INSTALL_DIR} (make setup)"
    return None

