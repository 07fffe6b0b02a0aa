"""The design gate: each item flips to "not met" for a real reason, and says which.

Each test copies the example project (migrations, seeds, dbdesign.toml) into a temporary folder,
completes it so that the whole gate passes, then breaks exactly one thing."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dbdesign import engines

from dbdesign.cli import main
from dbdesign.config import load_config
from dbdesign.checks.gate import CHAPTERS, CHECKLIST, GATE, NOT_MET, evaluate
from dbdesign.schema.source import discover_migrations, load_source

ROOT = Path(__file__).resolve().parent.parent

# What the example still lacks to pass (see the report to the lead): comments on two tables,
# the query behind two audit_log indexes, and a [pool] section. Added to the creating migrations
# of the copy, where they belong (their down files drop the tables, so they stay reversible).
COMPLETION = {
    "0005": "COMMENT ON TABLE tags IS 'Editor-curated labels for posts.';\n"
            "COMMENT ON TABLE post_tags IS 'Which tags a post carries (many-to-many).';\n",
    "0006": "COMMENT ON INDEX idx_audit_log_table_name_row_id IS 'History of one row: "
            "WHERE table_name = ? AND row_id = ?';\n"
            "COMMENT ON INDEX idx_audit_log_created_at IS 'Recent changes first: ORDER BY created_at DESC';\n",
}
POOL = """
[pool]
max_size = 10
min_size = 2
connect_timeout = 5
acquire_timeout = 10
idle_timeout = 300
"""


def _notebook(executed: bool = True) -> str:
    """A minimal real notebook: one code cell, executed with output (or never run)."""
    cell = {"cell_type": "code", "metadata": {}, "source": ["print('chapter')"],
            "execution_count": 1 if executed else None,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["chapter\n"]}]
            if executed else []}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _add_migration(folder: Path, name: str, up: str, down: str) -> None:
    version = max(int(p.name.split("_")[0]) for p in folder.glob("*.up.sql")) + 1
    (folder / f"{version:04d}_{name}.up.sql").write_text(up)
    (folder / f"{version:04d}_{name}.down.sql").write_text(down)


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A complete copy of the example project, with the working directory inside it."""
    shutil.copytree(ROOT / "migrations", tmp_path / "migrations")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copy(ROOT / "openapi.yaml", tmp_path / "openapi.yaml")
    toml = (ROOT / "dbdesign.toml").read_text()
    if "[pool]" not in toml:
        toml += POOL
    (tmp_path / "dbdesign.toml").write_text(toml)
    for version, statements in COMPLETION.items():
        up = next((tmp_path / "migrations").glob(f"{version}_*.up.sql"))
        if statements.split(" IS ")[0] not in up.read_text():  # the example may have them by now
            up.write_text(up.read_text().rstrip() + "\n" + statements)
    nb = tmp_path / "notebooks"
    nb.mkdir()
    for number, title in CHAPTERS.items():
        (nb / f"{number}_{title.split()[0]}.ipynb").write_text(_notebook())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_gate(**kwargs):
    """The gate deploying on SQLite only (the other engines: test_deployed_state_on_every_engine)."""
    kwargs.setdefault("engines", ("sqlite",))
    config = load_config()
    schema = load_source(config.source)
    return evaluate(schema, config, config.source if os.path.isdir(config.source) else None, "seeds", **kwargs)


def not_met(result) -> dict[str, str]:
    return {i.id: i.evidence for i in result.items if i.status == NOT_MET}


def test_complete_project_passes(project):
    result = run_gate()
    assert not_met(result) == {}
    assert result.passed
    assert {i.id for i in result.items} == {c[0] for c in CHECKLIST} | {g[0] for g in GATE}
    migrations = result.item("gate-migrations").evidence
    n = len(discover_migrations(str(project / "migrations"))[0])
    assert f"up -> down -> up of all {n} replayed on SQLite" in migrations
    assert "loaded on SQLite" in result.item("seed-data").evidence
    assert re.search(r"max_size \d+, min_size \d+, connect_timeout", result.item("gate-pool").evidence)
    assert result.item("foreign-keys").chapter_path.endswith("04_constraints.ipynb")


def test_deployed_state_on_every_engine(project):
    """The criteria name each engine and its evidence; DuckDB's limits are stated, not failed."""
    result = run_gate(engines=tuple(engines.available()))
    assert result.passed, not_met(result)
    audit = result.item("gate-audit").evidence
    for name in engines.available():
        assert f"{name} " in audit
    assert "duckdb 2.0" not in audit or "limit: updated_at and the UPDATE audit row come from the application" in audit


