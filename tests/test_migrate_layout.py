"""The migrations-folder layout (MIGRATION_LAYOUT.md) on the four engines: engine overrides run
verbatim, versions with no file for an engine are recorded, repeatable ``R__`` files, checksums
over up and down files, misnamed files refused, and `plan` writing exactly what `up` does."""
from __future__ import annotations

from pathlib import Path

import pytest

from dbdesign import engines
from dbdesign.errors import InputError
from dbdesign.migrate.runner import HISTORY_TABLE, REPEATABLE_TABLE, MigrationBlocked, Migrator
from dbdesign.schema.source import discover, split_verbatim

FILES = {
    "0001_create_colors.up.sql":
        "CREATE TABLE colors (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, created_at TIMESTAMP);\n",
    "0001_create_colors.down.sql": "DROP TABLE colors;\n",
    # SQLite override: its own types (kept as declared) and a trigger body with semicolons.
    "sqlite/0001_create_colors.up.sql":
        "CREATE TABLE colors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TIMESTAMP);\n"
        "CREATE TRIGGER colors_name_upper AFTER INSERT ON colors BEGIN\n"
        "  UPDATE colors SET name = upper(name) WHERE id = NEW.id;\nEND;\n",
    "sqlite/0001_drop_colors.down.sql": "DROP TABLE colors;\n",  # pairs by number, not name
    # A version that exists only for PostgreSQL.
    "postgres/0002_brin.up.sql": "CREATE INDEX colors_created_brin ON colors USING brin (created_at);\n",
    "postgres/0002_brin.down.sql": "DROP INDEX colors_created_brin;\n",
    "0003_add_hex.up.sql": "ALTER TABLE colors ADD COLUMN hex TEXT;\n",
    "0003_add_hex.down.sql": "ALTER TABLE colors DROP COLUMN hex;\n",
    "R__colors.sql": "DELETE FROM colors;\nINSERT INTO colors (id, name) VALUES (1, 'red'), (2, 'green');\n",
}


def write_folder(root: Path, files: dict[str, str] = FILES) -> Path:
    folder = root / "migrations"
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def names(eng) -> list[str]:
    return [r[0] for r in eng.query("SELECT name FROM colors ORDER BY id")]


def test_layout_up_status_down(throwaway_engine, tmp_path):
    eng = throwaway_engine
    m = Migrator(str(write_folder(tmp_path)), eng)
    assert m.up().versions == [1, 2, 3, "R__colors"]
    st = m.status()
    assert [(s.version, s.state) for s in st.migrations] == [(1, "applied"), (2, "applied"), (3, "applied")]
    assert st.migrations[1].note == (None if eng.name == "postgres" else f"no file for {eng.name}")
    assert [(r.name, r.state) for r in st.repeatables] == [("R__colors", "applied")]
    assert st.ok
    assert names(eng) == (["RED", "GREEN"] if eng.name == "sqlite" else ["red", "green"])
    indexes = {i.name for t in eng.introspect().tables.values() for i in t.indexes}
    assert ("colors_created_brin" in indexes) == (eng.name == "postgres")
    if eng.name == "sqlite":  # the override ran verbatim: TIMESTAMP kept
        assert [r[0] for r in eng.query("SELECT type FROM pragma_table_info('colors')")] == \
            ["INTEGER", "TEXT", "TIMESTAMP", "TEXT"]
    assert m.up().versions == []
    assert m.down(to=0).versions == [3, 2, 1]
    assert [t for t in eng.table_names() if not t.startswith("dbdesign_")] == []
    st = m.status()
    assert [s.state for s in st.migrations] == ["pending"] * 3
    assert [r.state for r in st.repeatables] == ["pending"]  # a down makes the next up rerun them
    assert m.up().versions == [1, 2, 3, "R__colors"]


def test_repeatable_reruns_only_when_changed(throwaway_engine, tmp_path):
    folder = write_folder(tmp_path)
    m = Migrator(str(folder), throwaway_engine)
    m.up()
    (folder / "R__colors.sql").write_text(FILES["R__colors.sql"].replace("'green'", "'blue'"))
    m = Migrator(str(folder), throwaway_engine)
    assert [r.state for r in m.status().repeatables] == ["changed"]
    assert m.up().versions == ["R__colors"]
    assert names(throwaway_engine)[1].lower() == "blue"
    assert m.up().versions == []


