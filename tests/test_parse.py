"""parse: PostgreSQL DDL -> model, with file:line on every object and on every error."""
from __future__ import annotations

import pytest

from dbdesign.errors import InputError
from dbdesign.schema.parse import parse_sql, split_statements


def test_statements_keep_their_lines():
    stmts = split_statements("SELECT 1;\n\n-- note\nCREATE TABLE t (a INT);\nSELECT 'a;b';")
    assert [s.line for s in stmts] == [1, 4, 5]
    assert stmts[2].sql == "SELECT 'a;b'"


def test_dollar_quoted_bodies_are_one_statement():
    text = "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN x := 1; RETURN NEW; END $$ LANGUAGE plpgsql;\nCREATE TABLE t (a INT);"
    schema = parse_sql(text, "f.sql")
    assert [o.kind for o in schema.others] == ["function"]
    assert "t" in schema.tables
    assert schema.diagnostics == []


def test_table_columns_and_constraints():
    schema = parse_sql("""
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE app.users (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email VARCHAR(255) NOT NULL UNIQUE,
  mood mood DEFAULT 'happy',
  score NUMERIC(5,2) CONSTRAINT ck_score CHECK (score >= 0),
  parent_id BIGINT REFERENCES app.users (id) ON DELETE SET NULL ON UPDATE CASCADE,
  lower_email TEXT GENERATED ALWAYS AS (lower(email)) STORED,
  "Quoted Name" TEXT
);""", "s.sql")
    t = schema.tables["app.users"]
    assert t.schema == "app" and t.name == "users"
    assert list(t.columns) == ["id", "email", "mood", "score", "parent_id", "lower_email", "Quoted Name"]
    assert t.columns["id"].identity == "always" and not t.columns["id"].nullable
    assert t.columns["email"].type == "VARCHAR(255)" and not t.columns["email"].nullable
    assert t.columns["mood"].default == "'happy'"
    assert t.columns["lower_email"].generated == "LOWER(email)"
    assert t.primary_key.columns == ["id"]
    assert [u.columns for u in t.uniques] == [["email"]]
    assert t.checks[0].name == "ck_score" and t.checks[0].expression == "score >= 0"
    fk = t.foreign_keys[0]
    assert (fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete, fk.on_update) == (
        ["parent_id"], "app.users", ["id"], "SET NULL", "CASCADE")
    assert schema.enums["mood"].values == ["happy", "sad"]
    assert t.columns["email"].source.line == 5 and t.source.line == 3


def test_table_level_and_composite_constraints():
    schema = parse_sql("""
CREATE TABLE a (x INT, y INT, PRIMARY KEY (x, y));
CREATE TABLE b (
  x INT, y INT, z INT,
  CONSTRAINT fk_b_a FOREIGN KEY (x, y) REFERENCES a (x, y) ON DELETE CASCADE,
  CONSTRAINT uq_b UNIQUE (y, z),
  CHECK (z > 0)
);
ALTER TABLE b ADD CONSTRAINT fk_b_z FOREIGN KEY (z, x) REFERENCES a (x, y);
""")
    b = schema.tables["b"]
    assert schema.tables["a"].primary_key.columns == ["x", "y"]
    assert [(f.name, f.columns, f.on_delete) for f in b.foreign_keys] == [
        ("fk_b_a", ["x", "y"], "CASCADE"), ("fk_b_z", ["z", "x"], None)]
    assert b.foreign_keys[1].source.line == 9
    assert b.uniques[0].name == "uq_b"
    assert b.checks[0].columns == ["z"]


