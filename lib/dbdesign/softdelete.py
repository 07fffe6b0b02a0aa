"""Soft delete, generated and verified per dialect.

For each soft-deletable table (those with `deleted_at`, or named in configuration):
  - `deleted_at` (added when a named table lacks it),
  - uniqueness among live rows only: a partial unique index `WHERE deleted_at IS NULL`
    (PostgreSQL, SQLite); MariaDB has no partial index, so a generated column that is NULL for
    deleted rows carries a plain UNIQUE index (NULLs never collide); DuckDB has neither
    (generated columns cannot be indexed) - uniqueness of live rows is the application's job,
  - an `active_<table>` view (the rows the application should read),
  - restore (`deleted_at = NULL`, which fails if a live row took the unique value meanwhile),
  - cascade of the soft delete to soft-deletable children: a trigger where the engine has
    UPDATE row triggers, else `soft_delete()` here,
  - the erasure path for GDPR requests: anonymise the personal columns, delete personal child
    rows, blank the audit JSON that copied them.

Why hard `ON DELETE CASCADE` is wrong together with soft delete: a soft delete is an UPDATE, so
the cascade never fires (children of a "deleted" post stay live), while the one real DELETE
that does happen - erasure - silently destroys children that may belong to other people
(other users' comments on the erased user's post). Soft-delete children explicitly, and make
hard deletes RESTRICT so an accidental one fails loudly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from .engines.base import Engine
from .errors import InputError
from .model import Index, Schema, Table
from .probe import sql_literal, where_sql

DELETED_AT = "deleted_at"
PERSONAL_RE = re.compile(r"email|username|name|phone|address|bio|avatar|birth|password", re.I)


@dataclass
class SoftDeletePlan:
    dialect: str
    tables: list[str]
    statements: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    app_cascade: list[str] = field(default_factory=list)  # parents whose cascade is app-level

    @property
    def sql(self) -> str:
        return "".join(s.rstrip() + ";\n" for s in self.statements)


def soft_delete_tables(schema: Schema, tables: Sequence[str] | None = None) -> list[Table]:
    """Tables named in configuration (each must exist), else those with `deleted_at`."""
    if tables:
        out = []
        for name in tables:
            t = schema.table(name)
            if t is None:
                raise InputError(f"unknown table {name!r} in the soft-delete configuration; known "
                                 f"tables: {', '.join(sorted(schema.tables))}")
            out.append(t)
        return out
    return [t for t in schema.tables.values() if DELETED_AT in t.columns]


def live_unique_indexes(table: Table) -> list[Index]:
    """Unique indexes that should hold among live rows only (partial on deleted_at IS NULL)."""
    return [ix for ix in table.indexes if ix.unique and ix.where
            and re.fullmatch(r"(?i)\s*\(?\s*deleted_at\s+IS\s+NULL\s*\)?\s*", ix.where)]


def soft_delete_children(schema: Schema, table: Table) -> list[tuple[Table, list[str], list[str]]]:
    """(child, fk columns, parent columns) for soft-deletable children of `table`, self
    references included (a deleted comment hides its replies)."""
    out = []
    for child, fk in schema.referencing(table.name):
        if DELETED_AT in child.columns and fk.columns[0] not in ("created_by", "updated_by"):
            out.append((child, fk.columns, fk.ref_columns))
    return out


def soft_delete_statements(schema: Schema, dialect: str, tables: Sequence[str] | None = None) -> SoftDeletePlan:
    """The soft-delete objects for `dialect`, to run after the schema's own DDL."""
    if dialect not in ("postgres", "mysql", "sqlite", "duckdb"):
        raise InputError(f"unknown dialect {dialect!r}; choose postgres, mysql, sqlite or duckdb")
    chosen = soft_delete_tables(schema, tables)
    plan = SoftDeletePlan(dialect, [t.name for t in chosen])
    ts_type = {"postgres": "TIMESTAMPTZ", "mysql": "DATETIME(6)", "sqlite": "TEXT", "duckdb": "TIMESTAMPTZ"}[dialect]
    for t in chosen:
        if DELETED_AT not in t.columns:
            plan.statements.append(f"ALTER TABLE {t.name} ADD COLUMN {DELETED_AT} {ts_type} NULL")
            plan.notes.append(f"{t.name}: deleted_at added")
        for u in t.uniques:
            plan.notes.append(f"{t.name}: UNIQUE ({', '.join(u.columns)}) is table-wide: a soft-deleted "
                              "row keeps its value forever; replace it by a unique index WHERE deleted_at IS NULL")
        _live_unique(t, dialect, plan)
        plan.statements.append(f"CREATE VIEW active_{t.name} AS SELECT * FROM {t.name} WHERE {DELETED_AT} IS NULL")
        _cascade(schema, t, dialect, plan)
        for child, fk in schema.referencing(t.name):
            if (fk.on_delete or "").upper() == "CASCADE" and fk.columns[0] not in ("created_by", "updated_by"):
                plan.notes.append(
                    f"{child.name}.{','.join(fk.columns)} ON DELETE CASCADE -> {t.name}: never fires on a "
                    f"soft delete; on a hard delete (erasure) it removes {child.name} rows for good")
    return plan


