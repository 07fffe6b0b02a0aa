"""Pool sizing rule, rendered settings that really construct a pool, the server's limit."""
from __future__ import annotations

import pytest

from dbdesign import engines
from dbdesign.generate import pool
from dbdesign.errors import InputError


def test_hikari_rule_and_cap():
    s = pool.recommend(db_cores=4, spindles=1, app_instances=1, server_max_connections=100)
    assert s.max_size == 9 and s.min_size == 2
    capped = pool.recommend(db_cores=64, app_instances=4, server_max_connections=50, reserved=10)
    assert capped.max_size == 10 and any("capped" in r for r in capped.rationale)
    with pytest.raises(InputError, match="pgbouncer"):
        pool.recommend(app_instances=20, server_max_connections=10)


def test_rendered_settings_build_real_pools():
    s = pool.recommend(db_cores=2)
    ns: dict = {}
    exec(pool.render(s, "sqlalchemy", "postgresql://u@127.0.0.1:1/x"), ns)  # lazy: no connect
    assert ns["engine"].pool.size() == s.max_size and ns["engine"].pool._max_overflow == 0
    src = pool.render(s, "psycopg_pool")
    assert f"max_size={s.max_size}" in src and "statement_timeout" in src
    assert f"max: {s.max_size}" in pool.render(s, "node-pg")
    with pytest.raises(InputError):
        pool.render(s, "jdbc")


def test_server_limit_and_measurement():
    from conftest import require_engine
    require_engine("postgres")
    url = engines.server_url("postgres")
    with engines.connect(url) as eng:
        assert pool.server_max_connections(eng) >= 10
    m = pool.measure_connect_vs_pool(url, n=3)
    assert m["new_connection_ms"] > 0 and m["pooled_ms"] > 0  # no timing assertion (benchmarks)


def test_toml_section_round_trips_and_bad_sections_are_input_errors():
    import tomllib
    s = pool.recommend(db_cores=4, app_instances=2, server_max_connections=100)
    section = tomllib.loads(pool.render(s, "toml"))["pool"]
    assert section["max_size"] == 4 and section["connect_timeout"] == 5 and section["idle_timeout"] == 300
    back = pool.from_config(section)
    assert (back.max_size, back.min_size, back.idle_timeout_s) == (s.max_size, s.min_size, s.idle_timeout_s)
    for bad, msg in (({"max_size": 4}, "lacks connect_timeout, idle_timeout"),
                     (section | {"max_sise": 3}, "unknown key 'max_sise'"),
                     (section | {"max_size": 0}, "positive number"),
                     (section | {"min_size": 9}, "larger than max_size"),
                     ([], "must be a table")):
        with pytest.raises(InputError, match=msg):
            pool.from_config(bad, "dbdesign.toml")


def test_configured_reads_the_config_or_its_extra_section():
    from types import SimpleNamespace
    section = {"max_size": 4, "connect_timeout": 5, "idle_timeout": 300}
    assert pool.configured(SimpleNamespace(pool=section, path=None)).max_size == 4
    assert pool.configured(SimpleNamespace(extra={"pool": section}, path=None)).idle_timeout_s == 300
    assert pool.configured(SimpleNamespace(extra={}, path=None)) is None
