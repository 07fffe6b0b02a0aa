"""Schema-qualified (`app.orders`) and quoted (`"User Accounts"`, `"E-mail"`) names through the
probe, soft delete and the audit trail, on the real engines. SQLite and MariaDB have no schemas:
there `app.orders` is created as `orders` (dialects.render), and every generated statement must
name that table, quoted the way the DDL quoted it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbdesign.generate import audit, softdelete
from dbdesign.lab import probe
from dbdesign.errors import EngineError
from dbdesign.schema.parse import parse_file

SCHEMA_FILE = Path(__file__).parent / "fixtures" / "quoted_names" / "schema.sql"
USERS, ORDERS, LINES = "User Accounts", "app.orders", "app.order_lines"


@pytest.fixture(scope="module")
def schema():
    return parse_file(str(SCHEMA_FILE))


def test_names_follow_the_rendered_model(schema):
    pg, my, lite = (probe.names_for(schema, d) for d in ("postgres", "mysql", "sqlite"))
    assert pg.table(ORDERS) == "app.orders" and pg.table(USERS) == '"User Accounts"'
    assert my.table(ORDERS) == "orders" and my.table(USERS) == "`User Accounts`"
    assert lite.held_name(ORDERS) == "orders" and lite.col("E-mail") == '"E-mail"'
    assert my.col("E-mail") == "`E-mail`" and pg.col("region") == "region"
    assert probe.insert_sql(schema.tables[USERS], {"id": 1, "E-mail": "a@x"}, my) == \
        "INSERT INTO `User Accounts` (id, `E-mail`) VALUES (1, 'a@x')"
    long = pg.derived(USERS, "trg_{}_" + "x" * 80)
    assert len(long.strip('"')) <= 63


def test_probe_gives_a_full_matrix(engine_name, schema):
    result = probe.run_probe(schema, engine_name, sqlite_without_pragma=False)
    got = [o for o in result.outcomes if o.engine == engine_name]
    assert len(got) == len(probe.build_cases(schema))  # one outcome per probe, none lost
    assert not [o for o in got if o.outcome == "error"], [o for o in got if o.outcome == "error"]
    out = {o.constraint: o for o in got}
    orphan = out[f"{LINES}.region,order_no -> {ORDERS} orphan"]
    assert orphan.outcome == "rejected"  # the composite FK holds everywhere it is declared
    assert out[f"{ORDERS}.status ENUM app.order_status"].outcome == "rejected"
    assert out[f"{USERS}.E-mail NOT NULL"].outcome == "rejected"
    assert out[f"{ORDERS} CHECK total >= 0"].outcome == "rejected"
    cascade = out[f"{LINES}.region,order_no -> {ORDERS} ON DELETE CASCADE"]
    case = out[f'{USERS} UNIQUE INDEX ux_User Accounts_email ((LOWER("E-mail"))) case variant']
    reuse = out[f'{USERS} UNIQUE INDEX ux_User Accounts_email ((LOWER("E-mail"))) reuse after soft delete']
    cross = out[f"{ORDERS}.account_id -> {USERS} orphan"]
    if engine_name == "duckdb":  # no FK actions, no partial index, no cross-schema FK
        assert (cascade.outcome, case.outcome, cross.outcome) == ("not expressible",) * 3
        assert "across schemas" in cross.message
    else:
        assert cascade.outcome == "cascaded" and cross.outcome == "rejected"
        assert case.outcome == ("not expressible" if engine_name == "mysql" else "rejected")
    assert reuse.outcome == "accepted"
    if engine_name == "postgres":
        assert not result.findings


def test_sqlite_rowid_alias_is_a_renderer_note_not_a_missing_not_null(schema):
    result = probe.run_probe(schema, "sqlite", sqlite_without_pragma=False)
    o = result.outcome("sqlite", f"{USERS}.id NOT NULL")
    assert o.outcome == "not expressible" and "rowid alias" in o.message


def test_generated_sql_quotes_and_qualifies(schema):
    pg_audit = audit.audit_statements(schema, "postgres").sql
    assert 'AFTER INSERT OR UPDATE OR DELETE ON "User Accounts"' in pg_audit
    assert "ON app.orders FOR EACH ROW" in pg_audit and 'NEW."E-mail"' not in pg_audit  # to_jsonb(NEW)
    assert "CREATE OR REPLACE FUNCTION app.orders_audit()" in pg_audit
    my_audit = audit.audit_statements(schema, "mysql").sql
    assert "'E-mail', NEW.`E-mail`" in my_audit and "ON orders FOR EACH ROW" in my_audit
    pg_soft = softdelete.soft_delete_statements(schema, "postgres")
    assert 'CREATE VIEW "active_User Accounts" AS SELECT * FROM "User Accounts"' in pg_soft.sql
    assert "CREATE VIEW app.active_orders AS SELECT * FROM app.orders" in pg_soft.sql
    assert "UPDATE app.order_lines SET deleted_at = NEW.deleted_at WHERE region = NEW.region " \
           "AND order_no = NEW.order_no" in pg_soft.sql
    my_soft = softdelete.soft_delete_statements(schema, "mysql").sql
    assert "THEN LOWER(`E-mail`) END" in my_soft and "ALTER TABLE `User Accounts` ADD COLUMN" in my_soft
    assert pg_soft.tables == [USERS, ORDERS, LINES]


@pytest.fixture
def loaded(throwaway_engine, schema):
    eng = throwaway_engine
    probe.install_schema(eng, schema)
    plan = softdelete.install_soft_delete(eng, schema)
    audit.install_audit(eng, schema)
    names = probe.names_for(schema, eng.name)
    values = probe.ValueFactory(schema)
    base = probe.load_baseline(eng, schema, values, names)
    audit.set_actor(eng, str(base[USERS]["id"]))
    return eng, names, base, values, plan


def _count(eng, names, table, where="1=1"):
    return eng.query(f"SELECT count(*) FROM {names.table(table)} WHERE {where}")[0][0]


def test_soft_delete_cascades_through_quoted_and_composite_keys(loaded, schema):
    eng, n, base, values, plan = loaded
    active = n.derived(USERS, "active_{}", qualify=True)
    assert eng.query(f"SELECT count(*) FROM {active}")[0][0] == 1
    uid = base[USERS]["id"]
    softdelete.soft_delete(eng, schema, USERS, {"id": uid})
    assert eng.query(f"SELECT count(*) FROM {active}")[0][0] == 0
    # the user's order and its line (composite FK) are soft-deleted too: trigger or application
    assert _count(eng, n, ORDERS, f"{n.col('deleted_at')} IS NULL") == 0
    assert _count(eng, n, LINES, f"{n.col('deleted_at')} IS NULL") == 0
    twin = values.row(schema.tables[USERS], base, {"E-mail": base[USERS]["E-mail"]})
    eng.execute(probe.insert_sql(schema.tables[USERS], twin, n))  # the address is free again
    if eng.name == "duckdb":
        assert any("not enforced" in note for note in plan.notes)
        return
    with pytest.raises(EngineError):  # restoring the old account now collides (live-only unique)
        eng.execute(softdelete.restore_sql(USERS, {"id": uid}, n))


def test_audit_trail_names_the_table_the_engine_holds(loaded, schema):
    eng, n, base, values, plan = loaded
    log = n.table("audit_log")
    inserted = {r[0] for r in eng.query(f"SELECT table_name FROM {log} WHERE operation = 'INSERT'")}
    inserted.discard(base["audit_log"]["table_name"])  # the baseline's own audit_log row
    assert inserted == {n.held_name(USERS), n.held_name(ORDERS), n.held_name(LINES)}
    order = base[ORDERS]
    key = probe.where_sql({"region": order["region"], "order_no": order["order_no"]}, n)
    audit.audited_update(eng, schema, ORDERS, {"total": 42}, key, str(base[USERS]["id"]))
    rows = eng.query(f"SELECT row_id, old_values, new_values FROM {log} WHERE operation = 'UPDATE' "
                     f"AND table_name = {n.lit(n.held_name(ORDERS))}")
    assert len(rows) == 1 and rows[0][0] == f"{order['region']},{order['order_no']}"  # composite key
    assert "total" in audit.changed_fields(rows[0][1], rows[0][2])
    audit.audited_update(eng, schema, USERS, {"E-mail": "new@example.com"},
                         probe.where_sql({"id": base[USERS]["id"]}, n), str(base[USERS]["id"]))
    old, new = eng.query(f"SELECT old_values, new_values FROM {log} WHERE operation = 'UPDATE' AND "
                         f"table_name = {n.lit(n.held_name(USERS))}")[0]
    new = new if isinstance(new, dict) else json.loads(new)
    assert new["E-mail"] == "new@example.com"
    eng.execute(f"DELETE FROM {n.table(LINES)} WHERE {probe.where_sql({'id': base[LINES]['id']}, n)}")
    assert eng.query(f"SELECT count(*) FROM {log} WHERE operation = 'DELETE' AND "
                     f"table_name = {n.lit(n.held_name(LINES))}")[0][0] == 1


def test_api_and_orm_layers_for_quoted_and_qualified_names(schema):
    from dbdesign.generate import layers
    assert layers.class_name(USERS) == "UserAccount" and layers.class_name(ORDERS) == "Order"
    assert layers.py_name("E-mail") == "E_mail" and layers.py_name("class") == "class_"
    api = layers.load_module(layers.pydantic_source(schema), "quoted_api")
    ok = api.UserAccountIn.model_validate({"id": 1, "E-mail": "a@example.com"})
    assert ok.E_mail == "a@example.com"
    with pytest.raises(Exception, match="100"):
        api.UserAccountIn.model_validate({"id": 1, "E-mail": "x" * 101})
    with pytest.raises(Exception):
        api.OrderIn.model_validate({"region": "eu", "order_no": 1, "account_id": 1, "total": 1,
                                    "status": "zz_not_allowed"})
    orm = layers.load_module(layers.sqlalchemy_source(schema), "quoted_orm")
    assert orm.Order.__table__.schema == "app" and orm.UserAccount.__table__.c["E-mail"] is not None
    assert layers.orm_differences(schema, orm) == []
    frame = layers.compare_layers(schema)
    assert frame.loc[f"{ORDERS}.status ENUM app.order_status", "api"] == "caught"
