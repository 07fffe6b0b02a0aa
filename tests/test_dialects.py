"""Dialect rendering: the dialect x engine matrix on real engines, the portability notes,
emulations that really enforce, golden DDL for the example, and migration files rendered
statement by statement (up in order, down in reverse) on all four engines.

Regenerate the golden files after an intended change with ``DBDESIGN_UPDATE_GOLDEN=1``."""
from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import pytest

from dbdesign.dialects.statements import render_statements
from dbdesign import dialects, engines
from dbdesign.errors import EngineError, InputError
from dbdesign.model import Schema
from dbdesign.schema.parse import parse_file, parse_sql
from dbdesign.schema.source import discover_migrations

from conftest import ALL_ENGINES, EXAMPLE_MIGRATIONS

GOLDEN = Path(__file__).parent / "golden" / "ddl"
UPDATE = os.environ.get("DBDESIGN_UPDATE_GOLDEN") == "1"

# Every feature the renderer has to get right somewhere: schema-qualified and quoted names,
# identity, enum type, composite + self-referencing FKs, every FK action, a reference cycle,
# partial / expression / DESC / INCLUDE / gin indexes, generated column, CHECKs, comments.
FEATURE_RICH = """
CREATE SCHEMA app;
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE app.accounts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code VARCHAR(12) NOT NULL UNIQUE,
    "Display Name" TEXT,
    parent_id BIGINT REFERENCES app.accounts (id) ON DELETE SET NULL,
    balance NUMERIC(12, 2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
    active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE TABLE customers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email VARCHAR(255) NOT NULL,
    country CHAR(2) NOT NULL DEFAULT 'FR',
    settings JSONB,
    first_order_id UUID,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at TIMESTAMPTZ,
    CONSTRAINT ck_customers_email CHECK (email LIKE '%@%')
);
CREATE TABLE orders (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id UUID NOT NULL,
    status order_status NOT NULL DEFAULT 'new',
    quantity INTEGER NOT NULL,
    unit_price NUMERIC(10, 2) NOT NULL,
    total NUMERIC(12, 2) GENERATED ALWAYS AS (quantity * unit_price) STORED,
    note TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT uq_orders_id_customer UNIQUE (id, customer_id),
    CONSTRAINT ck_orders_quantity CHECK (quantity > 0)
);
ALTER TABLE customers ADD CONSTRAINT fk_customers_first_order
    FOREIGN KEY (first_order_id) REFERENCES orders (id) ON DELETE SET NULL;
CREATE TABLE order_lines (
    order_id UUID NOT NULL,
    customer_id UUID NOT NULL,
    line_no INTEGER NOT NULL,
    sku VARCHAR(40) NOT NULL,
    PRIMARY KEY (order_id, line_no),
    CONSTRAINT fk_order_lines_order FOREIGN KEY (order_id, customer_id)
        REFERENCES orders (id, customer_id) ON DELETE CASCADE,
    CONSTRAINT fk_order_lines_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
        ON DELETE RESTRICT ON UPDATE NO ACTION
);
CREATE UNIQUE INDEX idx_customers_email ON customers (lower(email)) WHERE deleted_at IS NULL;
CREATE INDEX idx_customers_created_at ON customers (created_at DESC);
CREATE INDEX idx_customers_country ON customers (country) INCLUDE (email);
CREATE INDEX idx_customers_settings ON customers USING gin (settings);
CREATE INDEX idx_orders_customer_id_created_at ON orders (customer_id, created_at DESC);
CREATE INDEX idx_orders_open ON orders (created_at) WHERE status <> 'shipped';
CREATE INDEX idx_order_lines_customer_id ON order_lines (customer_id);
CREATE INDEX idx_accounts_lower_code ON app.accounts (lower(code));
COMMENT ON TABLE orders IS 'One order per checkout.';
COMMENT ON COLUMN orders.total IS 'Computed, never written.';
COMMENT ON INDEX idx_orders_open IS 'Open orders only.';
"""

U1 = "00000000-0000-4000-8000-000000000001"
U2 = "00000000-0000-4000-8000-000000000002"
P1 = "00000000-0000-4000-8000-0000000000a1"


@pytest.fixture(scope="module")
def feature_schema() -> Schema:
    return parse_sql(FEATURE_RICH, "feature_rich.sql")


def notes_of(rendered, feature: str | None = None, action: str | None = None) -> list:
    return [n for n in rendered.notes if (feature is None or n.feature == feature)
            and (action is None or n.action == action)]


