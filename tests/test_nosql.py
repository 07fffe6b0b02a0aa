"""Document and key-value designs derived from the example model (dbdesign.generate.nosql)."""
from __future__ import annotations

import pytest

from dbdesign.errors import InputError
from dbdesign.generate.nosql import document_design, key_value_design

USER = "u1"
ROWS = {
    "users": [{"id": USER, "email": "a@x", "username": "a"}, {"id": "u2", "email": "b@x", "username": "b"}],
    "profiles": [{"id": "p1", "user_id": USER, "display_name": "A"}],
    "posts": [{"id": "t1", "user_id": USER, "title": "One", "created_at": "2024-01-02"},
              {"id": "t2", "user_id": "u2", "title": "Two", "created_at": "2024-01-03"}],
    "tags": [{"id": "g1", "slug": "db"}, {"id": "g2", "slug": "design"}],
    "post_tags": [{"post_id": "t1", "tag_id": "g2"}, {"post_id": "t1", "tag_id": "g1"}],
}


def test_embedding_decisions(example_schema):
    d = {e.field: e for e in document_design(example_schema, "users").embeddings}
    assert (d["profile"].relation, d["profile"].decision) == ("1:1", "embed")
    assert (d["posts"].relation, d["posts"].decision) == ("1:N", "embed summary")
    assert d["posts[].tags"].decision == "label array" and d["posts[].tags"].fields == ["slug"]
    assert d["comments"].decision == "reference" and "also belongs to posts" in d["comments"].reason
    assert "audit_log" not in {e.table for e in d.values()}  # no FK: not a child


def test_documents_from_rows(example_schema):
    docs = {doc["_id"]: doc for doc in document_design(example_schema, "users").build(ROWS)}
    assert docs[USER]["profile"]["display_name"] == "A"
    assert [p["id"] for p in docs[USER]["posts"]] == ["t1"]
    assert docs[USER]["posts"][0]["tags"] == ["design", "db"]
    assert docs["u2"]["profile"] is None and docs["u2"]["posts"][0]["tags"] == []


def test_key_value_items(example_schema):
    kv = key_value_design(example_schema, "users")
    assert [(i.entity, i.pk, i.sk) for i in kv.items] == [
        ("users", "USER#{id}", "META"), ("profiles", "USER#{user_id}", "PROFILE"),
        ("posts", "USER#{user_id}", "POST#{created_at}#{id}"),
        ("unique guard", "USER_EMAIL#{email}", "UNIQUE"),
        ("unique guard", "USER_USERNAME#{username}", "UNIQUE")]
    items = [(i["PK"], i["SK"]) for i in kv.build(ROWS) if i["PK"] == f"USER#{USER}"]
    assert items == [(f"USER#{USER}", "META"), (f"USER#{USER}", "POST#2024-01-02#t1"),
                     (f"USER#{USER}", "PROFILE")]


def test_unknown_root(example_schema):
    with pytest.raises(InputError, match="no table 'people'"):
        document_design(example_schema, "people")


def test_root_and_audit_columns_from_config_and_shared_singular():
    from dbdesign.config import parse_config
    from dbdesign.schema.parse import parse_sql
    schema = parse_sql(
        "CREATE TABLE people (id BIGINT PRIMARY KEY, email TEXT UNIQUE);\n"
        "CREATE TABLE notes (id BIGINT PRIMARY KEY, person_id BIGINT NOT NULL REFERENCES people (id),"
        " made_at TIMESTAMPTZ);\n"
        "CREATE TABLE tags (id BIGINT PRIMARY KEY, made_by BIGINT REFERENCES people (id));")
    cfg = parse_config('[lint]\nusers_table = "people"\naudit_columns = ["made_by"]\n'
                       'timestamp_columns = ["made_at"]\n')
    doc = document_design(schema, config=cfg)
    assert doc.root == "people"
    assert [e.table for e in doc.embeddings] == ["notes"]  # made_by is not ownership
    assert "a person page lists its notes" in doc.embeddings[0].reason
    kv = key_value_design(schema, config=cfg)
    assert any(i.sk == "NOTE#{made_at}#{id}" for i in kv.items)
    assert kv.items[0].pk == "PERSON#{id}"