def _live_unique(t: Table, dialect: str, plan: SoftDeletePlan) -> None:
    for ix in live_unique_indexes(t):
        if dialect in ("postgres", "sqlite"):
            continue  # the schema's own partial index renders as is
        if dialect == "duckdb":
            plan.notes.append(f"duckdb: {ix.name}: no partial indexes and generated columns cannot be "
                              "indexed - uniqueness among live rows is not enforced; check it in the "
                              "application before insert/restore")
            continue
        parts = []
        for part in ix.columns:
            expr = part.expression or part.column
            expr = re.sub(r"(?i)^LOWER\((.*)\)$", r"LOWER(\1)", expr)
            parts.append(expr)
        gen_cols = []
        for i, expr in enumerate(parts):
            name = f"{ix.name}_live{i if len(parts) > 1 else ''}"[:64]
            gen_cols.append(name)
            # PERSISTENT: InnoDB can index VIRTUAL columns too, but a stored one keeps the index
            # build simple; NULL for deleted rows, so they never collide.
            plan.statements.append(f"ALTER TABLE {t.name} ADD COLUMN {name} VARCHAR(255) AS "
                                   f"(CASE WHEN {DELETED_AT} IS NULL THEN {expr} END) PERSISTENT")
        plan.statements.append(f"CREATE UNIQUE INDEX {ix.name} ON {t.name} ({', '.join(gen_cols)})")
        plan.notes.append(f"mysql: {ix.name}: partial unique index emulated by generated column(s) "
                          f"{', '.join(gen_cols)} (NULL when deleted) with a UNIQUE index")