def test_checksum_covers_down_and_override_files(tmp_path):
    folder = write_folder(tmp_path)
    before = {m.version: m.checksum for m in discover(str(folder)).migrations}
    (folder / "sqlite/0001_drop_colors.down.sql").write_text("DROP TABLE colors; -- edited\n")
    (folder / "0003_add_hex.down.sql").write_text("ALTER TABLE colors DROP COLUMN hex; -- edited\n")
    after = {m.version: m.checksum for m in discover(str(folder)).migrations}
    assert before[1] != after[1] and before[3] != after[3] and before[2] == after[2]


def test_edited_down_file_blocks_up_and_status(tmp_path):
    folder = write_folder(tmp_path)
    with engines.throwaway("sqlite") as eng:
        Migrator(str(folder), eng).up(target=1)
        (folder / "0001_create_colors.down.sql").write_text("DROP TABLE colors CASCADE;\n")
        m = Migrator(str(folder), eng)
        st = m.status()
        assert st.migrations[0].state == "modified" and not st.ok
        with pytest.raises(MigrationBlocked, match="0001_create_colors.down.sql"):
            m.up()


@pytest.mark.parametrize("rel, message", [
    ("0004_ok.sql", "not a migration file name"),
    ("0004_x.up.sql/readme.txt", "a folder named like a migration file"),
    ("mysql/0004_x.sql", "not a migration file name"),
    ("pg/0004_x.up.sql", "not an engine override folder"),
    ("0001_again.up.sql", "version 0001 has two up files"),
    ("duckdb/0009_only_down.down.sql", "has a down file but no up file in duckdb/"),
])
def test_misnamed_files_are_errors(tmp_path, rel, message):
    folder = write_folder(tmp_path, {**FILES, rel: "SELECT 1;\n"})
    with pytest.raises(InputError, match=message):
        discover(str(folder))


def test_version_only_in_overrides_is_a_valid_folder(tmp_path):
    folder = discover(str(write_folder(tmp_path)))
    brin = folder.by_version[2]
    assert brin.up is None and brin.files_for("mysql") == (None, None, False)
    assert brin.files_for("postgres")[0].endswith("postgres/0002_brin.up.sql")
    assert [r.label for r in folder.repeatables] == ["R__colors"]
    # the declared model reads the PostgreSQL override of a version without a root file
    assert "colors_created_brin" in {i.name for i in folder.schema_at(2).tables["colors"].indexes}
    assert "hex" in folder.schema_at(None).tables["colors"].columns
    assert "hex" not in folder.schema_before(3).tables["colors"].columns


def _run_script(eng, script: str) -> None:
    for st in split_verbatim(script, "plan.sql", eng.name):
        eng.execute(st.sql)


def _history(eng) -> list[tuple]:
    rows = eng.query(f"SELECT version, name, checksum, state FROM {HISTORY_TABLE} ORDER BY version")
    reps = eng.query(f"SELECT name, checksum, state FROM {REPEATABLE_TABLE} ORDER BY name")
    return [tuple(r) for r in rows] + [tuple(r) for r in reps]


def test_plan_script_gives_what_up_gives(engine_name, tmp_path):
    """`plan` is the executor of `up` writing SQL: the script run on a fresh database leaves
    the same schema and the same history rows as `up` (times and user aside)."""
    folder = str(write_folder(tmp_path))
    with engines.throwaway(engine_name) as by_up, engines.throwaway(engine_name) as by_plan:
        Migrator(folder, by_up).up()
        script = Migrator(folder, by_plan).plan()
        assert "-- history" not in script and f"INSERT INTO {HISTORY_TABLE}" in script
        _run_script(by_plan, script)
        from dbdesign.schema.diff import diff
        assert diff(by_up.introspect(), by_plan.introspect()).is_empty
        assert _history(by_plan) == _history(by_up)
        assert names(by_plan) == names(by_up)
        assert Migrator(folder, by_plan).up().versions == []  # the runner agrees it is done
        down = Migrator(folder, by_plan).plan("down", to=0)
        _run_script(by_plan, down)
        Migrator(folder, by_up).down(to=0)
        assert _history(by_plan) == _history(by_up) == []
        assert diff(by_up.introspect(), by_plan.introspect()).is_empty


@pytest.mark.parametrize("engine", ["sqlite", "postgres", "mysql"])
def test_verify_runs_the_layout(engine, tmp_path):
    from dbdesign.migrate.verify import verify
    from conftest import require_engine
    require_engine(engine)
    result = verify(str(write_folder(tmp_path)), (engine,))
    assert result.ok, result.format_text()
    skipped = {(c.migration, c.check) for c in result.checks if c.result == "skip"}
    assert (("0001_create_colors", "up") in skipped) == (engine == "sqlite")
