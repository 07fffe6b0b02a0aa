"""`verify`: the example is reversible and idempotent on every engine; broken downs, a model the
engine does not hold and files edited after apply are found, named and located."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import require_engine
from dbdesign.errors import InputError
from dbdesign.migrate.runner import open_migrator
from dbdesign.cli.migrate import migrate
from dbdesign.migrate.verify import CHECKS, verify

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "migrations"
IRREVERSIBLE = REPO / "tests" / "fixtures" / "migrations_irreversible"


def example_labels() -> list[str]:
    from dbdesign.schema.source import discover_migrations  # engine-override-only versions count too
    return [m.label for m in discover_migrations(str(EXAMPLE))[0]]


@pytest.fixture(scope="module")
def example_embedded():
    return verify(str(EXAMPLE))


def test_example_verifies_clean_on_sqlite_and_duckdb(example_embedded):
    r = example_embedded
    assert r.findings == [] and r.ok
    m = r.matrix()
    assert list(m.index) == example_labels() + ["all"]
    assert list(m.columns) == [(e, c) for e in ("sqlite", "duckdb") for c in CHECKS]
    assert_pass_or_override_skip(r)
    # every cell was really checked: 4 checks x (migrations + the whole folder) x 2 engines
    assert len(r.checks) == 4 * (len(example_labels()) + 1) * 2
    data = json.loads(json.dumps(r.to_dict()))
    assert data["ok"] is True and data["engines"] == ["sqlite", "duckdb"]


def assert_pass_or_override_skip(r) -> bool:
    """Every cell passed, except the comparison with the declared (PostgreSQL) model once an
    engine override ran verbatim there (the example's 0009 on every engine): skipped, and said."""
    frame = r.frame()
    skipped = frame[frame["result"] == "skip"]
    assert set(frame["result"]) <= {"pass", "skip"} and (frame["result"] == "pass").any()
    assert skipped.empty or int(skipped["version"].min()) >= 9, skipped
    return True


@pytest.mark.parametrize("name", ["postgres", "mysql"])
def test_example_verifies_clean_on_servers(name):
    require_engine(name)
    r = verify(str(EXAMPLE), engines=(name,))
    assert r.findings == [], r.format_text()
    assert_pass_or_override_skip(r) and len(r.checks) == 4 * (len(example_labels()) + 1)


@pytest.fixture(scope="module")
def broken():
    return verify(str(IRREVERSIBLE), engines=("sqlite", "duckdb"))


def test_down_that_forgets_an_index_or_column_is_irreversible(broken):
    assert not broken.ok
    got = [(f.rule, Path(f.file).name, f.index, f.column) for f in broken.findings]
    expected = [("migration-irreversible", "0002_index_authors_name.down.sql", "idx_authors_name", None),
                ("migration-irreversible", "0003_add_authors_bio.down.sql", None, "bio")]
    assert got == expected * 2  # sqlite, then duckdb
    first = broken.findings[0]
    assert first.message.startswith("sqlite: up then down of 0002_index_authors_name does not restore")
    assert "+ index authors.idx_authors_name: (name)" in first.message  # the diff itself
    assert "+ column authors.bio: TEXT" in broken.findings[1].message
    assert first.format().startswith(f"{IRREVERSIBLE / '0002_index_authors_name.down.sql'}:1: error "
                                     "migration-irreversible: ")


def test_matrix_marks_exactly_the_broken_cells(broken):
    m = broken.matrix()
    failed = sorted({(mig, check) for mig, row in m.iterrows() for (eng, check), v in row.items()
                     if v == "FAIL"})
    assert failed == [("0002_index_authors_name", "down restores"), ("0002_index_authors_name", "re-up"),
                      ("0003_add_authors_bio", "down restores"), ("0003_add_authors_bio", "re-up")]
    # after a dirty down the run goes on on a fresh database: 0004 and the deploy path are checked
    assert (m.loc["0004_create_books"] == "pass").all() and (m.loc["all"] == "pass").all()


def test_model_the_engine_does_not_hold_is_reported(tmp_path):
    """`CREATE TABLE ... (LIKE ... INCLUDING ALL)` also copies the primary key on PostgreSQL;
    the model copies the columns only."""
    require_engine("postgres")
    (tmp_path / "0001_a.up.sql").write_text("CREATE TABLE a (id UUID PRIMARY KEY);\n")
    (tmp_path / "0001_a.down.sql").write_text("DROP TABLE a;\n")
    (tmp_path / "0002_a_copy.up.sql").write_text("CREATE TABLE a_copy (LIKE a INCLUDING ALL);\n")
    (tmp_path / "0002_a_copy.down.sql").write_text("DROP TABLE a_copy;\n")
    r = verify(str(tmp_path), engines=("postgres",))
    assert [(f.rule, Path(f.file).name, f.table) for f in r.findings] == [
        ("migration-model-mismatch", "0002_a_copy.up.sql", "a_copy")]
    assert "+ primary_key a_copy.a_copy_pkey: (id)" in r.findings[0].message
    assert r.matrix().loc["0002_a_copy", ("postgres", "up")] == "FAIL"


def test_file_edited_after_apply_is_a_checksum_finding(tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(EXAMPLE, folder)
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    with open_migrator(str(folder), url) as m:
        assert m.up(target=3).versions == [1, 2, 3]
    edited = folder / "0003_create_posts.up.sql"
    edited.write_text(edited.read_text().replace("VARCHAR(500)", "VARCHAR(600)"))
    r = verify(str(folder), engines=(), against=[url])
    assert [(f.rule, Path(f.file).name) for f in r.findings] == [
        ("migration-checksum-mismatch", "0003_create_posts.up.sql")]
    assert "edited after it was applied" in r.findings[0].message and not r.ok


def test_cli_json_exit_codes(tmp_path):
    res = CliRunner().invoke(migrate, ["verify", "--dir", str(IRREVERSIBLE), "--engine", "sqlite",
                                       "--format", "json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert data["ok"] is False
    assert [f["rule"] for f in data["findings"]] == ["migration-irreversible"] * 2
    assert {c["result"] for c in data["checks"]} == {"pass", "FAIL"}
    text = CliRunner().invoke(migrate, ["verify", "--dir", str(IRREVERSIBLE), "--engine", "duckdb"])
    assert text.exit_code == 1 and "FAILED: 16 checks passed, 4 failed" in text.stdout


@pytest.mark.parametrize("args, expected", [
    (["--dir", "does/not/exist"], "no such migrations folder"),
    (["--dir", str(REPO / "tests" / "fixtures" / "migrations_bad_syntax")], "0002_broken.up.sql:3:29: syntax error"),
])
def test_cli_bad_input_one_line_exit_2(args, expected):
    res = CliRunner().invoke(migrate, ["verify", *args, "--engine", "sqlite"])
    assert res.exit_code == 2 and expected in res.stderr
    assert len([ln for ln in res.stderr.splitlines() if ln.startswith("dbdesign:")]) == 1


def test_unknown_engine_is_input_error():
    with pytest.raises(InputError, match="unknown engine 'oracle'"):
        verify(str(EXAMPLE), engines=("oracle",))


def test_failure_drill_nothing_half_applied_or_failed_plus_repair(engine_name):
    """The rollback drill on each engine: transactional DDL leaves nothing behind; MariaDB keeps
    the first statement, records `failed`, refuses `up` until the hand fix and `repair`."""
    from dbdesign.migrate.verify import failure_drill
    d = failure_drill(engine_name, str(EXAMPLE), str(REPO / "seeds"))
    drill = f"migrations/{len(example_labels()) + 1:04d}_add_posts_reading_minutes.up.sql"
    assert (d.failed_file, d.failed_line) == (drill, 3)
    assert d.final_state == f"applied [{len(example_labels()) + 1}], state applied" and d.final_matches_model
    if d.transactional:
        assert (d.left_behind, d.state_after_failure, d.manual_fix, d.repair) == (
            "no differences", "pending", "none", "nothing to repair")
        assert d.second_up.startswith("runs it again and fails the same way")
    else:
        assert d.left_behind.startswith("+ column posts.reading_minutes")
        assert d.state_after_failure == "failed" and d.second_up.startswith("refused: ")
        assert "repair" in d.second_up and "/tmp" not in d.second_up
        assert d.repair == f"{len(example_labels()) + 1} add_posts_reading_minutes: failed row removed; `up` will run it again"
