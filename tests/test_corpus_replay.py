"""Replay of the real corpus (`../shared/corpus`, SOURCES.md): for every schema, `ddl` for each
engine runs on the real engine and reads back equal to what the rendering says the engine
holds (`dbdesign.schema.replay`: execute, introspect, diff). An empty diff on a cross-engine replay is
"a note for every change": the rendered model is the design minus the noted losses.

Pairs that do not replay yet are listed in KNOWN_GAPS with the reason; they are strict xfails,
so one that starts to pass fails the run until it is taken off the list."""
from __future__ import annotations

import functools

import pytest

from conftest import require_engine
from corpus_load import CASES, Case, parse_case
from dbdesign.schema.replay import replay
from test_corpus import need_corpus

ENGINES = ("postgres", "mysql", "sqlite", "duckdb")

# (corpus path, engine) -> why it does not replay (yet)
KNOWN_GAPS: dict[tuple[str, str], str] = {
    ("pagila-schema.sql", "postgres"): "needs the pgvector extension (`vector`), not installed "
                                       "here; the original does not load either",
    ("musicbrainz-combined.sql", "postgres"): "its CHECKs call functions of MusicBrainz's "
                                              "CreateFunctions.sql, not in the corpus; the "
                                              "original does not load either",
}


@functools.lru_cache(maxsize=None)
def model(case: Case):
    return parse_case(case)


def cases():
    for case in CASES:
        for engine in ENGINES:
            gap = KNOWN_GAPS.get((case.path, engine))
            marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
            yield pytest.param(case, engine, id=f"{case.id}-{engine}", marks=marks)


@pytest.mark.parametrize("case,engine", list(cases()))
def test_corpus_ddl_replays_on_every_engine(case, engine):
    need_corpus(case)
    require_engine(engine)
    result = replay(model(case), engine)
    assert result.executed, result.error
    assert result.diff == [], "\n".join(result.diff[:20])


def test_the_known_gaps_name_real_pairs():
    paths = {c.path for c in CASES}
    assert all(p in paths and e in ENGINES for p, e in KNOWN_GAPS)
