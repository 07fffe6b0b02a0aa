"""Introspection: a live database read back into the model, on all four engines.

Each engine gets hand-written DDL in its own dialect (so these tests do not depend on
`dialects`) with a composite PK/FK, FK actions, checks, a unique constraint, and partial /
expression / DESC indexes where the engine has them; the assertions are exact model facts."""
from __future__ import annotations

import pytest

from conftest import require_engine
from dbdesign import engines
from dbdesign.model import IndexColumn

ENUM = {
    "postgres": "CREATE TYPE mood AS ENUM ('happy', 'sad')",
    "duckdb": "CREATE TYPE mood AS ENUM ('happy', 'sad')",
}
ID = {
    "postgres": "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    "duckdb": "id BIGINT PRIMARY KEY",
    "sqlite": "id INTEGER PRIMARY KEY",
    "mysql": "id BIGINT AUTO_INCREMENT PRIMARY KEY",
}
MOOD = {"postgres": "mood mood DEFAULT 'happy',", "duckdb": "mood mood DEFAULT 'happy',",
        "mysql": "mood ENUM('happy', 'sad') DEFAULT 'happy',", "sqlite": ""}
ACTIONS = {"duckdb": ""}  # DuckDB: no ON DELETE/UPDATE actions (parser error)


def ddl(engine: str) -> list[str]:
    actions = ACTIONS.get(engine, "ON DELETE CASCADE ON UPDATE RESTRICT")
    stmts = [ENUM[engine]] if engine in ENUM else []
    stmts += [
        f"""CREATE TABLE accounts (
              {ID[engine]},
              email VARCHAR(255) NOT NULL,
              role VARCHAR(20) NOT NULL DEFAULT 'member',
              {MOOD[engine]}
              score NUMERIC(5,2),
              created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
              deleted_at TIMESTAMP NULL,
              CONSTRAINT uq_accounts_email UNIQUE (email),
              CONSTRAINT ck_accounts_role CHECK (role IN ('member', 'admin')),
              CONSTRAINT ck_accounts_score CHECK (score BETWEEN 0 AND 100))""",
        f"""CREATE TABLE orders (
              account_id BIGINT NOT NULL,
              order_no INT NOT NULL,
              note TEXT,
              CONSTRAINT pk_orders PRIMARY KEY (account_id, order_no),
              CONSTRAINT fk_orders_account FOREIGN KEY (account_id) REFERENCES accounts (id) {actions})""",
        """CREATE TABLE order_lines (
              account_id BIGINT NOT NULL,
              order_no INT NOT NULL,
              line_no INT NOT NULL,
              qty INT NOT NULL CHECK (qty > 0),
              PRIMARY KEY (account_id, order_no, line_no),
              FOREIGN KEY (account_id, order_no) REFERENCES orders (account_id, order_no))""",
        "CREATE TABLE dbdesign_schema_history (version BIGINT)",
        "CREATE INDEX idx_accounts_created_at ON accounts (created_at DESC, id)",
        "CREATE UNIQUE INDEX idx_order_lines_qty ON order_lines (qty, line_no)",
    ]
    if engine in ("postgres", "sqlite"):
        stmts.append("CREATE UNIQUE INDEX idx_accounts_email_live ON accounts (lower(email)) "
                     "WHERE deleted_at IS NULL")
    if engine == "duckdb":
        stmts.append("CREATE INDEX idx_accounts_email_lower ON accounts (lower(email))")
    if engine in ("postgres", "duckdb"):
        stmts += ["COMMENT ON TABLE accounts IS 'people'",
                  "COMMENT ON COLUMN accounts.email IS 'login'"]
    if engine == "mysql":
        stmts += ["ALTER TABLE accounts COMMENT = 'people'",
                  "ALTER TABLE accounts MODIFY email VARCHAR(255) NOT NULL COMMENT 'login'"]
    return stmts


@pytest.fixture
def introspected(throwaway_engine):
    throwaway_engine.run_script(ddl(throwaway_engine.name),
                                transaction=throwaway_engine.capabilities.transactional_ddl)
    return throwaway_engine.name, throwaway_engine.introspect()


def test_tables_skip_internal_history(introspected):
    _, schema = introspected
    assert sorted(schema.tables) == ["accounts", "order_lines", "orders"]


def test_columns_types_nullability_defaults(introspected):
    engine, schema = introspected
    cols = schema.tables["accounts"].columns
    expected_names = ["id", "email", "role"] + (["mood"] if engine != "sqlite" else []) + \
        ["score", "created_at", "deleted_at"]
    assert list(cols) == expected_names
    assert cols["email"].type == {"duckdb": "TEXT"}.get(engine, "VARCHAR(255)")
    assert cols["score"].type == "DECIMAL(5, 2)"
    assert schema.tables["orders"].columns["order_no"].type == "INT"  # int(11) / INTEGER -> INT
    assert (cols["email"].nullable, cols["deleted_at"].nullable, cols["score"].nullable) == (False, True, True)
    assert cols["role"].default == "'member'"  # PostgreSQL's ::character varying is dropped
    assert cols["created_at"].default == "CURRENT_TIMESTAMP"
    assert cols["id"].nullable is False
    assert cols["id"].identity == {"postgres": "always", "duckdb": None}.get(engine, "by default")


