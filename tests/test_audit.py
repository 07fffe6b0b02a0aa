"""The audit trail on real engines: one change -> exactly one audit row, nothing for a rollback,
no lost change under concurrent writers (PostgreSQL)."""
from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from dbdesign import engines
from dbdesign.generate import audit
from dbdesign.lab import probe
from dbdesign.errors import EngineError, InputError


@pytest.fixture
def audited(engine_name, example_schema):
    with engines.throwaway(engine_name) as eng:
        probe.install_schema(eng, example_schema)
        plan = audit.install_audit(eng, example_schema)
        values = probe.ValueFactory(example_schema)
        base = probe.load_baseline(eng, example_schema, values)
        audit.set_actor(eng, base["users"]["id"])
        yield eng, example_schema, base, plan


def _json(v):
    return v if isinstance(v, dict) else json.loads(v)


def _count(eng, where="1=1"):
    return eng.query(f"SELECT count(*) FROM audit_log WHERE {where}")[0][0]


def test_baseline_inserts_are_audited_with_actor_columns(audited):
    eng, schema, base, plan = audited
    audited_tables = set(plan.tables)
    names = ", ".join(f"'{t}'" for t in audited_tables)
    # one INSERT row per audited table (the baseline wrote one row to each)
    assert _count(eng, f"operation = 'INSERT' AND table_name IN ({names})") == len(audited_tables)
    assert "audit_log" not in audited_tables


def test_one_update_one_audit_row_with_before_and_after(audited):
    eng, schema, base, _ = audited
    post = base["posts"]["id"]
    before = _count(eng)
    audit.audited_update(eng, schema, "posts", {"title": "changed"}, f"id = '{post}'", base["users"]["id"])
    rows = eng.query("SELECT row_id, old_values, new_values, actor_id FROM audit_log "
                     "WHERE operation = 'UPDATE' AND table_name = 'posts'")
    assert _count(eng) == before + 1 and len(rows) == 1
    row_id, old, new, actor = rows[0]
    assert row_id == post
    assert _json(old)["title"] == base["posts"]["title"] and _json(new)["title"] == "changed"
    assert str(actor) == base["users"]["id"]
    # updated_at moved forward (database clock), created_at did not
    assert str(_json(new)["updated_at"]) >= str(_json(old)["updated_at"])
    assert _json(new)["created_at"] == _json(old)["created_at"]


def test_update_of_n_rows_gives_n_audit_rows(audited):
    eng, schema, base, _ = audited
    tags = schema.tables["tags"]
    values = probe.ValueFactory(schema)
    values.counter = iter(range(1000, 2000))  # clear of the baseline's values
    for _ in range(4):
        eng.execute(probe.insert_sql(tags, values.row(tags, base)))
    n = eng.query("SELECT count(*) FROM tags")[0][0]
    assert n == 5
    before = _count(eng, "operation = 'UPDATE'")
    audit.audited_update(eng, schema, "tags", {"name": "renamed"}, "1=1", base["users"]["id"])
    assert _count(eng, "operation = 'UPDATE'") - before == n


def test_delete_and_soft_delete_are_both_recorded(audited):
    eng, schema, base, _ = audited
    tag = base["tags"]["id"]
    eng.execute(f"DELETE FROM post_tags WHERE tag_id = '{tag}'")
    eng.execute(f"DELETE FROM tags WHERE id = '{tag}'")
    (old,) = eng.query(f"SELECT old_values FROM audit_log WHERE operation = 'DELETE' AND table_name = 'tags'")[0]
    assert _json(old)["id"] == tag
    post = base["posts"]["id"]
    audit.audited_update(eng, schema, "posts", {"deleted_at": audit._Raw("CURRENT_TIMESTAMP")},
                         f"id = '{post}'", base["users"]["id"])
    rows = eng.query("SELECT old_values, new_values FROM audit_log WHERE operation = 'UPDATE' AND table_name = 'posts'")
    assert len(rows) == 1
    assert _json(rows[0][0])["deleted_at"] is None and _json(rows[0][1])["deleted_at"] is not None


