"""Staging data: a source database copied with every personal column masked.

Rules come from `[staging]` in dbdesign.toml:

    [staging]
    key_env = "DBDESIGN_MASK_KEY"       # environment variable holding the pseudonym key
    skip_tables = ["audit_log"]         # not copied (the target's triggers start a new trail)
    shift_days = 90                     # dates move by 1..shift_days days, per row
    [staging.mask]
    "users.email" = "email"             # email | name | text | date | secret | null

Pseudonyms are deterministic - HMAC-SHA256 of the value under a secret key - so the same
value always becomes the same pseudonym: foreign keys (never masked: keys carry no personal
data here) and uniques still hold, an email is lower-cased first so a case-insensitive unique
stays one, and without the key nobody can confirm a guess ("is alice@x.com in there?"), which
a plain hash would allow. Dates of one row move by the same offset, so their order in the row
holds. `leaks` then compares the copy with the source: any original value of a masked column
that survives fails the build.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from typing import Any

from dbdesign.engines.base import Engine, Params
from dbdesign.errors import InputError
from dbdesign.model import Schema, Table

KINDS = ("email", "name", "text", "date", "secret", "null")
SECRET_PLACEHOLDER = "!staging"  # matches no hash format: no password verifies against it


@dataclass
class MaskRules:
    mask: dict[str, dict[str, str]]  # table qualname -> column -> kind
    key: bytes
    skip_tables: list[str] = field(default_factory=list)
    shift_days: int = 90


def rules_from_config(config: Any, schema: Schema, env: dict[str, str] | None = None) -> MaskRules:
    """Read `[staging]`; every table.column and kind is checked against the schema."""
    env = os.environ if env is None else env
    where = os.path.basename(getattr(config, "path", None) or "dbdesign.toml")
    extra = getattr(config, "extra", None) or {}
    section = extra.get("staging")
    if not isinstance(section, dict) or not isinstance(section.get("mask"), dict):
        raise InputError("no [staging.mask] section: list the personal columns and how to mask them "
                         "(\"users.email\" = \"email\")", where)
    mask: dict[str, dict[str, str]] = {}
    for target, kind in section["mask"].items():
        table_name, _, column = str(target).rpartition(".")
        table = schema.table(table_name)
        if table is None or column not in table.columns:
            raise InputError(f"[staging.mask] {target!r}: no such column in the schema", where)
        if kind not in KINDS:
            raise InputError(f"[staging.mask] {target!r}: unknown kind {kind!r}; use one of "
                             f"{', '.join(KINDS)}", where)
        if kind == "null" and not table.columns[column].nullable:
            raise InputError(f"[staging.mask] {target!r}: NOT NULL column cannot be masked as null", where)
        mask.setdefault(table.qualname, {})[column] = kind
    key_env = section.get("key_env", "DBDESIGN_MASK_KEY")
    key = env.get(key_env)
    if not key:
        raise InputError(f"set the environment variable {key_env} to the pseudonym key (a secret; "
                         "the same key gives the same pseudonyms)", where)
    skip = [str(t) for t in section.get("skip_tables", [])]
    for t in skip:
        if schema.table(t) is None:
            raise InputError(f"[staging] skip_tables: no table {t!r}", where)
    return MaskRules(mask, key.encode(), skip, int(section.get("shift_days", 90)))


def _digest(rules: MaskRules, value: str) -> str:
    return hmac.new(rules.key, value.encode(), hashlib.sha256).hexdigest()


def _limit(table: Table, column: str) -> int | None:
    from dbdesign.lab.probe import max_length
    return max_length(table.columns[column].type)


def _shift(rules: MaskRules, row_key: str) -> _dt.timedelta:
    return _dt.timedelta(days=1 + int(_digest(rules, "shift:" + row_key)[:8], 16) % max(rules.shift_days, 1))


def mask_value(rules: MaskRules, table: Table, column: str, kind: str, value: Any, row_key: str) -> Any:
    """One masked value (None stays None)."""
    if value is None:
        return None
    if kind == "null":
        return None
    if kind == "secret":
        return SECRET_PLACEHOLDER
    if kind == "date":
        if isinstance(value, str):
            value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value + _shift(rules, row_key)
    limit = _limit(table, column)
    if kind == "email":
        local = "u" + _digest(rules, "email:" + str(value).lower())[:16]
        out = f"{local}@example.invalid"
    elif kind == "name":
        out = "n" + _digest(rules, "name:" + str(value))[:16]
    else:  # text: same length class, no words of the original
        out = "masked " + _digest(rules, "text:" + str(value))[:12]
    return out[:limit] if limit else out


@dataclass
class StagingResult:
    rows: dict[str, int]
    leaks: list[str]


def _rows(engine: Engine, schema: Schema, table: Table) -> list[dict[str, Any]]:
    from dbdesign.lab.probe import names_for
    n = names_for(schema, engine.name)
    cols = [c for c, col in table.columns.items() if not col.generated]
    return [dict(zip(cols, r)) for r in engine.query(f"SELECT {n.cols(cols)} FROM {n.table(table)}")]


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a self-referencing table ordered so each parent comes before its children."""
    self_fks = [fk for fk in table.foreign_keys if fk.ref_table == table.qualname]
    if not self_fks or not table.primary_key:
        return rows
    pk = table.primary_key.columns
    done: set = set()
    out, pending = [], list(rows)
    while pending:
        ready = [r for r in pending if all(any(r[c] is None for c in fk.columns) or
                                           tuple(r[c] for c in fk.columns) in done for fk in self_fks)]
        if not ready:  # a cycle: keep the source order for the rest
            ready = pending
        for r in ready:
            done.add(tuple(r[c] for c in pk))
        out += ready
        pending = [r for r in pending if r not in ready]
    return out


