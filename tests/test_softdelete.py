"""Soft delete on real engines: live-only uniqueness, views, cascade, restore, erasure, and the
PostgreSQL pitfall of a column-level UNIQUE next to the partial index."""
from __future__ import annotations

import pytest

from dbdesign import engines
from dbdesign.generate import softdelete
from dbdesign.lab import probe
from dbdesign.errors import EngineError, InputError
from dbdesign.schema.parse import parse_sql


@pytest.fixture
def soft(engine_name, example_schema):
    with engines.throwaway(engine_name) as eng:
        probe.install_schema(eng, example_schema)
        plan = softdelete.install_soft_delete(eng, example_schema)
        values = probe.ValueFactory(example_schema)
        base = probe.load_baseline(eng, example_schema, values)
        yield eng, example_schema, base, plan, values


def test_reusing_a_soft_deleted_email_and_the_active_view(soft):
    eng, schema, base, plan, values = soft
    users = schema.tables["users"]
    uid = base["users"]["id"]
    assert eng.query("SELECT count(*) FROM active_users")[0][0] == 1
    softdelete.soft_delete(eng, schema, "users", {"id": uid})
    assert eng.query("SELECT count(*) FROM active_users")[0][0] == 0
    twin = values.row(users, base, {"email": base["users"]["email"], "username": base["users"]["username"]})
    eng.execute(probe.insert_sql(users, twin))  # the address is free again
    if eng.name == "duckdb":
        assert any("not enforced" in n for n in plan.notes)
        return
    with pytest.raises(EngineError):  # ...but only once among live rows
        eng.execute(probe.insert_sql(users, values.row(users, base, {"email": base["users"]["email"].upper()})))
    with pytest.raises(EngineError):  # restoring the old account now collides
        eng.execute(softdelete.restore_sql("users", {"id": uid}))


def test_soft_delete_cascades_to_children(soft):
    eng, schema, base, plan, _ = soft
    post = base["posts"]["id"]
    softdelete.soft_delete(eng, schema, "posts", {"id": post})
    (deleted,) = eng.query(f"SELECT deleted_at FROM comments WHERE post_id = '{post}'")[0]
    assert deleted is not None
    assert (eng.name == "duckdb") == ("posts" in plan.app_cascade)


def test_restore_brings_a_row_back(soft):
    eng, schema, base, _, _ = soft
    tag_post = base["posts"]["id"]
    softdelete.soft_delete(eng, schema, "posts", {"id": tag_post})
    eng.execute(softdelete.restore_sql("posts", {"id": tag_post}))
    assert eng.query("SELECT count(*) FROM active_posts")[0][0] == 1


def test_erasure_anonymises_and_removes_personal_rows(soft):
    eng, schema, base, _, _ = soft
    uid = base["users"]["id"]
    for sql in softdelete.erasure_statements(schema, uid):
        eng.execute(sql)
    email, username = eng.query(f"SELECT email, username FROM users WHERE id = '{uid}'")[0]
    assert email == f"erased-{uid}@invalid" and base["users"]["email"] not in (email, username)
    assert eng.query(f"SELECT count(*) FROM profiles WHERE user_id = '{uid}'")[0][0] == 0
    assert eng.query(f"SELECT count(*) FROM posts WHERE user_id = '{uid}'")[0][0] == 1  # kept, RESTRICT


def test_notes_explain_cascade_and_table_wide_unique(example_schema):
    plan = softdelete.soft_delete_statements(example_schema, "postgres")
    assert any("comments.post_id ON DELETE CASCADE -> posts: never fires on a soft delete" in n for n in plan.notes)
    assert "CREATE VIEW active_users" in plan.sql
    mysql = softdelete.soft_delete_statements(example_schema, "mysql")
    assert "CASE WHEN deleted_at IS NULL THEN LOWER(email) END" in mysql.sql
    with pytest.raises(InputError, match="unknown table 'nope'"):
        softdelete.soft_delete_statements(example_schema, "postgres", ["nope"])


