"""Timestamps, actor columns and an audit trail, generated per engine from the model.

For every audited table (all tables with a primary key except the audit table itself, or the
ones named in configuration):
  - `updated_at` is maintained by the database on UPDATE,
  - `created_by` / `updated_by` come from a per-session actor setting,
  - every INSERT / UPDATE / DELETE writes one `audit_log` row per changed row: table, row key,
    operation, old and new values as JSON, actor, time. Triggers run inside the writing
    transaction, so a rolled-back change leaves no trace and a committed one always does.

How each engine does it (the actor setting differs most):
  postgres  plpgsql trigger functions; actor = `set_config('app.user_id', ..., false)`
  mysql     BEFORE/AFTER triggers; actor = the session variable `@app_user_id`
  sqlite    AFTER triggers; actor = the SQL function `app_user_id()` that the application
            registers on every connection (an unregistered function makes the write fail
            loudly, never silently unaudited)
  duckdb    2.0 has row triggers for INSERT and DELETE only ("UPDATE FOR EACH ROW triggers are
            not yet supported"): INSERT/DELETE are audited by triggers, UPDATE (including
            `updated_at`, `updated_by` and soft delete) through `app_update()` in this module.
Columns whose name looks secret (`naming.is_secret_column`: password, hash, token, ...) are left
out of the JSON.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from dbdesign.schema import naming
from dbdesign.engines.base import Engine, Params
from dbdesign.errors import InputError
from dbdesign.model import Schema, Table
from dbdesign.dialects.postgres import dollar_quote
from dbdesign.lab.probe import Names, names_for, where_sql

AUDIT_TABLE = "audit_log"
AUDIT_COLUMNS = ("table_name", "row_id", "operation", "old_values", "new_values", "actor_id")


@dataclass
class AuditPlan:
    """What `audit_statements` generated for one dialect, and what it could not do."""
    dialect: str
    tables: list[str]
    statements: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    app_update_tables: list[str] = field(default_factory=list)  # UPDATE must go through app_update()

    @property
    def sql(self) -> str:
        sep = "\n" if engine_spec(self.dialect).blank_line_between else ""
        return "".join(s.rstrip() + ";\n" + sep for s in self.statements)


def audited_tables(schema: Schema, tables: Sequence[str] | None = None,
                   audit_table: str = AUDIT_TABLE) -> list[Table]:
    """The tables to audit: `tables` if given (each must exist), else every table with a
    primary key except the audit table. A table without a primary key cannot be audited (no
    row key): named explicitly, that is an error."""
    log = schema.table(audit_table)
    if log is None:
        raise InputError(f"no {audit_table!r} table in the schema; create it first (see "
                         "migrations/0006_create_audit_log.up.sql) or name another with --audit-table")
    if tables:
        out = []
        for name in tables:
            t = schema.table(name)
            if t is None:
                raise InputError(f"unknown table {name!r} in the audit configuration; "
                                 f"known tables: {', '.join(sorted(schema.tables))}")
            if not t.primary_key:
                raise InputError(f"table {name!r} has no primary key, so audit rows cannot name the "
                                 "changed row; add one or leave the table out")
            out.append(t)
        return out
    return [t for t in schema.tables.values() if t.primary_key and t.qualname != log.qualname]


def logged_columns(table: Table) -> list[str]:
    return [c for c in table.columns if not naming.is_secret_column(c)]


@dataclass(frozen=True)
class Stamps:
    """The bookkeeping columns the triggers maintain, from `naming.conventions(config)`
    (`[lint] timestamp_columns` / `audit_columns`): the one whose name says "update" (or the
    last) is maintained on UPDATE, the one that says "create" (or the first) set on INSERT."""
    updated_at: str
    created_by: str
    updated_by: str

    @classmethod
    def of(cls, config: Any = None) -> "Stamps":
        conv = config if isinstance(config, naming.Conventions) else naming.conventions(config)

        def pick(cols: tuple[str, ...], word: str, default: int) -> str:
            return next((c for c in cols if word in c.lower()), cols[default] if cols else "")
        return cls(pick(conv.timestamp_columns, "updat", -1), pick(conv.audit_columns, "creat", 0),
                   pick(conv.audit_columns, "updat", -1))


@dataclass
class _Gen:
    """What one table's trigger template needs: its names on the engine, the stamp columns
    it has, the audit table, and the plan to add statements and notes to."""
    schema: Schema
    t: Table
    n: Names
    plan: AuditPlan
    stamps: Stamps
    audit_table: str

    @property
    def log(self) -> str:
        """INSERT INTO target: `audit_log (table_name, row_id, ...)`."""
        return f"{self.n.table(self.audit_table)} ({', '.join(AUDIT_COLUMNS)})"

    @property
    def label(self) -> str:
        """The table as the trail records it: the name the engine holds (a SQL literal)."""
        return self.n.lit(self.n.held_name(self.t))

    def has(self, role: str) -> str | None:
        """The column of `role` (updated_at | created_by | updated_by) if this table has it."""
        col = getattr(self.stamps, role)
        return col if col and col in self.t.columns else None

    def trigger(self, suffix: str) -> str:
        return self.n.derived(self.t, "trg_{}_" + suffix)


def audit_statements(schema: Schema, dialect: str, tables: Sequence[str] | None = None,
                     config: Any = None, audit_table: str = AUDIT_TABLE) -> AuditPlan:
    """Trigger DDL for `dialect` (postgres | mysql | sqlite | duckdb), to run after the schema.
    Every name is quoted and qualified as `dialects.render` created it (`app.orders`,
    `"User Accounts"`); the trail records a table by the name the engine holds."""
    spec = engine_spec(dialect)
    chosen = audited_tables(schema, tables, audit_table)
    stamps = Stamps.of(config)
    n = names_for(schema, dialect)
    plan = AuditPlan(dialect, [t.qualname for t in chosen])
    for t in chosen:
        missing = [c for c in (stamps.updated_at, stamps.created_by, stamps.updated_by) if c not in t.columns]
        if missing:
            plan.notes.append(f"{t.qualname}: no {', '.join(missing)} column; only the audit trail "
                              "is installed for it")
        secret = [c for c in t.columns if naming.is_secret_column(c)]
        if secret:
            plan.notes.append(f"{t.qualname}: {', '.join(secret)} left out of the audit JSON (secret)")
        spec.generate(_Gen(schema, t, n, plan, stamps, schema.table(audit_table).qualname))
    return plan


# -- PostgreSQL ------------------------------------------------------------------------------

PG_ACTOR = "NULLIF(current_setting('app.user_id', true), '')"


def _pg_key(g: _Gen, rec: str) -> str:
    return " || ',' || ".join(f"{rec}.{g.n.col(c)}::text" for c in g.t.primary_key.columns)


def _postgres(g: _Gen) -> None:
    t, n = g.t, g.n
    actor = f"{PG_ACTOR}::{_actor_type(g.schema, g.audit_table)}"
    drop = "".join(f" - {n.lit(c)}" for c in t.columns if naming.is_secret_column(c))
    touch = [f"NEW.{n.col(c)} := COALESCE(NEW.{n.col(c)}, {actor});"
             for c in (g.has("created_by"), g.has("updated_by")) if c]
    on_update = []
    if g.has("updated_at"):
        # Always the database clock: a client cannot backdate a change.
        on_update.append(f"NEW.{n.col(g.has('updated_at'))} := now();")
    if g.has("updated_by"):
        c = n.col(g.has("updated_by"))
        on_update.append(f"NEW.{c} := COALESCE({actor}, NEW.{c});")
    if touch or on_update:
        fn = n.derived(t, "{}_touch", qualify=True)
        g.plan.statements.append(f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS " + dollar_quote(f"""
