"""The generated SQLAlchemy models on real engines: `create_all`, read back with dbdesign's
introspection, equal to the design as each engine holds it (modulo the renderer's portability
notes); one row per table inserted through the ORM and read back; relationships, DESC indexes,
Identity, JSONB; validators that never show a secret column's value."""
from __future__ import annotations

import os

import pytest
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import configure_mappers
from sqlalchemy.schema import CreateIndex, CreateTable

from dbdesign import engines
from dbdesign.generate import layers
from dbdesign.schema import naming


@pytest.fixture(scope="module")
def orm(example_schema):
    mod = layers.load_module(layers.sqlalchemy_source(example_schema), "test_orm_models_gen")
    configure_mappers()
    return mod


def test_create_all_matches_the_design_and_rows_round_trip(engine_name, throwaway_engine, example_schema):
    if type(throwaway_engine).sqlalchemy_scheme is None:
        pytest.skip(f"{engine_name}: no SQLAlchemy dialect pinned for this engine (duckdb_engine is not a dependency)")
    result = layers.orm_on_engine(example_schema, throwaway_engine)
    assert result.unexplained == [], "\n".join(str(c) for c in result.unexplained)
    assert result.problems == []
    assert sorted(result.read_back) == sorted(example_schema.tables)
    if engine_name in ("postgres", "mysql"):  # no type emulation there: nothing to excuse
        assert result.diff.is_empty, result.diff.format_text()


def test_the_engine_check_reports_a_real_difference(example_schema):
    """Drop an index from the models behind the design's back: the comparison names it."""
    mod = layers.load_module(layers.sqlalchemy_source(example_schema), "test_orm_models_broken")
    posts = mod.Base.metadata.tables["posts"]
    posts.indexes.discard(next(ix for ix in posts.indexes if ix.name == "idx_posts_user_id_created_at"))
    with engines.throwaway("sqlite") as eng:
        result = layers.orm_on_engine(example_schema, eng, mod)
    assert [str(c) for c in result.unexplained] == \
        ["- index posts.idx_posts_user_id_created_at: (user_id, created_at DESC)"]


def test_relationships_pair_up_without_clashes(orm):
    user, post, comment = orm.User, orm.Post, orm.Comment
    assert post.user.property.back_populates == "posts" and user.posts.property.back_populates == "user"
    # two more FKs posts -> users: their own collections, named after the column
    assert user.posts_created_by.property.back_populates == "created_by_user"
    assert {c.name for c in post.created_by_user.property.local_columns} == {"created_by"}
    # self-reference: many-to-one with the remote side, and the collection back
    assert comment.parent.property.direction.name == "MANYTOONE"
    assert comment.comments_parent.property.direction.name == "ONETOMANY"
    # one-to-one where the FK columns are unique: a scalar on the parent
    assert user.profile.property.uselist is False
    for cls in (user, post, comment, orm.Profile, orm.Tag, orm.PostTag, orm.AuditLog):
        cols = set(cls.__table__.columns.keys())
        rels = set(cls.__mapper__.relationships.keys())
        assert not cols & rels


def test_relationships_write_through_the_orm():
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from dbdesign.schema.parse import parse_sql
    schema = parse_sql("CREATE TABLE nodes (id INT PRIMARY KEY, parent_id INT REFERENCES nodes (id),"
                       " owner_id INT NOT NULL REFERENCES owners (id), editor_id INT REFERENCES owners (id));"
                       "CREATE TABLE owners (id INT PRIMARY KEY, name TEXT NOT NULL);")
    mod = layers.load_module(layers.sqlalchemy_source(schema), "test_orm_models_nodes")
    sa = create_engine("sqlite://")
    mod.Base.metadata.create_all(sa)
    with Session(sa) as s:
        ann, bob = mod.Owner(id=1, name="ann"), mod.Owner(id=2, name="bob")
        root = mod.Node(id=1, owner=ann, editor=bob)
        mod.Node(id=2, owner=ann, parent=root)
        s.add(root)
        s.commit()
        assert [n.id for n in s.get(mod.Node, 1).nodes_parent] == [2]
        assert [n.id for n in s.get(mod.Owner, 1).nodes] == [1, 2]
        assert [n.id for n in s.get(mod.Owner, 2).nodes_editor] == [1]


def test_desc_identity_jsonb_and_partial_indexes_on_postgresql(orm):
    dialect = postgresql.dialect()
    audit = str(CreateTable(orm.AuditLog.__table__).compile(dialect=dialect))
    assert "BIGSERIAL" not in audit and "GENERATED ALWAYS AS IDENTITY" in audit
    assert "JSONB" in audit
    users = str(CreateTable(orm.User.__table__).compile(dialect=dialect))
    assert "id UUID" in users
    ix = {i.name: str(CreateIndex(i).compile(dialect=dialect)) for i in orm.Post.__table__.indexes}
    assert ix["idx_posts_user_id_created_at"].endswith("(user_id, created_at DESC)")
    assert ix["idx_posts_slug"].endswith("WHERE deleted_at IS NULL")


def test_validators_never_show_a_secret_value(orm):
    secret = "$argon2id$v=19$" + "s3cr3t" * 60
    with pytest.raises(ValueError) as err:
        orm.User(password_hash=secret)
    assert "longer than 255" in str(err.value) and "s3cr3t" not in str(err.value)
    with pytest.raises(ValueError) as err:  # an ordinary column still shows what was wrong
        orm.User(username="visible" * 10)
    assert "visible" in str(err.value)


def test_secret_column_names():
    assert [c for c in ("password_hash", "api_token", "client_secret", "salt", "email", "username")
            if naming.is_secret_column(c)] == ["password_hash", "api_token", "client_secret", "salt"]


@pytest.mark.parametrize("corpus_file", ["chinook-postgres.sql", "northwind-postgres.sql"])
def test_real_schemas_through_the_orm(engine_name, throwaway_engine, corpus_file):
    """Real schemas (integer keys, named constraints, REAL, BYTEA, TIMESTAMP without zone)."""
    from corpus_load import CORPUS
    from dbdesign.schema.source import load_source
    if type(throwaway_engine).sqlalchemy_scheme is None:
        pytest.skip(f"{engine_name}: no SQLAlchemy dialect pinned for this engine (duckdb_engine is not a dependency)")
    path = CORPUS / corpus_file
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"corpus missing under CI=true: {path}")
        pytest.skip(f"corpus not here: {path} (see the preamble: ../shared/corpus)")
    schema = load_source(str(path))
    result = layers.orm_on_engine(schema, throwaway_engine)
    assert result.unexplained == [], "\n".join(str(c) for c in result.unexplained)
    assert result.problems == [] and sorted(result.read_back) == sorted(schema.tables)


def test_sqlite_uuids_match_what_the_design_writes(orm, example_schema):
    """A row the design's own SQL DEFAULT numbered and a row the ORM wrote: both 36-character
    UUID text, both found by `session.get` with a uuid.UUID."""
    import uuid
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session
    sa = create_engine("sqlite://")
    orm.Base.metadata.create_all(sa)
    with Session(sa) as s:
        s.execute(text("INSERT INTO tags (name, slug) VALUES ('sql', 'sql')"))
        s.add(orm.Tag(name="orm", slug="orm"))
        s.commit()
        ids = dict(s.execute(text("SELECT name, id FROM tags")).all())
        assert {len(v) for v in ids.values()} == {36}
        assert s.get(orm.Tag, uuid.UUID(ids["sql"])).name == "sql"
        assert s.get(orm.Tag, uuid.UUID(ids["orm"])).name == "orm"