def test_indexes_unique_partial_expression_desc_include():
    schema = parse_sql("""
CREATE TABLE users (id INT PRIMARY KEY, email TEXT, deleted_at TIMESTAMPTZ, created_at TIMESTAMPTZ, name TEXT);
CREATE UNIQUE INDEX idx_users_email ON users (lower(email)) WHERE deleted_at IS NULL;
CREATE INDEX idx_users_created_at ON users (created_at DESC) INCLUDE (name);
CREATE INDEX idx_users_name ON users USING gin (to_tsvector('english', name));
""")
    ix = {i.name: i for i in schema.tables["users"].indexes}
    e = ix["idx_users_email"]
    assert e.unique and e.where == "deleted_at IS NULL"
    assert e.columns[0].column is None and e.columns[0].expression == "LOWER(email)"
    c = ix["idx_users_created_at"]
    assert c.columns[0].column == "created_at" and c.columns[0].desc and c.include == ["name"]
    assert ix["idx_users_name"].method == "gin"


def test_alter_table_changes():
    schema = parse_sql("""
CREATE TABLE posts (id INT PRIMARY KEY, title TEXT, body TEXT, n INT);
CREATE INDEX idx_posts_title ON posts (title);
ALTER TABLE posts ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'draft';
ALTER TABLE posts RENAME COLUMN title TO headline;
ALTER TABLE posts DROP COLUMN body;
ALTER TABLE posts ALTER COLUMN n TYPE BIGINT;
ALTER TABLE posts ALTER COLUMN n SET NOT NULL;
ALTER TABLE posts ALTER COLUMN n SET DEFAULT 0;
ALTER TABLE posts ALTER COLUMN status DROP DEFAULT;
ALTER TABLE posts RENAME TO articles;
""")
    t = schema.tables["articles"]
    assert "posts" not in schema.tables
    assert list(t.columns) == ["id", "headline", "n", "status"]
    assert t.columns["n"].type == "BIGINT" and not t.columns["n"].nullable and t.columns["n"].default == "0"
    assert t.columns["status"].default is None
    assert t.indexes[0].columns[0].column == "headline" and t.indexes[0].table == "articles"


def test_drop_column_drops_dependent_index_and_constraints():
    schema = parse_sql("""
CREATE TABLE t (id INT PRIMARY KEY, a INT UNIQUE, b INT CHECK (b > 0));
CREATE INDEX idx_t_a ON t (a);
ALTER TABLE t DROP COLUMN a, DROP COLUMN b;
""")
    t = schema.tables["t"]
    assert t.indexes == [] and t.uniques == [] and t.checks == []


def test_drop_table_and_index():
    schema = parse_sql("""
CREATE TABLE a (id INT PRIMARY KEY);
CREATE TABLE b (id INT PRIMARY KEY, a_id INT REFERENCES a (id));
CREATE INDEX idx_b_a_id ON b (a_id);
DROP INDEX idx_b_a_id;
DROP TABLE b;
DROP TABLE IF EXISTS nothing;
""")
    assert list(schema.tables) == ["a"]


def test_drop_referenced_table_is_an_error():
    with pytest.raises(InputError, match=r"still referenced by b"):
        parse_sql("CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (a_id INT REFERENCES a (id));\nDROP TABLE a;", "m.sql")


def test_comments():
    schema = parse_sql("""
CREATE TABLE t (id INT);
COMMENT ON TABLE t IS 'Things';
COMMENT ON COLUMN t.id IS 'The key';
""")
    assert schema.tables["t"].comment == "Things"
    assert schema.tables["t"].columns["id"].comment == "The key"


def test_unknown_statement_is_recorded_as_not_understood_with_location():
    schema = parse_sql("CREATE TABLE t (id INT);\n\nIMPORT FOREIGN SCHEMA s FROM SERVER x INTO app;",
                       "x.sql")
    [s] = schema.skipped
    assert (s.file, s.line, s.category, s.kind) == ("x.sql", 3, "not understood", "IMPORT FOREIGN")


def test_data_statements_are_not_warnings():
    schema = parse_sql("CREATE TABLE t (id INT);\nINSERT INTO t VALUES (1);\nUPDATE t SET id = 2;", "x.sql")
    assert schema.diagnostics == []