def _portable(value: Any) -> Any:
    """A value read from the source as every target driver takes it: timestamps as ISO text
    (the engines differ in time-zone handling), JSON documents as JSON text."""
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def build_staging(source: Engine, target: Engine, schema: Schema, rules: MaskRules) -> StagingResult:
    """Copy every table (but `skip_tables`) from `source` into `target` (which holds the
    migrated schema), masked; rows already there are skipped (a rerun changes nothing). Then
    the leak check; the caller fails the build when it finds any."""
    from dbdesign.generate import audit
    from dbdesign.dialects import get_dialect
    from dbdesign.lab.probe import insert_sql, names_for, table_order
    dialect = get_dialect(target.dialect)
    n = names_for(schema, target.name)
    if audit.actor_is_function(target.name):
        audit.set_actor(target, None)
    counts: dict[str, int] = {}
    target.begin()
    try:
        for table in table_order(schema):
            if table.qualname in rules.skip_tables or table.name in rules.skip_tables:
                continue
            masks = rules.mask.get(table.qualname, {})
            pk = table.primary_key.columns if table.primary_key else []
            rows = _parents_first(table, _rows(source, schema, table))
            for row in rows:
                row_key = table.qualname + ":" + ",".join(str(row[c]) for c in pk)
                out = {c: (mask_value(rules, table, c, masks[c], v, row_key) if c in masks else v)
                       for c, v in row.items() if not table.columns[c].identity}
                out = {c: _portable(v) for c, v in out.items()}
                p = Params()
                target.execute(dialect.insert_if_absent(insert_sql(table, out, n, p), pk), p)
            counts[table.qualname] = len(rows)
        target.commit()
    except Exception:
        target.rollback()
        raise
    return StagingResult(counts, leaks(source, target, schema, rules))


def leaks(source: Engine, target: Engine, schema: Schema, rules: MaskRules) -> list[str]:
    """`table.column: N original value(s) survive` for every masked column where the copy still
    holds a value the source had (dates: the same row's original date)."""
    out = []
    for qualname, masks in rules.mask.items():
        table = schema.tables[qualname]
        if qualname in rules.skip_tables:
            continue
        src, dst = _rows(source, schema, table), _rows(target, schema, table)
        pk = table.primary_key.columns if table.primary_key else []
        for column, kind in masks.items():
            if kind == "date":
                before = {tuple(str(r[c]) for c in pk): _norm(r[column]) for r in src}
                n = sum(1 for r in dst if r[column] is not None
                        and before.get(tuple(str(r[c]) for c in pk)) == _norm(r[column]))
            else:
                originals = {_norm(r[column], kind) for r in src if r[column] is not None}
                n = sum(1 for r in dst if r[column] is not None and _norm(r[column], kind) in originals)
            if n:
                out.append(f"{qualname}.{column}: {n} original value(s) survive")
    return out


def _norm(value: Any, kind: str = "") -> str:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat(sep=" ")[:19] if isinstance(value, _dt.datetime) else value.isoformat()
    text = str(value)
    if kind == "date":
        return text.replace("T", " ")[:19]
    return text.lower() if kind == "email" else text