def rejects(eng, sql: str) -> bool:
    try:
        eng.execute(sql)
    except EngineError:
        if eng.capabilities.transactional_ddl and eng.name != "mysql":
            eng.rollback()
        return True
    return False


# -- the dialect x engine matrix ------------------------------------------------------------

def test_example_executes_on_engine(example_schema, throwaway_engine, engine_name):
    rendered = dialects.render(example_schema, engine_name)
    throwaway_engine.run_script(rendered.statements)
    assert sorted(throwaway_engine.table_names()) == sorted(rendered.model.tables)
    assert rendered.dialect == engine_name
    # one ";\n" per statement, besides those inside plpgsql bodies ($tag$ ... $tag$)
    def in_bodies(stmt: str) -> int:
        m = re.search(r"(\$\w*\$)(.*)\1", stmt, re.S)
        return m.group(2).count(";\n") if m else 0
    assert rendered.sql.count(";\n") == len(rendered.statements) + sum(map(in_bodies, rendered.statements))


def test_feature_rich_executes_on_engine(feature_schema, throwaway_engine, engine_name):
    rendered = dialects.render(feature_schema, engine_name)
    throwaway_engine.run_script(rendered.statements)
    names = set(throwaway_engine.table_names())
    # table_names() lists the default schema; app.accounts lives in schema app where schemas exist
    assert {"customers", "orders", "order_lines"} <= names
    if engine_name in ("sqlite", "mysql"):
        assert "accounts" in names  # flattened: no schemas on these engines
    else:
        assert throwaway_engine.query('SELECT count(*) FROM app.accounts') == [(0,)]


def test_unknown_dialect_is_input_error(example_schema):
    with pytest.raises(InputError, match="unknown dialect 'oracle'"):
        dialects.render(example_schema, "oracle")


# -- notes ----------------------------------------------------------------------------------

def test_postgres_keeps_everything(example_schema, feature_schema):
    assert dialects.render(example_schema, "postgres").notes == []
    assert dialects.render(feature_schema, "postgres").notes == []


def test_specific_notes(feature_schema, example_schema):
    duck = dialects.render(example_schema, "duckdb")
    cascade = [n for n in notes_of(duck, "fk action", "dropped") if "CASCADE" in n.detail]
    assert any(n.object == "profiles(user_id)" for n in cascade)
    assert all(fk.on_delete not in ("CASCADE", "SET NULL")
               for t in duck.model.tables.values() for fk in t.foreign_keys)

    lite = dialects.render(example_schema, "sqlite")
    kept = {n.object for n in notes_of(lite, "partial index", "kept")}
    assert kept == {"idx_users_email", "idx_users_username", "idx_posts_slug"}
    assert str(next(n for n in lite.notes if n.object == "idx_users_email")).startswith(
        "sqlite: partial index idx_users_email: kept (")

    maria = dialects.render(example_schema, "mysql")
    dropped = {n.object: n for n in notes_of(maria, "partial index", "dropped")}
    assert set(dropped) == {"idx_users_email", "idx_users_username", "idx_posts_slug"}
    # soft delete: never silently a full UNIQUE; the note names the alternative
    assert "generated column" in dropped["idx_users_email"].detail
    assert maria.model.find_index("idx_users_email") is None
    assert all(not (ix.unique and ix.columns[0].column == "username") for ix in maria.model.indexes())

    fr_maria = dialects.render(feature_schema, "mysql")
    assert notes_of(fr_maria, "expression index", "dropped")[0].object == "idx_accounts_lower_code"
    assert any(n.object == "orders.status" for n in notes_of(fr_maria, "enum type", "emulated"))
    fr_duck = dialects.render(feature_schema, "duckdb")
    cycle = notes_of(fr_duck, "foreign key", "dropped")
    assert [n.object for n in cycle] == ["fk_customers_first_order"]
    assert {n.object for n in notes_of(fr_duck, "descending index", "dropped")} == {
        "idx_customers_created_at", "idx_orders_customer_id_created_at"}
    assert notes_of(fr_duck, "generated column", "changed")[0].object == "orders.total"
    for engine in ("mysql", "sqlite", "duckdb"):
        r = dialects.render(feature_schema, engine)
        assert any(n.object == "idx_customers_settings" for n in notes_of(r, "index method", "dropped"))
        assert any(n.object == "idx_customers_country" for n in notes_of(r, "index include", "emulated"))
    fr_lite = dialects.render(feature_schema, "sqlite")
    assert notes_of(fr_lite, "comment", "dropped")[0].object == "3 objects"