def _cascade(schema: Schema, t: Table, dialect: str, plan: SoftDeletePlan) -> None:
    children = soft_delete_children(schema, t)
    if not children:
        return
    pk = t.primary_key.columns if t.primary_key else []
    if dialect == "duckdb":
        plan.app_cascade.append(t.name)
        plan.notes.append(f"duckdb: soft delete of {t.name} cascades to "
                          f"{', '.join(c.name for c, _, _ in children)} through dbdesign.softdelete."
                          "soft_delete() (no UPDATE row triggers in DuckDB 2.0)")
        return
    updates = []
    for child, cols, ref in children:
        cond = " AND ".join(f"{c} = NEW.{r}" for c, r in zip(cols, ref))
        updates.append(f"UPDATE {child.name} SET {DELETED_AT} = NEW.{DELETED_AT} "
                       f"WHERE {cond} AND {DELETED_AT} IS NULL;")
    when = f"OLD.{DELETED_AT} IS NULL AND NEW.{DELETED_AT} IS NOT NULL"
    if dialect == "postgres":
        plan.statements.append(f"""CREATE OR REPLACE FUNCTION {t.name}_soft_delete_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {' '.join(updates)}
    RETURN NULL;
END $$""")
        plan.statements.append(f"CREATE TRIGGER trg_{t.name}_soft_delete AFTER UPDATE OF {DELETED_AT} ON {t.name} "
                               f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION {t.name}_soft_delete_cascade()")
    elif dialect == "sqlite":
        # Self-referencing children (comment replies) need recursive triggers to go deeper
        # than one level: SQLite does not re-fire a running trigger unless
        # PRAGMA recursive_triggers=ON.
        plan.statements.append(f"CREATE TRIGGER trg_{t.name}_soft_delete AFTER UPDATE OF {DELETED_AT} ON {t.name} "
                               f"FOR EACH ROW WHEN {when} BEGIN {' '.join(updates)} END")
    else:  # mysql: a trigger cannot update its own table (error 1442)
        other = [u for u, (c, _, _) in zip(updates, children) if c.name != t.name]
        if len(other) < len(updates):
            plan.notes.append(f"mysql: {t.name}: a trigger cannot update the table it fires on, so "
                              "self-referencing children are soft-deleted by soft_delete() only")
        if other:
            plan.statements.append(f"CREATE TRIGGER trg_{t.name}_soft_delete AFTER UPDATE ON {t.name} "
                                   f"FOR EACH ROW BEGIN IF {when} THEN {' '.join(other)} END IF; END")


def install_soft_delete(engine: Engine, schema: Schema, tables: Sequence[str] | None = None) -> SoftDeletePlan:
    plan = soft_delete_statements(schema, engine.name, tables)
    engine.run_script(plan.statements, transaction=engine.name != "mysql")
    return plan


def soft_delete(engine: Engine, schema: Schema, table: str, key: dict[str, Any],
                cascade_in_app: bool | None = None) -> None:
    """Soft-delete one row; cascade to soft-deletable children in the application where the
    engine has no trigger for it (DuckDB) or when asked."""
    t = _table(schema, table)
    if cascade_in_app is None:
        cascade_in_app = engine.name == "duckdb"
    engine.execute(f"UPDATE {t.name} SET {DELETED_AT} = CURRENT_TIMESTAMP WHERE {where_sql(key)} "
                   f"AND {DELETED_AT} IS NULL")
    if not cascade_in_app:
        return
    for child, cols, ref in soft_delete_children(schema, t):
        rows = engine.query(f"SELECT {', '.join(child.primary_key.columns)} FROM {child.name} WHERE "
                            + where_sql({c: key[r] for c, r in zip(cols, ref) if r in key})
                            + f" AND {DELETED_AT} IS NULL")
        for row in rows:
            soft_delete(engine, schema, child.name, dict(zip(child.primary_key.columns, map(str, row))), True)


def restore_sql(table: str, key: dict[str, Any]) -> str:
    """Undo a soft delete. Fails (unique violation) if a live row took the value meanwhile."""
    return f"UPDATE {table} SET {DELETED_AT} = NULL WHERE {where_sql(key)}"


def erasure_statements(schema: Schema, user_id: str, users_table: str = "users",
                       audit_table: str = "audit_log") -> list[str]:
    """GDPR erasure of one user: anonymise the personal columns (keeping the row, so RESTRICT
    children such as posts stay valid), delete personal 1:1 rows (ON DELETE CASCADE children of
    the user, e.g. profiles), and blank the audit JSON of the user's row. The deleted child
    rows' own audit rows (keyed by the child's id) are not covered: `erase_user` runs these
    statements and blanks those too."""
    users = _table(schema, users_table)
    key = {users.primary_key.columns[0]: user_id}
    sets = []
    for col in users.columns.values():
        if not PERSONAL_RE.search(col.name):
            continue
        if "email" in col.name:
            sets.append(f"{col.name} = {sql_literal(f'erased-{user_id}@invalid')}")
        elif col.nullable:
            sets.append(f"{col.name} = NULL")
        else:
            sets.append(f"{col.name} = {sql_literal(f'erased-{user_id}'[:20])}"
                        if "name" in col.name else f"{col.name} = ''")
    if DELETED_AT in users.columns:
        sets.append(f"{DELETED_AT} = COALESCE({DELETED_AT}, CURRENT_TIMESTAMP)")
    out = []
    for child, fk in schema.referencing(users.name):
        if (fk.on_delete or "").upper() == "CASCADE":
            out.append(f"DELETE FROM {child.name} WHERE {where_sql({fk.columns[0]: user_id})}")
    out.append(f"UPDATE {users.name} SET {', '.join(sets)} WHERE {where_sql(key)}")
    if schema.table(audit_table):
        out.append(f"UPDATE {audit_table} SET old_values = NULL, new_values = NULL WHERE table_name = "
                   f"{sql_literal(users.name)} AND row_id = {sql_literal(user_id)}")
    return out


def erase_user(engine: Engine, schema: Schema, user_id: str, users_table: str = "users",
               audit_table: str = "audit_log") -> dict[str, int]:
    """Run the erasure path on `engine` in one transaction: `erasure_statements`, then blank
    the audit JSON of every row it touched - the user's, and the deleted personal child rows'
    (their INSERT/UPDATE/DELETE audit rows carry the same personal data under the child's own
    key, which a pure-SQL statement list cannot know in advance). Returns counts."""
    users = _table(schema, users_table)
    touched: list[tuple[str, str]] = [(users.name, user_id)]
    for child, fk in schema.referencing(users.name):
        if (fk.on_delete or "").upper() == "CASCADE" and child.primary_key:
            pk = child.primary_key.columns
            for row in engine.query(f"SELECT {', '.join(pk)} FROM {child.name} WHERE "
                                    f"{where_sql({fk.columns[0]: user_id})}"):
                touched.append((child.name, ",".join(str(v) for v in row)))
    statements = erasure_statements(schema, user_id, users_table, audit_table)
    if schema.table(audit_table):
        statements += [f"UPDATE {audit_table} SET old_values = NULL, new_values = NULL WHERE "
                       f"table_name = {sql_literal(t)} AND row_id = {sql_literal(k)}" for t, k in touched[1:]]
        statements.append(statements.pop(len(statements) - len(touched)))  # the user's blanking last
    engine.begin()
    try:
        for sql in statements:
            engine.execute(sql)
        engine.commit()
    except Exception:
        engine.rollback()
        raise
    return {"statements": len(statements), "child_rows_deleted": len(touched) - 1}


def erasure_demo(engine_name: str, schema: Schema, users_table: str = "users") -> dict[str, Any]:
    """Erase one user twice, in two throw-away databases holding the schema, soft delete and
    the audit trail: with the plain `erasure_statements` and with `erase_user`. Counts what is
    left of the personal data (values of the user's personal columns and of their deleted
    child rows found anywhere in `audit_log`)."""
    from . import engines
    from .audit import install_audit, set_actor
    from .probe import ValueFactory, install_schema, load_baseline
    users = _table(schema, users_table)
    out: dict[str, Any] = {"engine": engine_name}
    for how in ("erasure_statements", "erase_user"):
        with engines.throwaway(engine_name) as eng:
            install_schema(eng, schema)
            install_soft_delete(eng, schema)
            install_audit(eng, schema)
            base = load_baseline(eng, schema, ValueFactory(schema))
            uid = base[users.name][users.primary_key.columns[0]]
            set_actor(eng, uid)
            personal = [str(v) for c, v in base[users.name].items() if PERSONAL_RE.search(c) and v]
            for child, fk in schema.referencing(users.name):
                if (fk.on_delete or "").upper() == "CASCADE" and child.name in base:
                    personal += [str(v) for c, v in base[child.name].items()
                                 if PERSONAL_RE.search(c) and isinstance(v, str)]
            if how == "erase_user":
                erase_user(eng, schema, uid, users.name)
            else:
                for sql in erasure_statements(schema, uid, users.name):
                    eng.execute(sql)
            trail = eng.query("SELECT old_values, new_values FROM audit_log")
            leaks = sum(1 for row in trail if any(p in str(row) for p in personal))
            row = eng.query(f"SELECT * FROM {users.name} WHERE {where_sql({users.primary_key.columns[0]: uid})}")
            out[f"audit rows with personal data after {how}"] = leaks
        if how == "erase_user":
            out["user row kept"] = len(row) == 1
            out["personal values left in the user row"] = sum(1 for p in personal if p in map(str, row[0]))
    return out


def strategy_frame(schema: Schema, dialects: Sequence[str] = ("postgres", "mysql", "sqlite", "duckdb"),
                   tables: Sequence[str] | None = None):
    """DataFrame dialect x soft-deletable table: how live-only uniqueness, the active view and
    the cascade to children are done there. Stable text: a checked notebook cell."""
    import pandas as pd
    rows = []
    for dialect in dialects:
        plan = soft_delete_statements(schema, dialect, tables)
        for name in plan.tables:
            t = schema.tables[name]
            live = live_unique_indexes(t)
            if not live:
                unique = "-"
            elif dialect in ("postgres", "sqlite"):
                unique = "partial unique index"
            elif dialect == "mysql":
                unique = "generated column + UNIQUE"
            else:
                unique = "NOT enforced (application)"
            children = soft_delete_children(schema, t)
            if not children:
                cascade = "-"
            else:
                by: dict[str, list[str]] = {}
                for child, _, _ in children:
                    app = name in plan.app_cascade or (dialect == "mysql" and child.name == name)
                    by.setdefault("soft_delete() in the application" if app else "trigger", []).append(child.name)
                cascade = "; ".join(f"{', '.join(dict.fromkeys(c))} by {how}" for how, c in by.items())
            rows.append({"dialect": dialect, "table": name,
                         "live-only unique": f"{unique} ({', '.join(ix.name for ix in live)})" if live else unique,
                         "view": f"active_{name}", "soft delete cascades to": cascade})
    return pd.DataFrame(rows)


def _table(schema: Schema, name: str) -> Table:
    t = schema.table(name)
    if t is None:
        raise InputError(f"unknown table {name!r}; known tables: {', '.join(sorted(schema.tables))}")
    return t


# -- pitfalls, demonstrated on the real engines -------------------------------------------------
#
# Each function below runs a short script on a throw-away database and records every statement
# with what the engine answered. `observed` is the fact the chapter states; a notebook cell
# asserts it, so the cell fails the day an engine behaves otherwise. `fixed` is what the usual
# fix gives on the same engine.

@dataclass
class Step:
    sql: str
    result: str  # "ok", "error: <engine's first line>", or the rows a query returned


@dataclass
class Pitfall:
    key: str
    engine: str
    claim: str  # the behaviour in one sentence
    expected: str  # the observation that proves the claim
    observed: str
    fix: str
    fixed: str | None = None  # what the fix gives, observed the same way
    steps: list[Step] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return self.observed == self.expected

    def frame(self):
        """The script as a DataFrame (statement, what the engine said), for display."""
        import pandas as pd
        return pd.DataFrame([{"statement": s.sql, "engine says": s.result} for s in self.steps])


class _Script:
    """Runs statements on an Engine (or a raw DB-API connection) and records each answer."""

    def __init__(self, target: Any, errors: tuple[type[BaseException], ...] = ()):
        from .errors import EngineError
        self.target = target
        self.errors = (EngineError, *errors)
        self.steps: list[Step] = []

    def _run(self, sql: str) -> list[tuple]:
        if isinstance(self.target, Engine):
            return self.target.query(sql)
        cur = self.target.execute(sql)
        return cur.fetchall() if cur.description else []

    def run(self, sql: str) -> str:
        """'ok' or 'error: ...' (never raises for an engine error: that is the finding)."""
        try:
            rows = self._run(sql)
        except self.errors as err:
            msg = str(err).splitlines()[0]
            msg = re.sub(r"^(sqlite|duckdb|postgres|mysql): ", "", msg)
            self.steps.append(Step(sql, "error: " + msg))
            return "error"
        shows_rows = re.match(r"(?i)\s*(SELECT|PRAGMA|SHOW|WITH)\b", sql)
        self.steps.append(Step(sql, ", ".join(map(str, rows)) if rows and shows_rows else "ok"))
        return "ok"

    def value(self, sql: str) -> Any:
        """First column of the first row (recorded as well)."""
        rows = self._run(sql)
        self.steps.append(Step(sql, str(rows[0][0]) if rows else "(no rows)"))
        return rows[0][0] if rows else None


def pitfall_column_unique(engine: Engine) -> Pitfall:
    """A column-level UNIQUE (email) next to the partial unique index WHERE deleted_at IS NULL:
    the table-wide constraint still counts the soft-deleted row, so the address can never be
    reused. Runs on any engine with partial indexes (PostgreSQL, SQLite)."""
    s = _Script(engine)
    ts = "TIMESTAMPTZ" if engine.name == "postgres" else "TIMESTAMP"
    s.run(f"CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE, "
          f"deleted_at {ts} NULL)")
    s.run("CREATE UNIQUE INDEX idx_users_email ON users (lower(email)) WHERE deleted_at IS NULL")
    s.run("INSERT INTO users VALUES (1, 'ada@example.com', CURRENT_TIMESTAMP)")  # soft-deleted
    reuse = s.run("INSERT INTO users VALUES (2, 'ada@example.com', NULL)")
    s.run(f"CREATE TABLE users_fixed (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL, "
          f"deleted_at {ts} NULL)")
    s.run("CREATE UNIQUE INDEX idx_users_fixed_email ON users_fixed (lower(email)) WHERE deleted_at IS NULL")
    s.run("INSERT INTO users_fixed VALUES (1, 'ada@example.com', CURRENT_TIMESTAMP)")
    fixed_reuse = s.run("INSERT INTO users_fixed VALUES (2, 'ada@example.com', NULL)")
    second_live = s.run("INSERT INTO users_fixed VALUES (3, 'ADA@example.com', NULL)")
    return Pitfall(
        "column-unique", engine.name,
        "a column-level UNIQUE (email) defeats the partial unique index: a soft-deleted "
        "user's address can never be used again",
        "rejected", "rejected" if reuse == "error" else "accepted",
        "drop the column/table UNIQUE; keep only the unique index on lower(email) WHERE deleted_at IS NULL",
        ("reuse accepted, live duplicate rejected" if (fixed_reuse, second_live) == ("ok", "error")
         else f"reuse {fixed_reuse}, live duplicate {second_live}"),
        s.steps)


def pitfall_sqlite_foreign_keys() -> Pitfall:
    """SQLite enforces foreign keys only on connections that ran PRAGMA foreign_keys=ON - and
    the pragma is a silent no-op inside a transaction, which Python's sqlite3 opens by itself
    before the first INSERT."""
    import sqlite3

    from . import engines
    with engines.throwaway("sqlite") as eng:
        setup = _Script(eng)
        setup.run("CREATE TABLE users (id INTEGER PRIMARY KEY)")
        setup.run("CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id))")
        steps = [Step("-- schema, on dbdesign's connection (pragma ON)", "")] + setup.steps
        plain = sqlite3.connect(eng.path, isolation_level=None)  # what most code does
        s = _Script(plain, (sqlite3.Error,))
        s.steps.append(Step("-- a plain sqlite3.connect(): no pragma", ""))
        orphan = s.run("INSERT INTO posts VALUES (1, 42)")
        plain.close()
        late = sqlite3.connect(eng.path)  # default: implicit BEGIN before DML
        s.target = late
        s.steps.append(Step("-- the pragma after the first INSERT (Python opened a transaction)", ""))
        s.run("INSERT INTO users VALUES (1)")
        s.run("PRAGMA foreign_keys=ON")
        late_state = s.value("PRAGMA foreign_keys")
        late_orphan = s.run("INSERT INTO posts VALUES (2, 43)")
        late.rollback()
        late.close()
        good = sqlite3.connect(eng.path, isolation_level=None)
        s.target = good
        s.steps.append(Step("-- the fix: the pragma first thing on every connection", ""))
        s.run("PRAGMA foreign_keys=ON")
        fixed = s.run("INSERT INTO posts VALUES (3, 44)")
        good.close()
    observed = "accepted" if orphan == "ok" else "rejected"
    if late_state == 0 and late_orphan == "ok":
        observed += "; pragma inside a transaction ignored"
    return Pitfall(
        "sqlite-foreign-keys", "sqlite",
        "SQLite ignores FOREIGN KEY clauses unless the connection ran PRAGMA foreign_keys=ON "
        "before any transaction",
        "accepted; pragma inside a transaction ignored", observed,
        "PRAGMA foreign_keys=ON right after connect (dbdesign's SQLite engine does), e.g. in the "
        "ORM's connect event", "rejected" if fixed == "error" else "accepted", steps + s.steps)


def pitfall_duckdb_cascade() -> Pitfall:
    """DuckDB refuses ON DELETE CASCADE / SET NULL at CREATE TABLE, and a plain FK refuses the
    parent delete: children must be removed (or soft-deleted) by the application first."""
    from . import engines
    with engines.throwaway("duckdb") as eng:
        s = _Script(eng)
        s.run("CREATE TABLE posts (id INTEGER PRIMARY KEY, deleted_at TIMESTAMPTZ)")
        create = s.run("CREATE TABLE comments (id INTEGER PRIMARY KEY, "
                       "post_id INTEGER REFERENCES posts (id) ON DELETE CASCADE, deleted_at TIMESTAMPTZ)")
        s.run("CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES posts (id), "
              "deleted_at TIMESTAMPTZ)")
        s.run("INSERT INTO posts VALUES (1, NULL)")
        s.run("INSERT INTO comments VALUES (10, 1, NULL)")
        delete = s.run("DELETE FROM posts WHERE id = 1")
        s.steps.append(Step("-- children first, parent second, in one transaction", ""))
        s.run("BEGIN")
        s.run("DELETE FROM comments WHERE post_id = 1")
        in_tx = s.run("DELETE FROM posts WHERE id = 1")
        s.run("ROLLBACK")
        s.steps.append(Step("-- what works: children first, each DELETE committed on its own", ""))
        s.run("DELETE FROM comments WHERE post_id = 1")
        fixed = s.run("DELETE FROM posts WHERE id = 1")
    observed = "; ".join([f"CASCADE {'rejected' if create == 'error' else 'accepted'}",
                          f"parent delete {'rejected' if delete == 'error' else 'accepted'}",
                          f"children first in one transaction {'rejected' if in_tx == 'error' else 'accepted'}"])
    return Pitfall(
        "duckdb-cascade", "duckdb",
        "DuckDB has no ON DELETE actions: a cascade cannot even be declared, deleting a parent "
        "with children fails, and (2.0) so does deleting the children and then the parent in the "
        "same transaction - the FK check still sees the deleted children",
        "CASCADE rejected; parent delete rejected; children first in one transaction rejected", observed,
        "soft delete instead of hard delete (dbdesign.softdelete.soft_delete() cascades in the "
        "application); a hard delete commits the children's DELETE before the parent's - not atomic, "
        "so make it idempotent and re-runnable",
        "accepted" if fixed == "ok" else "rejected", s.steps)


def pitfall_mariadb_partial_index(engine: Engine) -> Pitfall:
    """MariaDB has no partial index (`CREATE UNIQUE INDEX ... WHERE` is a syntax error). The
    emulation `soft_delete_statements` generates - a generated column that is NULL for deleted
    rows, with a UNIQUE index - keeps uniqueness among live rows only."""
    from .dialects import render
    from .parse import parse_sql
    schema = parse_sql("CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL, "
                       "deleted_at TIMESTAMPTZ NULL);\n"
                       "CREATE UNIQUE INDEX idx_users_email ON users (lower(email)) WHERE deleted_at IS NULL;")
    s = _Script(engine)
    s.run("CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL, deleted_at DATETIME(6) NULL)")
    partial = s.run("CREATE UNIQUE INDEX idx_users_email ON users (email) WHERE deleted_at IS NULL")
    s.run("DROP TABLE users")
    s.steps.append(Step("-- the fix: dbdesign's rendering + soft_delete_statements(schema, 'mysql')", ""))
    for stmt in render(schema, "mysql").statements + soft_delete_statements(schema, "mysql").statements:
        s.run(stmt)
    s.run("INSERT INTO users (id, email, deleted_at) VALUES (1, 'ada@example.com', CURRENT_TIMESTAMP)")
    reuse = s.run("INSERT INTO users (id, email, deleted_at) VALUES (2, 'ada@example.com', NULL)")
    dup = s.run("INSERT INTO users (id, email, deleted_at) VALUES (3, 'ADA@example.com', NULL)")
    return Pitfall(
        "mariadb-partial-index", engine.name,
        "MariaDB has no partial (and no expression) index: the live-only unique email cannot be declared",
        "rejected", "rejected" if partial == "error" else "accepted",
        "a PERSISTENT generated column CASE WHEN deleted_at IS NULL THEN LOWER(email) END with a "
        "UNIQUE index (NULLs never collide)",
        ("reuse accepted, live duplicate rejected" if (reuse, dup) == ("ok", "error")
         else f"reuse {reuse}, live duplicate {dup}"), s.steps)


def pitfall_hard_cascade(engine_name: str, schema: Schema, parent: str = "posts",
                         child: str = "comments", users_table: str = "users") -> Pitfall:
    """With `child.fk ... ON DELETE CASCADE -> parent` and soft delete: the soft delete (an
    UPDATE) does not cascade - the children stay live - while the one hard delete that happens
    (erasure, a cleanup job) destroys children written by other people. Then the fix on the same
    database: the generated soft-delete cascade (trigger, or soft_delete() on DuckDB)."""
    from . import engines
    from .probe import ValueFactory, insert_sql, install_schema, load_baseline
    p_t, c_t, u_t = _table(schema, parent), _table(schema, child), _table(schema, users_table)
    fk = next((f for f in c_t.foreign_keys if f.ref_table == parent
               and (f.on_delete or "").upper() == "CASCADE"), None)
    if fk is None or DELETED_AT not in p_t.columns or DELETED_AT not in c_t.columns:
        raise InputError(f"{child} has no ON DELETE CASCADE foreign key to {parent}, or one of "
                         f"them has no {DELETED_AT}: nothing to demonstrate")
    author = next((f.columns[0] for f in c_t.foreign_keys if f.ref_table == users_table
                   and f.columns[0] not in ("created_by", "updated_by")), None)
    pk = p_t.primary_key.columns[0]
    with engines.throwaway(engine_name) as eng:
        install_schema(eng, schema)
        values = ValueFactory(schema)
        base = load_baseline(eng, schema, values)
        other = values.row(u_t, base)
        eng.execute(insert_sql(u_t, other))
        post = base[parent][pk]
        s = _Script(eng)
        s.run(insert_sql(c_t, values.row(c_t, base, {author: other[u_t.primary_key.columns[0]]}
                                         if author else {})))
        key = f"{fk.columns[0]} = {sql_literal(post)}"
        live = f"SELECT count(*) FROM {child} WHERE {key} AND {DELETED_AT} IS NULL"
        before = s.value(live)
        s.run(f"UPDATE {parent} SET {DELETED_AT} = CURRENT_TIMESTAMP WHERE {pk} = {sql_literal(post)}")
        after_soft = s.value(live)
        others = f"SELECT count(*) FROM {child} WHERE {key}" + (
            f" AND {author} = {sql_literal(other[u_t.primary_key.columns[0]])}" if author else "")
        s.value(others)
        hard = s.run(f"DELETE FROM {parent} WHERE {pk} = {sql_literal(post)}")
        others_after = s.value(others)
        s.steps.append(Step(f"-- the fix: the generated soft-delete cascade, on a new {parent} row", ""))
        plan = install_soft_delete(eng, schema)
        new_parent = values.row(p_t, base)
        eng.execute(insert_sql(p_t, new_parent))
        s.run(insert_sql(c_t, values.row(c_t, base, {fk.columns[0]: new_parent[pk]})))
        soft_delete(eng, schema, parent, {pk: new_parent[pk]})
        s.steps.append(Step(f"soft_delete(engine, schema, {parent!r}, ...)"
                            + (" -- application cascade" if parent in plan.app_cascade else " -- trigger cascades"), "ok"))
        fixed_live = s.value(f"SELECT count(*) FROM {child} WHERE {fk.columns[0]} = "
                             f"{sql_literal(new_parent[pk])} AND {DELETED_AT} IS NULL")
    hard_text = (f"other users' {child} left {others_after}" if hard == "ok" else "hard delete rejected")
    return Pitfall(
        "hard-cascade", engine_name,
        "ON DELETE CASCADE never fires on a soft delete, and on the one hard delete it removes "
        "other people's rows",
        f"soft delete: {before} of {before} {child} still live; hard delete: other users' {child} left 0",
        f"soft delete: {after_soft} of {before} {child} still live; hard delete: {hard_text}",
        f"soft-delete children explicitly (trigger or soft_delete()) and make hard deletes of "
        f"soft-deletable parents RESTRICT, so an accidental one fails loudly",
        f"{fixed_live} live {child} after the soft delete", s.steps)
