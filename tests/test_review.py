"""The review cover and the per-table pages, on the example and on a schema that is not it."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from dbdesign.review import cover as review
from dbdesign.config import load_config
from dbdesign.dialects import portability_frame
from dbdesign.checks.lint import lint
from dbdesign.model import Column
from dbdesign.schema.source import load_source
from dbdesign.review.tabledoc import TableDoc, comment_coverage

REPO = Path(__file__).resolve().parent.parent
NORTHWIND = REPO.parent / "shared" / "corpus" / "northwind-postgres.sql"


@pytest.fixture(scope="module")
def example():
    schema = load_source(str(REPO / "migrations"))
    config = load_config(str(REPO / "dbdesign.toml"))
    return schema, config


def _facts(schema, config):
    return review.ReviewFacts(schema, lint(schema, config), None, portability_frame(schema))


def test_decisions_of_the_example(example):
    schema, config = example
    items = review.decisions(_facts(schema, config))
    assert 5 <= len(items) <= review.MAX_DECISIONS
    titles = [d.title for d in items]
    assert "MariaDB/MySQL: partial index dropped (3)" in titles  # the live-only unique indexes
    assert any(t.startswith("DuckDB: fk action dropped") for t in titles)  # no ON DELETE actions
    waivers = [d for d in items if d.kind == "waiver"]
    assert waivers and all(d.detail.startswith("reason given: ") for d in waivers)
    assert all("audit_log" in d.tables for d in waivers)  # the example's waivers are on audit_log
    # most serious first: engine losses before waivers
    kinds = [d.kind for d in items]
    assert kinds.index("engine") < kinds.index("waiver")
    # every decision links to evidence: a chapter section, tables or a written file
    assert all(d.chapter or d.tables or d.artifact for d in items)


def test_gate_and_contract_decisions_come_first(example):
    from dbdesign.checks.gate import GateItem, GateResult
    schema, config = example
    gate = GateResult([GateItem("gate-pool", "gate", "Connection pooling configured", "not met",
                                "no [pool] section", "05_soft_delete_auditing")])
    facts = _facts(schema, config)
    facts.gate = gate
    items = review.decisions(facts)
    assert items[0].kind == "gate" and items[0].chapter == "05" and "no [pool]" in items[0].detail


def test_decisions_on_a_schema_that_is_not_the_example():
    if not NORTHWIND.is_file():
        pytest.skip("northwind corpus schema not available")
    schema = load_source(str(NORTHWIND))
    items = review.decisions(review.ReviewFacts(schema, lint(schema, None), None, portability_frame(schema)))
    assert items, "a real schema has something to decide"
    names = set(schema.tables)
    for d in items:
        assert set(d.tables) <= {t.qualname for t in schema.tables.values()} | names
        assert "users" not in d.title and "posts" not in d.title


def test_changes_since_the_previous_review(example):
    schema, config = example
    items = review.decisions(_facts(schema, config))
    before = copy.deepcopy(schema)
    old_section = review.manifest_section(before, items[:-1], None, "2026-01-01 10:00 UTC")
    changed = copy.deepcopy(schema)
    target = changed.most_connected().qualname
    changed.tables[target].columns["nickname"] = Column("nickname", "TEXT")
    section = review.manifest_section(changed, items, None, "2026-01-02 10:00 UTC")
    assert section["schema_hash"] != old_section["schema_hash"]
    lines = review.changes_since({"review": old_section}, before, changed, section)
    text = "\n".join(lines)
    assert "2026-01-01 10:00 UTC" in text
    assert f"Added: column {target}.nickname" in text
    assert "New decisions: " + items[-1].key() in text
    assert review.changes_since(None, None, changed, section) == []
    same = review.changes_since({"review": section}, changed, changed, section)
    assert "The schema is unchanged (same hash)." in same


def test_cover_html_links_every_decision(example):
    schema, config = example
    items = review.decisions(_facts(schema, config))
    section = review.manifest_section(schema, items, None, "2026-01-02 10:00 UTC")
    html = review.cover_html("migrations/", section, "small", ["SQLite"], ["MariaDB"], None, items, [],
                             lambda d: ("#chapter-" + (d.chapter or "x"), "evidence"))
    assert html.count('class="dbdesign-decision"') == len(items)
    assert html.count('class="dbdesign-evidence-link"') == len(items)
    assert "Decisions to sign off" in html and "Changed since last review" in html
    assert 'href="#table-audit_log"' in html
    assert "First review in this output folder" in html
    assert section["schema_hash"] in html


def test_table_pages(example, tmp_path):
    schema, config = example
    doc = TableDoc(schema, lint_result=lint(schema, config))
    html = doc.html_sections()
    for t in schema.tables.values():
        assert f'id="table-{t.qualname}"' in html
    written = doc.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(written)
    posts = (tmp_path / "posts.md").read_text()
    for part in ("## Columns", "## Constraints", "## Indexes", "## Referenced by", "posts.svg"):
        assert part in posts, part
    assert "| published_at | TIMESTAMPTZ | NULL |" in posts
    users = (tmp_path / "users.md").read_text()
    assert "## Triggers" in users and "trg_users_touch" in users  # the example's triggers
    assert "| posts | user_id | id | RESTRICT |" in users  # referenced-by with the delete action
    audit = (tmp_path / "audit_log.md").read_text()
    assert "## Lint findings" in audit and "primary-key-strategy-mixed" in audit
    cov = comment_coverage(schema)
    assert cov["tables"] == len(schema.tables) and 0 <= cov["columns_commented"] <= cov["columns"]
    assert "Comment coverage" in (tmp_path / "README.md").read_text()


def test_table_pages_for_another_schema(tmp_path):
    if not NORTHWIND.is_file():
        pytest.skip("northwind corpus schema not available")
    schema = load_source(str(NORTHWIND))
    doc = TableDoc(schema, lint_result=lint(schema, None))
    html = doc.html_sections(erd_limit=0)  # no diagrams: the section says how to draw one
    assert html.count('class="dbdesign-table-page"') == len(schema.tables)
    assert "dbdesign erd --around" in html
    start = schema.most_connected().qualname
    assert start in {t.qualname for t in schema.tables.values()}


def test_page_svg_renames_erd_node_ids():
    from dbdesign.review.erd import to_svg
    from dbdesign.review.tabledoc import page_svg
    schema = load_source(str(REPO / "migrations"))
    svg = page_svg(to_svg(schema, around="posts", depth=1, legend=False, cluster="none"))
    assert 'id="erd&#45;table&#45;posts"' in svg or 'id="erd-table-posts"' in svg
    assert not re.search(r'<g\b[^>]*\bid="table(-|&#45;)', svg)


def test_index_decisions_carry_the_interval_of_each_ratio(example):
    """A verified proposal on the cover shows its read gain and insert cost as median with
    interval, and says "inconclusive" exactly when `bench.judge_ratio` does."""
    from dbdesign.lab import advisor, datagen
    schema, config = example
    data = datagen.generate(schema, 2000, tables=["users", "posts", "comments"], progress=False)
    advice = advisor.advise(schema, None, "sqlite", data=data, baseline="keys", repeat=5, write_rows=60)
    items = review.decisions(review.ReviewFacts(schema, advice=advice))
    accepted = [p for p in advice.proposals if p.verdict == "accept"]
    assert accepted
    add = next(d for d in items if d.title.startswith("Add "))
    for p in accepted[:3]:
        gain, cost = p.gain_ratio(), p.cost_ratio()
        assert f"{p.label()}: read gain {gain.text()}, insert cost {cost.text()}" in add.detail
        assert re.search(r"read gain \d+\.\d\dx \(\d+\.\d\d–\d+\.\d\dx", add.detail)
    assert ("inconclusive" in add.detail) == any(
        r.inconclusive for p in accepted[:3] for r in (p.gain_ratio(), p.cost_ratio()))
