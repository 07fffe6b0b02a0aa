"""Generated API and ORM layers: they import, validate what the model says, and the comparison
names the layer that is the only guard."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from dbdesign.generate import layers
from dbdesign.lab import probe


@pytest.fixture(scope="module")
def api(example_schema):
    return layers.load_module(layers.pydantic_source(example_schema), "test_api_models")


@pytest.fixture(scope="module")
def orm(example_schema):
    return layers.load_module(layers.sqlalchemy_source(example_schema), "test_orm_models")


def test_class_names():
    assert [layers.class_name(t) for t in ("users", "post_tags", "audit_log", "categories")] == \
        ["User", "PostTag", "AuditLog", "Category"]


def test_pydantic_models_follow_the_model(api, example_schema):
    ok = {"user_id": "00000000-0000-4000-8000-000000000001", "title": "t", "slug": "s"}
    api.PostIn.model_validate(ok)
    for bad in ({"title": "x" * 501}, {"status": "deleted"}, {"view_count": -1}, {"title": None},
                {"surprise": 1}):
        with pytest.raises(ValidationError):
            api.PostIn.model_validate(ok | bad)
    with pytest.raises(ValidationError):  # body CHECK length(body) BETWEEN 1 AND 10000
        api.CommentIn.model_validate({"post_id": ok["user_id"], "user_id": ok["user_id"], "body": ""})
    schema = layers.json_schema(example_schema, "users")
    assert schema["properties"]["email"]["maxLength"] == 255
    assert set(schema["required"]) == {"email", "username", "password_hash"}
    assert schema["properties"]["role"]["anyOf"][0]["enum"] == ["member", "editor", "admin"]


def test_orm_models_validate_and_create_tables(orm):
    from sqlalchemy import create_engine, inspect
    with pytest.raises(ValueError, match="must be one of"):
        orm.Post(status="deleted")
    with pytest.raises(ValueError, match="longer than 50"):
        orm.User(username="x" * 51)
    orm.Post(status="draft", view_count=0)
    # SQLAlchemy alone does not check NOT NULL before the database: this constructs fine
    orm.User(email=None)
    eng = create_engine("sqlite://")
    orm.Base.metadata.create_all(eng)
    assert {"users", "posts", "comments", "post_tags"} <= set(inspect(eng).get_table_names())
    assert "make_engine" in dir(orm)


def test_layer_comparison_names_the_only_guard(example_schema):
    result = probe.run_probe(example_schema, ["sqlite", "duckdb"])
    frame = layers.compare_layers(example_schema, result)
    fk = frame.loc["comments.post_id -> posts orphan"]
    assert fk["api"] == "passes" and fk["orm"] == "passes" and fk["sqlite"] == "caught"
    assert fk["sqlite-nopragma"] == "passes"
    assert frame.loc["posts CHECK ck_posts_status", "orm"] == "caught"
    assert frame.loc["users.email NOT NULL", "orm"] == "passes"  # only api + database
    ts = frame.loc["posts.created_at TIMESTAMPTZ type"]
    assert ts["sqlite"] == "passes" and ts["api"] == "caught"
    slug = frame.loc["posts UNIQUE INDEX idx_posts_slug (slug) duplicate"]
    assert slug["only guard"] == "database (not on duckdb)"
    # SQLite stores text in a TIMESTAMPTZ column: there, the API layer is the only guard
    assert ts["guarded by"] == "api + database (not on sqlite)" and ts["only guard"] == "api on sqlite"
    assert fk["only guard"] == "database (not on sqlite-nopragma)"
    # a probe that could not run (identity key) is not counted as "passes"
    ident = frame.loc["audit_log PRIMARY KEY (id) duplicate"]
    assert ident["sqlite"] == "not probed" and ident["only guard"] != "none"
    assert frame.loc["posts CHECK ck_posts_status", "guarded by"] == "api + orm + database"


def test_orm_models_describe_the_same_tables(example_schema, orm):
    assert layers.orm_differences(example_schema, orm) == []
    # and the check can fail: a model with a column the ORM does not know
    from dbdesign.schema.parse import parse_sql
    other = parse_sql("CREATE TABLE users (id UUID PRIMARY KEY, email VARCHAR(255) NOT NULL, extra INT);")
    assert "users.extra: missing in the ORM model" in layers.orm_differences(other, orm)