def test_postgres_column_unique_defeats_the_partial_index():
    """ENGINE_FACTS: with UNIQUE (email) on the column, a soft-deleted user's email can never be
    reused, whatever partial index sits next to it."""
    from conftest import require_engine
    require_engine("postgres")
    ddl = """CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE,
                                 deleted_at TIMESTAMPTZ NULL);
             CREATE UNIQUE INDEX idx_users_email ON users (lower(email)) WHERE deleted_at IS NULL;"""
    schema = parse_sql(ddl)
    plan = softdelete.soft_delete_statements(schema, "postgres")
    assert any("table-wide" in n for n in plan.notes)
    with engines.throwaway("postgres") as eng:
        eng.run_script([ddl])
        eng.execute("INSERT INTO users VALUES (1, 'a@x.org', now())")  # soft-deleted already
        with pytest.raises(EngineError, match="users_email_key"):
            eng.execute("INSERT INTO users VALUES (2, 'a@x.org', NULL)")
        eng.execute("ALTER TABLE users DROP CONSTRAINT users_email_key")
        eng.execute("INSERT INTO users VALUES (2, 'a@x.org', NULL)")  # now it works


# -- the pitfalls the chapter shows: each must hold on the real engine ---------------------------

@pytest.mark.parametrize("name", ["sqlite", "postgres"])
def test_pitfall_column_unique(name):
    from conftest import require_engine
    require_engine(name)
    with engines.throwaway(name) as eng:
        p = softdelete.pitfall_column_unique(eng)
    assert p.holds and p.observed == "rejected"
    assert p.fixed == "reuse accepted, live duplicate rejected"
    assert any(s.result.startswith("error:") for s in p.steps)


def test_pitfall_sqlite_foreign_keys():
    p = softdelete.pitfall_sqlite_foreign_keys()
    assert p.holds, p.observed
    assert p.fixed == "rejected"
    assert p.steps[-1].result == "error: FOREIGN KEY constraint failed"


def test_pitfall_duckdb_cascade():
    p = softdelete.pitfall_duckdb_cascade()
    assert p.holds, p.observed
    assert p.fixed == "accepted"  # children first, each DELETE committed on its own


def test_pitfall_mariadb_partial_index():
    from conftest import require_engine
    require_engine("mysql")
    with engines.throwaway("mysql") as eng:
        p = softdelete.pitfall_mariadb_partial_index(eng)
    assert p.holds and p.fixed == "reuse accepted, live duplicate rejected"


def test_pitfall_hard_cascade(example_schema):
    p = softdelete.pitfall_hard_cascade("sqlite", example_schema)
    assert p.holds, p.observed
    assert p.fixed == "0 live comments after the soft delete"
    with pytest.raises(InputError, match="no ON DELETE CASCADE"):
        softdelete.pitfall_hard_cascade("sqlite", example_schema, parent="users", child="posts")


def test_erase_user_leaves_no_personal_data_in_the_audit_trail(engine_name, example_schema):
    facts = softdelete.erasure_demo(engine_name, example_schema)
    # the plain statement list misses the deleted profile's own audit rows (INSERT + DELETE)
    assert facts["audit rows with personal data after erasure_statements"] == 2
    assert facts["audit rows with personal data after erase_user"] == 0
    assert facts["user row kept"] and facts["personal values left in the user row"] == 0


def test_strategy_frame(example_schema):
    frame = softdelete.strategy_frame(example_schema).set_index(["dialect", "table"])
    assert frame.loc[("mysql", "users"), "live-only unique"].startswith("generated column + UNIQUE")
    assert frame.loc[("duckdb", "posts"), "live-only unique"].startswith("NOT enforced")
    assert frame.loc[("mysql", "comments"), "soft delete cascades to"] == "comments by soft_delete() in the application"
    assert frame.loc[("postgres", "posts"), "soft delete cascades to"] == "comments by trigger"
