"""plans: uses_index comes from the captured plan, on real data, per engine."""
from __future__ import annotations

import pytest

from conftest import EXAMPLE_QUERIES
from dbdesign import engines
from dbdesign.lab import datagen, plans, workload

ROWS = 6000


@pytest.fixture(scope="module")
def data(example_schema):
    return datagen.generate(example_schema, ROWS, tables=["users", "posts"], progress=False)


@pytest.fixture
def loaded(example_schema, data, engine_name):
    with engines.throwaway(engine_name) as eng:
        datagen.load(data, eng, indexes="none")
        yield eng


def plan_for(eng, data, schema, query, cand=None):
    q = workload.get_query(query, EXAMPLE_QUERIES)
    if cand:
        for st in q.candidate(cand).ddl(eng.name, schema):
            eng.execute(st)
        datagen.analyze_tables(eng, q.tables)
    return plans.explain_query(eng, q, q.resolve_params(data), cand)


def test_point_lookup_uses_index_only_when_built(loaded, data, example_schema):
    before = plan_for(loaded, data, example_schema, "user-by-email")
    assert not before.uses_index and before.access[0].method == "scan"
    after = plan_for(loaded, data, example_schema, "user-by-email", "ix_users_email")
    assert after.uses_index and "ix_users_email" in after.index_names
    if loaded.name != "sqlite":  # SQLite's EXPLAIN QUERY PLAN reports no row counts
        assert after.rows_examined == 1 and before.rows_examined >= ROWS // 5


def test_lower_is_not_served_by_a_plain_index(loaded, data, example_schema):
    assert not plan_for(loaded, data, example_schema, "user-by-email-ci", "ix_users_email").uses_index


def test_partial_index_used_only_when_predicate_repeated(example_schema, data):
    with engines.throwaway("sqlite") as eng:
        datagen.load(data, eng, indexes="none")
        eng.execute("CREATE INDEX ix_live ON users (created_at) WHERE deleted_at IS NULL")
        eng.execute("ANALYZE")
        live = plans.explain(eng, "SELECT id FROM users WHERE deleted_at IS NULL ORDER BY created_at LIMIT 5")
        every = plans.explain(eng, "SELECT id FROM users ORDER BY created_at LIMIT 5")
        assert live.index_names == ["ix_live"] and not live.sort
        assert not every.uses_index and every.sort


def test_sqlite_composite_removes_sort_but_in_list_does_not(example_schema, data):
    with engines.throwaway("sqlite") as eng:
        datagen.load(data, eng, indexes="none")
        eng.execute("CREATE INDEX ix_sc ON posts (status, created_at)")
        one = plans.explain(eng, "SELECT id FROM posts WHERE status = 'draft' ORDER BY created_at LIMIT 5")
        two = plans.explain(eng, "SELECT id FROM posts WHERE status IN ('draft', 'archived') "
                                 "ORDER BY created_at LIMIT 5")
        assert one.uses_index and not one.sort
        assert two.sort  # USE TEMP B-TREE FOR ORDER BY


def test_sqlite_like_prefix_does_not_use_plain_index(example_schema, data):
    with engines.throwaway("sqlite") as eng:
        datagen.load(data, eng, indexes="none")
        eng.execute("CREATE INDEX ix_e ON users (email)")
        assert not plans.explain(eng, "SELECT id FROM users WHERE email LIKE 'anna%'").uses_index
        assert plans.explain(eng, "SELECT id FROM users WHERE email = 'x'").uses_index


def test_duckdb_plain_explain_hides_index_and_art_skips_two_sided_range(example_schema, data):
    with engines.throwaway("duckdb") as eng:
        datagen.load(data, eng, indexes="none")
        eng.execute("CREATE INDEX ix_e ON users (email)")
        eng.execute("CREATE INDEX ix_c ON posts (created_at)")
        email = data.sample("SELECT email FROM users LIMIT 1")[0][0]
        sql = "SELECT id FROM users WHERE email = ?"
        assert plans.explain(eng, sql, (email,)).uses_index  # EXPLAIN ANALYZE: Index Scan
        text = plans.plain_explain_text(eng, sql, (email,))
        assert "Index Scan" not in text and "Sequential Scan" in text  # plain EXPLAIN lies
        lo, hi = data.sample("SELECT quantile_disc(created_at, 0.5), quantile_disc(created_at, 0.5) "
                             "+ INTERVAL 1 DAY FROM posts")[0]
        two = plans.explain(eng, "SELECT id FROM posts WHERE created_at >= ? AND created_at < ?", (lo, hi))
        assert not two.uses_index


def test_full_text_per_engine(loaded, data, example_schema):
    q = workload.get_query("posts-search-text", EXAMPLE_QUERIES)
    cand = q.candidate("ix_posts_fts")
    if loaded.name == "duckdb":
        assert cand.ddl("duckdb") == [] and "offline" in cand.reason("duckdb")
        return
    plan = plan_for(loaded, data, example_schema, "posts-search-text", "ix_posts_fts")
    assert any(a.method == "fts" for a in plan.access), plan.summary()


def test_covering_index_is_index_only(loaded, data, example_schema):
    plan = plan_for(loaded, data, example_schema, "posts-status-counts-covering", "ix_posts_user_id_status")
    if loaded.name == "duckdb":  # DuckDB has no index-only scans
        return
    assert [a.method for a in plan.access] == ["index-only"], plan.summary()