@pytest.mark.parametrize("sql, line, col", [
    ("CREATE TABLE t (id INT);\nCREATE TABLE u (id INT,\n  x TEXT 'oops);", 3, None),
    ("CREATE TABLE t (\n  id INT PRIMARY KEY,\n  CONSTRAINT )\n);", 3, None),
])
def test_malformed_sql_names_file_line(sql, line, col):
    with pytest.raises(InputError) as info:
        parse_sql(sql, "bad.sql")
    err = info.value
    assert err.file == "bad.sql" and err.line == line
    assert str(err).startswith(f"bad.sql:{line}:")


def test_unknown_table_and_column_errors():
    with pytest.raises(InputError, match="table 'nope' does not exist"):
        parse_sql("ALTER TABLE nope ADD COLUMN x INT;", "m.sql")
    with pytest.raises(InputError, match="unknown column 'zz'"):
        parse_sql("CREATE TABLE t (a INT);\nCREATE INDEX idx_t_zz ON t (zz);", "m.sql")


def test_error_messages_show_tokens_not_reprs():
    with pytest.raises(InputError) as info:
        parse_sql("CREATE TABLE t (a int REFERENCES)", "f.sql")
    assert str(info.value) == ("f.sql:1:33: syntax error: Expected table name but got ')'; "
                               "fix the statement (PostgreSQL dialect expected; --read mysql|sqlite for other engines)")
    with pytest.raises(InputError, match="incomplete WHERE clause"):
        parse_sql("CREATE TABLE t (a int);\nCREATE INDEX idx_t_a ON t (a) WHERE;", "f.sql")


def test_unterminated_string_points_at_its_quote():
    with pytest.raises(InputError) as info:
        parse_sql("CREATE TABLE t (id INT);\nCREATE TABLE u (id INT,\n  x TEXT DEFAULT 'oops);", "bad.sql")
    assert (info.value.line, info.value.col) == (3, 18)


def test_alter_enum_values():
    schema = parse_sql("CREATE TYPE s AS ENUM ('a', 'c');\n"
                       "ALTER TYPE s ADD VALUE 'b' BEFORE 'c';\n"
                       "ALTER TYPE s ADD VALUE IF NOT EXISTS 'c';\n"
                       "ALTER TYPE s RENAME VALUE 'a' TO 'z';")
    assert schema.enums["s"].values == ["z", "b", "c"]


def test_maintenance_statements_are_skipped_without_design_effect():
    schema = parse_sql("CREATE TABLE t (id INT);\nCLUSTER t USING idx;", "x.sql")
    assert [(s.kind, s.category, s.line) for s in schema.skipped] == [
        ("CLUSTER", "no design effect", 2)]
    assert schema.diagnostics == []


def test_create_schema_is_kept_by_name():
    schema = parse_sql("CREATE SCHEMA app;\nCREATE TABLE app.t (id INT);")
    assert [(o.kind, o.name) for o in schema.others] == [("schema", "app")]


def test_column_level_primary_key_has_the_column_line():
    schema = parse_sql("CREATE TABLE t (\n  a INT,\n  id INT PRIMARY KEY\n);", "f.sql")
    assert schema.tables["t"].primary_key.source.line == 3


def test_drop_constraint_by_postgres_implicit_name():
    schema = parse_sql("""
CREATE TABLE users (id INT PRIMARY KEY, email TEXT UNIQUE, age INT CHECK (age > 0));
CREATE TABLE posts (id INT PRIMARY KEY, user_id INT REFERENCES users (id));
ALTER TABLE users DROP CONSTRAINT users_email_key;
ALTER TABLE users DROP CONSTRAINT users_age_check;
ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey;
ALTER TABLE posts DROP CONSTRAINT posts_pkey;
""")
    users, posts = schema.tables["users"], schema.tables["posts"]
    assert users.uniques == [] and users.checks == []
    assert posts.foreign_keys == [] and posts.primary_key is None
    with pytest.raises(InputError, match="constraint 'users_nope_key' not found"):
        parse_sql("CREATE TABLE users (id INT, email TEXT UNIQUE);\nALTER TABLE users DROP CONSTRAINT users_nope_key;")


