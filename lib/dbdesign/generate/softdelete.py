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
from typing import Any, Callable, Sequence

import sqlglot

from dbdesign.schema import naming
from dbdesign.engines.base import Engine, Params
from dbdesign.errors import EngineError, InputError
from dbdesign.model import Index, Schema, Table
from dbdesign.dialects.postgres import dollar_quote
from dbdesign.lab.probe import Names, is_email, names_for, where_sql

DELETED_AT = naming.DEFAULT.soft_delete_column  # the default; configurable in [lint]
PERSONAL_RE = re.compile(r"e-?mail|username|name|phone|address|bio|avatar|birth|password", re.I)
Config = Any  # dbdesign.config.Config | naming.Conventions | None


# How each engine does what soft delete needs. Capability flags decide where one exists
# (`partial_index`, `transactional_ddl`); what is really a per-engine SQL template (the cascade
# trigger) or an engine limit without a flag sits in this one table.
@dataclass(frozen=True)
class _Strategy:
    timestamp_type: str  # type of an added soft-delete column
    cascade_trigger: Callable[..., list[str]] | None  # None: no UPDATE row triggers -> soft_delete()
    indexed_generated_column: bool  # a generated column can carry a UNIQUE index (live-only emulation)
    trigger_updates_own_table: bool = True  # MariaDB error 1442: a trigger cannot update its table
    no_trigger_reason: str = ""  # why cascade_trigger is None, for the note


def _strategy(dialect: str) -> _Strategy:
    try:
        return _STRATEGIES[dialect]
    except KeyError:
        raise InputError(f"unknown dialect {dialect!r}; choose postgres, mysql, sqlite or duckdb") from None


def _caps(dialect: str):
    from dbdesign.engines import engine_class
    return engine_class(dialect).capabilities


@dataclass
class SoftDeletePlan:
    dialect: str
    tables: list[str]  # qualified names (`app.orders`)
    statements: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    app_cascade: list[str] = field(default_factory=list)  # parents whose cascade is app-level

    @property
    def sql(self) -> str:
        return "".join(s.rstrip() + ";\n" for s in self.statements)


def soft_delete_tables(schema: Schema, tables: Sequence[str] | None = None,
                       config: Config = None) -> list[Table]:
    """The soft-deletable tables: `tables` if given; else the configured user-facing tables
    (`[lint] user_facing_tables`, via `naming.user_facing_tables`) plus every table that already
    has the soft-delete column; without that configuration the tables with the column, or - when
    none has it - naming's guess (the users table and its owners' tables). A name the schema
    lacks is an InputError, never a silent skip."""
    conv = _conventions(config)
    for name in tables or conv.user_facing_tables or ():
        if schema.table(name) is None:
            raise InputError(f"unknown table {name!r} in the soft-delete configuration; known "
                             f"tables: {', '.join(sorted(schema.tables))}")
    if tables:
        return [schema.table(name) for name in tables]
    having = [t for t in schema.tables.values() if conv.soft_delete_column in t.columns]
    user_facing, guessed = naming.user_facing_tables(schema, conv)
    if guessed and having:  # the design already chose: its soft-delete columns say which
        return having
    return user_facing + [t for t in having if t not in user_facing]


def _conventions(config: Config) -> naming.Conventions:
    return config if isinstance(config, naming.Conventions) else naming.conventions(config)


def live_unique_indexes(table: Table, config: Config = None) -> list[Index]:
    """Unique indexes that should hold among live rows only (partial on deleted_at IS NULL)."""
    conv = _conventions(config)
    return [ix for ix in table.indexes if ix.unique and conv.is_soft_delete_predicate(ix.where)]


def soft_delete_children(schema: Schema, table: Table,
                         config: Config = None) -> list[tuple[Table, list[str], list[str]]]:
    """(child, fk columns, parent columns) for soft-deletable children of `table`, self
    references included (a deleted comment hides its replies); audit references
    (created_by -> users) are not ownership and do not cascade."""
    conv = _conventions(config)
    return [(child, fk.columns, fk.ref_columns) for child, fk in schema.referencing(table.qualname)
            if conv.soft_delete_column in child.columns and not conv.is_audit_fk(fk)]