def test_model_is_what_the_engine_holds(example_schema, feature_schema):
    lite = dialects.render(example_schema, "sqlite").model
    email = lite.tables["users"].columns["email"]
    assert email.type == "TEXT"
    assert any(c.name == "ck_users_email_length" for c in lite.tables["users"].checks)
    assert lite.tables["audit_log"].columns["id"].type == "INTEGER"
    assert lite.tables["users"].comment is None
    duck = dialects.render(feature_schema, "duckdb").model
    assert "order_status" in duck.enums
    assert all(fk.name != "fk_customers_first_order" for fk in duck.tables["customers"].foreign_keys)
    maria = dialects.render(feature_schema, "mysql").model
    assert maria.enums == {}
    assert maria.tables["orders"].columns["status"].type == "ENUM('new', 'paid', 'shipped')"
    assert "accounts" in maria.tables and "app.accounts" not in maria.tables
    # the input is never modified
    assert example_schema.tables["users"].columns["email"].type == "VARCHAR(255)"


def test_portability_report_and_frame(example_schema):
    report = dialects.portability_report(example_schema)
    assert {n.engine for n in report} == {"mysql", "sqlite", "duckdb"}
    assert all(n.action in dialects.ACTIONS for n in report)
    frame = dialects.portability_frame(example_schema)
    assert list(frame.columns) == ["engine", "feature", "object", "action", "detail"]
    assert len(frame) == len(report)
    pivot = frame.pivot_table(index="feature", columns="engine", values="action",
                              aggfunc=lambda s: ", ".join(sorted(set(s))))
    assert pivot.loc["partial index", "sqlite"] == "kept"
    assert pivot.loc["partial index", "mysql"] == "dropped"


# -- emulations really enforce --------------------------------------------------------------

def test_sqlite_emulations_enforce(example_schema):
    r = dialects.render(example_schema, "sqlite")
    with engines.throwaway("sqlite") as eng:
        eng.run_script(r.statements)
        eng.execute("INSERT INTO users (email, username, password_hash) VALUES ('a@x.org', 'a', 'h')")
        uid = eng.query("SELECT id FROM users")[0][0]
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", uid)
        assert rejects(eng, "INSERT INTO users (email, username, password_hash) "
                            f"VALUES ('{'x' * 256}', 'b', 'h')")  # VARCHAR(255) as CHECK
        assert rejects(eng, "INSERT INTO users (email, username, password_hash, role) "
                            "VALUES ('c@x.org', 'c', 'h', 'root')")
        # partial unique index: a soft-deleted user's email may sign up again, a live one not
        assert rejects(eng, "INSERT INTO users (email, username, password_hash) VALUES ('A@x.org', 'a2', 'h')")
        eng.execute("UPDATE users SET deleted_at = CURRENT_TIMESTAMP")
        eng.execute("INSERT INTO users (email, username, password_hash) VALUES ('A@x.org', 'a', 'h')")
        # identity -> INTEGER PRIMARY KEY; JSON validated
        eng.execute("INSERT INTO audit_log (table_name, row_id, operation, new_values) "
                    "VALUES ('users', '1', 'INSERT', '{\"a\": 1}')")
        assert eng.query("SELECT id FROM audit_log") == [(1,)]
        assert rejects(eng, "INSERT INTO audit_log (table_name, row_id, operation, new_values) "
                            "VALUES ('users', '1', 'INSERT', '{not json')")
        # ON DELETE CASCADE kept
        eng.execute(f"INSERT INTO profiles (user_id, display_name) VALUES ('{uid}', 'A')")
        eng.execute("DELETE FROM users WHERE id = ?", (uid,))
        assert eng.query("SELECT count(*) FROM profiles") == [(0,)]


