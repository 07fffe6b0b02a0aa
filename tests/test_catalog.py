"""The constraint catalogue and index documentation, checked against exact facts of the example
schema in migrations/ (and a few small schemas for the cases the example does not have)."""
from __future__ import annotations

import json

import pytest

from dbdesign.generate.catalog import KINDS, build_catalog, tables_frame
from dbdesign.schema.parse import parse_sql


@pytest.fixture(scope="module")
def cat(example_schema):
    return build_catalog(example_schema)


def entry(cat, table, kind, columns):
    found = [c for c in cat.constraints if c.table == table and c.kind == kind and c.columns == columns]
    assert len(found) == 1, f"{table} {kind} {columns}: {len(found)} entries"
    return found[0]


def test_counts_of_the_example(cat):
    s = cat.summary()
    assert s["by_kind"] == {"PRIMARY KEY": 7, "FOREIGN KEY": 19, "UNIQUE": 5, "CHECK": 5,
                            "NOT NULL": 32, "DEFAULT": 22}
    assert s["constraints"] == 90
    # 23 CREATE INDEX + 7 primary keys + 2 UNIQUE constraints (profiles.user_id, tags.slug)
    assert (s["indexes"], s["declared_indexes"], s["partial_indexes"]) == (32, 23, 3)


def test_fk_restrict_sentence(cat):
    fk = entry(cat, "posts", "FOREIGN KEY", ["user_id"])
    assert fk.on_delete == "RESTRICT" and fk.on_update is None
    assert fk.references == "users(id)"
    assert fk.description.startswith(
        "posts.user_id must reference an existing users.id; deleting a user that still has posts "
        "is refused (RESTRICT)")
    assert fk.description_source == "generated"
    assert fk.file.endswith("0003_create_posts.up.sql") and fk.line == 3


def test_fk_cascade_set_null_and_self_reference(cat):
    assert "deleting a user also deletes its profiles (CASCADE)" in \
        entry(cat, "profiles", "FOREIGN KEY", ["user_id"]).description
    created_by = entry(cat, "posts", "FOREIGN KEY", ["created_by"]).description
    assert "or be NULL" in created_by
    assert "keeps its posts and sets created_by to NULL (SET NULL)" in created_by
    parent = entry(cat, "comments", "FOREIGN KEY", ["parent_id"]).description
    assert "deleting a comment also deletes the comments rows that point at it (CASCADE)" in parent


def test_fk_without_on_delete_is_explained():
    schema = parse_sql("CREATE TABLE users (id INT PRIMARY KEY);\n"
                       "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT NOT NULL REFERENCES users (id) "
                       "ON UPDATE CASCADE);")
    fk = entry(build_catalog(schema), "posts", "FOREIGN KEY", ["user_id"])
    assert "(ON DELETE not specified: NO ACTION, the engine's default)" in fk.description
    assert "changing users.id updates user_id to match (CASCADE)" in fk.description
    assert fk.definition == "FOREIGN KEY (user_id) REFERENCES users(id) ON UPDATE CASCADE"


def test_unique_index_uses_the_migration_comment(cat):
    email = [c for c in cat.constraints if c.name == "idx_users_email"][0]
    assert email.kind == "UNIQUE" and email.enforced_by == "unique index"
    assert email.where == "deleted_at IS NULL"
    assert email.description_source == "sql-comment"
    assert email.description.startswith("Emails are unique case-insensitively")
    assert email.column_comment == "Login address, unique (case-insensitive) among live accounts."
    slug = [c for c in cat.constraints if c.name == "idx_posts_slug"][0]
    assert slug.description_source == "generated"
    assert "a soft-deleted row frees its value for reuse" in slug.description


def test_check_sentences(cat):
    assert entry(cat, "posts", "CHECK", ["status"]).description.startswith(
        "posts.status must be one of 'draft', 'published', 'archived'")
    assert entry(cat, "posts", "CHECK", ["view_count"]).description == "posts.view_count must be >= 0."
    assert "between 1 and 10000" in entry(cat, "comments", "CHECK", ["body"]).description


def test_not_null_skips_primary_key_columns(cat):
    not_null = {(c.table, c.columns[0]) for c in cat.constraints if c.kind == "NOT NULL"}
    assert ("users", "email") in not_null and ("users", "id") not in not_null
    assert ("post_tags", "post_id") not in not_null  # part of the composite key
    assert "every post belongs to a user" in entry(cat, "posts", "NOT NULL", ["user_id"]).description


def test_defaults_and_identity(cat):
    assert entry(cat, "audit_log", "DEFAULT", ["id"]).definition == "GENERATED ALWAYS AS IDENTITY"
    assert "random UUID" in entry(cat, "users", "DEFAULT", ["id"]).description
    upd = entry(cat, "posts", "DEFAULT", ["updated_at"]).description
    assert "does not move on UPDATE" in upd
    assert entry(cat, "posts", "DEFAULT", ["status"]).description == \
        "posts.status defaults to 'draft' when an INSERT omits it."