def test_primary_and_foreign_keys(introspected):
    engine, schema = introspected
    orders, lines = schema.tables["orders"], schema.tables["order_lines"]
    assert orders.primary_key.columns == ["account_id", "order_no"]
    assert lines.primary_key.columns == ["account_id", "order_no", "line_no"]
    # Declared PK names survive where the engine keeps them.
    assert orders.primary_key.name == {"postgres": "pk_orders", "sqlite": "pk_orders"}.get(engine)
    [fk] = orders.foreign_keys
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (["account_id"], "accounts", ["id"])
    if engine == "duckdb":
        assert (fk.on_delete, fk.on_update, fk.name) == (None, None, None)
    else:
        assert (fk.on_delete, fk.on_update, fk.name) == ("CASCADE", "RESTRICT", "fk_orders_account")
    [composite] = lines.foreign_keys
    assert composite.columns == ["account_id", "order_no"]
    assert composite.ref_columns == ["account_id", "order_no"]
    unspecified = {"duckdb": None, "mysql": "RESTRICT"}.get(engine, "NO ACTION")
    assert composite.on_delete == unspecified and composite.on_update == unspecified


def test_uniques_and_checks(introspected):
    engine, schema = introspected
    accounts = schema.tables["accounts"]
    assert [(u.columns, u.name) for u in accounts.uniques] == \
        [(["email"], None if engine == "duckdb" else "uq_accounts_email")]
    checks = {c.expression: c.name for c in accounts.checks}
    score = {"postgres": "(score >= 0) AND (score <= 100)"}.get(engine, "score BETWEEN 0 AND 100")
    names = engine != "duckdb"
    assert checks == {"role IN ('member', 'admin')": "ck_accounts_role" if names else None,
                      score: "ck_accounts_score" if names else None}
    [qty] = schema.tables["order_lines"].checks
    assert qty.expression == "qty > 0" and qty.columns == ["qty"]


def test_indexes(introspected):
    engine, schema = introspected
    accounts = schema.tables["accounts"]
    by_name = {ix.name: ix for ix in accounts.indexes}
    created = by_name["idx_accounts_created_at"]
    # DuckDB drops DESC from index definitions (ENGINE_FACTS).
    assert created.columns == [IndexColumn(column="created_at", desc=engine != "duckdb"),
                               IndexColumn(column="id")]
    assert created.unique is False and created.method is None and created.where is None
    if engine in ("postgres", "sqlite"):
        live = by_name["idx_accounts_email_live"]
        assert live.unique and live.where == "deleted_at IS NULL"
        assert live.columns == [IndexColumn(expression="LOWER(email)")]
    if engine == "duckdb":
        assert by_name["idx_accounts_email_lower"].columns == [IndexColumn(expression="LOWER(email)")]
    # No index that only backs the PK or a UNIQUE constraint appears as an index.
    assert not any(ix.name in ("accounts_pkey", "uq_accounts_email") or ix.name.startswith("sqlite_")
                   for ix in accounts.indexes)
    lines = schema.tables["order_lines"]
    if engine == "mysql":  # a unique key is a UNIQUE constraint in information_schema
        assert [(u.columns, u.name) for u in lines.uniques] == [(["qty", "line_no"], "idx_order_lines_qty")]
    else:
        [ix] = lines.indexes
        assert ix.name == "idx_order_lines_qty" and ix.unique and ix.column_names == ["qty", "line_no"]


def test_enums_and_comments(introspected):
    engine, schema = introspected
    accounts = schema.tables["accounts"]
    if engine in ("postgres", "duckdb"):
        assert {n: e.values for n, e in schema.enums.items()} == {"mood": ["happy", "sad"]}
        assert accounts.columns["mood"].type == "mood"
    elif engine == "mysql":
        assert schema.enums == {}
        assert accounts.columns["mood"].type == "ENUM ('happy', 'sad')"
    if engine != "sqlite":
        assert accounts.comment == "people"
        assert accounts.columns["email"].comment == "login"
        assert accounts.columns["role"].comment is None
    assert schema.diagnostics == []


def test_mysql_json_and_boolean_read_back():
    """MariaDB's JSON is LONGTEXT + CHECK (json_valid(col)); BOOLEAN is TINYINT(1)."""
    require_engine("mysql")
    with engines.throwaway("mysql") as eng:
        eng.execute("CREATE TABLE t (id INT PRIMARY KEY, doc JSON, "
                    "flag BOOLEAN NOT NULL DEFAULT FALSE, other_id INT, "
                    "FOREIGN KEY (other_id) REFERENCES t (id))")
        t = eng.introspect().tables["t"]
    assert (t.columns["doc"].type, t.checks) == ("JSON", [])
    assert (t.columns["flag"].type, t.columns["flag"].default) == ("BOOLEAN", "FALSE")
    # InnoDB's own FK index is kept (it exists); diff(engine="mysql") tolerates it.
    assert [(ix.name, ix.column_names) for ix in t.indexes] == [("other_id", ["other_id"])]


def test_sqlite_unparseable_table_text_is_a_diagnostic():
    """SQLite keeps CHECKs only in the stored CREATE text; text our parser cannot read is
    reported, and the PRAGMA facts are still there."""
    with engines.throwaway("sqlite") as eng:
        eng.execute('CREATE TABLE "odd name" (x INT PRIMARY KEY CHECK (x > 0)) WITHOUT ROWID')
        eng.execute('CREATE TABLE ok (x INT PRIMARY KEY)')
        schema = eng.introspect()
    assert schema.tables["odd name"].primary_key.columns == ["x"]
    assert schema.tables["odd name"].columns["x"].identity is None  # WITHOUT ROWID: no rowid alias
    assert list(schema.tables["odd name"].columns) == ["x"]  # PRAGMAs still give the columns
    assert schema.tables["odd name"].checks == []
    assert any("odd name" in d.message for d in schema.diagnostics)