BEGIN
    IF TG_OP = 'INSERT' THEN
        {' '.join(touch) or 'NULL;'}
    ELSE
        {' '.join(on_update) or 'NULL;'}
    END IF;
    RETURN NEW;
END """))
        g.plan.statements.append(f"CREATE OR REPLACE TRIGGER {g.trigger('touch')} BEFORE INSERT OR UPDATE ON {n.table(t)} "
                                 f"FOR EACH ROW EXECUTE FUNCTION {fn}()")
    fn = n.derived(t, "{}_audit", qualify=True)
    g.plan.statements.append(f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS " + dollar_quote(f"""
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {g.log}
        VALUES ({g.label}, {_pg_key(g, 'NEW')}, 'INSERT', NULL, to_jsonb(NEW){drop}, {actor});
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO {g.log}
        VALUES ({g.label}, {_pg_key(g, 'NEW')}, 'UPDATE', to_jsonb(OLD){drop}, to_jsonb(NEW){drop}, {actor});
        RETURN NEW;
    END IF;
    INSERT INTO {g.log}
    VALUES ({g.label}, {_pg_key(g, 'OLD')}, 'DELETE', to_jsonb(OLD){drop}, NULL, {actor});
    RETURN OLD;
END """))
    g.plan.statements.append(f"CREATE OR REPLACE TRIGGER {g.trigger('audit')} AFTER INSERT OR UPDATE OR DELETE ON "
                             f"{n.table(t)} FOR EACH ROW EXECUTE FUNCTION {fn}()")


def _actor_type(schema: Schema, audit_table: str = AUDIT_TABLE) -> str:
    col = schema.table(audit_table).columns.get("actor_id")
    return col.type if col else "text"


# -- MariaDB ---------------------------------------------------------------------------------

def _json_object(g: _Gen, rec: str, fn: str = "JSON_OBJECT") -> str:
    """JSON of a row: keys are the column names as written, values `rec.col` quoted."""
    return f"{fn}(" + ", ".join(f"{g.n.lit(c)}, {rec}.{g.n.col(c)}" for c in logged_columns(g.t)) + ")"


def _concat_key(g: _Gen, rec: str, cast: str) -> str:
    """The row key as text: one column cast, or a composite key joined with ','."""
    parts = [cast.format(f"{rec}.{g.n.col(c)}") for c in g.t.primary_key.columns]
    if len(parts) == 1:
        return parts[0]
    if cast.endswith("AS TEXT)"):  # SQLite: no CONCAT_WS before 3.44
        return " || ',' || ".join(parts)
    return "CONCAT_WS(',', " + ", ".join(parts) + ")"


def _mysql(g: _Gen) -> None:
    t, n = g.t, g.n
    key_new, key_old = _concat_key(g, "NEW", "CAST({} AS CHAR)"), _concat_key(g, "OLD", "CAST({} AS CHAR)")
    before_ins = [f"NEW.{n.col(c)} = COALESCE(NEW.{n.col(c)}, @app_user_id)"
                  for c in (g.has("created_by"), g.has("updated_by")) if c]
    before_upd = []
    if g.has("updated_at"):
        # ON UPDATE CURRENT_TIMESTAMP on the column does the same, but only while the
        # statement does not set updated_at itself; the trigger always wins.
        before_upd.append(f"NEW.{n.col(g.has('updated_at'))} = CURRENT_TIMESTAMP(6)")
    if g.has("updated_by"):
        c = n.col(g.has("updated_by"))
        before_upd.append(f"NEW.{c} = COALESCE(@app_user_id, NEW.{c})")
    # One SET with several assignments, not BEGIN ... END: each trigger is one statement to a
    # plain `;` splitter (migration files run verbatim).
    if before_ins:
        g.plan.statements.append(f"CREATE TRIGGER {g.trigger('touch_ins')} BEFORE INSERT ON {n.table(t)} "
                                 f"FOR EACH ROW SET {', '.join(before_ins)}")
    if before_upd:
        g.plan.statements.append(f"CREATE TRIGGER {g.trigger('touch_upd')} BEFORE UPDATE ON {n.table(t)} "
                                 f"FOR EACH ROW SET {', '.join(before_upd)}")
    for op, key, old, new in (("INSERT", key_new, "NULL", _json_object(g, "NEW")),
                              ("UPDATE", key_new, _json_object(g, "OLD"), _json_object(g, "NEW")),
                              ("DELETE", key_old, _json_object(g, "OLD"), "NULL")):
        g.plan.statements.append(
            f"CREATE TRIGGER {g.trigger('audit_' + op.lower()[:3])} AFTER {op} ON {n.table(t)} FOR EACH ROW "
            f"INSERT INTO {g.log} VALUES ({g.label}, {key}, '{op}', {old}, {new}, @app_user_id)")
    acting = [f"{t.qualname}.{','.join(fk.columns)}" for fk in t.foreign_keys
              if (fk.on_delete or "").upper() in ("CASCADE", "SET NULL")]
    if acting:
        g.plan.notes.append(f"mysql: changes made by ON DELETE CASCADE / SET NULL on {', '.join(acting)} "
                            "are NOT audited: InnoDB foreign-key actions do not fire triggers; delete or "
                            "update those children explicitly when the trail must be complete")


# -- SQLite ----------------------------------------------------------------------------------

SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def _sqlite(g: _Gen) -> None:
    t, n = g.t, g.n
    table = n.table(t)
    pk_new = " AND ".join(f"{n.col(c)} = NEW.{n.col(c)}" for c in t.primary_key.columns)
    key_new = _concat_key(g, "NEW", "CAST({} AS TEXT)")
    key_old = _concat_key(g, "OLD", "CAST({} AS TEXT)")
    stamp_cols = [c for c in (g.has("created_by"), g.has("updated_by")) if c]
    row_json = _json_object(g, "r", "json_object")
    ins_body = []
    if stamp_cols:
        sets = ", ".join(f"{n.col(c)} = COALESCE(NEW.{n.col(c)}, app_user_id())" for c in stamp_cols)
        ins_body.append(f"UPDATE {table} SET {sets} WHERE {pk_new};")
    # Read the row back: it holds what the stamping UPDATE wrote.
    ins_body.append(f"INSERT INTO {g.log} SELECT {g.label}, {key_new}, 'INSERT', NULL, "
                    f"{row_json}, app_user_id() FROM {table} AS r WHERE {pk_new};")
    g.plan.statements.append(f"CREATE TRIGGER {g.trigger('audit_ins')} AFTER INSERT ON {table} FOR EACH ROW "
                             "BEGIN " + " ".join(ins_body) + " END")
    # SQLite fires this UPDATE trigger also for the stamping UPDATE inside the INSERT trigger
    # (only the *same* trigger is kept from recursing): skip an update that only filled NULL
    # actor columns and changed nothing else.
    guard = ""
    if stamp_cols:
        same = " AND ".join(f"OLD.{n.col(c)} IS NEW.{n.col(c)}" for c in t.columns if c not in stamp_cols)
        filled = " AND ".join(f"OLD.{n.col(c)} IS NULL" for c in stamp_cols)
        guard = f" WHEN NOT ({same} AND {filled})"
    upd_sets = []
    if g.has("updated_at"):
        upd_sets.append(f"{n.col(g.has('updated_at'))} = {SQLITE_NOW}")
    if g.has("updated_by"):
        c = n.col(g.has("updated_by"))
        upd_sets.append(f"{c} = COALESCE(app_user_id(), NEW.{c})")
    upd_body = []
    if upd_sets:
        # The same trigger does not fire again for its own UPDATE (recursive_triggers is off).
        upd_body.append(f"UPDATE {table} SET {', '.join(upd_sets)} WHERE {pk_new};")
    old_json = _json_object(g, "OLD", "json_object")
    upd_body.append(f"INSERT INTO {g.log} SELECT {g.label}, {key_new}, 'UPDATE', {old_json}, "
                    f"{row_json}, app_user_id() FROM {table} AS r WHERE {pk_new};")
    g.plan.statements.append(f"CREATE TRIGGER {g.trigger('audit_upd')} AFTER UPDATE ON {table} FOR EACH ROW"
                             f"{guard} BEGIN " + " ".join(upd_body) + " END")
    g.plan.statements.append(f"CREATE TRIGGER {g.trigger('audit_del')} AFTER DELETE ON {table} FOR EACH ROW "
                             f"BEGIN INSERT INTO {g.log} VALUES ({g.label}, {key_old}, 'DELETE', "
                             f"{old_json}, NULL, app_user_id()); END")
    if stamp_cols:
        g.plan.notes.append(f"sqlite: {t.qualname}: an UPDATE that only fills NULL {'/'.join(stamp_cols)} "
                            "and changes nothing else is not audited (indistinguishable from the INSERT "
                            "trigger's own stamping)")


# -- DuckDB ----------------------------------------------------------------------------------

def _duckdb(g: _Gen) -> None:
    t, n = g.t, g.n
    key_new = _concat_key(g, "NEW", "CAST({} AS VARCHAR)")
    key_old = _concat_key(g, "OLD", "CAST({} AS VARCHAR)")
    actor = "getvariable('app_user_id')"
    g.plan.statements.append(
        f"CREATE TRIGGER {g.trigger('audit_ins')} AFTER INSERT ON {n.table(t)} FOR EACH ROW "
        f"INSERT INTO {g.log} VALUES ({g.label}, {key_new}, 'INSERT', NULL, "
        f"{_json_object(g, 'NEW', 'json_object')}, {actor})")
    g.plan.statements.append(
        f"CREATE TRIGGER {g.trigger('audit_del')} AFTER DELETE ON {n.table(t)} FOR EACH ROW "
        f"INSERT INTO {g.log} VALUES ({g.label}, {key_old}, 'DELETE', "
        f"{_json_object(g, 'OLD', 'json_object')}, NULL, {actor})")
    g.plan.app_update_tables.append(t.qualname)
    if len(g.plan.app_update_tables) == 1:
        g.plan.notes.append("duckdb: UPDATE FOR EACH ROW triggers are not supported in DuckDB 2.0: "
                            "UPDATE (updated_at, updated_by, soft delete) must go through "
                            "dbdesign.generate.audit.app_update(); created_by/updated_by on INSERT are set by "
                            "the application (the actor for the trail comes from "
                            "SET VARIABLE app_user_id); updated_by is not stamped (an update of an "
                            "indexed FK column of a referenced row fails in DuckDB)")


# -- the actor setting, per engine ---------------------------------------------------------------

def _pg_actor(engine: Engine, user_id: str | None, local: bool = False) -> None:
    p = Params()
    engine.query(f"SELECT set_config('app.user_id', {p(user_id or '')}, {p(local)})", p)


def _pg_local_actor(engine: Engine, user_id: str | None) -> None:
    _pg_actor(engine, user_id, local=True)


def _mysql_actor(engine: Engine, user_id: str | None) -> None:
    p = Params()
    engine.execute(f"SET @app_user_id = {p(user_id)}", p)


def _sqlite_actor(engine: Engine, user_id: str | None) -> None:
    engine.conn.create_function("app_user_id", 0, lambda: user_id)


def _duckdb_actor(engine: Engine, user_id: str | None) -> None:
    if user_id is None:
        engine.execute("RESET VARIABLE app_user_id")
    else:
        p = Params()
        engine.execute(f"SET VARIABLE app_user_id = {p(user_id)}", p)


@dataclass(frozen=True)
class _EngineAudit:
    """How one engine audits: the trigger template, the actor setting, and its limits. Engine
    differences live here, in one table, not in `if engine.name == ...` branches."""
    generate: Callable[[_Gen], None]
    set_actor: Callable[[Engine, str | None], None]
    # the actor for the current transaction only (SET LOCAL); None: the engine keeps it per connection
    set_local_actor: Callable[[Engine, str | None], None] | None = None
    update_triggers: bool = True  # UPDATE row triggers (DuckDB 2.0: no -> app_update())
    actor_is_function: bool = False  # triggers call a function each connection registers (SQLite)
    # DuckDB runs an update of an indexed column (every FK column is indexed there) as delete +
    # insert, which fails while other tables reference the row: updated_by is not stamped.
    stamp_updated_by: bool = True
    blank_line_between: bool = False  # multi-line trigger bodies read better with a blank line


_ENGINES: dict[str, _EngineAudit] = {
    "postgres": _EngineAudit(_postgres, _pg_actor, _pg_local_actor, blank_line_between=True),
    "mysql": _EngineAudit(_mysql, _mysql_actor, blank_line_between=True),
    "sqlite": _EngineAudit(_sqlite, _sqlite_actor, actor_is_function=True),
    "duckdb": _EngineAudit(_duckdb, _duckdb_actor, update_triggers=False, stamp_updated_by=False),
}


def engine_spec(name: str) -> _EngineAudit:
    """How the audit trail is built on engine `name` (trigger kinds, the actor's mechanism)."""
    try:
        return _ENGINES[name]
    except KeyError:
        raise InputError(f"unknown dialect {name!r}; choose postgres, mysql, sqlite or duckdb") from None


def actor_is_function(engine_name: str) -> bool:
    """True where the triggers call a per-connection function (SQLite's app_user_id()) that
    must be registered (`set_actor`) before any write to an audited table."""
    return engine_spec(engine_name).actor_is_function


def update_path(engine_name: str) -> str:
    """'trigger' where UPDATE row triggers audit an UPDATE, else 'application (app_update)'."""
    return "trigger" if engine_spec(engine_name).update_triggers else "application (app_update)"


# -- installing and using ----------------------------------------------------------------------

def set_actor(engine: Engine, user_id: str | None, local: bool = False) -> None:
    """Make `user_id` the actor of this connection's following writes (None = nobody).
    `local=True` (PostgreSQL) sets it for the current transaction only (`SET LOCAL`): the form
    that stays correct through a transaction-pooling pgbouncer, where a session setting is
    read by the next client of the server connection. Call it inside the write's transaction."""
    spec = engine_spec(engine.name)
    if local:
        if spec.set_local_actor is None:
            raise InputError(f"a transaction-local actor is a PostgreSQL setting; {engine.name} keeps "
                             "the actor per connection")
        spec.set_local_actor(engine, user_id)
        return
    spec.set_actor(engine, user_id)


def install_audit(engine: Engine, schema: Schema, tables: Sequence[str] | None = None,
                  config: Any = None) -> AuditPlan:
    """Install the triggers on `engine` (which holds the schema); return the plan."""
    plan = audit_statements(schema, engine.name, tables, config)
    if engine_spec(engine.name).actor_is_function:
        set_actor(engine, None)  # the triggers call app_user_id(): register it first
    engine.run_script(plan.statements)
    return plan


def app_update(engine: Engine, schema: Schema, table: str, values: dict[str, Any], where: str,
               actor: str | None = None, config: Any = None, params: Params | None = None) -> int:
    """UPDATE with the audit trail in application code (DuckDB, where UPDATE row triggers do not
    exist): in one transaction, read the old rows, update (stamping updated_at/updated_by),
    read the new rows, write one audit row per changed row. Returns the number of rows.
    `values` and `where` name columns as in the model; `where` is SQL in the engine's dialect,
    its values driver parameters of `params` (`probe.where_sql(key, names, params)`)."""
    t = schema.table(table)
    if t is None:
        raise InputError(f"unknown table {table!r}")
    if not t.primary_key:
        raise InputError(f"table {table!r} has no primary key; cannot audit its rows")
    n = names_for(schema, engine.name)
    stamps = Stamps.of(config)
    values = dict(values)
    if stamps.updated_at in t.columns and stamps.updated_at not in values:
        values[stamps.updated_at] = _Raw("CURRENT_TIMESTAMP")
    if stamps.updated_by in t.columns and actor is not None and engine_spec(engine.name).stamp_updated_by:
        values[stamps.updated_by] = actor
    pk = t.primary_key.columns
    logged = logged_columns(t)
    p = params if params is not None else Params()
    engine.begin()
    try:
        old = engine.query(f"SELECT {n.cols(logged)} FROM {n.table(t)} WHERE {where}", p)
        engine.execute(f"UPDATE {n.table(t)} SET {_sets(values, n, p)} WHERE {where}", p)
        for row in old:
            rec = dict(zip(logged, row))
            key = {c: rec[c] for c in pk}
            new = engine.query(f"SELECT {n.cols(logged)} FROM {n.table(t)} "
                               f"WHERE {where_sql(_str(key), n, p)}", p)
            new_rec = dict(zip(logged, new[0])) if new else None
            engine.execute(
                f"INSERT INTO {n.table(schema.table(AUDIT_TABLE))} ({', '.join(AUDIT_COLUMNS)}) VALUES ("
                f"{p(n.held_name(t))}, {p(','.join(str(rec[c]) for c in pk))}, 'UPDATE', "
                f"{p(_to_json(rec))}, {p(_to_json(new_rec)) if new_rec else 'NULL'}, {p(actor)})", p)
        engine.commit()
    except Exception:
        engine.rollback()
        raise
    return len(old)


def _sets(values: dict[str, Any], n: Names, p: Params) -> str:
    return ", ".join(f"{n.col(c)} = {v.sql if isinstance(v, _Raw) else p(v)}"
                     for c, v in values.items())


def audited_update(engine: Engine, schema: Schema, table: str, values: dict[str, Any], where: str,
                   actor: str | None = None, params: Params | None = None) -> int | None:
    """UPDATE that is audited on every engine: a plain UPDATE where triggers do the work, the
    application path (`app_update`) where UPDATE triggers do not exist. Returns the row count
    where it is known. `where` as in `app_update`."""
    if not engine_spec(engine.name).update_triggers:
        return app_update(engine, schema, table, values, where, actor, params=params)
    t = schema.table(table)
    if t is None:
        raise InputError(f"unknown table {table!r}")
    n = names_for(schema, engine.name)
    p = params if params is not None else Params()
    engine.execute(f"UPDATE {n.table(t)} SET {_sets(values, n, p)} WHERE {where}", p)
    return None


@dataclass
class _Raw:
    sql: str


def _str(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, (int, float)) or v is None else str(v) for k, v in d.items()}


