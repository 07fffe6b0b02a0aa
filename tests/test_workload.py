"""workload: named queries, parameters from generated data, user query files."""
from __future__ import annotations

import pytest

from conftest import EXAMPLE_QUERIES
from dbdesign.lab import datagen, workload
from dbdesign.errors import InputError

REQUIRED = {"user-by-email", "posts-by-user", "posts-by-status-recent", "posts-created-range",
            "posts-search-text", "active-users", "comments-join", "posts-status-counts-covering"}


def test_standard_workload_names_and_candidates():
    qs = EXAMPLE_QUERIES
    assert REQUIRED <= {q.name for q in qs}
    assert all(q.candidates for q in qs)


def test_params_come_from_generated_data(example_schema):
    data = datagen.generate(example_schema, 2000, tables=["users", "posts"], progress=False)
    p = workload.get_query("user-by-email", EXAMPLE_QUERIES).resolve_params(data)
    assert data.sample("SELECT count(*) FROM users WHERE email = ?", [p["email"]])[0][0] == 1


def test_bind_per_driver():
    sql, values = workload.bind("SELECT 1 FROM t WHERE a = :a AND b LIKE '%:x' || :b AND c::text = :a",
                                {"a": 1, "b": "z"}, "postgres")
    assert sql == "SELECT 1 FROM t WHERE a = %s AND b LIKE '%%:x' || %s AND c::text = %s"
    assert values == (1, "z", 1)
    assert workload.bind("SELECT :a", {"a": 2}, "sqlite") == ("SELECT ?", (2,))
    with pytest.raises(InputError, match=":b"):
        workload.bind("SELECT :b", {}, "sqlite")


def test_candidate_ddl_per_engine(example_schema):
    q = workload.get_query("user-by-email-ci", EXAMPLE_QUERIES)
    partial = q.candidate("ix_users_email_lower")
    assert "WHERE" in partial.ddl("sqlite", example_schema)[0]
    assert partial.ddl("duckdb", example_schema) == []  # no partial indexes
    assert "partial" in partial.reason("mysql", example_schema)
    fts = workload.get_query("posts-search-text", EXAMPLE_QUERIES).candidate("ix_posts_fts")
    assert "FULLTEXT" in fts.ddl("mysql")[0] and "fts5" in fts.ddl("sqlite")[0]
    assert "offline" in fts.reason("duckdb")


def test_example_workload_file_holds_the_engine_variants():
    qs = EXAMPLE_QUERIES
    assert qs[0].tables == ["users"] and qs[0].source.line > 1
    fts = workload.get_query("posts-search-text", qs)
    assert set(fts.variants) == {"sqlite", "duckdb", "mysql"}
    assert "MATCH" in fts.sql_for("sqlite", "ix_posts_fts") and "LIKE" in fts.sql_for("sqlite")
    assert fts.candidate("ix_posts_fts").drop == {"sqlite": ["DROP TABLE ix_posts_fts"]}
    assert "--" not in workload.get_query("active-users", qs).sql  # header comments stay out


def test_engine_headers_must_name_a_declared_candidate(tmp_path):
    f = tmp_path / "q.sql"
    f.write_text("-- name: q\n-- candidate-sql: nope sqlite: CREATE INDEX x ON t (a)\nSELECT 1;\n")
    with pytest.raises(InputError, match=r"q.sql:2:.*'nope'"):
        workload.load_queries(str(f))
    f.write_text("-- name: q\n-- variant: oracle: SELECT 2\nSELECT 1;\n")
    with pytest.raises(InputError, match=r"q.sql:2:.*ENGINE one of"):
        workload.load_queries(str(f))


def test_configured_workload_is_for_the_configured_source_only(example_schema, monkeypatch, tmp_path):
    from dbdesign.config import load_config
    config = load_config()
    monkeypatch.delenv("DBDESIGN_WORKLOAD", raising=False)
    assert [q.name for q in workload.for_schema(example_schema, None, config)] == \
        [q.name for q in EXAMPLE_QUERIES]
    derived = workload.for_schema(example_schema, str(tmp_path / "other.sql"), config)
    assert derived and "user-by-email" not in {q.name for q in derived}
    (tmp_path / "workload.sql").write_text("-- name: mine\nSELECT id FROM users;\n")
    assert [q.name for q in workload.for_schema(example_schema, str(tmp_path / "other.sql"))] == ["mine"]
    (tmp_path / "workload.sql").write_text("-- name: theirs\nSELECT id FROM invoices;\n")
    assert workload.for_schema(example_schema, str(tmp_path / "other.sql"))[0].name != "theirs"


def test_query_file_errors_have_file_and_line(tmp_path):
    f = tmp_path / "q.sql"
    f.write_text("-- name: ok\nSELECT 1;\n\n-- name: broken\n-- param: x = 1\nSELECT FROM WHERE (;\n")
    with pytest.raises(InputError) as err:
        workload.load_queries(str(f))
    assert str(err.value).startswith(f"{f}:6:")
    f.write_text("SELECT 1;\n")
    with pytest.raises(InputError, match=r":1: SQL before the first"):
        workload.load_queries(str(f))


def test_candidate_spec_parsing():
    c = workload.parse_candidate("ix: posts (user_id, created_at DESC) INCLUDE (status) WHERE deleted_at IS NULL")
    assert (c.name, c.table, c.columns, c.include, c.where) == (
        "ix", "posts", ["user_id", "created_at DESC"], ["status"], "deleted_at IS NULL")
    assert c.index().columns[1].desc
    with pytest.raises(InputError):
        workload.parse_candidate("posts user_id")