def soft_delete_statements(schema: Schema, dialect: str, tables: Sequence[str] | None = None,
                           config: Config = None) -> SoftDeletePlan:
    """The soft-delete objects for `dialect`, to run after the schema's own DDL. Names are
    quoted and qualified as `dialects.render` created them (`app.orders`, `"User Accounts"`)."""
    strategy = _strategy(dialect)
    conv = _conventions(config)
    dcol = conv.soft_delete_column
    n = names_for(schema, dialect)
    chosen = soft_delete_tables(schema, tables, conv)
    plan = SoftDeletePlan(dialect, [t.qualname for t in chosen])
    if not tables and conv.user_facing_tables is None and not any(dcol in t.columns for t in chosen):
        plan.notes.append(f"guessed soft-deletable tables ({', '.join(plan.tables)}): no table has "
                          f"{dcol} and [lint] user_facing_tables is not configured")
    for t in chosen:
        qn = t.qualname
        if dcol not in t.columns:
            plan.statements.append(f"ALTER TABLE {n.table(t)} ADD COLUMN {n.col(dcol)} "
                                   f"{strategy.timestamp_type} NULL")
            plan.notes.append(f"{qn}: {dcol} added")
        for u in t.uniques:
            plan.notes.append(f"{qn}: UNIQUE ({', '.join(u.columns)}) is table-wide: a soft-deleted "
                              f"row keeps its value forever; replace it by a unique index WHERE {dcol} IS NULL")
        _live_unique(t, dialect, plan, n, conv)
        plan.statements.append(f"CREATE VIEW {n.derived(t, 'active_{}', qualify=True)} AS SELECT * "
                               f"FROM {n.table(t)} WHERE {n.col(dcol)} IS NULL")
        _cascade(schema, t, dialect, plan, n, conv)
        for child, fk in schema.referencing(qn):
            if (fk.on_delete or "").upper() == "CASCADE" and not conv.is_audit_fk(fk):
                plan.notes.append(
                    f"{child.qualname}.{','.join(fk.columns)} ON DELETE CASCADE -> {qn}: never fires on a "
                    f"soft delete; on a hard delete (erasure) it removes {child.qualname} rows for good")
    return plan


@dataclass
class SoftDeleteParts:
    """`soft_delete_statements` split the way migrations ship it: the live-only uniques (and
    added soft-delete columns), the cascade triggers, the `active_*` views, each with its notes."""
    live_uniques: list[str]
    cascade: list[str]
    views: list[str]
    unique_notes: list[str]
    cascade_notes: list[str]


def soft_delete_parts(schema: Schema, dialect: str, tables: Sequence[str] | None = None,
                      config: Config = None) -> SoftDeleteParts:
    """The statements of `soft_delete_statements`, grouped for one migration each."""
    plan = soft_delete_statements(schema, dialect, tables, config)
    views = [s for s in plan.statements if s.startswith("CREATE VIEW")]
    uniques = [s for s in plan.statements if s.startswith(("ALTER TABLE", "CREATE UNIQUE INDEX"))]
    cascade = [s for s in plan.statements if s not in views and s not in uniques]
    unique_notes = [n for n in plan.notes if "unique" in n.lower() or n.endswith(" added")]
    return SoftDeleteParts(uniques, cascade, views, unique_notes,
                           [n for n in plan.notes if n not in unique_notes])


def live_unique_method(dialect: str) -> str:
    """How `dialect` keeps a value unique among live rows only: 'partial unique index',
    'generated column + UNIQUE' or 'NOT enforced (application)'."""
    if _caps(dialect).partial_index:
        return "partial unique index"
    if _strategy(dialect).indexed_generated_column:
        return "generated column + UNIQUE"
    return "NOT enforced (application)"


def _live_unique(t: Table, dialect: str, plan: SoftDeletePlan, n: Names, conv: naming.Conventions) -> None:
    method = live_unique_method(dialect)
    dcol = conv.soft_delete_column
    for ix in live_unique_indexes(t, conv):
        if method == "partial unique index":
            continue  # the schema's own partial index renders as is
        if method.startswith("NOT"):
            plan.notes.append(f"{dialect}: {ix.name}: no partial indexes and generated columns cannot be "
                              "indexed - uniqueness among live rows is not enforced; check it in the "
                              "application before insert/restore")
            continue
        gen_cols = []
        for i, part in enumerate(ix.columns):
            # the model's expressions are PostgreSQL SQL: rewritten for the target, so a
            # quoted "E-mail" becomes `E-mail` on MariaDB instead of a string literal
            expr = (n.col(part.column) if part.column else
                    sqlglot.parse_one(part.expression, read="postgres").sql(dialect=n.dialect))
            name = f"{ix.name}_live{i if len(ix.columns) > 1 else ''}"[:64]
            gen_cols.append(name)
            # PERSISTENT: InnoDB can index VIRTUAL columns too, but a stored one keeps the index
            # build simple; NULL for deleted rows, so they never collide.
            plan.statements.append(f"ALTER TABLE {n.table(t)} ADD COLUMN {n.col(name)} VARCHAR(255) AS "
                                   f"(CASE WHEN {n.col(dcol)} IS NULL THEN {expr} END) PERSISTENT")
        plan.statements.append(f"CREATE UNIQUE INDEX {n.col(ix.name)} ON {n.table(t)} ({n.cols(gen_cols)})")
        plan.notes.append(f"{dialect}: {ix.name}: partial unique index emulated by generated column(s) "
                          f"{', '.join(gen_cols)} (NULL when deleted) with a UNIQUE index")