def _to_json(rec: dict[str, Any]) -> str:
    import json
    return json.dumps(rec, default=str, sort_keys=True)


# -- the trail in action, and what it costs ------------------------------------------------------

OLD_STAMP = "2024-01-01 00:00:00"  # demo rows start old, so a moved updated_at is visible


def changed_fields(old: Any, new: Any) -> dict[str, tuple[Any, Any]]:
    """{column: (before, after)} for the columns that differ between two audit JSON values
    (dicts, or JSON text as SQLite/MariaDB/DuckDB return it)."""
    import json
    old = old if isinstance(old, dict) or old is None else json.loads(old)
    new = new if isinstance(new, dict) or new is None else json.loads(new)
    old, new = old or {}, new or {}
    return {k: (old.get(k), new.get(k)) for k in sorted(set(old) | set(new))
            if str(old.get(k)) != str(new.get(k))}


@dataclass
class TrailDemo:
    """What the audit trail recorded for a short scripted session on one engine."""
    engine: str
    update_audit_rows: int  # audit rows written by one single-row UPDATE (1 expected)
    changed: dict[str, tuple[Any, Any]]  # from that audit row: column -> (before, after)
    actor_recorded: bool  # the audit row names the session's actor
    n_updated: int  # an UPDATE of N rows ...
    n_audit_rows: int  # ... writes N audit rows
    soft_delete_recorded: bool | None  # deleted_at NULL -> set, in an UPDATE audit row (None: no such column)
    delete_recorded: bool  # a DELETE row with the old values
    rolled_back_audit_rows: int  # audit rows left by a rolled-back transaction (0 expected)
    update_path: str  # "trigger" or "application (app_update)"
    log: list[dict[str, Any]] = field(default_factory=list)  # the audit rows of the session

    def log_frame(self):
        """The session's audit rows for display: key, operation, actor and the changed columns
        as 'col: before -> after' (the whole row for an INSERT or DELETE)."""
        import pandas as pd
        rows = []
        for r in self.log:
            old, new = r["old_values"], r["new_values"]
            if old is not None and new is not None:
                changes = ", ".join(f"{k}: {a} -> {b}" for k, (a, b) in changed_fields(old, new).items())
            else:
                changes = ", ".join(f"{k}={v}" for k, v in changed_fields(None, old if new is None else new).items()
                                    for v in [v[1]])
            rows.append({"id": r["id"], "table": r["table_name"], "row": r["row_id"],
                         "operation": r["operation"], "actor": r["actor_id"], "changes": changes})
        return pd.DataFrame(rows, columns=["id", "table", "row", "operation", "actor", "changes"])

    def facts(self) -> dict[str, Any]:
        """Stable facts for a checked notebook table (no timestamps, no ids)."""
        return {"engine": self.engine, "UPDATE path": self.update_path,
                "1 UPDATE -> audit rows": self.update_audit_rows,
                "changed columns": ", ".join(self.changed),
                "actor recorded": self.actor_recorded,
                "UPDATE of N rows -> N": f"{self.n_updated} -> {self.n_audit_rows}",
                "soft delete recorded": self.soft_delete_recorded,
                "DELETE recorded": self.delete_recorded,
                "rollback leaves": self.rolled_back_audit_rows}


