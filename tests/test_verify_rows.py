"""`migrate verify --rows`: migrations run on databases populated by datagen after every version."""
import json
import os

import pytest
from click.testing import CliRunner

from dbdesign import engines
from dbdesign.errors import EngineUnavailable
from dbdesign.cli import main
from dbdesign.migrate.verify import DATA_CHECK, verify

HERE = os.path.dirname(__file__)
ROOT = os.path.dirname(HERE)
FAILING = os.path.join(HERE, "fixtures", "migrations_data_failures")
STATUSES = {"open", "paid", "shipped"}


def _server(name: str) -> None:
    try:
        with engines.throwaway(name):
            pass
    except EngineUnavailable as err:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"{name} server not reachable: {err}")


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres", "mysql"])
def test_data_failures_found_with_probe_and_rows(engine):
    if engine in ("postgres", "mysql"):
        _server(engine)
    result = verify(FAILING, [engine], rows=300)
    assert not result.ok
    data = [f for f in result.findings if f.rule == "migration-data-failed"]
    assert [(os.path.basename(f.file), f.line) for f in data] == [
        ("0002_customers_phone_not_null.up.sql", 2), ("0003_unique_orders_status.up.sql", 2),
        ("0004_check_customers_email_com.up.sql", 2)]
    steps = {p.version: p for p in result.populated}
    assert steps[1].result == "pass" and steps[1].rows_present == 0
    not_null, unique, check = steps[2], steps[3], steps[4]
    assert not_null.result == unique.result == check.result == "FAIL"
    assert not_null.rows_present == unique.rows_present > 300  # 300 orders and their customers
    # NULLs before SET NOT NULL: rows whose phone (the last column) is NULL
    assert "phone IS NULL" in not_null.probe
    assert 0 < len(not_null.offending_rows) <= 5
    assert all(row[-1] is None for row in not_null.offending_rows)
    # duplicates before a UNIQUE: the colliding statuses with their counts
    assert "GROUP BY status" in unique.probe and "HAVING" in unique.probe.upper()
    assert {row[0] for row in unique.offending_rows} == STATUSES
    assert all(row[1] > 1 for row in unique.offending_rows)
    # rows a new CHECK rejects: emails that do not end in .com
    assert "NOT (email LIKE '%.com')" in check.probe
    assert len(check.offending_rows) == 5
    assert all(not row[1].endswith(".com") for row in check.offending_rows)
    # after the UNIQUE failed, the restart fills orders with one row per status (the value
    # list is all a UNIQUE status allows): said, not hidden
    assert any(n.startswith(f"orders filled after 0003_unique_orders_status with {len(STATUSES)} of ")
               and "duplicate (status)" in n for n in check.notes), check.notes
    for step, finding in zip((not_null, unique, check), data):
        assert step.probe in finding.message and finding.message.startswith(f"{engine}: ")
    assert all(p.duration_ms > 0 for p in result.populated)
    cells = {(c.migration, c.check): c.result for c in result.checks}
    assert cells["0001_create_customers", DATA_CHECK] == "pass"
    assert cells["0002_customers_phone_not_null", DATA_CHECK] == "FAIL"
    # the empty-database matrix passes: only the data makes these migrations fail
    assert all(c.result == "pass" for c in result.checks if c.check != DATA_CHECK)


def test_example_verifies_clean_with_rows():
    result = verify(os.path.join(ROOT, "migrations"), ["sqlite", "duckdb"], rows=1000)
    assert result.ok, result.format_text()
    assert {p.engine for p in result.populated} == {"sqlite", "duckdb"}
    assert max(p.rows_present for p in result.populated) > 1000  # several tables filled
    assert all(p.result == "pass" for p in result.populated)


def test_cli_json_carries_the_findings_and_exits_1():
    out = CliRunner().invoke(main, ["migrate", "verify", "--dir", FAILING, "--engine", "sqlite",
                                    "--rows", "300", "--format", "json"])
    assert out.exit_code == 1, out.output
    doc = json.loads(out.stdout)
    assert doc["rows"] == 300
    rules = [f["rule"] for f in doc["findings"]]
    assert rules == ["migration-data-failed"] * 3
    failed = [p for p in doc["populated"] if p["result"] == "FAIL"]
    assert [p["migration"] for p in failed] == ["0002_customers_phone_not_null",
                                                "0003_unique_orders_status",
                                                "0004_check_customers_email_com"]
    assert all(p["probe"] and p["offending_rows"] for p in failed)


def test_cli_rejects_zero_rows():
    out = CliRunner().invoke(main, ["migrate", "verify", "--dir", FAILING, "--rows", "0"])
    assert out.exit_code == 2
    assert "--rows must be at least 1" in out.output


# SQLite is left out: its ALTER ... TYPE keeps the old length CHECK (verify reports that as
# migration-model-mismatch on the empty database), so nothing fails on the data there.
@pytest.mark.parametrize("engine", ["duckdb", "postgres", "mysql"])
def test_type_change_that_does_not_fit(engine):
    if engine in ("postgres", "mysql"):
        _server(engine)
    result = verify(os.path.join(HERE, "fixtures", "migrations_data_type_change"), [engine], rows=100)
    [finding] = [f for f in result.findings if f.rule == "migration-data-failed"]
    assert (os.path.basename(finding.file), finding.line) == ("0002_shorten_articles_title.up.sql", 2)
    step = result.populated[-1]
    assert step.result == "FAIL" and "LENGTH(TITLE) > 12" in step.probe.upper()
    assert len(step.offending_rows) == 5
    assert all(len(title) > 12 for _id, title in step.offending_rows)