def test_enum_type_is_a_check():
    schema = parse_sql("CREATE TYPE post_status AS ENUM ('draft', 'published');\n"
                       "CREATE TABLE posts (id INT PRIMARY KEY, status post_status NOT NULL);")
    enum = [c for c in build_catalog(schema).constraints if c.enforced_by == "enum type"]
    assert len(enum) == 1 and enum[0].kind == "CHECK"
    assert "must be one of 'draft', 'published'" in enum[0].description


def test_constraint_comment_wins_over_generated_text(example_schema):
    # COMMENT ON CONSTRAINT is not in the model yet; a `comment` attribute is honoured when present.
    import copy
    schema = copy.deepcopy(example_schema)
    fk = schema.tables["posts"].foreign_keys[0]
    fk.comment = "Authors are soft-deleted; a hard delete of an author with posts is a bug."
    e = entry(build_catalog(schema), "posts", "FOREIGN KEY", ["user_id"])
    assert (e.description, e.description_source) == (fk.comment, "comment")


def test_index_purposes(cat):
    ix = {i.name: i for i in cat.indexes}
    assert ix["idx_posts_status_created_at"].purpose_source == "sql-comment"
    assert ix["idx_posts_status_created_at"].columns == ["status", "created_at DESC"]
    assert "filtered sorting: WHERE status = ? ORDER BY created_at DESC" in ix["idx_posts_status_created_at"].serves
    assert any(s.startswith("the foreign key user_id -> users") for s in ix["idx_posts_user_id_created_at"].serves)
    assert ix["idx_comments_parent_id"].purpose.startswith("the foreign key parent_id -> comments")
    assert ix["idx_users_username"].unique and ix["idx_users_username"].where == "deleted_at IS NULL"
    assert any("must repeat that predicate" in s for s in ix["idx_users_username"].serves)
    # A written rationale (the `--` comment above CREATE INDEX) wins over the generated one.
    assert ix["idx_audit_log_table_name_row_id"].purpose == "History of one row: WHERE table_name = ? AND row_id = ?."
    assert "lookups WHERE table_name = ? AND row_id = ? (and by the leading column alone)" in \
        ix["idx_audit_log_table_name_row_id"].serves
    implied = [i for i in cat.indexes if i.origin != "CREATE INDEX"]
    assert {(i.table, i.origin) for i in implied} >= {("profiles", "UNIQUE constraint"), ("tags", "UNIQUE constraint")}


def test_index_comment_on_index_wins():
    schema = parse_sql("CREATE TABLE t (id INT PRIMARY KEY, a INT);\n"
                       "CREATE INDEX idx_t_a ON t (a);\n"
                       "COMMENT ON INDEX idx_t_a IS 'Nightly report groups by a.';")
    ix = [i for i in build_catalog(schema).indexes if i.name == "idx_t_a"][0]
    assert (ix.purpose, ix.purpose_source) == ("Nightly report groups by a.", "comment")


def test_outputs_are_consistent(cat):
    data = json.loads(json.dumps(cat.to_dict()))
    assert len(data["constraints"]) == 90 and len(data["indexes"]) == 32
    assert set(data["constraints"][0]) >= {"table", "kind", "columns", "definition", "description"}
    frame = cat.to_frame()
    assert list(frame["kind"].unique()) == [k for k in KINDS if k in set(frame["kind"])]
    assert len(frame) == 90 and len(cat.indexes_frame()) == 32
    md = cat.to_markdown()
    assert md.startswith("# Constraint catalogue")
    assert "## post_tags" in md and "| posts | idx_posts_slug | slug | yes | deleted_at IS NULL |" in md
    assert "\n| UNIQUE | slug | `UNIQUE (slug)` |" in md


def test_sentences_use_the_shared_singular():
    # catalog used to say "each people row"; naming's singular is the one lint uses
    schema = parse_sql("CREATE TABLE people (id BIGINT PRIMARY KEY);\n"
                       "CREATE TABLE statuses (id BIGINT PRIMARY KEY);")
    pk = {c.table: c.description for c in build_catalog(schema).constraints
          if c.kind == "PRIMARY KEY"}
    assert "identifies each person:" in pk["people"]
    assert "identifies each status:" in pk["statuses"]


def test_configured_conventions_drive_soft_delete_and_audit_wording():
    from dbdesign.config import parse_config
    schema = parse_sql(
        "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT, removed_at TIMESTAMPTZ,\n"
        "  made_by BIGINT REFERENCES users (id));\n"
        "CREATE UNIQUE INDEX idx_users_email ON users (email) WHERE removed_at IS NULL;")
    cfg = parse_config('[lint]\nsoft_delete_column = "removed_at"\naudit_columns = ["made_by"]\n')
    cat = build_catalog(schema, cfg)
    uq = next(c for c in cat.constraints if c.name == "idx_users_email")
    assert "soft-deleted row frees its value" in uq.description
    fk = next(c for c in cat.constraints if c.kind == "FOREIGN KEY")
    assert "Audit column" in fk.description
    assert "Audit column" not in next(c for c in build_catalog(schema).constraints
                                      if c.kind == "FOREIGN KEY").description
    frame = tables_frame(schema, cfg)
    assert bool(frame.loc[0, "soft delete"]) and frame.loc[0, "references"] == ""