def with_audit_table(schema: Schema, audit_table: str = AUDIT_TABLE) -> Schema:
    """`schema`, or a copy with the audit table the generator expects when it has none (the
    example's `audit_log`): what the trail would look like once the design adds it."""
    if schema.table(audit_table) is not None:
        return schema
    import copy
    from dbdesign.model import CheckConstraint, Column, PrimaryKey
    out = copy.deepcopy(schema)
    cols = [Column("id", "BIGINT", nullable=False, identity="always"),
            Column("table_name", "VARCHAR(63)", nullable=False),
            Column("row_id", "VARCHAR(100)", nullable=False),
            Column("operation", "VARCHAR(10)", nullable=False),
            Column("old_values", "JSONB"), Column("new_values", "JSONB"),
            Column("actor_id", "VARCHAR(100)"),
            Column("created_at", "TIMESTAMPTZ", nullable=False, default="now()")]
    out.tables[audit_table] = Table(audit_table, columns={c.name: c for c in cols},
                                    primary_key=PrimaryKey(["id"]),
                                    checks=[CheckConstraint("operation IN ('INSERT', 'UPDATE', 'DELETE')")])
    return out


def _editable(t: Table, conv) -> str | None:
    """A text column of `t` a demo may overwrite: not a key, not unique, not a foreign key, not
    bookkeeping, no CHECK on it, room for 12 characters."""
    from dbdesign.lab.probe import check_in_values, max_length, type_family
    keyish = {c for s in t.unique_column_sets() for c in s} | {c for fk in t.foreign_keys for c in fk.columns}
    keyish |= {c for ix in t.indexes if ix.unique for c in t.columns
               if any(re.search(rf"\b{re.escape(c)}\b", x.expression or x.column or "") for x in ix.columns)}
    skip = set(conv.timestamp_columns) | set(conv.audit_columns) | {conv.soft_delete_column}
    ok = [c.name for c in t.columns.values()
          if type_family(c.type) == "text" and c.name not in keyish | skip and not c.generated
          and not check_in_values(t, c.name) and (max_length(c.type) or 99) >= 12
          and not any(c.name in (ck.columns or []) for ck in t.checks)]
    indexed = {x.column for ix in t.indexes for x in ix.columns}
    # an unindexed one first: DuckDB updates an indexed column as delete + insert, which a
    # referenced row refuses (ENGINE_FACTS)
    return next((c for c in ok if c not in indexed), next(iter(ok), None))


