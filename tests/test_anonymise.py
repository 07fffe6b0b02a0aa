"""Staging built by anonymising a source database: masks hold FKs and uniques, nothing leaks."""
import os

import pytest

from dbdesign import engines
from dbdesign.generate import anonymise, seeds
from dbdesign.config import load_config
from dbdesign.errors import InputError
from dbdesign.migrate.runner import Migrator
from dbdesign.schema.source import load_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIGRATIONS = os.path.join(ROOT, "migrations")


@pytest.fixture
def setup():
    schema = load_source(MIGRATIONS)
    config = load_config(os.path.join(ROOT, "dbdesign.toml"))
    rules = anonymise.rules_from_config(config, schema, {"DBDESIGN_MASK_KEY": "test-key"})
    return schema, config, rules


def _source(eng, schema):
    Migrator(MIGRATIONS, eng).up()
    seeds.apply_seeds(eng, schema, os.path.join(ROOT, "seeds"), "dev")


def test_staging_is_masked_consistent_and_idempotent(setup):
    schema, _, rules = setup
    with engines.throwaway("sqlite") as src, engines.throwaway("sqlite") as dst:
        _source(src, schema)
        Migrator(MIGRATIONS, dst).up()
        first = anonymise.build_staging(src, dst, schema, rules)
        assert first.leaks == []
        assert first.rows["users"] == 5 and "audit_log" not in first.rows
        snapshot = dst.query("SELECT id, email, username, password_hash, created_at FROM users ORDER BY id")
        again = anonymise.build_staging(src, dst, schema, rules)
        assert again.leaks == [] and dst.query(
            "SELECT id, email, username, password_hash, created_at FROM users ORDER BY id") == snapshot
        assert {r[3] for r in snapshot} == {anonymise.SECRET_PLACEHOLDER}
        assert dst.query("PRAGMA foreign_key_check") == []
        # the same key gives the same pseudonym; an email's case does not matter
        users = schema.tables["users"]
        a = anonymise.mask_value(rules, users, "email", "email", "Alice@Example.com", "k")
        assert a == anonymise.mask_value(rules, users, "email", "email", "alice@example.com", "other")


def test_leak_check_finds_an_unmasked_copy(setup):
    schema, _, rules = setup
    with engines.throwaway("sqlite") as src, engines.throwaway("sqlite") as dst:
        _source(src, schema)
        Migrator(MIGRATIONS, dst).up()
        seeds.apply_seeds(dst, schema, os.path.join(ROOT, "seeds"), "dev")  # a plain copy
        found = anonymise.leaks(src, dst, schema, rules)
    assert "users.email: 5 original value(s) survive" in found
    assert any(f.startswith("users.created_at:") for f in found)


def test_rules_are_checked_against_the_schema(setup):
    schema, config, _ = setup
    config.extra = {"staging": {"mask": {"users.nope": "email"}}}
    with pytest.raises(InputError, match="users.nope"):
        anonymise.rules_from_config(config, schema, {"DBDESIGN_MASK_KEY": "k"})
    config.extra = {"staging": {"mask": {"users.email": "email"}}}
    with pytest.raises(InputError, match="DBDESIGN_MASK_KEY"):
        anonymise.rules_from_config(config, schema, {})
