"""naming: one answer for table-name number, bookkeeping columns, user-facing tables and the
columns an expression uses; engines.availability: one reachability check."""
from __future__ import annotations

import pytest

from dbdesign import engines
from dbdesign.schema import naming
from dbdesign.config import parse_config
from dbdesign.errors import InputError
from dbdesign.schema.parse import parse_sql


@pytest.mark.parametrize("plural, singular", [
    ("users", "user"), ("people", "person"), ("categories", "category"),
    ("statuses", "status"), ("addresses", "address"), ("boxes", "box"), ("matches", "match"),
    ("post_tags", "post_tag"), ("audit_log", "audit_log"), ("history", "history"),
    ("app.people", "person"), ("movies", "movie"), ("analyses", "analysis")])
def test_singular_and_plural_agree(plural, singular):
    assert naming.singular_table(plural) == singular
    bare = plural.rsplit(".", 1)[-1]
    assert naming.plural_table(singular) == bare
    assert naming.is_plural(naming.last_word(plural))


@pytest.mark.parametrize("word,singular", [
    ("users", "user"), ("people", "person"), ("categories", "category"), ("addresses", "address"),
    ("statuses", "status"), ("boxes", "box"), ("matches", "match"), ("houses", "house"),
    ("responses", "response"), ("movies", "movie"), ("status", "status"), ("data", "data"),
    ("analyses", "analysis"), ("children", "child"), ("caches", "cache")])
def test_singularize(word, singular):
    assert naming.singularize(word) == singular


@pytest.mark.parametrize("word,plural", [
    ("user", False), ("users", True), ("person", False), ("people", True), ("status", False),
    ("address", False), ("log", True), ("history", True), ("category", False), ("news", True)])
def test_is_plural(word, plural):
    assert naming.is_plural(word) is plural


def test_plural_helpers():
    assert naming.pluralize("category") == "categories" and naming.pluralize("box") == "boxes"
    assert naming.pluralize("person") == "people" and naming.pluralize("key") == "keys"
    assert naming.singular_table("post_tags") == "post_tag"


def test_collective_nouns_stay_and_irregulars_pluralize():
    assert naming.pluralize("ledger") == "ledger"
    assert naming.pluralize("person") == "people"
    assert naming.pluralize("entry") == "entries" and naming.pluralize("day") == "days"
    assert not naming.is_plural("status") and not naming.is_plural("user")


def test_plural_candidates_proper_plural_first_then_naive_forms():
    assert naming.plural_candidates("person")[0] == "people"
    assert naming.plural_candidates("category")[:2] == ["categories", "categorys"]
    cands = naming.plural_candidates("status")
    assert cands[0] == "statuses" and len(cands) == len(set(cands))


def test_conventions_default_and_from_config():
    d = naming.conventions()
    assert d.soft_delete_column == "deleted_at" and d.users_table == "users"
    assert d.audit_fk_columns == {"created_by", "updated_by", "deleted_by"}
    assert d.bookkeeping_columns == ("created_at", "updated_at", "created_by", "updated_by",
                                     "deleted_at", "deleted_by")
    cfg = parse_config('[lint]\nsoft_delete_column = "removed_at"\n'
                       'audit_columns = ["made_by"]\ntimestamp_columns = ["made_at"]\n'
                       'users_table = "accounts"\n')
    c = naming.conventions(cfg)
    assert (c.soft_delete_column, c.audit_columns, c.timestamp_columns, c.users_table) == \
        ("removed_at", ("made_by",), ("made_at",), "accounts")
    assert c.is_soft_delete_predicate("(removed_at IS NULL)")
    assert not c.is_soft_delete_predicate("deleted_at IS NULL")
    assert c.mentions_soft_delete("kind = 'x' AND removed_at IS NULL")


SCHEMA = """
CREATE TABLE users (id BIGINT PRIMARY KEY, deleted_at TIMESTAMPTZ);
CREATE TABLE posts (id BIGINT PRIMARY KEY, author_id BIGINT REFERENCES users (id));
CREATE TABLE tags (id BIGINT PRIMARY KEY, created_by BIGINT REFERENCES users (id),
                   deleted_at TIMESTAMPTZ);
"""


def test_user_facing_guess_ignores_audit_references():
    schema = parse_sql(SCHEMA)
    tables, guessed = naming.user_facing_tables(schema)
    assert guessed
    # tags has deleted_at but only an audit FK to users: not guessed user-facing
    assert [t.name for t in tables] == ["users", "posts"]


def test_user_facing_configured_list_decides():
    schema = parse_sql(SCHEMA)
    cfg = parse_config('[lint]\nuser_facing_tables = ["tags", "nope"]\n')
    tables, guessed = naming.user_facing_tables(schema, cfg)
    assert not guessed and [t.name for t in tables] == ["tags"]


def test_user_facing_without_users_table_is_an_empty_guess():
    tables, guessed = naming.user_facing_tables(parse_sql("CREATE TABLE t (id INT PRIMARY KEY);"))
    assert tables == [] and guessed


@pytest.mark.parametrize("expr, funcs, cols", [
    ("lower(email)", ("lower",), ("email",)),
    ("lower(a) || b", ("lower",), ("a", "b")),
    ("date_trunc('day', created_at)", ("date_trunc",), ("created_at",)),
    ("extract(year from created_at)", ("extract",), ("created_at",)),  # `year` is no column
    ("status IN ('a', 'b')", (), ("status",)),  # IN (...) is not a call
    ('"Weird Col" > 0', (), ("Weird Col",)),
    ("email::text", (), ("email",)),
    ("'deleted_at' = kind", (), ("kind",)),  # a string literal is not a column
])
def test_expression_names(expr, funcs, cols):
    assert naming.expression_names(expr) == (funcs, cols)
    assert naming.expression_columns(expr) == cols


def test_availability_embedded_always_and_unreachable_server_has_a_reason(monkeypatch):
    monkeypatch.setenv("DBDESIGN_MYSQL_URL", "mysql://root@127.0.0.1:1/test")  # nothing listens
    got = engines.availability(["sqlite", "duckdb", "mysql"])
    assert got["sqlite"] is None and got["duckdb"] is None
    assert got["mysql"] and "mysql" in got["mysql"]
    assert "mysql" not in engines.available(["sqlite", "mysql"])
    with pytest.raises(InputError):
        engines.availability(["oracle"])


def test_availability_reachable_server_is_none_and_cached():
    from conftest import require_engine
    require_engine("postgres")
    assert engines.availability(["postgres"]) == {"postgres": None}
    assert ("postgres", engines.server_url("postgres")) in engines._AVAILABILITY


def test_report_engine_versions_use_the_shared_check(monkeypatch):
    from dbdesign.review.report import engine_versions
    monkeypatch.setenv("DBDESIGN_MYSQL_URL", "mysql://root@127.0.0.1:1/test")
    v = engine_versions()
    assert v["MariaDB/MySQL"].startswith("not reachable (mysql: cannot connect")
    assert v["SQLite"][0].isdigit() and v["DuckDB"].lstrip("v")[0].isdigit()