PG_DUMP_SHAPES = """
CREATE TABLE public.t (
    id bigint NOT NULL,
    name character varying(80) NOT NULL,
    score numeric(5,2) DEFAULT round((1.5)::numeric, 1),
    tags text DEFAULT concat('a', lower(('B, C'::text)), 'd')
);
CREATE INDEX t_lower_name ON public.t USING btree (lower((name)::text));
CREATE UNIQUE INDEX t_name_score ON public.t USING btree (lower((name)::text) DESC, score) WHERE (score > (0)::numeric);
CREATE INDEX t_trgm ON public.t USING gin (name public.gin_trgm_ops);
"""


def test_fast_reader_matches_sqlglot_on_nested_parentheses_and_expression_indexes(monkeypatch):
    """The pg_dump fast path reads defaults with commas inside nested calls and expression
    index parts exactly as the sqlglot path does, source lines included."""
    import dbdesign.schema.parse as parse_module
    parsed = []
    full = parse_module._Reader.parse
    monkeypatch.setattr(parse_module._Reader, "parse",
                        lambda self, raw, lenient=True: parsed.append(raw.sql) or full(self, raw, lenient))
    fast = parse_sql(PG_DUMP_SHAPES, file="dump.sql")
    assert [s.split()[2] for s in parsed] == ["t_trgm"]  # only the opclass index needs sqlglot
    monkeypatch.setattr(parse_module, "FAST_PATH", False)
    slow = parse_sql(PG_DUMP_SHAPES, file="dump.sql")
    assert fast.to_dict() == slow.to_dict()
    t = fast.table("t")
    assert [ix.columns[0].expression for ix in t.indexes[:2]] == ["LOWER(CAST((name) AS TEXT))"] * 2
    assert t.indexes[1].columns[0].desc and t.indexes[1].where is not None


HAND_WRITTEN = """
CREATE TABLE users (
    id bigint PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE posts (id bigint NOT NULL, user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    editor_id bigint
        REFERENCES users ON DELETE SET NULL ON UPDATE NO ACTION,
    slug text DEFAULT NULL,
    CONSTRAINT posts_pk PRIMARY KEY (id),
    UNIQUE (user_id, slug),
    CONSTRAINT posts_editor_fk FOREIGN KEY (editor_id, user_id)
        REFERENCES users (id, id) ON DELETE SET DEFAULT
);
CREATE TABLE tags (post_id bigint REFERENCES posts(id) DEFERRABLE, name text CHECK (name <> ''));
"""


def test_fast_reader_matches_sqlglot_on_hand_written_keys(monkeypatch):
    """Inline and table-level keys of hand-written DDL (PRIMARY KEY, UNIQUE, REFERENCES with
    or without columns and actions, named constraints) take the fast path and build exactly
    the sqlglot model; DEFERRABLE and CHECK still go to sqlglot."""
    import dbdesign.schema.parse as parse_module
    parsed = []
    full = parse_module._Reader.parse
    monkeypatch.setattr(parse_module._Reader, "parse",
                        lambda self, raw, lenient=True: parsed.append(raw.sql) or full(self, raw, lenient))
    fast = parse_sql(HAND_WRITTEN, file="schema.sql")
    assert [s.split()[2] for s in parsed] == ["tags"]
    monkeypatch.setattr(parse_module, "FAST_PATH", False)
    assert fast.to_dict() == parse_sql(HAND_WRITTEN, file="schema.sql").to_dict()
    posts = fast.table("posts")
    assert [(fk.columns, fk.ref_columns, fk.on_delete, fk.on_update) for fk in posts.foreign_keys] == [
        (["user_id"], ["id"], "CASCADE", None), (["editor_id"], ["id"], "SET NULL", "NO ACTION"),
        (["editor_id", "user_id"], ["id", "id"], "SET DEFAULT", None)]