def test_gate_fails_on_migrations_without_the_shipped_promises(project):
    folder = project / "migrations"
    for sub in ("postgres", "mysql", "sqlite", "duckdb"):
        shutil.rmtree(folder / sub, ignore_errors=True)
    result = run_gate(replay=False)
    assert not result.passed
    assert "sqlite 3." in result.item("gate-audit").evidence
    assert "no trigger maintains it" in result.item("gate-audit").evidence


def test_json_shape(project):
    data = run_gate(replay=False).to_dict()
    assert set(data) == {"items", "summary"}
    assert data["summary"] == {"checklist_met": 9, "checklist_total": 9, "gate_met": 7, "gate_total": 7,
                               "passed": True}
    item = data["items"][0]
    assert set(item) == {"id", "kind", "title", "status", "evidence", "chapter", "depends_on", "chapter_path"}
    assert [i["kind"] for i in data["items"]].count("gate") == 7
    json.dumps(data)  # serialisable as is


def test_missing_comment_fails_schema_items(project):
    up = next((project / "migrations").glob("0003_*.up.sql"))
    up.write_text("\n".join(ln for ln in up.read_text().splitlines() if "COMMENT ON TABLE posts" not in ln))
    result = run_gate(replay=False)
    failed = not_met(result)
    assert set(failed) == {"schema-documented", "gate-schema"}, failed
    assert "add COMMENT ON TABLE to posts" in failed["schema-documented"]
    assert not result.passed


def test_missing_timestamp_fails_timestamps_and_audit(project):
    _add_migration(project / "migrations", "drop_tags_updated_at",
                   "ALTER TABLE tags DROP COLUMN updated_at;",
                   "ALTER TABLE tags ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now();")
    failed = not_met(run_gate(replay=False))
    assert {"timestamps", "gate-audit"} <= set(failed)
    assert "timestamps-missing on tags" in failed["timestamps"]


def test_no_migrations_folder(project):
    (project / "schema.sql").write_text("".join(
        p.read_text() + "\n" for p in sorted((project / "migrations").glob("*.up.sql"))
        if "data" not in p.name))
    config = load_config()
    result = evaluate(load_source("schema.sql"), config, None, "seeds")
    failed = not_met(result)
    assert {"migration-files", "gate-migrations"} <= set(failed)
    assert "no migrations folder" in failed["migration-files"]


def test_failing_down_migration_fails_verification(project):
    _add_migration(project / "migrations", "add_posts_views",
                   "ALTER TABLE posts ADD COLUMN views INTEGER NOT NULL DEFAULT 0;",
                   "ALTER TABLE posts DROP COLUMN views;\nUPDATE no_such_table SET x = 1;")
    failed = not_met(run_gate())
    assert "gate-migrations" in failed
    assert "replay on SQLite failed at down" in failed["gate-migrations"], failed
    assert "migration-files" not in failed


def test_bad_seed_fails_seed_item_with_location(project):
    (project / "seeds" / "dev" / "03_bad.sql").write_text(
        "INSERT INTO tags (id, slug, no_such_column) VALUES (1, 'x', 2);\n")
    failed = not_met(run_gate())
    assert set(failed) == {"seed-data"}
    assert "03_bad.sql:1" in failed["seed-data"] and "no_such_column" in failed["seed-data"]


def test_missing_chapter_is_not_met_honestly(project):
    (project / "notebooks" / "04_constraints.ipynb").unlink()
    result = run_gate(replay=False)
    failed = not_met(result)
    assert set(failed) == {"foreign-keys", "constraints-added", "gate-validation"}
    assert failed["gate-validation"].startswith("chapter 04 (constraints and integrity) not written yet")
    assert result.item("foreign-keys").chapter_path is None
    assert "not written yet" in result.to_html()
    # judged on the design alone, the same project passes
    assert run_gate(notebooks_dir=None).passed


@pytest.mark.parametrize("pool, reason", [
    ("", "no [pool] section"),
    ("[pool]\nmax_size = 10\n", "lacks connect_timeout, idle_timeout"),
    ("[pool]\nmax_size = 0\nconnect_timeout = 5\nidle_timeout = 10\n", "max_size must be a positive number"),
    ("[pool]\nmax_size = 5\nmin_size = 9\nconnect_timeout = 5\nidle_timeout = 10\n", "min_size 9 is larger"),
])
def test_pool_settings_checked(project, pool, reason):
    toml = re.sub(r"(?ms)^\[pool\]\n.*?(?=^\[|\Z)", "", (project / "dbdesign.toml").read_text())
    assert "[lint]" in toml and "max_size" not in toml
    (project / "dbdesign.toml").write_text(toml + "\n" + pool)
    failed = not_met(run_gate(replay=False))
    assert set(failed) == {"gate-pool"}
    assert reason in failed["gate-pool"]