def test_duckdb_emulations_enforce(example_schema, feature_schema):
    with engines.throwaway("duckdb") as eng:
        eng.run_script(dialects.render(example_schema, "duckdb").statements)
        assert rejects(eng, "INSERT INTO users (email, username, password_hash) "
                            f"VALUES ('{'x' * 256}', 'b', 'h')")
        eng.execute(f"INSERT INTO users (id, email, username, password_hash) VALUES ('{U1}', 'a@x', 'a', 'h')")
        eng.execute(f"INSERT INTO profiles (user_id, display_name) VALUES ('{U1}', 'A')")
        # the dropped CASCADE: deleting a referenced user is refused instead of cascading
        assert rejects(eng, f"DELETE FROM users WHERE id = '{U1}'")
        eng.execute("INSERT INTO audit_log (table_name, row_id, operation) VALUES ('t', '1', 'INSERT')")
        eng.execute("INSERT INTO audit_log (table_name, row_id, operation) VALUES ('t', '2', 'INSERT')")
        assert eng.query("SELECT id FROM audit_log ORDER BY id") == [(1,), (2,)]
    with engines.throwaway("duckdb") as eng:
        eng.run_script(dialects.render(feature_schema, "duckdb").statements)
        assert rejects(eng, "INSERT INTO app.accounts (code) VALUES ('much-too-long-code')")
        assert rejects(eng, "INSERT INTO orders (customer_id, status, quantity, unit_price) "
                            f"VALUES ('{U1}', 'lost', 1, 1)")


@pytest.mark.parametrize("engine_name", ["mysql"])
def test_mariadb_emulations_enforce(feature_schema, engine_name):
    from conftest import require_engine
    require_engine("mysql")
    with engines.throwaway("mysql") as eng:
        eng.run_script(dialects.render(feature_schema, "mysql").statements, transaction=False)
        eng.execute(f"INSERT INTO customers (id, email) VALUES ('{U1}', 'a@x')")
        assert rejects(eng, "INSERT INTO orders (customer_id, status, quantity, unit_price) "
                            f"VALUES ('{U1}', 'lost', 1, 1)")  # inline ENUM
        eng.execute("INSERT INTO orders (customer_id, quantity, unit_price) "
                    f"VALUES ('{U1}', 2, 1.5)")
        assert eng.query("SELECT total FROM orders")[0][0] == 3
        eng.execute("INSERT INTO accounts (code) VALUES ('a')")
        assert eng.query("SELECT id FROM accounts") == [(1,)]


# -- golden DDL -----------------------------------------------------------------------------

def golden_text(rendered) -> str:
    notes = "".join(f"-- {n}\n" for n in rendered.notes)
    header = (f"-- Example schema rendered for {rendered.dialect} by dbdesign.dialects.\n"
              "-- Regenerate: DBDESIGN_UPDATE_GOLDEN=1 pytest tests/test_dialects.py\n")
    body = "".join(s + ";\n\n" for s in rendered.statements)
    return header + ("-- Portability notes:\n" + notes if notes else "") + "\n" + body


@pytest.mark.parametrize("dialect", ALL_ENGINES)
def test_golden_ddl(example_schema, dialect):
    path = GOLDEN / f"{dialect}.sql"
    text = golden_text(dialects.render(example_schema, dialect))
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden file {path} was missing and has been written; check it in")
    assert text == path.read_text(encoding="utf-8"), (
        f"DDL for {dialect} changed; review the diff and rerun with DBDESIGN_UPDATE_GOLDEN=1")


# -- migration files, statement by statement ------------------------------------------------

def test_migrations_up_then_down_on_engine(throwaway_engine, engine_name):
    migrations = [m for m in discover_migrations(str(EXAMPLE_MIGRATIONS))[0] if m.up]  # generic files only
    schema = Schema()
    befores = []
    eng = throwaway_engine
    for mf in migrations:
        befores.append(schema)
        r = render_statements(Path(mf.up).read_text(), engine_name, mf.up, schema)
        run(eng, r)
        schema = parse_file(mf.up, copy.deepcopy(schema))
        assert sorted(eng.table_names()) == sorted(r.model.tables), mf.up
    # some rows, so that rebuilds must keep data (a reply to a comment: a self-reference)
    eng.execute(f"INSERT INTO users (id, email, username, password_hash) VALUES ('{U1}', 'a@x', 'a', 'h')")
    eng.execute(f"INSERT INTO posts (id, user_id, title, slug) VALUES ('{P1}', '{U1}', 't', 's')")
    eng.execute(f"INSERT INTO comments (id, post_id, user_id, body) VALUES ('{U2}', '{P1}', '{U1}', 'b')")
    eng.execute("INSERT INTO comments (id, post_id, user_id, body, parent_id) VALUES "
                f"('00000000-0000-4000-8000-000000000003', '{P1}', '{U1}', 'c', '{U2}')")
    for mf, before in reversed(list(zip(migrations, befores))):
        after = parse_file(mf.up, copy.deepcopy(before))
        r = render_statements(Path(mf.down).read_text(), engine_name, mf.down, after)
        run(eng, r)
        if "DROP COLUMN published_at" in Path(mf.down).read_text():
            assert eng.query("SELECT count(*) FROM comments") == [(2,)]
            cols = [c for c in dialects.render(before, engine_name).model.tables["posts"].columns]
            assert "published_at" not in cols
    assert eng.table_names() == []


