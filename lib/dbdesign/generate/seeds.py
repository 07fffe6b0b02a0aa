"""Seed data per environment (`seeds/dev`, `seeds/prod`): checked against the model, applied
to any engine.

Seeds are PostgreSQL-dialect INSERT files like the migrations. `check_seeds` catches a seed that
no longer fits the schema (unknown table or column, a required column left out, a row with the
wrong number of values) *before* it reaches a database; `apply_seeds` runs them on an engine in
one transaction where the engine allows it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from sqlglot import exp

from dbdesign.engines import Engine
from dbdesign.errors import EngineError, InputError, read_text
from dbdesign.model import Schema
from dbdesign.schema.parse import split_statements


@dataclass
class SeedFile:
    env: str
    path: str
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows inserted


def discover_seeds(seeds_dir: str, env: str) -> list[str]:
    """The `.sql` files of one environment, in file-name order."""
    folder = os.path.join(seeds_dir, env)
    if not os.path.isdir(folder):
        envs = sorted(d for d in os.listdir(seeds_dir) if os.path.isdir(os.path.join(seeds_dir, d))) \
            if os.path.isdir(seeds_dir) else []
        raise InputError(f"no seed folder for environment {env!r}; have: {', '.join(envs) or 'none'}",
                         folder)
    return [os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".sql")]


def check_seeds(schema: Schema, seeds_dir: str, env: str) -> list[SeedFile]:
    """Validate every INSERT of an environment's seeds against the model.

    Raises InputError (file:line) at the first problem; returns what each file inserts."""
    results = []
    for path in discover_seeds(seeds_dir, env):
        seed = SeedFile(env, path)
        for stmt in split_statements(read_text(path), path):
            e = stmt.expression
            if not isinstance(e, exp.Insert):
                raise InputError("seed files hold INSERT statements only; put schema changes in a "
                                 "migration", path, stmt.line)
            target = e.this
            table_node = target.this if isinstance(target, exp.Schema) else target
            table = schema.table(table_node.name if not table_node.args.get("db")
                                 else f"{table_node.args['db'].name}.{table_node.name}")
            if table is None:
                raise InputError(f"table {table_node.name!r} is not in the schema; fix the seed or "
                                 "add a migration", path, stmt.line)
            columns = [c.name for c in target.expressions] if isinstance(target, exp.Schema) else list(table.columns)
            unknown = [c for c in columns if c not in table.columns]
            if unknown:
                raise InputError(f"{table.qualname} has no column {', '.join(unknown)}", path, stmt.line)
            required = [c.name for c in table.columns.values()
                        if not c.nullable and c.default is None and c.identity is None
                        and c.generated is None and c.name not in columns]
            if required:
                raise InputError(f"{table.qualname}: required column(s) {', '.join(required)} have no "
                                 "value and no default", path, stmt.line)
            values = e.expression
            rows = values.expressions if isinstance(values, exp.Values) else []
            for row in rows:
                if len(row.expressions) != len(columns):
                    raise InputError(f"{table.qualname}: a row has {len(row.expressions)} values for "
                                     f"{len(columns)} columns", path, stmt.line)
            seed.tables[table.qualname] = seed.tables.get(table.qualname, 0) + len(rows)
        results.append(seed)
    return results


def apply_seeds(engine: Engine, schema: Schema, seeds_dir: str, env: str) -> list[SeedFile]:
    """Check, render for the engine's dialect, and run an environment's seeds (all or nothing
    where the engine has transactions). Every INSERT skips rows whose key is already there
    (`Dialect.insert_if_absent`), so seeding twice, or prod after dev, changes nothing and
    succeeds; a row that breaks any other rule still fails."""
    from dbdesign.generate import audit
    from dbdesign.dialects import get_dialect
    from dbdesign.dialects.statements import render_statements
    seeds = check_seeds(schema, seeds_dir, env)
    dialect = get_dialect(engine.dialect)
    statements: list[str] = []
    for seed in seeds:
        text = read_text(seed.path)
        rendered = render_statements(text, engine.dialect, seed.path, schema).statements
        keys = [_key_of(schema, st.expression) for st in split_statements(text, seed.path)]
        statements.extend(dialect.insert_if_absent(sql, key) for sql, key in zip(rendered, keys))
    if audit.actor_is_function(engine.name):
        audit.set_actor(engine, None)  # audit triggers call app_user_id(): seeds act as nobody
    # Seeds are data, so a transaction protects them even on engines without transactional DDL.
    engine.begin()
    try:
        for i, sql in enumerate(statements, 1):
            engine.execute(sql)
            if dialect.INSERT_IF_ABSENT_PROBLEMS:
                hidden = [w for w in engine.query(dialect.INSERT_IF_ABSENT_PROBLEMS) if w[1] != DUPLICATE_WARNING]
                if hidden:
                    raise EngineError(f"{engine.name}: {hidden[0][2]}")
    except EngineError as err:
        engine.rollback()
        raise EngineError(f"seeding {env} failed at statement {i}: {err}") from err
    engine.commit()
    return seeds


def _key_of(schema: Schema, insert: exp.Insert) -> list[str]:
    """The primary-key columns of the table an INSERT writes (checked by `check_seeds`)."""
    target = insert.this
    node = target.this if isinstance(target, exp.Schema) else target
    table = schema.table(node.name if not node.args.get("db") else f"{node.args['db'].name}.{node.name}")
    return list(table.primary_key.columns) if table and table.primary_key else []


DUPLICATE_WARNING = 1062  # MariaDB: "Duplicate entry", the one warning a skipped row may leave
