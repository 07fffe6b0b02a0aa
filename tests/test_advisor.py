"""advisor: proposals from the SQL (leftmost prefix, ORDER BY, partial, expression, covering),
verified on real engines (uses_index from the captured plan), peers (.expert, HypoPG)."""
from __future__ import annotations

import re

import pytest

from dbdesign import engines
from dbdesign.lab import advisor, datagen, workload
from dbdesign.errors import InputError
from dbdesign.lab.workload import Query

from conftest import require_engine, EXAMPLE_QUERIES


def props(schema, engine, baseline="keys", queries=None):
    qs = queries or EXAMPLE_QUERIES
    tables = list(dict.fromkeys(t for q in qs for t in q.tables))
    existing = advisor.existing_indexes(schema, engine, tables, design=baseline == "schema")
    return {q: p for p in advisor.propose(schema, qs, engine, existing) for q in p.queries}


@pytest.fixture(scope="module")
def data(example_schema):
    return datagen.generate(example_schema, 3000, tables=["users", "posts", "comments"], progress=False)


def test_equality_first_then_order_with_direction(example_schema):
    p = props(example_schema, "sqlite")
    assert p["posts-by-status-recent"].key == ["status", "created_at DESC"]
    assert p["posts-by-user"].key == ["user_id", "created_at DESC"]
    assert p["posts-created-range"].key == ["created_at"]
    assert p["posts-status-counts-covering"].key == ["user_id", "status"]  # GROUP BY after equality
    assert p["comments-join"].table in ("comments", "users")


def test_partial_expression_and_covering_follow_capabilities(example_schema):
    lite, pg, my, duck = (props(example_schema, e) for e in ("sqlite", "postgres", "mysql", "duckdb"))
    ci = lite["user-by-email-ci"]
    assert ci.key == ["(LOWER(email))"] and ci.where == "deleted_at IS NULL" and ci.kind == "partial"
    assert my["user-by-email-ci"].verdict == "unavailable" and "generated" in my["user-by-email-ci"].evidence
    assert pg["active-users"].include == ["id", "username"] and pg["active-users"].extra == []
    assert lite["active-users"].extra == ["id", "username"] and lite["active-users"].include == []
    assert duck["active-users"].extra == [] and duck["active-users"].key[0] == "deleted_at"  # no partial
    assert "ix_posts_fts" == lite["posts-search-text"].name  # the workload's own FTS structure
    assert duck["posts-search-text"].verdict == "unavailable"


def test_in_list_and_range_end_the_useful_prefix(example_schema):
    qs = [Query("in-sort", "SELECT id FROM posts WHERE status IN ('draft', 'archived') "
                           "ORDER BY created_at LIMIT 5", tables=["posts"]),
          Query("two-ranges", "SELECT id FROM posts WHERE user_id = :u AND created_at > :t "
                              "AND view_count > 3", tables=["posts"])]
    p = props(example_schema, "sqlite", queries=qs)
    assert p["in-sort"].key == ["status"] and "sort remains" in p["in-sort"].rationale
    assert p["two-ranges"].key == ["user_id", "created_at"]
    assert "view_count" in p["two-ranges"].rationale


def test_existing_design_serves_by_leftmost_prefix(example_schema):
    p = props(example_schema, "postgres", baseline="schema")
    assert p["posts-by-user"].verdict == "served"
    assert p["posts-by-user"].served_by == "idx_posts_user_id_created_at"
    assert p["user-by-email-ci"].served_by == "idx_users_email"
    assert p["posts-created-range"].verdict == "proposed"
    # DuckDB drops the partial expression index: nothing serves lower(email) there
    assert props(example_schema, "duckdb", baseline="schema")["user-by-email-ci"].verdict == "proposed"


def test_serves_checks_direction_and_prefix():
    e = advisor.Existing("ix", "t", ["a", "b DESC", "c"])
    same = advisor.Proposal("p", "t", ["a", "b"], [], "", "composite")
    flipped = advisor.Proposal("p", "t", ["a", "b", "c DESC"], [], "", "composite")
    mixed = advisor.Proposal("p", "t", ["a", "b", "c"], [], "", "composite")
    longer = advisor.Proposal("p", "t", ["a", "b", "c", "d"], [], "", "composite")
    assert advisor.serves(e, same, 1, True) == "full"  # one direction, reversed: backward scan
    assert advisor.serves(e, flipped, 1, True) == "full"  # every direction reversed
    assert advisor.serves(e, mixed, 1, True) is None
    assert advisor.serves(e, mixed, 1, False) == "full"  # engine ignores DESC anyway
    assert advisor.serves(e, longer, 1, True) is None
    partial = advisor.Existing("ix", "t", ["a"], where="deleted_at is null")
    assert advisor.serves(partial, advisor.Proposal("p", "t", ["a"], [], "", "single"), 1, True) is None


