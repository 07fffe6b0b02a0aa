"""diff: every kind of change is detected; equal schemas and equal-meaning spellings are not."""
from __future__ import annotations

import copy

import pytest

from dbdesign.schema.diff import Change, canonical_expr, canonical_type, diff
from dbdesign.model import (CheckConstraint, EnumType, ForeignKey, Index, IndexColumn, Schema,
                            UniqueConstraint)
from dbdesign.schema.parse import parse_sql

BASE = """
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE users (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email VARCHAR(255) NOT NULL,
  role VARCHAR(20) NOT NULL DEFAULT 'member' CONSTRAINT ck_users_role CHECK (role IN ('member', 'admin')),
  mood mood,
  CONSTRAINT uq_users_email UNIQUE (email)
);
CREATE TABLE posts (
  id BIGINT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status VARCHAR(20) NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_posts_user_id_created_at ON posts (user_id, created_at DESC);
COMMENT ON TABLE users IS 'accounts';
"""


@pytest.fixture
def base() -> Schema:
    return parse_sql(BASE, "base.sql")


def changed(base: Schema) -> Schema:
    return copy.deepcopy(base)


def lines(a: Schema, b: Schema, **kw) -> list[str]:
    return diff(a, b, **kw).format_text().splitlines()


def test_equal_schemas_have_no_changes(base):
    d = diff(base, changed(base))
    assert d.is_empty and not d and d.format_text() == "no differences"
    assert d.to_dict()["summary"] == {"added": 0, "removed": 0, "changed": 0}


def test_tables_added_and_removed(base):
    other = changed(base)
    del other.tables["posts"]
    other.tables["tags"] = parse_sql("CREATE TABLE tags (id INT)").tables["tags"]
    assert lines(base, other) == ["- table posts: 4 columns", "+ table tags: 1 columns"]


def test_column_changes(base):
    other = changed(base)
    users = other.tables["users"]
    users.columns["email"].type = "TEXT"
    users.columns["email"].nullable = True
    users.columns["role"].default = "'admin'"
    users.columns["id"].identity = "by default"
    users.columns["mood"].comment = "how they feel"
    del users.columns["mood"]
    other.tables["posts"].columns["title"] = copy.deepcopy(other.tables["posts"].columns["status"])
    other.tables["posts"].columns["title"].name = "title"
    # Sorted by table, kind of object, name: the same schemas always give the same text.
    assert lines(base, other) == [
        "+ column posts.title: VARCHAR(20) NOT NULL",
        "~ column users.email: nullable False -> True",
        "~ column users.email: type VARCHAR(255) -> TEXT",
        "~ column users.id: identity always -> by default",
        "- column users.mood: mood",
        "~ column users.role: default 'member' -> 'admin'",
    ]
    assert lines(base, other, ignore={"defaults", "identity"}) == [
        "+ column posts.title: VARCHAR(20) NOT NULL",
        "~ column users.email: nullable False -> True",
        "~ column users.email: type VARCHAR(255) -> TEXT",
        "- column users.mood: mood",
    ]


def test_keys_and_actions(base):
    other = changed(base)
    posts = other.tables["posts"]
    posts.foreign_keys[0].on_delete = "RESTRICT"
    posts.primary_key.columns = ["id", "user_id"]
    other.tables["users"].primary_key = None
    d = diff(base, other)
    assert [(c.action, c.object_type, c.table) for c in d.changes] == [
        ("changed", "primary_key", "posts"), ("changed", "foreign_key", "posts"),
        ("removed", "primary_key", "users")]
    fk = d.changes[1]
    assert fk.detail == "on_delete CASCADE -> RESTRICT" and (fk.before, fk.after) == ("CASCADE", "RESTRICT")
    # A different target is another foreign key, not a changed one.
    posts.foreign_keys[0] = ForeignKey(["user_id"], "accounts", ["id"])
    kinds = [(c.action, c.object_type) for c in diff(base, other).changes if c.object_type == "foreign_key"]
    assert kinds == [("added", "foreign_key"), ("removed", "foreign_key")]


def test_unspecified_action_equals_no_action_and_mysql_restrict(base):
    a = parse_sql("CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (p_id INT REFERENCES p (id));")
    b = copy.deepcopy(a)
    b.tables["c"].foreign_keys[0].on_delete = "NO ACTION"
    b.tables["c"].foreign_keys[0].on_update = "NO ACTION"
    assert diff(a, b).is_empty
    b.tables["c"].foreign_keys[0].on_delete = "RESTRICT"
    assert not diff(a, b).is_empty  # PostgreSQL: RESTRICT is not deferrable, NO ACTION is
    assert diff(a, b, engine="mysql").is_empty


def test_constraint_names_compared_only_when_both_known(base):
    other = changed(base)
    other.tables["users"].uniques[0].name = None  # an engine that does not keep names
    assert diff(base, other).is_empty
    other.tables["users"].uniques[0].name = "users_email_key"
    assert lines(base, other) == ["~ unique users.uq_users_email: name uq_users_email -> users_email_key"]
    assert diff(base, other, ignore={"constraint_names"}).is_empty


def test_unique_constraint_vs_unique_index(base):
    other = changed(base)
    users = other.tables["users"]
    users.uniques = []
    users.indexes.append(Index("uq_users_email", "users", [IndexColumn(column="email")], unique=True))
    # Same guarantee; a different kind of object: exact by default, equal across engines.
    assert sorted(lines(base, other)) == ["+ unique users.uq_users_email: unique index (email)",
                                          "- unique users.uq_users_email: UNIQUE (email)"]
    assert diff(base, other, engine="postgres").is_empty
    # A partial unique index is not the same guarantee.
    users.indexes[-1].where = "deleted_at IS NULL"
    assert not diff(base, other, engine="postgres").is_empty