def _cascade(schema: Schema, t: Table, dialect: str, plan: SoftDeletePlan, n: Names,
             conv: naming.Conventions) -> None:
    children = soft_delete_children(schema, t, conv)
    if not children:
        return
    strategy = _strategy(dialect)
    if strategy.cascade_trigger is None:
        plan.app_cascade.append(t.qualname)
        plan.notes.append(f"{dialect}: soft delete of {t.qualname} cascades to "
                          f"{', '.join(c.qualname for c, _, _ in children)} through dbdesign.generate.softdelete."
                          f"soft_delete() ({strategy.no_trigger_reason})")
        return
    dcol = n.col(conv.soft_delete_column)
    if not strategy.trigger_updates_own_table:
        own = [c for c, _, _ in children if c.qualname == t.qualname]
        if own:
            plan.notes.append(f"{dialect}: {t.qualname}: a trigger cannot update the table it fires on, "
                              "so self-referencing children are soft-deleted by soft_delete() only")
        children = [c for c in children if c[0].qualname != t.qualname]
        if not children:
            return
    updates = []
    for child, cols, ref in children:
        cond = " AND ".join(f"{n.col(c)} = NEW.{n.col(r)}" for c, r in zip(cols, ref))
        updates.append(f"UPDATE {n.table(child)} SET {dcol} = NEW.{dcol} WHERE {cond} AND {dcol} IS NULL")
    when = f"OLD.{dcol} IS NULL AND NEW.{dcol} IS NOT NULL"
    plan.statements += strategy.cascade_trigger(t, n, dcol, when, updates)