def demo_tables(schema: Schema, config: Any = None) -> tuple[Table, Table]:
    """The tables the audit demo edits, taken from the model: the subject (one row edited,
    then soft-deleted - a table with the soft-delete column first, user-facing first) and a
    second table whose rows are renamed together and one deleted. InputError when the schema
    has no two tables with a single-column key and an editable text column."""
    conv = config if isinstance(config, naming.Conventions) else naming.conventions(config)
    facing = {t.qualname for t in naming.user_facing_tables(schema, conv)[0]}
    usable = [t for t in audited_tables(schema) if len(t.primary_key.columns) == 1 and _editable(t, conv)]
    if len(usable) < 2:
        raise InputError("the audit demo needs two tables with a one-column primary key and a "
                         "free text column; run audit_statements() on this schema instead")
    users = schema.table(conv.users_table)
    referenced = {t.qualname: sum(fk.ref_table == t.qualname for u in schema.tables.values()
                                  for fk in u.foreign_keys if u is not t) for t in usable}
    subject = min(usable, key=lambda t: (  # soft-deletable user content that others refer to
        conv.soft_delete_column not in t.columns, t.qualname not in facing,
        users is not None and not any(fk.ref_table == users.qualname and not conv.is_audit_fk(fk)
                                      for fk in t.foreign_keys),
        -referenced[t.qualname]))
    many = min((t for t in usable if t is not subject),
               key=lambda t: (len([fk for fk in t.foreign_keys if fk.ref_table != t.qualname
                                   and not conv.is_audit_fk(fk)]), t.qualname in facing))
    return subject, many