def run(eng, rendered) -> None:
    """What the migrations runner does with a Rendered."""
    if rendered.foreign_keys_off:
        eng.execute("PRAGMA foreign_keys=OFF")
    eng.run_script(rendered.statements)
    if rendered.foreign_keys_off:
        assert eng.query("PRAGMA foreign_key_check") == []
        eng.execute("PRAGMA foreign_keys=ON")


SEED = f"""
INSERT INTO users (id, email, username, password_hash) VALUES ('{U1}', 'a@x', 'a', 'h');
INSERT INTO profiles (user_id, display_name) VALUES ('{U1}', 'A');
"""


@pytest.mark.parametrize("sql, check", [
    ("ALTER TABLE users ALTER COLUMN username TYPE VARCHAR(80)", "username"),
    ("ALTER TABLE users ALTER COLUMN deleted_at SET DEFAULT now()", None),
    ("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE (email)", None),
    ("ALTER TABLE users ADD CONSTRAINT ck_users_username CHECK (length(username) > 0)", None),
    ("ALTER TABLE users ADD COLUMN nickname VARCHAR(30) NOT NULL DEFAULT 'x'", None),
    ("ALTER TABLE users RENAME COLUMN username TO login", None),
])
@pytest.mark.parametrize("engine_name", ALL_ENGINES)
def test_alter_keeps_rows_and_children(engine_name, sql, check):
    """ALTERs that SQLite (12-step rebuild) and DuckDB (rebuild with dependents) cannot do
    natively: the altered table and the tables referencing it keep their rows, and ON DELETE
    CASCADE children survive the rebuild."""
    from conftest import require_engine
    require_engine(engine_name)
    schema = parse_sql("".join(Path(EXAMPLE_MIGRATIONS / f).read_text()
                               for f in ("0001_create_users.up.sql", "0002_create_profiles.up.sql")))
    with engines.throwaway(engine_name) as eng:
        eng.run_script(dialects.render(schema, engine_name).statements)
        eng.run_script(render_statements(SEED, engine_name, "seed.sql", schema).statements)
        r = render_statements(sql, engine_name, "m.up.sql", schema)
        run(eng, r)
        assert eng.query("SELECT count(*) FROM users") == [(1,)]
        assert eng.query("SELECT count(*) FROM profiles") == [(1,)]
        if check and engine_name != "postgres":
            assert any(n.feature in ("table rebuild", "varchar length") for n in r.notes) or \
                engine_name == "mysql"
        if "UNIQUE (email)" in sql:
            assert rejects(eng, f"INSERT INTO users (email, username, password_hash) VALUES ('a@x', 'b', 'h')")


def test_sqlite_rebuild_needs_foreign_keys_off(example_schema):
    r = render_statements("ALTER TABLE users ALTER COLUMN role DROP DEFAULT", "sqlite",
                                   "m.sql", example_schema)
    assert r.foreign_keys_off
    assert r.statements[0].startswith("CREATE TABLE _users_new")
    assert any(n.feature == "table rebuild" and n.where == "m.sql:1" for n in r.notes)
    plain = render_statements("ALTER TABLE posts ADD COLUMN x TEXT", "sqlite", "m.sql",
                                       example_schema)
    assert not plain.foreign_keys_off and plain.statements == ["ALTER TABLE posts ADD COLUMN x TEXT"]