def _pg_cascade(t: Table, n: Names, dcol: str, when: str, updates: list[str]) -> list[str]:
    fn = n.derived(t, "{}_soft_delete_cascade", qualify=True)
    return [f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS " + dollar_quote(f"""
BEGIN
    {"; ".join(updates)};
    RETURN NULL;
END """), f"CREATE OR REPLACE TRIGGER {n.derived(t, 'trg_{}_soft_delete')} AFTER UPDATE OF {dcol} ON {n.table(t)} "
           f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION {fn}()"]


def _sqlite_cascade(t: Table, n: Names, dcol: str, when: str, updates: list[str]) -> list[str]:
    # Self-referencing children (comment replies) need recursive triggers to go deeper than
    # one level: SQLite does not re-fire a running trigger unless PRAGMA recursive_triggers=ON.
    return [f"CREATE TRIGGER {n.derived(t, 'trg_{}_soft_delete')} AFTER UPDATE OF {dcol} ON {n.table(t)} "
            f"FOR EACH ROW WHEN {when} BEGIN {' '.join(u + ';' for u in updates)} END"]


def _mysql_cascade(t: Table, n: Names, dcol: str, when: str, updates: list[str]) -> list[str]:
    # One single-statement trigger per child (MariaDB >= 10.2.3 allows several per event): no
    # BEGIN ... END, so each is one statement to a plain `;` splitter (a migration file run
    # verbatim); the condition moves into the UPDATE's WHERE.
    return [f"CREATE TRIGGER {n.derived(t, 'trg_{}_soft_delete' + (f'_{i}' if i else ''))} AFTER UPDATE ON "
            f"{n.table(t)} FOR EACH ROW {u} AND {when}" for i, u in enumerate(updates)]


_STRATEGIES: dict[str, _Strategy] = {
    "postgres": _Strategy("TIMESTAMPTZ", _pg_cascade, indexed_generated_column=True),
    "sqlite": _Strategy("TEXT", _sqlite_cascade, indexed_generated_column=True),
    "mysql": _Strategy("DATETIME(6)", _mysql_cascade, indexed_generated_column=True,
                       trigger_updates_own_table=False),
    # DuckDB 2.0: no UPDATE row triggers; generated columns cannot be indexed
    "duckdb": _Strategy("TIMESTAMPTZ", None, indexed_generated_column=False,
                        no_trigger_reason="no UPDATE row triggers in DuckDB 2.0"),
}


def install_soft_delete(engine: Engine, schema: Schema, tables: Sequence[str] | None = None,
                        config: Config = None) -> SoftDeletePlan:
    """Run `soft_delete_statements` on `engine` (which holds the schema): all or nothing where
    DDL is transactional."""
    plan = soft_delete_statements(schema, engine.name, tables, config)
    engine.run_script([s for s in plan.statements if not _view_exists(engine, s)])
    return plan


def _view_exists(engine: Engine, statement: str) -> bool:
    """True for a CREATE VIEW whose view the database already holds (a schema installed with
    the migrations' own active_* views)."""
    m = re.match(r"CREATE VIEW (\S+) AS", statement)
    if not m:
        return False
    try:
        engine.query(f"SELECT 1 FROM {m.group(1)} WHERE 1 = 0")
    except EngineError:
        return False
    return True


def soft_delete(engine: Engine, schema: Schema, table: str, key: dict[str, Any],
                cascade_in_app: bool | None = None, config: Config = None) -> None:
    """Soft-delete one row; cascade to soft-deletable children in the application where the
    engine has no trigger for it (DuckDB; MariaDB's self-references) or when asked."""
    conv = _conventions(config)
    strategy = _strategy(engine.name)
    n = names_for(schema, engine.name)
    t = _table(schema, table)
    dcol = n.col(conv.soft_delete_column)
    p = Params()
    engine.execute(f"UPDATE {n.table(t)} SET {dcol} = CURRENT_TIMESTAMP WHERE {where_sql(key, n, p)} "
                   f"AND {dcol} IS NULL", p)
    for child, cols, ref in soft_delete_children(schema, t, conv):
        in_app = (strategy.cascade_trigger is None if cascade_in_app is None else cascade_in_app) \
            or (child.qualname == t.qualname and not strategy.trigger_updates_own_table)
        if not in_app:
            continue
        rows = engine.query(f"SELECT {n.cols(child.primary_key.columns)} FROM {n.table(child)} WHERE "
                            + where_sql({c: key[r] for c, r in zip(cols, ref) if r in key}, n, p)
                            + f" AND {dcol} IS NULL", p)
        for row in rows:
            soft_delete(engine, schema, child.qualname, dict(zip(child.primary_key.columns, map(str, row))),
                        True, conv)


def restore_sql(table: str, key: dict[str, Any], names: Names = Names(), config: Config = None) -> str:
    """Undo a soft delete. Fails (unique violation) if a live row took the value meanwhile."""
    dcol = names.col(_conventions(config).soft_delete_column)
    return f"UPDATE {names.table(table)} SET {dcol} = NULL WHERE {where_sql(key, names)}"


def erasure_statements(schema: Schema, user_id: str, users_table: str | None = None,
                       audit_table: str = "audit_log", dialect: str = "postgres",
                       config: Config = None, params: Params | None = None) -> list[str]:
    """GDPR erasure of one user: anonymise the personal columns (keeping the row, so RESTRICT
    children such as posts stay valid), delete personal 1:1 rows (ON DELETE CASCADE children of
    the user, e.g. profiles), and blank the audit JSON of the user's row. The deleted child
    rows' own audit rows (keyed by the child's id) are not covered: `erase_user` runs these
    statements and blanks those too. With `params` the values are driver parameters (run
    each statement with `engine.execute(sql, params)`); without, literals of a script."""
    conv = _conventions(config)
    n = names_for(schema, dialect)
    value = params if params is not None else n.lit
    users = _table(schema, users_table or conv.users_table)
    key = {users.primary_key.columns[0]: user_id}
    sets = []
    for col in users.columns.values():
        if not PERSONAL_RE.search(col.name):
            continue
        c = n.col(col.name)
        if is_email(col.name):
            sets.append(f"{c} = {value(f'erased-{user_id}@invalid')}")
        elif col.nullable:
            sets.append(f"{c} = NULL")
        else:
            sets.append(f"{c} = {value(f'erased-{user_id}'[:20])}"
                        if "name" in col.name.lower() else f"{c} = ''")
    if conv.soft_delete_column in users.columns:
        dcol = n.col(conv.soft_delete_column)
        sets.append(f"{dcol} = COALESCE({dcol}, CURRENT_TIMESTAMP)")
    out = []
    for child, fk in schema.referencing(users.qualname):
        if (fk.on_delete or "").upper() == "CASCADE":
            out.append(f"DELETE FROM {n.table(child)} WHERE {where_sql({fk.columns[0]: user_id}, n, params)}")
    out.append(f"UPDATE {n.table(users)} SET {', '.join(sets)} WHERE {where_sql(key, n, params)}")
    if schema.table(audit_table):
        out.append(_blank_audit_sql(n, audit_table, n.held_name(users), user_id, params))
    return out


def _blank_audit_sql(n: Names, audit_table: str, table: str, row_id: str,
                     params: Params | None = None) -> str:
    """Blank the audit JSON of one row (`table`: the name the trail records, as held)."""
    value = params if params is not None else n.lit
    return (f"UPDATE {n.table(audit_table)} SET old_values = NULL, new_values = NULL WHERE "
            f"table_name = {value(table)} AND row_id = {value(row_id)}")


def erase_user(engine: Engine, schema: Schema, user_id: str, users_table: str | None = None,
               audit_table: str = "audit_log", config: Config = None) -> dict[str, int]:
    """Run the erasure path on `engine` in one transaction: `erasure_statements`, then blank
    the audit JSON of every row it touched - the user's, and the deleted personal child rows'
    (their INSERT/UPDATE/DELETE audit rows carry the same personal data under the child's own
    key, which a pure-SQL statement list cannot know in advance). Returns counts."""
    n = names_for(schema, engine.name)
    users = _table(schema, users_table or _conventions(config).users_table)
    touched: list[tuple[str, str]] = []
    p = Params()
    for child, fk in schema.referencing(users.qualname):
        if (fk.on_delete or "").upper() == "CASCADE" and child.primary_key:
            pk = child.primary_key.columns
            for row in engine.query(f"SELECT {n.cols(pk)} FROM {n.table(child)} WHERE "
                                    f"{where_sql({fk.columns[0]: user_id}, n, p)}", p):
                touched.append((n.held_name(child), ",".join(str(v) for v in row)))
    statements = erasure_statements(schema, user_id, users_table, audit_table, engine.name, config, p)
    if schema.table(audit_table):
        user_blank = statements.pop()  # the user's blanking last
        statements += [_blank_audit_sql(n, audit_table, t, k, p) for t, k in touched] + [user_blank]
    engine.begin()
    try:
        for sql in statements:
            engine.execute(sql, p)
        engine.commit()
    except Exception:
        engine.rollback()
        raise
    return {"statements": len(statements), "child_rows_deleted": len(touched)}


def erasure_demo(engine_name: str, schema: Schema, users_table: str | None = None,
                 config: Config = None) -> dict[str, Any]:
    """Erase one user twice, in two throw-away databases holding the schema, soft delete and
    the audit trail: with the plain `erasure_statements` and with `erase_user`. Counts what is
    left of the personal data (values of the user's personal columns and of their deleted
    child rows found anywhere in `audit_log`)."""
    from dbdesign import engines
    from dbdesign.generate.audit import AUDIT_TABLE, install_audit, set_actor
    from dbdesign.lab.probe import ValueFactory, install_schema, load_baseline
    from dbdesign.generate.audit import with_audit_table
    schema = with_audit_table(schema)
    users = _table(schema, users_table or _conventions(config).users_table)
    n = names_for(schema, engine_name)
    out: dict[str, Any] = {"engine": engine_name}
    for how in ("erasure_statements", "erase_user"):
        with engines.throwaway(engine_name) as eng:
            install_schema(eng, schema)
            install_soft_delete(eng, schema)
            install_audit(eng, schema)
            base = load_baseline(eng, schema, ValueFactory(schema), n)
            uid = base[users.qualname][users.primary_key.columns[0]]
            set_actor(eng, uid)
            personal = [str(v) for c, v in base[users.qualname].items() if PERSONAL_RE.search(c) and v]
            for child, fk in schema.referencing(users.qualname):
                if (fk.on_delete or "").upper() == "CASCADE" and child.qualname in base:
                    personal += [str(v) for c, v in base[child.qualname].items()
                                 if PERSONAL_RE.search(c) and isinstance(v, str)]
            if how == "erase_user":
                erase_user(eng, schema, uid, users.qualname)
            else:
                values = Params()
                for sql in erasure_statements(schema, uid, users.qualname, dialect=engine_name,
                                              params=values):
                    eng.execute(sql, values)
            trail = eng.query(f"SELECT old_values, new_values FROM {n.table(AUDIT_TABLE)}")
            leaks = sum(1 for row in trail if any(p in str(row) for p in personal))
            values = Params()
            row = eng.query(f"SELECT * FROM {n.table(users)} WHERE "
                            f"{where_sql({users.primary_key.columns[0]: uid}, n, values)}", values)
            out[f"audit rows with personal data after {how}"] = leaks
        if how == "erase_user":
            out["user row kept"] = len(row) == 1
            out["personal values left in the user row"] = sum(1 for p in personal if p in map(str, row[0]))
    return out


def strategy_frame(schema: Schema, dialects: Sequence[str] = ("postgres", "mysql", "sqlite", "duckdb"),
                   tables: Sequence[str] | None = None, config: Config = None):
    """DataFrame dialect x soft-deletable table: how live-only uniqueness, the active view and
    the cascade to children are done there. Stable text: a checked notebook cell."""
    import pandas as pd
    conv = _conventions(config)
    rows = []
    for dialect in dialects:
        plan = soft_delete_statements(schema, dialect, tables, conv)
        own_table_ok = _strategy(dialect).trigger_updates_own_table
        n = names_for(schema, dialect)
        for name in plan.tables:
            t = schema.tables[name]
            live = live_unique_indexes(t, conv)
            unique = live_unique_method(dialect) if live else "-"
            children = soft_delete_children(schema, t, conv)
            if not children:
                cascade = "-"
            else:
                by: dict[str, list[str]] = {}
                for child, _, _ in children:
                    app = name in plan.app_cascade or (not own_table_ok and child.qualname == name)
                    by.setdefault("soft_delete() in the application" if app else "trigger",
                                  []).append(child.qualname)
                cascade = "; ".join(f"{', '.join(dict.fromkeys(c))} by {how}" for how, c in by.items())
            rows.append({"dialect": dialect, "table": name,
                         "live-only unique": f"{unique} ({', '.join(ix.name for ix in live)})" if live else unique,
                         "view": n.derived(t, "active_{}", qualify=True), "soft delete cascades to": cascade})
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

    def __init__(self, target: Any, errors: tuple[type[BaseException], ...] = (),
                 names: Names | None = None):
        from dbdesign.errors import EngineError
        self.target = target
        self.errors = (EngineError, *errors)
        self.steps: list[Step] = []
        self.names = names  # spells the parameters of a recorded step (an Engine target)

    def _run(self, sql: str, params: Params | None = None) -> list[tuple]:
        if isinstance(self.target, Engine):
            return self.target.query(sql, params or ())
        cur = self.target.execute(sql)
        return cur.fetchall() if cur.description else []

    def _shown(self, sql: str, params: Params | None) -> str:
        return params.inline(sql, self.names.lit) if params is not None and self.names else sql

    def run(self, sql: str, params: Params | None = None) -> str:
        """'ok' or 'error: ...' (never raises for an engine error: that is the finding)."""
        try:
            rows = self._run(sql, params)
        except self.errors as err:
            msg = str(err).splitlines()[0]
            msg = re.sub(r"^(sqlite|duckdb|postgres|mysql): ", "", msg)
            self.steps.append(Step(self._shown(sql, params), "error: " + msg))
            return "error"
        shows_rows = re.match(r"(?i)\s*(SELECT|PRAGMA|SHOW|WITH)\b", sql)
        self.steps.append(Step(self._shown(sql, params),
                               ", ".join(map(str, rows)) if rows and shows_rows else "ok"))
        return "ok"

    def value(self, sql: str, params: Params | None = None) -> Any:
        """First column of the first row (recorded as well)."""
        rows = self._run(sql, params)
        self.steps.append(Step(self._shown(sql, params), str(rows[0][0]) if rows else "(no rows)"))
        return rows[0][0] if rows else None


def pitfall_column_unique(engine: Engine) -> Pitfall:
    """A column-level UNIQUE (email) next to the partial unique index WHERE deleted_at IS NULL:
    the table-wide constraint still counts the soft-deleted row, so the address can never be
    reused. Runs on any engine with partial indexes (PostgreSQL, SQLite)."""
    s = _Script(engine)
    ts = "TIMESTAMPTZ" if engine.capabilities.timestamptz else "TIMESTAMP"
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

    from dbdesign import engines
    with engines.throwaway("sqlite") as eng:
        setup = _Script(eng)
        setup.run("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        setup.run("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id))")
        steps = [Step("-- schema, on dbdesign's connection (pragma ON)", "")] + setup.steps
        plain = sqlite3.connect(eng.path, isolation_level=None)  # what most code does
        s = _Script(plain, (sqlite3.Error,))
        s.steps.append(Step("-- a plain sqlite3.connect(): no pragma", ""))
        orphan = s.run("INSERT INTO child VALUES (1, 42)")
        plain.close()
        late = sqlite3.connect(eng.path)  # default: implicit BEGIN before DML
        s.target = late
        s.steps.append(Step("-- the pragma after the first INSERT (Python opened a transaction)", ""))
        s.run("INSERT INTO parent VALUES (1)")
        s.run("PRAGMA foreign_keys=ON")
        late_state = s.value("PRAGMA foreign_keys")
        late_orphan = s.run("INSERT INTO child VALUES (2, 43)")
        late.rollback()
        late.close()
        good = sqlite3.connect(eng.path, isolation_level=None)
        s.target = good
        s.steps.append(Step("-- the fix: the pragma first thing on every connection", ""))
        s.run("PRAGMA foreign_keys=ON")
        fixed = s.run("INSERT INTO child VALUES (3, 44)")
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
    from dbdesign import engines
    with engines.throwaway("duckdb") as eng:
        s = _Script(eng)
        s.run("CREATE TABLE parent (id INTEGER PRIMARY KEY, deleted_at TIMESTAMPTZ)")
        create = s.run("CREATE TABLE child (id INTEGER PRIMARY KEY, "
                       "parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE, deleted_at TIMESTAMPTZ)")
        s.run("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id), "
              "deleted_at TIMESTAMPTZ)")
        s.run("INSERT INTO parent VALUES (1, NULL)")
        s.run("INSERT INTO child VALUES (10, 1, NULL)")
        delete = s.run("DELETE FROM parent WHERE id = 1")
        s.steps.append(Step("-- children first, parent second, in one transaction", ""))
        s.run("BEGIN")
        s.run("DELETE FROM child WHERE parent_id = 1")
        in_tx = s.run("DELETE FROM parent WHERE id = 1")
        s.run("ROLLBACK")
        s.steps.append(Step("-- what works: children first, each DELETE committed on its own", ""))
        s.run("DELETE FROM child WHERE parent_id = 1")
        fixed = s.run("DELETE FROM parent WHERE id = 1")
    observed = "; ".join([f"CASCADE {'rejected' if create == 'error' else 'accepted'}",
                          f"parent delete {'rejected' if delete == 'error' else 'accepted'}",
                          f"children first in one transaction {'rejected' if in_tx == 'error' else 'accepted'}"])
    return Pitfall(
        "duckdb-cascade", "duckdb",
        "DuckDB has no ON DELETE actions: a cascade cannot even be declared, deleting a parent "
        "with children fails, and (2.0) so does deleting the children and then the parent in the "
        "same transaction - the FK check still sees the deleted children",
        "CASCADE rejected; parent delete rejected; children first in one transaction rejected", observed,
        "soft delete instead of hard delete (dbdesign.generate.softdelete.soft_delete() cascades in the "
        "application); a hard delete commits the children's DELETE before the parent's - not atomic, "
        "so make it idempotent and re-runnable",
        "accepted" if fixed == "ok" else "rejected", s.steps)


def pitfall_mariadb_partial_index(engine: Engine) -> Pitfall:
    """MariaDB has no partial index (`CREATE UNIQUE INDEX ... WHERE` is a syntax error). The
    emulation `soft_delete_statements` generates - a generated column that is NULL for deleted
    rows, with a UNIQUE index - keeps uniqueness among live rows only."""
    from dbdesign.dialects import render
    from dbdesign.schema.parse import parse_sql
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


def cascade_pair(schema: Schema, config: Config = None) -> tuple[str, str]:
    """(parent, child) of the schema where a hard-delete pitfall shows: the child has an
    ON DELETE CASCADE foreign key to the parent and both have the soft-delete column. InputError
    when no such pair exists."""
    sd = _conventions(config).soft_delete_column
    for c in schema.tables.values():
        for fk in c.foreign_keys:
            p = schema.table(fk.ref_table)
            if (p is not None and p is not c and (fk.on_delete or "").upper() == "CASCADE"
                    and sd in p.columns and sd in c.columns and p.primary_key):
                return p.qualname, c.qualname
    raise InputError(f"no table has an ON DELETE CASCADE foreign key to another table where both "
                     f"have {sd}: the hard-cascade pitfall has nothing to show in this schema")


def pitfall_hard_cascade(engine_name: str, schema: Schema, parent: str | None = None,
                         child: str | None = None, users_table: str | None = None,
                         config: Config = None) -> Pitfall:
    """With `child.fk ... ON DELETE CASCADE -> parent` and soft delete: the soft delete (an
    UPDATE) does not cascade - the children stay live - while the one hard delete that happens
    (erasure, a cleanup job) destroys children written by other people. Then the fix on the same
    database: the generated soft-delete cascade (trigger, or soft_delete() on DuckDB)."""
    from dbdesign import engines
    from dbdesign.lab.probe import ValueFactory, insert_sql, install_schema, load_baseline
    conv = _conventions(config)
    if parent is None or child is None:
        parent, child = cascade_pair(schema, conv)
    p_t, c_t = _table(schema, parent), _table(schema, child)
    u_t = schema.table(users_table or conv.users_table)
    fk = next((f for f in c_t.foreign_keys if f.ref_table == p_t.qualname
               and (f.on_delete or "").upper() == "CASCADE"), None)
    dname = conv.soft_delete_column
    if fk is None or dname not in p_t.columns or dname not in c_t.columns:
        raise InputError(f"{child} has no ON DELETE CASCADE foreign key to {parent}, or one of "
                         f"them has no {dname}: nothing to demonstrate")
    author = next((f.columns[0] for f in c_t.foreign_keys if u_t is not None
                   and f.ref_table == u_t.qualname and not conv.is_audit_fk(f)), None)
    pk = p_t.primary_key.columns[0]
    n = names_for(schema, engine_name)
    dcol, parent_sql, child_sql = n.col(dname), n.table(p_t), n.table(c_t)
    with engines.throwaway(engine_name) as eng:
        install_schema(eng, schema)
        values = ValueFactory(schema)
        base = load_baseline(eng, schema, values, n)
        other = values.row(u_t, base) if author else None
        p = Params()  # one set of values for every statement below
        if other is not None:
            eng.execute(insert_sql(u_t, other, n, p), p)
        post = base[p_t.qualname][pk]
        s = _Script(eng, names=n)
        s.run(insert_sql(c_t, values.row(c_t, base, {author: other[u_t.primary_key.columns[0]]}
                                         if author else {}), n, p), p)
        key = f"{n.col(fk.columns[0])} = {p(post)}"
        live = f"SELECT count(*) FROM {child_sql} WHERE {key} AND {dcol} IS NULL"
        before = s.value(live, p)
        s.run(f"UPDATE {parent_sql} SET {dcol} = CURRENT_TIMESTAMP WHERE {n.col(pk)} = {p(post)}", p)
        after_soft = s.value(live, p)
        others = f"SELECT count(*) FROM {child_sql} WHERE {key}" + (
            f" AND {n.col(author)} = {p(other[u_t.primary_key.columns[0]])}" if author else "")
        s.value(others, p)
        hard = s.run(f"DELETE FROM {parent_sql} WHERE {n.col(pk)} = {p(post)}", p)
        others_after = s.value(others, p)
        s.steps.append(Step(f"-- the fix: the generated soft-delete cascade, on a new {parent} row", ""))
        plan = install_soft_delete(eng, schema)
        new_parent = values.row(p_t, base)
        eng.execute(insert_sql(p_t, new_parent, n, p), p)
        s.run(insert_sql(c_t, values.row(c_t, base, {fk.columns[0]: new_parent[pk]}), n, p), p)
        soft_delete(eng, schema, parent, {pk: new_parent[pk]})
        s.steps.append(Step(f"soft_delete(engine, schema, {parent!r}, ...)"
                            + (" -- application cascade" if p_t.qualname in plan.app_cascade
                               else " -- trigger cascades"), "ok"))
        fixed_live = s.value(f"SELECT count(*) FROM {child_sql} WHERE {n.col(fk.columns[0])} = "
                             f"{p(new_parent[pk])} AND {dcol} IS NULL", p)
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