def trail_demo(engine_name: str, schema: Schema, config: Any = None) -> TrailDemo:
    """Install the schema and the audit triggers in a throw-away database and run a short
    session on tables taken from the model (`demo_tables`): edit one row, rename every row of
    a second table, soft-delete the first row (where it has the soft-delete column), delete a
    row, and a transaction that is rolled back. Returns what the audit table holds afterwards."""
    import uuid as _uuid

    from dbdesign import engines
    from dbdesign.lab.probe import ValueFactory, insert_sql, install_schema, load_baseline, names_for, type_family
    conv = config if isinstance(config, naming.Conventions) else naming.conventions(config)
    schema = with_audit_table(schema)
    subject, many = demo_tables(schema, conv)
    s_col, m_col = _editable(subject, conv), _editable(many, conv)
    sd = conv.soft_delete_column

    def own_key(t: Table, row: dict[str, Any], k: int) -> dict[str, Any]:
        pk = t.primary_key.columns[0]
        if pk not in row:  # the database would generate it: give one, to find the row again
            fam = type_family(t.columns[pk].type)
            row[pk] = 10 ** 9 + k if fam in ("int", "numeric") else f"00000000-0000-4000-9000-{k:012d}"
        return row

    with engines.throwaway(engine_name) as eng:
        install_schema(eng, schema)
        install_audit(eng, schema)
        names = names_for(schema, engine_name)
        values = ValueFactory(schema)
        base = load_baseline(eng, schema, values)
        users = base.get(conv.users_table) or {}
        actor = str(users.get("id") or _uuid.uuid5(_uuid.NAMESPACE_URL, "dbdesign-demo-actor"))
        set_actor(eng, actor)
        overrides = {c: OLD_STAMP for c in conv.timestamp_columns if c in subject.columns}
        row = own_key(subject, values.row(subject, base, overrides), 1)
        p = Params()  # the values of every statement below
        eng.execute(insert_sql(subject, row, names, p), p)
        pk = subject.primary_key.columns[0]
        row_id = p(str(row[pk]))
        count = lambda where="1=1": eng.query(f"SELECT count(*) FROM {AUDIT_TABLE} WHERE {where}", p)[0][0]  # noqa: E731
        key = where_sql({pk: row[pk]}, names, p)
        # 1. one UPDATE of one row
        before = count()
        audited_update(eng, schema, subject.qualname, {s_col: "Edited title"}, key, actor, p)
        update_rows = count() - before
        old, new, who = eng.query(f"SELECT old_values, new_values, actor_id FROM {AUDIT_TABLE} WHERE "
                                  f"operation = 'UPDATE' AND row_id = {row_id}", p)[0]
        changed = changed_fields(old, new)
        # 2. an UPDATE of N rows
        for k in range(3):
            eng.execute(insert_sql(many, own_key(many, values.row(many, base), 10 + k), names, p), p)
        n = eng.query(f"SELECT count(*) FROM {names.table(many.qualname)}")[0][0]
        before = count("operation = 'UPDATE'")
        audited_update(eng, schema, many.qualname, {m_col: "renamed"}, "1=1", actor, p)
        n_audit = count("operation = 'UPDATE'") - before
        # 3. a soft delete is an UPDATE of the soft-delete column: recorded with before/after
        soft_recorded = None
        if sd in subject.columns:
            audited_update(eng, schema, subject.qualname, {sd: _Raw("CURRENT_TIMESTAMP")}, key, actor, p)
            last = eng.query(f"SELECT old_values, new_values FROM {AUDIT_TABLE} WHERE operation = 'UPDATE' "
                             f"AND row_id = {row_id} ORDER BY id DESC", p)[0]
            soft = changed_fields(*last).get(sd, (0, 0))
            soft_recorded = soft[0] is None and soft[1] is not None
        # 4. a DELETE (a fresh row nothing references)
        spare = own_key(many, values.row(many, base), 20)
        eng.execute(insert_sql(many, spare, names, p), p)
        mpk = many.primary_key.columns[0]
        eng.execute(f"DELETE FROM {names.table(many.qualname)} WHERE {where_sql({mpk: spare[mpk]}, names, p)}", p)
        deleted = eng.query(f"SELECT old_values FROM {AUDIT_TABLE} WHERE operation = 'DELETE' "
                            f"AND row_id = {p(str(spare[mpk]))}", p)
        # 5. a transaction that is rolled back
        before = count()
        eng.begin()
        eng.execute(insert_sql(many, own_key(many, values.row(many, base), 30), names, p), p)
        if engine_spec(engine_name).update_triggers:  # else app_update audits in its own transaction
            eng.execute(f"UPDATE {names.table(subject.qualname)} SET {names.col(s_col)} = "
                        f"'never happened' WHERE {key}", p)
        eng.rollback()
        rolled_back = count() - before
        cols = ["id", "table_name", "row_id", "operation", "actor_id", "old_values", "new_values"]
        log = [dict(zip(cols, r)) for r in eng.query(
            f"SELECT {', '.join(cols)} FROM {AUDIT_TABLE} WHERE id > (SELECT min(id) FROM {AUDIT_TABLE} "
            f"WHERE operation = 'UPDATE') - 1 ORDER BY id")]
    return TrailDemo(engine_name, update_rows, changed, str(who) == actor, n, n_audit, soft_recorded,
                     bool(deleted), rolled_back,
                     update_path(engine_name), log)