def test_render_statements_fixes_per_dialect(example_schema):
    sql = ("ALTER TABLE posts ADD COLUMN edited_at TIMESTAMPTZ;\n"
           "INSERT INTO tags (id, name, slug) VALUES (gen_random_uuid(), 'a', 'a');\n"
           "CREATE INDEX idx_posts_live ON posts (created_at) WHERE deleted_at IS NULL;\n")
    maria = render_statements(sql, "mysql", "m.sql", example_schema)
    assert maria.statements[0] == "ALTER TABLE posts ADD COLUMN edited_at DATETIME(6)"
    assert "UUID()" in maria.statements[1]
    assert len(maria.statements) == 2  # partial index dropped ...
    assert any(n.object == "idx_posts_live" and n.where == "m.sql:3" for n in maria.notes)  # ... with a note
    lite = render_statements(sql, "sqlite", "m.sql", example_schema)
    assert "RANDOMBLOB" in lite.statements[1].upper()
    assert lite.statements[2].endswith("WHERE deleted_at IS NULL")
    pg = render_statements(sql, "postgres", "m.sql", example_schema)
    assert pg.statements[0] == "ALTER TABLE posts ADD COLUMN edited_at TIMESTAMPTZ"


def test_render_statements_refuses_what_it_cannot_express(example_schema):
    fn = "SELECT 1;\nCREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;"
    with pytest.raises(InputError) as err:
        render_statements(fn, "sqlite", "0009_fn.up.sql", example_schema)
    assert str(err.value).startswith("0009_fn.up.sql:2: sqlite: ")
    assert render_statements(fn, "postgres", "0009_fn.up.sql", example_schema).statements[1] \
        .startswith("CREATE FUNCTION")
    with pytest.raises(InputError, match="unknown dialect"):
        render_statements("SELECT 1", "oracle")


PG_ONLY = """
CREATE TABLE things (
  id SERIAL PRIMARY KEY,
  counter BIGSERIAL,
  tags TEXT[],
  price MONEY,
  ip INET,
  mac MACADDR,
  dur INTERVAL,
  doc TSVECTOR,
  x XML,
  at TIMETZ,
  flags BIT(8),
  raw BYTEA
);
CREATE TABLE parts (id INT PRIMARY KEY, thing_id INT NOT NULL REFERENCES things (id));
"""


def test_postgres_only_types_and_serials_run_everywhere_with_notes(engine_name, throwaway_engine):
    """SERIAL becomes an identity and every PostgreSQL-only type gets a stand-in and a note:
    the DDL executes, and a row without an id gets one."""
    schema = parse_sql(PG_ONLY, "types.sql")
    rendered = dialects.render(schema, engine_name)
    throwaway_engine.run_script(rendered.statements)
    throwaway_engine.execute("INSERT INTO things (counter) VALUES (5)")
    assert throwaway_engine.query("SELECT id FROM things") == [(1,)]
    features = {n.feature for n in rendered.notes}
    if engine_name == "postgres":
        assert rendered.notes == []
    else:
        assert "serial" in features
        assert {"money type", "inet type", "macaddr type", "tsvector type", "xml type"} <= features
    if engine_name in ("sqlite", "mysql"):
        assert "array type" in features
    if engine_name == "duckdb":
        assert "array type" not in features and "interval type" not in features  # native there


def test_reserved_words_are_quoted_on_every_engine(engine_name, throwaway_engine):
    schema = parse_sql('CREATE TABLE "order" (id INT PRIMARY KEY, "user" TEXT, "select" INT);\n'
                       'CREATE INDEX idx_order_user ON "order" ("user");')
    rendered = dialects.render(schema, engine_name)
    throwaway_engine.run_script(rendered.statements)
    table = throwaway_engine.introspect().tables["order"]
    assert list(table.columns) == ["id", "user", "select"]


@pytest.mark.parametrize("name", ["postgres", "mysql", "duckdb"])
@pytest.mark.parametrize("corpus_file", ["musicbrainz-combined.sql", "gisia-structure.sql",
                                         "pagila-schema-2024.sql"])
def test_assembled_create_table_is_what_sqlglot_writes(name, corpus_file):
    """CREATE TABLE put together from element texts is byte for byte the statement sqlglot
    generates pretty, on every table of large real schemas."""
    from sqlglot import exp
    from corpus_load import CORPUS
    path = CORPUS / corpus_file
    if not path.exists():
        pytest.skip(f"corpus not here: {path}")
    target = dialects.get_dialect(name)
    assert target.ASSEMBLE_CREATE
    model = target.adapt(parse_file(str(path)))
    compared = 0
    for t in model.tables.values():
        elements = target.table_elements(t)
        if target.table_properties(t) is not None or not elements:
            continue
        whole = exp.Create(kind="TABLE", this=exp.Schema(this=target.table_node(t.qualname),
                                                         expressions=target.table_elements(t)))
        assert target.assembled_create(t.qualname, elements) == target.sql(whole, pretty=True), t.qualname
        compared += 1
    assert compared > 10
