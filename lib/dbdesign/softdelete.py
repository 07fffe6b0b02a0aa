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
    the user, e.g. profiles), and blank the audit JSON that copied the personal data."""
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


def _table(schema: Schema, name: str) -> Table:
    t = schema.table(name)
    if t is None:
        raise InputError(f"unknown table {name!r}; known tables: {', '.join(sorted(schema.tables))}")
    return t