def measure_overhead(engine_name: str, schema: Schema, n: int = 300, config: Any = None,
                     repeat: int = 5) -> dict[str, Any]:
    """Write throughput without and with the audit triggers, same run, same database and
    connection: a warm-up batch, then `repeat` batches of n INSERTs in one transaction into
    the demo's second table (`demo_tables`) and one UPDATE of those rows - first plain, then
    again after `install_audit`. Returns the median rows/s, the rates per batch and the
    slowdown ratios with their interval and verdict (`bench.judge_ratio`: "inconclusive"
    where the batches with and without overlap). For notebooks and benchmarks - never for
    assertions (timings)."""
    import time

    from dbdesign.lab.bench import judge_ratio

    from dbdesign import engines
    from dbdesign.lab.probe import ValueFactory, insert_sql, install_schema, load_baseline

    from dbdesign.lab.probe import names_for
    conv = config if isinstance(config, naming.Conventions) else naming.conventions(config)
    schema = with_audit_table(schema)
    _, tags = demo_tables(schema, conv)
    col, pk = _editable(tags, conv), tags.primary_key.columns[0]
    with engines.throwaway(engine_name) as eng:
        install_schema(eng, schema)
        names = names_for(schema, engine_name)
        values = ValueFactory(schema)
        base = load_baseline(eng, schema, values)
        users = base.get(conv.users_table) or {}
        actor = str(users["id"]) if "id" in users else None
        p = Params()
        keep = f"{names.col(pk)} <> {p(base[tags.qualname][pk])}"
        serial = iter(range(10 ** 9, 2 * 10 ** 9))

        def batch(count: int, audited: bool) -> tuple[float, float]:
            rows = [values.row(tags, base) for _ in range(count)]
            for r in rows:  # keys the database would generate, given: every engine alike
                if pk not in r:
                    r[pk] = next(serial)
            eng.begin()
            t = time.perf_counter()
            for r in rows:
                eng.execute(insert_sql(tags, r, names, p), p)
            eng.commit()
            ins = time.perf_counter() - t
            t = time.perf_counter()
            if audited and not engine_spec(engine_name).update_triggers:  # audited in the application
                app_update(eng, schema, tags.qualname, {col: "renamed"}, keep, actor, params=p)
            else:
                eng.execute(f"UPDATE {names.table(tags)} SET {names.col(col)} = 'renamed' WHERE {keep}", p)
            upd = time.perf_counter() - t
            eng.execute(f"DELETE FROM {names.table(tags)} WHERE {keep}", p)
            return count / ins, count / upd

        batch(max(10, n // 5), False)  # warm-up: caches, plans, connection
        plain = [batch(n, False) for _ in range(max(1, repeat))]
        install_audit(eng, schema)
        set_actor(eng, actor)
        logged = [batch(n, True) for _ in range(max(1, repeat))]
    ins = judge_ratio([p[0] for p in plain], [g[0] for g in logged])
    upd = judge_ratio([p[1] for p in plain], [g[1] for g in logged])

    def med(xs):
        return round(sorted(xs)[len(xs) // 2])
    return {"engine": engine_name, "rows": n, "batches": len(plain),
            "insert rows/s without": med([p[0] for p in plain]), "insert rows/s with": med([g[0] for g in logged]),
            "insert slowdown": round(ins.x, 2), "insert interval": [round(ins.lo, 2), round(ins.hi, 2)],
            "insert verdict": ins.verdict, "insert": ins.text("slower"),
            "update rows/s without": med([p[1] for p in plain]), "update rows/s with": med([g[1] for g in logged]),
            "update slowdown": round(upd.x, 2), "update interval": [round(upd.lo, 2), round(upd.hi, 2)],
            "update verdict": upd.verdict, "update": upd.text("slower"),
            "update path": update_path(engine_name)}