def test_api_contract_checked(project):
    contract = project / "openapi.yaml"
    contract.write_text(contract.read_text().replace("enum: [member, editor, admin]", "enum: [member, admin]"))
    failed = not_met(run_gate(replay=False))
    assert set(failed) == {"gate-api"}
    assert "api-enum-mismatch" in failed["gate-api"] and "openapi.yaml" in failed["gate-api"]
    contract.unlink()
    assert "no API contract" in not_met(run_gate(replay=False))["gate-api"]


def test_undocumented_query_index_fails_indexing(project):
    _add_migration(project / "migrations", "index_posts_title", "CREATE INDEX idx_posts_title ON posts (title);",
                   "DROP INDEX idx_posts_title;")
    failed = not_met(run_gate(replay=False))
    assert set(failed) == {"gate-indexing"}
    assert "idx_posts_title" in failed["gate-indexing"]


def test_html_table_links_chapters(project):
    html = run_gate(replay=False).to_html()
    assert html.count('data-status="met"') == 16
    assert '<a href="04_constraints.ipynb">04_constraints_integrity</a>' in html


# -- CLI ----------------------------------------------------------------------------------------
def test_cli_exit_codes_and_json(project):
    runner = CliRunner()
    ok = runner.invoke(main, ["gate"])
    assert ok.exit_code == 0, ok.output
    assert "gate PASSED: 7/7 criteria, 9/9 checklist items met" in ok.output

    data = json.loads(runner.invoke(main, ["gate", "--format", "json"]).output)
    assert data["summary"]["passed"] is True

    (project / "notebooks" / "03_migrations.ipynb").unlink()
    failed = runner.invoke(main, ["gate", "--format", "json"])
    assert failed.exit_code == 1
    data = json.loads(failed.output)
    assert data["summary"]["passed"] is False
    assert {i["id"] for i in data["items"] if i["status"] == NOT_MET} == {"migration-files", "gate-migrations"}

    bad = runner.invoke(main, ["gate", "no/such/folder"])
    assert bad.exit_code == 2
    assert "Traceback" not in bad.output


def test_checklist_failure_alone_does_not_fail_the_gate(project):
    """Seed data is a checklist item with no gate criterion resting on it: the gate passes,
    the checklist shows the gap."""
    shutil.rmtree(project / "seeds" / "dev")
    (project / "seeds" / "dev").mkdir()
    result = run_gate()
    assert set(not_met(result)) == {"seed-data"}
    assert result.passed
    assert CliRunner().invoke(main, ["gate"]).exit_code == 0


@pytest.mark.parametrize("content, why", [
    ("{}", "is not a notebook (no cells)"),
    (_notebook(executed=False), "has no executed code cell with output"),
    ("not json", "is not a notebook (JSONDecodeError)"),
])
def test_unexecuted_or_empty_chapter_does_not_count(project, content, why):
    (project / "notebooks" / "04_constraints.ipynb").write_text(content)
    result = run_gate(replay=False)
    failed = not_met(result)
    assert set(failed) == {"foreign-keys", "constraints-added", "gate-validation"}
    assert failed["gate-validation"].startswith(
        f"chapter 04 (constraints and integrity) not written yet: 04_constraints.ipynb {why}")
    assert result.item("foreign-keys").chapter_path is None


def test_erd_item_renders_the_erd_and_probe_item_does_not_claim_a_run(project):
    result = run_gate(replay=False)
    schema_ev = result.item("gate-schema").evidence
    assert "ERD rendered:" in schema_ev and f"{len(load_source('migrations').tables)} tables" in schema_ev
    ev = result.item("gate-validation").evidence
    assert "probed after `migrate up`" in ev and "sqlite 3." in ev and "writes as designed" in ev


def test_soft_delete_item_uses_the_user_facing_tables(project):
    toml = Path("dbdesign.toml").read_text()
    assert re.search(r"(?m)^user_facing_tables = ", toml)
    Path("dbdesign.toml").write_text(re.sub(r"(?m)^user_facing_tables = .*$",
                                            'user_facing_tables = ["tags"]', toml))
    failed = not_met(run_gate(replay=False))
    assert "no user-facing table has deleted_at ([lint] user_facing_tables)" in failed["soft-delete"]
