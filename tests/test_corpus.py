"""Real public schemas, read unedited (`../shared/corpus`, see its SOURCES.md and
`corpus_load`): every file parses with the right `--read`, nothing is "not understood", and the
model's counts equal what the engine holds after loading the original with its own client.

Counts compared: tables (partitions included), columns, foreign keys, indexes beyond the
PRIMARY KEY / UNIQUE ones, and table CHECK constraints (`corpus_load.counts`)."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile

import pytest
from click.testing import CliRunner

from conftest import IN_CI, require_engine
from corpus_load import CASES, CORPUS, Case, corpus_path, counts, load_into, parse_case
from dbdesign import engines
from dbdesign.cli import main

# Table counts SOURCES.md gives (taken by loading each file into its engine).
DOCUMENTED_TABLES = {"pagila-schema-2024.sql": 22, "sakila-mysql-schema.sql": 16,
                     "chinook-postgres.sql": 11, "chinook-mysql.sql": 11, "chinook-sqlite.sql": 11,
                     "northwind-postgres.sql": 14, "musicbrainz-combined.sql": 375,
                     "gisia-structure.sql": 87}


def need_corpus(case: Case | None = None) -> None:
    path = corpus_path(case) if case else CORPUS
    if not path.exists():
        if IN_CI:
            pytest.fail(f"corpus missing under CI=true: {path}")
        pytest.skip(f"corpus not here: {path} (see the preamble: ../shared/corpus)")


@pytest.fixture(scope="module")
def models():
    cache: dict[str, object] = {}

    def get(case: Case):
        if case.id not in cache:
            cache[case.id] = parse_case(case)
        return cache[case.id]
    return get


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_parses_unedited_and_every_statement_is_classified(case, models):
    need_corpus(case)
    schema = models(case)
    missed = [f"{s.file}:{s.line}: {s.kind}: {s.reason}" for s in schema.skipped
              if s.category == "not understood"]
    assert missed == []
    assert schema.tables
    if case.id in DOCUMENTED_TABLES:
        assert len(schema.tables) == DOCUMENTED_TABLES[case.id]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_model_counts_equal_the_engine_after_loading_the_original(case, models):
    need_corpus(case)
    if case.no_load:  # the load is tried: the skip holds only while the engine refuses it
        require_engine(case.read)
        with engines.throwaway(case.read) as eng:
            with pytest.raises(RuntimeError, match=re.escape(case.load_error)):
                load_into(case, eng.url)
        pytest.skip(f"{case.path} does not load into {case.read}: {case.no_load}")
    model_counts = counts(models(case))
    if case.read == "sqlite":
        con = load_into(case, None)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "corpus.db")
            dst = sqlite3.connect(path)
            con.backup(dst)
            dst.close()
            with engines.connect("sqlite:///" + path) as eng:
                engine_counts = counts(eng.introspect())
    else:
        require_engine(case.read)
        with engines.throwaway(case.read) as eng:
            load_into(case, eng.url)
            engine_counts = counts(eng.introspect())
    assert model_counts == engine_counts


def test_lint_json_of_a_pg_dump_lists_skipped_statements_and_counts_partitions():
    case = next(c for c in CASES if c.id == "pagila-schema-2024.sql")
    need_corpus(case)
    res = CliRunner().invoke(main, ["lint", "--format", "json", str(corpus_path(case))])
    assert res.exit_code in (0, 1), res.output
    data = json.loads(res.stdout)
    summary = data["summary"]
    assert summary["tables"] == 22  # 15 tables + 7 payment partitions
    assert summary["not_understood"] == 0
    assert summary["skipped_kinds"]["OWNER TO"] == sum(s["kind"] == "OWNER TO" for s in data["skipped"])
    assert {"kind", "category", "reason", "file", "line"} <= set(data["skipped"][0])
    assert "statements without design effect skipped" not in res.stderr  # JSON carries it


def test_lint_text_prints_one_summary_line_for_skipped_statements():
    case = next(c for c in CASES if c.id == "sakila-mysql-schema.sql")
    need_corpus(case)
    res = CliRunner().invoke(main, ["lint", "--read", "mysql", str(corpus_path(case))])
    assert res.exit_code in (0, 1), res.output
    summary = [ln for ln in res.stderr.splitlines() if "without design effect skipped" in ln]
    assert len(summary) == 1 and " DELIMITER" in summary[0] and " CREATE TRIGGER" in summary[0]
    assert "over 16 tables" in res.stdout


@pytest.mark.parametrize("case", [c for c in CASES if c.read == "postgres"], ids=lambda c: c.id)
def test_fast_path_reads_the_same_model_as_sqlglot(case, models, monkeypatch):
    """The regular-expression reader of plain pg_dump statements builds exactly what the
    sqlglot path builds, source lines included."""
    need_corpus(case)
    import dbdesign.schema.parse as parse_module
    monkeypatch.setattr(parse_module, "FAST_PATH", False)
    assert parse_case(case).to_dict() == models(case).to_dict()