def test_verification_uses_the_captured_plan(example_schema, data, engine_name):
    qs = [workload.get_query("user-by-email", EXAMPLE_QUERIES), workload.get_query("posts-created-range", EXAMPLE_QUERIES)]
    adv = advisor.advise(example_schema, qs, engine_name, data=data, baseline="keys", repeat=3, write_rows=30)
    email = adv.for_query("user-by-email")[0]
    rng = adv.for_query("posts-created-range")[0]
    assert email.checks and email.checks[0]["uses_proposal"], email.checks
    assert email.index_bytes and email.index_bytes > 0
    assert email.inserts_per_s_with > 0 and email.inserts_per_s_without > 0
    assert adv.baseline_plans["user-by-email"]["uses_index"] is False
    if engine_name == "duckdb":  # ART is skipped for a two-sided range
        assert rng.verdict == "reject" and "does not use" in rng.evidence
        assert not rng.insert_rates_with and rng.write_cost is None  # no plan takes it: no write cost
    else:
        assert rng.checks[0]["uses_proposal"]
    df = adv.to_frame()
    assert set(df["verdict"]) <= {"accept", "reject"} and len(df) == 2


def test_unused_design_indexes_and_documentation(example_schema, data):
    qs = [workload.get_query(n, EXAMPLE_QUERIES) for n in ("posts-by-status-recent", "comments-join")]
    adv = advisor.advise(example_schema, qs, "sqlite", data=data, baseline="schema", repeat=3, write_rows=30)
    flagged = set(adv.unused_frame()["index"])
    assert "idx_comments_user_id" in flagged and "idx_posts_status_created_at" not in flagged
    assert "foreign key" in adv.unused_frame().set_index("index").loc["idx_comments_user_id", "note"]
    doc = adv.index_documentation(example_schema)
    assert "| idx_posts_status_created_at |" in doc and "used by posts-by-status-recent" in doc
    assert "no workload query uses it" in doc
    # measured benefit of a design index: the query re-planned and timed with it dropped
    without = adv.design_benefit["idx_posts_status_created_at"][0]
    assert without["query"] == "posts-by-status-recent" and "idx_posts_status_created_at" not in without["plan_without"]
    # the documentation carries the measured ratio (its direction is timing, not a fact to pin)
    assert re.search(r"\(\d+\.\d\dx faster than without it \(\d+\.\d\d–\d+\.\d\dx\)\)"
                     r"|\((cannot tell from|measured slower than) without it: \d+\.\d\dx \(", doc)


def test_insert_rate_leaves_the_table_unchanged(example_schema, data):
    with engines.throwaway("sqlite") as eng:
        datagen.load(data, eng, indexes="schema")
        before = eng.query("SELECT count(*) FROM users")[0][0]
        assert advisor.insert_rate(eng, data, example_schema, "users", 20) > 0
        assert eng.query("SELECT count(*) FROM users")[0][0] == before


@pytest.mark.skipif(not advisor.expert_available(), reason="sqlite3 CLI (Debian package sqlite3) not installed")
def test_expert_and_agreement(example_schema, data):
    qs = [workload.get_query("user-by-email", EXAMPLE_QUERIES), workload.get_query("user-by-email-ci", EXAMPLE_QUERIES)]
    cmp = advisor.compare_with_peers(example_schema, qs, data, postgres=False)
    ex = {s.query: s for s in cmp.expert}
    assert ex["user-by-email"].keys == [("users", ["email"])]
    frame = cmp.to_frame().set_index("query")
    assert frame.loc["user-by-email", "vs .expert"] == "agree"
    assert frame.loc["user-by-email-ci", "vs .expert"] == "differ"  # .expert: no expression/partial
    assert frame.loc["user-by-email", "HypoPG (postgres)"] == "not installed"


def test_hypopg_or_an_honest_note(example_schema, data):
    require_engine("postgres")
    qs = [workload.get_query("comments-join", EXAMPLE_QUERIES)]
    cmp = advisor.compare_with_peers(example_schema, qs, data)
    if not cmp.hypopg_available:
        assert "postgresql-15-hypopg" in cmp.hypopg_note
        return
    (table, cols), = cmp.hypopg[0].keys
    assert table == "comments" and cols[0] == "post_id", cmp.hypopg[0].detail
    assert cmp.sizes and cmp.sizes[0]["real_kib"] > 0


def test_bad_input(example_schema):
    with pytest.raises(InputError, match="baseline"):
        advisor.advise(example_schema, [], "sqlite", baseline="nope")
    with pytest.raises(InputError, match="does not parse"):
        advisor.analyse(Query("bad", "SELECT FROM WHERE (", tables=[]), example_schema)
    with pytest.raises(InputError):
        advisor.advise(example_schema, [], "oracle")


def test_each_proposal_has_its_own_name():
    """Chinook's derived workload asks for `(artist_id, album_id)` and `(artist_id, album_id
    DESC)` on SQLite (which keeps the direction): two indexes, so two names - and the join
    lookups an existing key serves are named too."""
    from corpus_load import CORPUS
    from dbdesign.schema.source import load_source
    path = CORPUS / "chinook-postgres.sql"
    if not path.is_file():
        pytest.skip(f"corpus not here: {path}")
    schema = load_source(str(path))
    qs = workload.derive(schema)
    for engine in ("sqlite", "postgres"):
        tables = sorted({t for q in qs for t in q.tables})
        proposals = advisor.propose(schema, qs, engine, advisor.existing_indexes(schema, engine, tables))
        names = [p.name for p in proposals]
        assert all(names) and len(names) == len(set(names)), names
        labels = {p.label() for p in proposals}
        assert len(labels) == len(proposals)
    directions = {p.name: p.key for p in advisor.propose(schema, qs, "sqlite") if p.table == "album"}
    assert {"adv_album_artist_id_album_id", "adv_album_artist_id_album_id_desc"} <= set(directions)
