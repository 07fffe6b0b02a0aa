"""datagen on the two largest real schemas of the corpus (`../shared/corpus`): MusicBrainz (375
tables, 762 FKs, 663 CHECKs, partitions, enums, an extension type) and gisia (a GitLab-derived
dump: partitions, arrays, sequences). Generated once per schema, loaded into each engine with
its constraints in place, then checked on the engine by SQL: every table holds exactly the rows
generated, and no row breaks a foreign key, a unique key or a CHECK the engine holds."""
from __future__ import annotations

import functools

import pytest

from conftest import REPO, require_engine
from dbdesign import dialects, engines
from dbdesign.lab import datagen
from dbdesign.schema.source import load_source

CORPUS = REPO.parent / "shared" / "corpus"
SCHEMAS = ("musicbrainz-combined.sql", "gisia-structure.sql")
ENGINES = ("duckdb", "sqlite", "postgres", "mysql")
ROWS = 300


@functools.lru_cache(maxsize=None)
def generated(name: str) -> datagen.Dataset:
    return datagen.generate(load_source(str(CORPUS / name)), ROWS, seed=3, progress=False)


def violations(eng, model, table: str) -> dict[str, int]:
    """Rows of `table` on `eng` that break each FK, unique key and CHECK of `model` (the
    schema as the engine holds it), counted by the engine."""
    d = dialects.get_dialect(eng.name)
    q = functools.partial(d.quote, force=True)
    t = model.tables[table]
    name = ".".join(q(p) for p in table.split("."))
    probes = {}
    for fk in t.foreign_keys:
        ref = ".".join(q(p) for p in fk.ref_table.split("."))
        present = " AND ".join(f"c.{q(c)} IS NOT NULL" for c in fk.columns)
        match = " AND ".join(f"p.{q(r)} = c.{q(c)}" for c, r in zip(fk.columns, fk.ref_columns))
        probes[f"FK {fk.columns} -> {fk.ref_table}"] = (
            f"SELECT count(*) FROM {name} c WHERE {present} AND NOT EXISTS (SELECT 1 FROM {ref} p WHERE {match})")
    for cols in t.unique_column_sets():
        present = " AND ".join(f"{q(c)} IS NOT NULL" for c in cols)
        keys = ", ".join(q(c) for c in cols)
        probes[f"UNIQUE {cols}"] = (f"SELECT count(*) FROM (SELECT 1 AS x FROM {name} WHERE {present} "
                                    f"GROUP BY {keys} HAVING count(*) > 1) d")
    for ch in t.checks:
        probes[f"CHECK {ch.expression}"] = f"SELECT count(*) FROM {name} WHERE NOT ({ch.expression})"
    if not probes:
        return {}
    counts = eng.query("SELECT " + ", ".join(f"({sql})" for sql in probes.values()))[0]
    return {label: n for label, n in zip(probes, counts) if n}


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("schema_name", SCHEMAS)
def test_corpus_schema_loads_with_every_constraint_verified(schema_name, engine_name):
    if not (CORPUS / schema_name).exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    require_engine(engine_name)
    data = generated(schema_name)
    with engines.throwaway(engine_name) as eng:
        # every constraint checked by the engine: as the rows arrive, or when a key or foreign
        # key is added after them (PostgreSQL, MariaDB; SQLite: its own foreign_key_check)
        report = datagen.load(data, eng, checks="engine", analyze=False)
        model = datagen.loaded_model(data.schema, eng, data.tables)
        assert sum(len(t.foreign_keys) for t in model.tables.values()) > 0
        for table in data.tables:
            held = eng.query(f"SELECT count(*) FROM {dialects.get_dialect(engine_name).quote(table, force=True)}")[0][0]
            assert held == data.counts[table] == report.rows[table], table
            assert violations(eng, model, table) == {}, table
    assert sum(data.counts.values()) > 5 * ROWS
    for table, r in data.rejection().items():  # every rejected row has a reason, counted
        assert sum(r["reasons"].values()) == r["rejected"] and 0 < r["rate"] <= 1, table