def test_checks_normalised_and_changed(base):
    other = changed(base)
    # What PostgreSQL's catalogue gives back for the same CHECK.
    other.tables["users"].checks[0].expression = \
        "((role)::text = ANY ((ARRAY['member'::character varying, 'admin'::character varying])::text[]))"
    assert diff(base, other).is_empty
    other.tables["users"].checks[0].expression = "role IN ('member', 'admin', 'owner')"
    assert lines(base, other) == [
        "~ check users.ck_users_role: expression role IN ('member', 'admin') -> "
        "role IN ('member', 'admin', 'owner')"]
    other.tables["users"].checks.append(CheckConstraint("length(email) > 3"))
    assert lines(base, other)[1] == "+ check users.length(email) > 3: length(email) > 3"


@pytest.mark.parametrize("a, b", [
    ("score BETWEEN 0 AND 100", "((score >= (0)::numeric) AND (score <= (100)::numeric))"),
    ("role IN ('a','b')", "ROLE in ( 'a' , 'b' )"),
    ("(a > 1)", "a > 1"),
    ("a OR b AND c", "a OR (b AND c)"),
    ("now()", "CURRENT_TIMESTAMP"),
])
def test_canonical_expr_equal(a, b):
    assert canonical_expr(a) == canonical_expr(b)


@pytest.mark.parametrize("a, b", [
    ("(a OR b) AND c", "a OR b AND c"),
    ("a > 1", "a >= 1"),
    ("x IN ('a', 'b')", "x IN ('b', 'a')"),
])
def test_canonical_expr_different(a, b):
    assert canonical_expr(a) != canonical_expr(b)


def test_index_changes(base):
    other = changed(base)
    ix = other.tables["posts"].indexes[0]
    ix.columns[1].desc = False
    ix.where = "status = 'published'"
    ix.method = "hash"
    other.tables["posts"].indexes.append(Index("idx_posts_status", "posts", [IndexColumn(column="status")]))
    assert lines(base, other) == [
        "+ index posts.idx_posts_status: (status)",
        "~ index posts.idx_posts_user_id_created_at: columns (user_id, created_at DESC) -> (user_id, created_at)",
        "~ index posts.idx_posts_user_id_created_at: method None -> hash",
        "~ index posts.idx_posts_user_id_created_at: where None -> status = 'published'",
    ]
    ix.method = "btree"
    assert "method" not in diff(base, other).format_text()  # btree is the default


def test_fk_auto_index_tolerated_on_mysql(base):
    other = changed(base)
    other.tables["posts"].indexes.append(Index("user_id", "posts", [IndexColumn(column="user_id")]))
    assert lines(base, other) == ["+ index posts.user_id: (user_id)"]
    assert diff(base, other, ignore={"fk_auto_index"}).is_empty
    assert diff(base, other, engine="mysql").is_empty


def test_enums(base):
    other = changed(base)
    other.enums["mood"].values.append("meh")
    other.enums["size"] = EnumType("size", ["s", "m"])
    assert lines(base, other) == ["~ enum mood: values [happy, sad] -> [happy, sad, meh]",
                                  "+ enum size: s, m"]


def test_comments(base):
    other = changed(base)
    other.tables["users"].comment = "people"
    assert lines(base, other) == ["~ table users: comment"]
    assert diff(base, other, ignore={"comments"}).is_empty
    assert diff(base, other, engine="sqlite").is_empty  # SQLite has no comments


@pytest.mark.parametrize("engine, a, b", [
    ("sqlite", "VARCHAR(255)", "TEXT"),
    ("sqlite", "BIGINT", "INTEGER"),
    ("duckdb", "VARCHAR(50)", "TEXT"),
    ("mysql", "BOOLEAN", "SMALLINT(1)"),
    (None, "INTEGER", "INT"),
    (None, "character varying(10)", "VARCHAR(10)"),
])
def test_type_equivalences(engine, a, b):
    assert canonical_type(a, engine) == canonical_type(b, engine)


def test_type_differences_stay_without_engine():
    assert canonical_type("VARCHAR(255)") != canonical_type("TEXT")
    assert canonical_type("BIGINT", "sqlite") != canonical_type("TEXT", "sqlite")


def test_mysql_inline_enum_equals_enum_type(base):
    other = changed(base)
    other.enums.clear()
    other.tables["users"].columns["mood"].type = "ENUM('happy', 'sad')"
    assert not diff(base, other).is_empty
    assert diff(base, other, engine="mysql").is_empty


def test_outputs_are_deterministic_and_tabular(base):
    other = changed(base)
    other.tables["users"].columns["email"].type = "TEXT"
    other.tables["posts"].foreign_keys[0].on_delete = None
    d1, d2 = diff(base, other), diff(base, copy.deepcopy(other))
    assert d1.format_text() == d2.format_text()
    assert d1.to_dict() == d2.to_dict()
    frame = d1.to_frame()
    assert list(frame.columns) == ["action", "object_type", "table", "name", "detail", "before", "after"]
    assert frame[["table", "object_type"]].values.tolist() == [["posts", "foreign_key"], ["users", "column"]]
    assert isinstance(d1.changes[0], Change)


def test_bad_options_are_rejected(base):
    with pytest.raises(ValueError, match="unknown diff ignore option"):
        diff(base, base, ignore={"nope"})
    with pytest.raises(ValueError, match="unknown engine"):
        diff(base, base, engine="oracle")
