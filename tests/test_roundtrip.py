"""Round trip: the example design rendered for each engine, run in a throw-away database and
read back, equals the model `dialects.render` says the engine holds (its `.model`, i.e. the
design minus the documented portability losses) - checked with `diff(..., engine=...)`."""
from __future__ import annotations

import pytest

from dbdesign import dialects
from dbdesign.schema.diff import diff


def test_example_schema_round_trips(engine_name, throwaway_engine, example_schema):
    rendered = dialects.render(example_schema, engine_name)
    throwaway_engine.run_script(rendered.statements)
    actual = throwaway_engine.introspect()
    assert actual.diagnostics == []
    result = diff(rendered.model, actual, engine=engine_name)
    assert result.is_empty, "\n" + result.format_text()


def test_round_trip_catches_a_real_difference(example_schema):
    """The check above can fail: drop an index behind the design's back and it is reported."""
    from dbdesign import engines
    rendered = dialects.render(example_schema, "sqlite")
    with engines.throwaway("sqlite") as eng:
        eng.run_script(rendered.statements)
        eng.execute("DROP INDEX idx_posts_slug")
        eng.execute("ALTER TABLE tags ADD COLUMN color TEXT")
        actual = eng.introspect()
    text = diff(rendered.model, actual, engine="sqlite").format_text().splitlines()
    assert "- index posts.idx_posts_slug: UNIQUE (slug) WHERE deleted_at IS NULL" in text
    assert "+ column tags.color: TEXT" in text


def test_integer_keys_round_trip_on_every_engine(engine_name, throwaway_engine):
    """Plain integer keys (no identity): SQLite makes them the rowid alias, and says so."""
    from dbdesign.schema.parse import parse_sql
    schema = parse_sql("CREATE TABLE things (id BIGINT PRIMARY KEY, n INT NOT NULL);\n"
                       "CREATE TABLE parts (id INT PRIMARY KEY, thing_id BIGINT NOT NULL REFERENCES things (id));")
    rendered = dialects.render(schema, engine_name)
    throwaway_engine.run_script(rendered.statements)
    result = diff(rendered.model, throwaway_engine.introspect(), engine=engine_name)
    assert result.is_empty, "\n" + result.format_text()
    if engine_name == "sqlite":
        assert any(n.feature == "integer primary key" for n in rendered.notes)


QUALIFIED = """
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('calm', 'busy');
CREATE TABLE users (id INT PRIMARY KEY, email TEXT NOT NULL);
CREATE TABLE app.orders (id INT PRIMARY KEY, mood app.mood, note TEXT);
CREATE INDEX idx_orders_note ON app.orders (note);
CREATE TABLE app.order_lines (id INT PRIMARY KEY, order_id INT NOT NULL REFERENCES app.orders (id));
"""


@pytest.mark.parametrize("engine_name", ["duckdb", "postgres"])
def test_tables_outside_the_current_schema_are_introspected(engine_name):
    """Engines with schemas: every user schema is read, tables named as `app.orders`."""
    from conftest import require_engine
    from dbdesign import engines
    from dbdesign.schema.parse import parse_sql
    require_engine(engine_name)
    schema = parse_sql(QUALIFIED)
    rendered = dialects.render(schema, engine_name)
    with engines.throwaway(engine_name) as eng:
        eng.run_script(rendered.statements)
        actual = eng.introspect()
    assert sorted(actual.tables) == ["app.order_lines", "app.orders", "users"]
    assert "app.mood" in actual.enums
    assert actual.tables["app.order_lines"].foreign_keys[0].ref_table == "app.orders"
    result = diff(rendered.model, actual, engine=engine_name)
    assert result.is_empty, "\n" + result.format_text()
