"""seeds: checked against the model before they reach a database, then applied on every engine."""
from __future__ import annotations

import pytest

from dbdesign.errors import InputError
from dbdesign.schema.parse import parse_sql
from dbdesign.generate.seeds import apply_seeds, check_seeds

from conftest import REPO

SEEDS = str(REPO / "seeds")


def test_dev_seeds_fit_the_example(example_schema):
    seeds = check_seeds(example_schema, SEEDS, "dev")
    counts = {t: n for s in seeds for t, n in s.tables.items()}
    assert counts == {"users": 5, "profiles": 3, "posts": 3, "tags": 2, "post_tags": 3, "comments": 2}


def test_prod_seed_is_admin_only(example_schema):
    seeds = check_seeds(example_schema, SEEDS, "prod")
    assert [s.tables for s in seeds] == [{"users": 1}]


@pytest.mark.parametrize("sql, message", [
    ("INSERT INTO nope (a) VALUES (1);", "table 'nope' is not in the schema"),
    ("INSERT INTO t (id, zz) VALUES (1, 2);", "t has no column zz"),
    ("INSERT INTO t (name) VALUES ('x');", "required column(s) id"),
    ("INSERT INTO t (id, name) VALUES (1);", "a row has 1 values for 2 columns"),
    ("\nCREATE TABLE x (a INT);", "INSERT statements only"),
])
def test_bad_seeds_name_file_and_line(tmp_path, sql, message):
    schema = parse_sql("CREATE TABLE t (id INT PRIMARY KEY, name TEXT);")
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "01.sql").write_text(sql)
    with pytest.raises(InputError) as info:
        check_seeds(schema, str(tmp_path), "dev")
    assert message in str(info.value)
    assert str(info.value).startswith(str(tmp_path / "dev" / "01.sql") + ":")


def test_unknown_environment(example_schema):
    with pytest.raises(InputError, match="no seed folder for environment 'qa'; have: dev, prod"):
        check_seeds(example_schema, SEEDS, "qa")


def test_dev_seeds_apply_on_every_engine(example_schema, throwaway_engine):
    from dbdesign.dialects import render
    throwaway_engine.run_script(render(example_schema, throwaway_engine.dialect).statements)
    apply_seeds(throwaway_engine, example_schema, SEEDS, "dev")
    rows = throwaway_engine.query("SELECT count(*) FROM users WHERE deleted_at IS NULL")
    assert rows[0][0] == 4
    replies = throwaway_engine.query("SELECT count(*) FROM comments WHERE parent_id IS NOT NULL")
    assert replies[0][0] == 1