def test_rolled_back_change_leaves_no_audit_row(audited):
    eng, schema, base, _ = audited
    before = _count(eng)
    eng.begin()
    eng.execute(probe.insert_sql(schema.tables["tags"], {"id": "00000000-0000-4000-8000-999999999999",
                                                         "name": "tmp", "slug": "tmp"}))
    if eng.name != "duckdb":
        eng.execute(f"UPDATE posts SET title = 'rolled back' WHERE id = '{base['posts']['id']}'")
    assert _count(eng) > before  # visible inside the transaction
    eng.rollback()
    assert _count(eng) == before


def test_secret_columns_stay_out_of_the_trail(audited):
    eng, *_ = audited
    (new,) = eng.query("SELECT new_values FROM audit_log WHERE table_name = 'users'")[0]
    assert "password_hash" not in _json(new) and "email" in _json(new)


def test_unknown_table_in_configuration_is_an_error(example_schema):
    with pytest.raises(InputError, match="unknown table 'nope'"):
        audit.audit_statements(example_schema, "postgres", ["nope"])
    with pytest.raises(InputError, match="unknown dialect"):
        audit.audit_statements(example_schema, "oracle")


def test_engine_limits_are_notes_not_silence(example_schema):
    assert any("UPDATE FOR EACH ROW" in n for n in audit.audit_statements(example_schema, "duckdb").notes)
    assert any("do not fire triggers" in n for n in audit.audit_statements(example_schema, "mysql").notes)


def test_sqlite_connection_without_actor_function_fails_loudly(example_schema):
    with engines.throwaway("sqlite") as eng:
        probe.install_schema(eng, example_schema)
        audit.install_audit(eng, example_schema)
        raw = sqlite3.connect(eng.path)
        with pytest.raises(sqlite3.OperationalError, match="app_user_id"):
            raw.execute("INSERT INTO tags (id, name, slug) VALUES ('x', 'n', 's')")
        raw.close()


def test_four_concurrent_writers_lose_no_change_postgres(example_schema):
    from conftest import require_engine
    require_engine("postgres")
    with engines.throwaway("postgres") as eng:
        probe.install_schema(eng, example_schema)
        audit.install_audit(eng, example_schema)
        base = probe.load_baseline(eng, example_schema, probe.ValueFactory(example_schema))
        post, user = base["posts"]["id"], base["users"]["id"]
        errors: list[Exception] = []

        def writer() -> None:
            try:
                with engines.connect(eng.url) as mine:
                    audit.set_actor(mine, user)
                    for _ in range(25):
                        mine.execute(f"UPDATE posts SET view_count = view_count + 1 WHERE id = '{post}'")
            except EngineError as err:  # pragma: no cover - reported below
                errors.append(err)

        threads = [threading.Thread(target=writer) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert eng.query(f"SELECT view_count FROM posts WHERE id = '{post}'")[0][0] == 100
        counts = eng.query("SELECT count(*), count(DISTINCT new_values->>'view_count') FROM audit_log "
                           "WHERE table_name = 'posts' AND operation = 'UPDATE'")[0]
        assert counts == (100, 100)  # every increment is one audit row, each a distinct value


def test_trail_demo_facts(engine_name, example_schema):
    demo = audit.trail_demo(engine_name, example_schema)
    facts = demo.facts()
    assert facts["1 UPDATE -> audit rows"] == 1
    assert set(demo.changed) == {"title", "updated_at"}
    assert demo.changed["title"][1] == "Edited title"
    assert facts["actor recorded"] and facts["soft delete recorded"] and facts["DELETE recorded"]
    assert demo.n_updated == demo.n_audit_rows == 4
    assert facts["rollback leaves"] == 0
    assert [r["operation"] for r in demo.log][:1] == ["UPDATE"]
    frame = demo.log_frame()
    assert frame.iloc[0]["changes"].startswith("title: ") and "updated_at: " in frame.iloc[0]["changes"]
    deleted = frame[frame["operation"] == "DELETE"].iloc[0]
    assert "name=" in deleted["changes"] and "->" not in deleted["changes"]


def test_changed_fields():
    assert audit.changed_fields('{"a": 1, "b": 2}', {"a": 1, "b": 3, "c": None}) == {"b": (2, 3)}
    assert audit.changed_fields(None, '{"a": 1}') == {"a": (None, 1)}


def test_measure_overhead_shape(example_schema):
    m = audit.measure_overhead("sqlite", example_schema, n=20)
    assert m["rows"] == 20 and m["insert rows/s with"] > 0 and m["update slowdown"] > 0
