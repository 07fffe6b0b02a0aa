"""lint: every rule fires on a minimal bad design, stays quiet on the fixed one, and points at
the right line; waivers, overrides and the example schema."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from dbdesign.config import Config, RuleConfig, Waiver, parse_config
from dbdesign.checks.lint import RULES, lint, rules_table
from dbdesign.schema.parse import parse_sql

USERS = "CREATE TABLE users (id UUID PRIMARY KEY, name TEXT);\n"
FK_PARENT = "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);\n"


def run(sql: str, config: Config | None = None, **kw):
    return lint(parse_sql(sql, "t.sql"), config or Config(), **kw)


# (rule, bad SQL, line of the bad object in it, fixed SQL)
CASES = [
    ("table-name-plural",
     "CREATE TABLE user_account (id INT PRIMARY KEY);", 1,
     "CREATE TABLE user_accounts (id INT PRIMARY KEY);"),
    ("identifier-snake-case",
     'CREATE TABLE accounts (\n  id INT PRIMARY KEY,\n  "firstName" TEXT\n);', 3,
     "CREATE TABLE accounts (\n  id INT PRIMARY KEY,\n  first_name TEXT\n);"),
    ("fk-column-name",
     USERS + "CREATE TABLE posts (\n  id UUID PRIMARY KEY,\n  author UUID REFERENCES users (id) ON DELETE CASCADE\n);", 4,
     USERS + "CREATE TABLE posts (\n  id UUID PRIMARY KEY,\n  user_id UUID REFERENCES users (id) ON DELETE CASCADE\n);"),
    ("index-name",
     "CREATE TABLE posts (id INT PRIMARY KEY, title TEXT);\n\nCREATE INDEX posts_by_title ON posts (title);", 3,
     "CREATE TABLE posts (id INT PRIMARY KEY, title TEXT);\n\nCREATE INDEX idx_posts_title ON posts (title);"),
    ("primary-key-missing",
     "\nCREATE TABLE notes (body TEXT);", 2,
     "\nCREATE TABLE notes (id INT PRIMARY KEY, body TEXT);"),
    ("primary-key-strategy-mixed",
     USERS + "CREATE TABLE posts (id UUID PRIMARY KEY);\nCREATE TABLE tags (\n  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY\n);", 4,
     USERS + "CREATE TABLE posts (id UUID PRIMARY KEY);\nCREATE TABLE tags (\n  id UUID PRIMARY KEY\n);"),
    ("fk-missing-index",
     FK_PARENT + "CREATE TABLE posts (id BIGINT PRIMARY KEY, created_at TIMESTAMPTZ,\n  user_id BIGINT REFERENCES users (id) ON DELETE CASCADE);\n"
     "CREATE INDEX idx_posts_created_at_user_id ON posts (created_at, user_id);", 3,
     FK_PARENT + "CREATE TABLE posts (id BIGINT PRIMARY KEY, created_at TIMESTAMPTZ,\n  user_id BIGINT REFERENCES users (id) ON DELETE CASCADE);\n"
     "CREATE INDEX idx_posts_user_id_created_at ON posts (user_id, created_at);"),
    ("fk-on-delete-unspecified",
     FK_PARENT + "CREATE TABLE posts (\n  id BIGINT PRIMARY KEY,\n  user_id BIGINT REFERENCES users (id)\n);", 4,
     FK_PARENT + "CREATE TABLE posts (\n  id BIGINT PRIMARY KEY,\n  user_id BIGINT REFERENCES users (id) ON DELETE RESTRICT\n);"),
    ("fk-type-mismatch",
     FK_PARENT + "CREATE TABLE posts (\n  id BIGINT PRIMARY KEY,\n  user_id INTEGER REFERENCES users (id) ON DELETE CASCADE\n);", 4,
     FK_PARENT + "CREATE TABLE posts (\n  id BIGINT PRIMARY KEY,\n  user_id INT8 REFERENCES users (id) ON DELETE CASCADE\n);"),
    ("fk-target-not-unique",
     FK_PARENT + "CREATE TABLE invites (\n  id BIGINT PRIMARY KEY,\n  user_email TEXT REFERENCES users (email) ON DELETE CASCADE\n);", 4,
     "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT UNIQUE);\nCREATE TABLE invites (\n  id BIGINT PRIMARY KEY,\n  user_email TEXT REFERENCES users (email) ON DELETE CASCADE\n);"),
    ("fk-duplicate",
     FK_PARENT + "CREATE TABLE posts (\n  id BIGINT PRIMARY KEY,\n  updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL\n);\n"
     "ALTER TABLE posts ADD CONSTRAINT fk_posts_updated_by FOREIGN KEY (updated_by) REFERENCES users (id) ON DELETE SET NULL;", 6,
     FK_PARENT + "CREATE TABLE posts (\n  id BIGINT PRIMARY KEY, created_by BIGINT,\n  updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL\n);\n"
     "ALTER TABLE posts ADD CONSTRAINT fk_posts_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL;"),
    ("fk-cascade-nullable",
     FK_PARENT + "CREATE TABLE posts (\n  id BIGINT PRIMARY KEY,\n  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE SET NULL\n);", 4,
     FK_PARENT + "CREATE TABLE posts (\n  id BIGINT PRIMARY KEY,\n  user_id BIGINT REFERENCES users (id) ON DELETE SET NULL\n);"),
    ("index-redundant",
     "CREATE TABLE posts (id INT PRIMARY KEY, a INT, b INT);\nCREATE INDEX idx_posts_a ON posts (a);\nCREATE INDEX idx_posts_a_b ON posts (a, b);", 2,
     "CREATE TABLE posts (id INT PRIMARY KEY, a INT, b INT);\nCREATE INDEX idx_posts_b ON posts (b);\nCREATE INDEX idx_posts_a_b ON posts (a, b);"),
    ("index-too-many",
     "CREATE TABLE wide (\n  id INT PRIMARY KEY, c1 INT, c2 INT, c3 INT, c4 INT, c5 INT, c6 INT, c7 INT, c8 INT);\n"
     + "".join(f"CREATE INDEX idx_wide_c{i} ON wide (c{i});\n" for i in range(1, 9)), 1,
     "CREATE TABLE wide (\n  id INT PRIMARY KEY, c1 INT, c2 INT, c3 INT, c4 INT, c5 INT, c6 INT, c7 INT, c8 INT);\n"
     + "".join(f"CREATE INDEX idx_wide_c{i} ON wide (c{i});\n" for i in range(1, 8))),
    ("unique-missing",
     "CREATE TABLE accounts (\n  id INT PRIMARY KEY,\n  username TEXT NOT NULL\n);", 3,
     "CREATE TABLE accounts (\n  id INT PRIMARY KEY,\n  username TEXT NOT NULL UNIQUE\n);"),
    ("enum-check-missing",
     "CREATE TABLE orders (\n  id INT PRIMARY KEY,\n  status TEXT NOT NULL\n);", 3,
     "CREATE TABLE orders (\n  id INT PRIMARY KEY,\n  status TEXT NOT NULL CHECK (status IN ('new', 'paid'))\n);"),
    ("unique-ignores-soft-delete",
     "CREATE TABLE accounts (\n  id INT PRIMARY KEY,\n  handle TEXT NOT NULL,\n  deleted_at TIMESTAMPTZ,\n  CONSTRAINT uq_accounts_handle UNIQUE (handle)\n);", 5,
     "CREATE TABLE accounts (\n  id INT PRIMARY KEY,\n  handle TEXT NOT NULL,\n  deleted_at TIMESTAMPTZ\n);\n"
     "CREATE UNIQUE INDEX idx_accounts_handle ON accounts (handle) WHERE deleted_at IS NULL;"),
    ("unique-email-case-sensitive",
     "CREATE TABLE accounts (id INT PRIMARY KEY, email TEXT NOT NULL);\nCREATE UNIQUE INDEX idx_accounts_email ON accounts (email);", 2,
     "CREATE TABLE accounts (id INT PRIMARY KEY, email TEXT NOT NULL);\nCREATE UNIQUE INDEX idx_accounts_email ON accounts (lower(email));"),
    ("timestamps-missing",
     "\nCREATE TABLE notes (id INT PRIMARY KEY, created_at TIMESTAMPTZ);", 2,
     "\nCREATE TABLE notes (id INT PRIMARY KEY, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ);"),
    ("soft-delete-missing",
     "\n\nCREATE TABLE users (id INT PRIMARY KEY);", 3,
     "\n\nCREATE TABLE users (id INT PRIMARY KEY, deleted_at TIMESTAMPTZ);"),
    ("audit-columns-missing",
     "CREATE TABLE notes (id INT PRIMARY KEY, created_by INT);", 1,
     "CREATE TABLE notes (id INT PRIMARY KEY, created_by INT, updated_by INT);"),
    ("timestamp-without-time-zone",
     "CREATE TABLE notes (\n  id INT PRIMARY KEY,\n  seen_at TIMESTAMP WITHOUT TIME ZONE\n);", 3,
     "CREATE TABLE notes (\n  id INT PRIMARY KEY,\n  seen_at TIMESTAMP WITH TIME ZONE\n);"),
    ("char-type",
     "CREATE TABLE countries (\n  id INT PRIMARY KEY,\n  code CHAR(2)\n);", 3,
     "CREATE TABLE countries (\n  id INT PRIMARY KEY,\n  code TEXT CHECK (length(code) = 2)\n);"),
    ("float-for-money",
     "CREATE TABLE orders (\n  id INT PRIMARY KEY,\n  total_price DOUBLE PRECISION\n);", 3,
     "CREATE TABLE orders (\n  id INT PRIMARY KEY,\n  total_price NUMERIC(12, 2)\n);"),
    ("serial-type",
     "CREATE TABLE notes (\n  id SERIAL PRIMARY KEY\n);", 2,
     "CREATE TABLE notes (\n  id INT GENERATED ALWAYS AS IDENTITY PRIMARY KEY\n);"),
]


def test_every_checked_rule_has_a_case():
    checked = {r.id for r in RULES.values() if not r.meta}
    assert checked == {c[0] for c in CASES}
    issue_ids = """table-name-plural identifier-snake-case fk-column-name index-name primary-key-missing
    primary-key-strategy-mixed fk-missing-index fk-on-delete-unspecified fk-type-mismatch
    fk-target-not-unique fk-cascade-nullable index-redundant index-too-many unique-missing
    enum-check-missing unique-ignores-soft-delete unique-email-case-sensitive timestamps-missing
    soft-delete-missing audit-columns-missing timestamp-without-time-zone char-type
    float-for-money serial-type""".split() + ["fk-duplicate"]  # issue 15 adds fk-duplicate
    assert checked == set(issue_ids)  # exactly the ids issues 2 and 15 list


@pytest.mark.parametrize("rule,bad,line,good", CASES, ids=[c[0] for c in CASES])
def test_rule_fires_on_bad_and_not_on_fixed(rule, bad, line, good):
    found = run(bad).by_rule(rule)
    assert found, f"{rule} did not fire on:\n{bad}"
    assert found[0].file == "t.sql" and found[0].line == line, found[0]
    assert found[0].message and found[0].severity in ("error", "warning", "info")
    assert run(good).by_rule(rule) == []


def test_docs_rules_md_is_current():
    from conftest import REPO
    from dbdesign.checks.lint import rules_markdown
    assert (REPO / "docs" / "rules.md").read_text() == rules_markdown(), (
        "docs/rules.md is stale; regenerate it with the command at its top")


def test_registry_documents_every_rule():
    for r in rules_table():
        assert r["summary"] and r["rationale"] and r["source"], r["id"]
        assert r["severity"] in ("error", "warning", "info")


# -- rule details -----------------------------------------------------------------------------

def test_join_and_log_tables_are_plural_enough():
    r = run("CREATE TABLE post_tags (a INT PRIMARY KEY);\nCREATE TABLE audit_log (id INT PRIMARY KEY);\n"
            "CREATE TABLE person (id INT PRIMARY KEY);")
    assert [f.table for f in r.by_rule("table-name-plural")] == ["person"]
    assert "people" in r.by_rule("table-name-plural")[0].message


def test_fk_column_name_accepts_audit_role_and_self_reference():
    r = run(USERS + "CREATE TABLE comments (id UUID PRIMARY KEY,\n"
            " parent_id UUID REFERENCES comments (id) ON DELETE CASCADE,\n"
            " created_by UUID REFERENCES users (id) ON DELETE SET NULL,\n"
            " author_user_id UUID REFERENCES users (id) ON DELETE SET NULL,\n"
            " reviewer UUID REFERENCES users (id) ON DELETE SET NULL);")
    assert [f.column for f in r.by_rule("fk-column-name")] == ["reviewer"]
    assert "user_id" in r.by_rule("fk-column-name")[0].message
    # a self-reference must not be called by the table's own singular name alone
    r = run("CREATE TABLE comments (id UUID PRIMARY KEY, comment UUID REFERENCES comments (id));")
    assert r.by_rule("fk-column-name")[0].column == "comment"


def test_fk_column_name_module_prefixed_tables():
    sql = ("CREATE TABLE core_users (id INT PRIMARY KEY);\n"
           "CREATE TABLE billing_invoices (id INT PRIMARY KEY,\n"
           " user_id INT REFERENCES core_users (id) ON DELETE CASCADE,\n"
           " created_by INT REFERENCES core_users (id) ON DELETE SET NULL);\n")
    assert run(sql).by_rule("fk-column-name") == []
    # with a plain `users` table too, `user_id` -> core_users is ambiguous, and audit columns
    # are expected to point at `users`
    r = run(sql + "CREATE TABLE users (id INT PRIMARY KEY);")
    assert [f.column for f in r.by_rule("fk-column-name")] == ["user_id", "created_by"]


def test_index_name_for_expression_and_partial_indexes():
    base = "CREATE TABLE users (id INT PRIMARY KEY, email TEXT, deleted_at TIMESTAMPTZ);\n"
    for name in ("idx_users_email", "idx_users_lower_email"):
        assert run(base + f"CREATE UNIQUE INDEX {name} ON users (lower(email));").by_rule("index-name") == []
    assert run(base + "CREATE INDEX idx_users_email ON users (CAST(email AS TEXT));").by_rule("index-name") == []
    assert run(base + "CREATE INDEX idx_users_email ON users ((email::text));").by_rule("index-name") == []
    partial = base + "CREATE INDEX idx_users_email_live ON users (email) WHERE deleted_at IS NULL;"
    assert run(partial).by_rule("index-name") == []
    # a suffix is only for partial indexes
    assert run(base + "CREATE INDEX idx_users_email_live ON users (email);").by_rule("index-name")


def test_fk_missing_index_any_order_and_not_partial():
    base = ("CREATE TABLE a (x INT, y INT, PRIMARY KEY (x, y));\n"
            "CREATE TABLE b (id INT PRIMARY KEY, x INT, y INT, z INT,\n"
            " FOREIGN KEY (x, y) REFERENCES a (x, y) ON DELETE CASCADE);\n")
    assert run(base + "CREATE INDEX idx_b_y_x_z ON b (y, x, z);").by_rule("fk-missing-index") == []
    assert run(base + "CREATE INDEX idx_b_x_z_y ON b (x, z, y);").by_rule("fk-missing-index")
    assert run(base + "CREATE INDEX idx_b_x_y ON b (x, y) WHERE z > 0;").by_rule("fk-missing-index")
    # a PK or UNIQUE constraint that starts with the FK columns counts
    assert run(base.replace("id INT PRIMARY KEY, x INT, y INT, z INT,",
                            "x INT, y INT, z INT, PRIMARY KEY (x, y, z),")).by_rule("fk-missing-index") == []


def test_fk_cascade_nullable_warns_on_optional_cascade_but_not_self_reference():
    r = run(FK_PARENT + "CREATE TABLE posts (id BIGINT PRIMARY KEY,\n"
            " user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,\n"
            " parent_id BIGINT REFERENCES posts (id) ON DELETE CASCADE);")
    found = r.by_rule("fk-cascade-nullable")
    assert [(f.column, f.severity) for f in found] == [("user_id", "warning")]
    assert run(FK_PARENT + "CREATE TABLE posts (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL "
               "REFERENCES users (id) ON DELETE SET NULL);").by_rule("fk-cascade-nullable")[0].severity == "error"


def test_index_redundant_semantics():
    t = "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, d TIMESTAMPTZ);\n"
    # a unique index is never redundant to a non-unique one
    assert run(t + "CREATE UNIQUE INDEX idx_t_a ON t (a);\nCREATE INDEX idx_t_a_b ON t (a, b);"
               ).by_rule("index-redundant") == []
    # a non-unique index duplicated by a unique one is redundant
    r = run(t + "CREATE INDEX idx_t_a ON t (a);\nCREATE UNIQUE INDEX idx_t_a_u ON t (a);")
    assert [f.index for f in r.by_rule("index-redundant")] == ["idx_t_a"]
    # different WHERE: not redundant
    assert run(t + "CREATE INDEX idx_t_a ON t (a) WHERE b > 0;\nCREATE INDEX idx_t_a_b ON t (a, b);"
               ).by_rule("index-redundant") == []
    # exact duplicates: the later one is reported
    r = run(t + "CREATE INDEX idx_t_a ON t (a);\nCREATE INDEX idx_t_a2 ON t (a);")
    assert [(f.index, f.line) for f in r.by_rule("index-redundant")] == [("idx_t_a2", 3)]
    # an index on the PK column duplicates the primary key
    r = run(t + "CREATE INDEX idx_t_id ON t (id);")
    assert "primary key" in r.by_rule("index-redundant")[0].message
    # mixed directions are not a prefix of the opposite mix
    assert run(t + "CREATE INDEX idx_t_a_d ON t (a, d DESC);\nCREATE INDEX idx_t_a_d_b ON t (a, d, b);"
               ).by_rule("index-redundant") == []
    assert run(t + "CREATE INDEX idx_t_a_d ON t (a DESC, d);\nCREATE INDEX idx_t_a_d_b ON t (a, d DESC, b);"
               ).by_rule("index-redundant")


def test_enum_check_accepts_enum_type_fk_and_boolean():
    r = run("CREATE TYPE post_state AS ENUM ('a', 'b');\n"
            "CREATE TABLE kinds (id TEXT PRIMARY KEY);\n"
            "CREATE TABLE posts (id INT PRIMARY KEY, state post_state, kind TEXT REFERENCES kinds (id),\n"
            " payment_status TEXT CHECK (payment_status = ANY (ARRAY['a', 'b'])), type BOOLEAN,\n"
            " account_type TEXT);")
    assert [f.column for f in r.by_rule("enum-check-missing")] == ["account_type"]


def test_float_for_money_money_type_is_a_warning():
    r = run("CREATE TABLE orders (id INT PRIMARY KEY, amount MONEY, weight REAL);")
    assert [(f.column, f.severity) for f in r.by_rule("float-for-money")] == [("amount", "warning")]


def test_soft_delete_heuristic_and_configured_tables():
    sql = (USERS + "CREATE TABLE posts (id UUID PRIMARY KEY, user_id UUID REFERENCES users (id));\n"
           "CREATE TABLE tags (id UUID PRIMARY KEY, created_by UUID REFERENCES users (id));")
    guessed = run(sql).by_rule("soft-delete-missing")
    assert [f.table for f in guessed] == ["users", "posts"] and "guessed" in guessed[0].message
    cfg = Config(user_facing_tables=["tags", "nope"])
    r = run(sql, cfg)
    assert [f.table for f in r.by_rule("soft-delete-missing")] == ["tags"]
    assert [f.message for f in r.by_rule("config-unknown-table")][0].count("'nope'") == 1
    cfg = parse_config('[lint]\nusers_table = "accounts"\n', "dbdesign.toml")
    f, = run(sql, cfg).by_rule("config-unknown-table")
    assert (f.file, f.line) == ("dbdesign.toml", 2) and "'accounts'" in f.message


# -- configuration: overrides, disabling, waivers ---------------------------------------------

BAD = "CREATE TABLE notes (\n  id SERIAL PRIMARY KEY,\n  code CHAR(2)\n);"


def test_severity_override_and_disabling():
    cfg = Config(rules={"serial-type": RuleConfig(severity="error"),
                        "char-type": RuleConfig(enabled=False)})
    r = run(BAD, cfg)
    assert r.by_rule("serial-type")[0].severity == "error" and r.has_errors
    assert r.by_rule("char-type") == [] and "char-type" not in r.summary["rules"]
    assert run(BAD).by_rule("serial-type")[0].severity == "warning"


def test_threshold_option():
    sql = "CREATE TABLE t (id INT PRIMARY KEY, a INT);\nCREATE INDEX idx_t_a ON t (a);"
    assert run(sql).by_rule("index-too-many") == []
    cfg = Config(rules={"index-too-many": RuleConfig(options={"max": 1})})
    assert "2 indexes" in run(sql, cfg).by_rule("index-too-many")[0].message


def test_waiver_matches_expires_and_goes_unused():
    today = dt.date(2026, 6, 1)
    cfg = Config(waivers=[
        Waiver("serial-type", "notes.id", "legacy table, migrated in Q3", dt.date(2026, 12, 31)),
        Waiver("char-type", "notes", "ISO code", dt.date(2026, 1, 1)),
        Waiver("index-name", "idx_missing", "stale"),
    ])
    r = run(BAD, cfg, today=today)
    serial, = r.by_rule("serial-type", include_waived=True)
    assert serial.waived and serial.waiver_reason == "legacy table, migrated in Q3"
    assert serial.waiver_expires == "2026-12-31"
    char, = r.by_rule("char-type")
    assert not char.waived and "expired on 2026-01-01" in char.message
    unused, = r.by_rule("waiver-unused")
    assert unused.severity == "info" and "idx_missing" in unused.message
    assert r.summary["waived"] == 1
    # after the expiry date the serial waiver stops working too
    assert not run(BAD, cfg, today=dt.date(2027, 1, 1)).by_rule("serial-type")[0].waived


def test_waived_error_does_not_fail():
    cfg = Config(waivers=[Waiver("primary-key-missing", "notes", "staging table, dropped nightly")])
    r = run("CREATE TABLE notes (body TEXT);", cfg)
    assert not r.has_errors and r.by_rule("primary-key-missing", include_waived=True)[0].waived
    assert "waived error primary-key-missing" in r.format_text()


def test_waiver_wildcard():
    cfg = Config(waivers=[Waiver("audit-columns-missing", "*", "no user accounts in this service")])
    r = run("CREATE TABLE notes (id INT PRIMARY KEY);\nCREATE TABLE tags (id INT PRIMARY KEY);", cfg)
    assert r.by_rule("audit-columns-missing") == []
    assert len(r.by_rule("audit-columns-missing", include_waived=True)) == 4


def test_config_file_waivers_point_at_their_line(tmp_path):
    cfg = parse_config('[[waivers]]\nrule = "index-name"\nobject = "nothing"\nreason = "x"\n',
                       str(tmp_path / "dbdesign.toml"))
    f, = run("CREATE TABLE notes (id INT PRIMARY KEY);", cfg).by_rule("waiver-unused")
    assert f.file.endswith("dbdesign.toml") and f.line == 1 and "no table or index" in f.message


# -- output -------------------------------------------------------------------------------------

def test_output_shapes():
    r = run(BAD + "\nCREATE TABLE notes2 (body TEXT);")
    d = json.loads(json.dumps(r.to_dict()))
    assert set(d) == {"findings", "summary", "skipped"}
    assert {"rule", "severity", "message", "table", "column", "index", "file", "line", "waived",
            "waiver_reason", "waiver_expires"} <= set(d["findings"][0])
    assert d["summary"]["error"] == 1 and d["summary"]["rules_run"] == len(RULES)
    text = r.format_text().splitlines()
    assert text[0].startswith("t.sql:5: error primary-key-missing: ")  # errors first
    assert text[-1].startswith("1 error(s), ")
    frame = r.to_frame()
    assert list(frame["rule"]) == [f.rule for f in r.findings]


def test_example_passes_its_own_lint(example_schema):
    from dbdesign.config import load_config
    from conftest import REPO
    cfg = load_config(str(REPO / "dbdesign.toml"))
    r = lint(example_schema, cfg)
    assert r.active == [], r.format_text()
    assert r.summary["waived"] == 4
    assert {f.rule for f in r.findings} == {"primary-key-strategy-mixed", "timestamps-missing",
                                            "audit-columns-missing"}
    assert all(f.table == "audit_log" and f.waiver_reason for f in r.findings)


def test_example_without_waivers_shows_the_deliberate_choices(example_schema):
    r = lint(example_schema, Config(user_facing_tables=["users", "posts", "comments"]))
    pk, = r.by_rule("primary-key-strategy-mixed")
    assert pk.table == "audit_log" and pk.file.endswith("0006_create_audit_log.up.sql") and pk.line == 4


def test_large_synthetic_schema_findings_are_located():
    from dbdesign.schema.synth import synthetic_ddl
    schema = parse_sql(synthetic_ddl(80, seed=3), "synth.sql")
    r = lint(schema)
    assert r.findings and all(f.rule in RULES for f in r.findings)
    assert all(f.file == "synth.sql" and f.line for f in r.findings)
    # independent count: single-column FKs whose column leads no plain index/PK/unique
    expected = 0
    for t in schema.tables.values():
        leads = {ix.columns[0].column for ix in t.indexes if ix.where is None}
        leads |= {u.columns[0] for u in t.uniques}
        leads |= {t.primary_key.columns[0]} if t.primary_key else set()
        expected += sum(1 for fk in t.foreign_keys if len(fk.columns) == 1 and fk.columns[0] not in leads)
    assert len(r.by_rule("fk-missing-index")) == expected


@pytest.mark.server
def test_lint_of_the_schema_replayed_on_postgres_matches_the_ddl(example_schema):
    """The same findings whether we read the migrations or the live PostgreSQL database."""
    from conftest import require_engine
    from dbdesign import engines
    from dbdesign.dialects import render
    require_engine("postgres")
    cfg = Config(user_facing_tables=["users", "posts", "comments"])
    with engines.throwaway("postgres") as eng:
        eng.run_script(render(example_schema, "postgres").statements)
        live = eng.introspect()
    key = lambda r: sorted((f.rule, f.object) for f in r.findings)  # noqa: E731
    assert key(lint(live, cfg)) == key(lint(example_schema, cfg))


# -- fix-it SQL in messages: valid identifiers, schema qualifier kept ---------------------------

def _msg(findings, rule):
    return next(f.message for f in findings if f.rule == rule)


def test_fixit_keeps_schema_qualifier():
    r = run("CREATE SCHEMA app;\nCREATE TABLE app.customers (id BIGINT PRIMARY KEY);\n"
            "CREATE TABLE app.orders (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL "
            "REFERENCES app.customers (id) ON DELETE RESTRICT, email TEXT,\n"
            "status TEXT);\nCREATE INDEX orders_by_status ON app.orders (status);")
    assert "CREATE INDEX idx_orders_customer_id ON app.orders (customer_id)" in \
        _msg(r.findings, "fk-missing-index")
    assert "CREATE UNIQUE INDEX idx_orders_email ON app.orders (email)" in \
        _msg(r.findings, "unique-missing")
    assert "ALTER INDEX app.orders_by_status RENAME TO idx_orders_status" in \
        _msg(r.findings, "index-name")


def test_fixit_quotes_existing_names_and_proposes_snake_case_ones():
    r = run('CREATE TABLE "User Accounts" (id BIGINT PRIMARY KEY, email TEXT, "E-mail" TEXT);\n'
            'CREATE TABLE posts (id BIGINT PRIMARY KEY, owner BIGINT NOT NULL REFERENCES '
            '"User Accounts" (id) ON DELETE CASCADE);\n'
            'CREATE INDEX "Posts By Owner" ON posts (owner);\n'
            'CREATE UNIQUE INDEX idx_x ON "User Accounts" ("E-mail");')
    assert 'CREATE UNIQUE INDEX idx_user_accounts_email ON "User Accounts" (email)' in \
        _msg(r.findings, "unique-missing")
    names = [f.message for f in r.findings if f.rule == "index-name"]
    assert any('ALTER INDEX "Posts By Owner" RENAME TO idx_posts_owner' in m for m in names)
    assert any("RENAME TO idx_user_accounts_e_mail" in m for m in names)
    fk = _msg(r.findings, "fk-column-name")
    assert "rename it to user_account_id" in fk and "user account" not in fk
    # a column already named in the snake_case form is accepted
    ok = run('CREATE TABLE "User Accounts" (id BIGINT PRIMARY KEY);\n'
             'CREATE TABLE posts (id BIGINT PRIMARY KEY, user_account_id BIGINT NOT NULL '
             'REFERENCES "User Accounts" (id) ON DELETE CASCADE);')
    assert not [f for f in ok.findings if f.rule == "fk-column-name"]


# -- rules on conventional real schemas (Sakila, Pagila, Chinook, MusicBrainz in spirit) --------

def findings(sql: str, rule: str, config: Config | None = None):
    return [f for f in run(sql, config).findings if f.rule == rule]


STORE = "CREATE TABLE store (store_id INT PRIMARY KEY);\n"


def test_fk_column_name_accepts_a_self_describing_ref_column():
    ok = STORE + ("CREATE TABLE customer (customer_id INT PRIMARY KEY,\n"
                  "  store_id INT NOT NULL REFERENCES store (store_id),\n"
                  "  home_store_id INT REFERENCES store (store_id));")
    assert findings(ok, "fk-column-name") == []
    chinook = ("CREATE TABLE artist (artistid INT PRIMARY KEY);\n"
               "CREATE TABLE album (albumid INT PRIMARY KEY, artistid INT REFERENCES artist (artistid));")
    assert findings(chinook, "fk-column-name") == []
    mixed_case = parse_sql('CREATE TABLE "Artist" ("ArtistId" INT PRIMARY KEY);\n'
                           'CREATE TABLE "Album" ("AlbumId" INT PRIMARY KEY,\n'
                           '  "ArtistId" INT REFERENCES "Artist" ("ArtistId"));', "t.sql")
    assert [f for f in lint(mixed_case, Config()).findings if f.rule == "fk-column-name"] == []
    bad = USERS + "CREATE TABLE posts (id UUID PRIMARY KEY, id2 UUID, owner UUID REFERENCES users (id));"
    assert [f.column for f in findings(bad, "fk-column-name")] == ["owner"]
    # `{ref_column}` alone does not accept a column that does not name the parent
    generic = USERS + "CREATE TABLE tokens (token_id UUID PRIMARY KEY, user_ref UUID, id UUID REFERENCES users (id));"
    assert [f.column for f in findings(generic, "fk-column-name")] == ["id"]
    other = STORE + "CREATE TABLE staff (staff_id INT PRIMARY KEY, shop_id INT REFERENCES store (store_id));"
    assert [f.column for f in findings(other, "fk-column-name")] == ["shop_id"]


def test_fk_column_name_templates_are_configurable():
    mb = ("CREATE TABLE artist_credit (id INT PRIMARY KEY);\n"
          "CREATE TABLE release (id INT PRIMARY KEY, artist_credit INT REFERENCES artist_credit (id));")
    assert [f.column for f in findings(mb, "fk-column-name")] == ["artist_credit"]
    cfg = parse_config('[rules.fk-column-name]\ntemplates = ["{singular}_{ref_column}", "{singular}"]\n',
                       "dbdesign.toml")
    assert findings(mb, "fk-column-name", cfg) == []


def test_no_key_findings_on_partitions_whose_parent_has_the_key():
    sql = ("CREATE TABLE payment (payment_id INT NOT NULL, payment_date DATE NOT NULL,\n"
           "  PRIMARY KEY (payment_date, payment_id)) PARTITION BY RANGE (payment_date);\n"
           "CREATE TABLE payment_p2022_01 PARTITION OF payment\n"
           "  FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');\n")
    schema = parse_sql(sql, "t.sql")
    assert schema.tables["payment_p2022_01"].partition_of == "payment"
    assert [f for f in lint(schema, Config()).findings if f.table == "payment_p2022_01"] == []
    orphan = parse_sql("CREATE TABLE notes (body TEXT);", "t.sql")
    orphan.tables["notes"].partition_of = "gone"  # a partition whose parent is not here
    assert [f.rule for f in lint(orphan, Config()).findings if f.rule == "primary-key-missing"] \
        == ["primary-key-missing"]


def test_audit_columns_suggestion_matches_the_schema():
    staff = ("CREATE TABLE staff (staff_id SERIAL PRIMARY KEY, name TEXT);\n"
             "CREATE TABLE film (film_id INT PRIMARY KEY);")
    msgs = [f.message for f in findings(staff, "audit-columns-missing") if f.table == "film"]
    assert msgs and all("INT REFERENCES staff (staff_id)" in m for m in msgs)
    assert not any("UUID" in m or "users" in m for m in msgs)
    none = ("CREATE TABLE album (album_id BIGINT PRIMARY KEY);\n"
            "CREATE TABLE track (track_id BIGINT PRIMARY KEY);")
    msgs = [f.message for f in findings(none, "audit-columns-missing")]
    assert msgs and all("BIGINT (the acting user's id; no users table" in m and "REFERENCES" not in m
                        for m in msgs)
    ours = USERS + "CREATE TABLE notes (id UUID PRIMARY KEY);"
    assert any("UUID REFERENCES users (id) ON DELETE SET NULL" in f.message
               for f in findings(ours, "audit-columns-missing"))


def test_timestamps_missing_accepts_synonyms():
    sakila = "CREATE TABLE actor (actor_id INT PRIMARY KEY, created_at TIMESTAMPTZ, last_update TIMESTAMPTZ);"
    assert findings(sakila, "timestamps-missing") == []
    assert [f.column for f in findings(
        "CREATE TABLE actor (actor_id INT PRIMARY KEY, last_update TIMESTAMPTZ);", "timestamps-missing")] \
        == ["created_at"]
    cfg = parse_config('[rules.timestamps-missing]\nsynonyms = {updated_at = ["touched"]}\n', "dbdesign.toml")
    assert [f.column for f in findings("CREATE TABLE a (id INT PRIMARY KEY, created_at TIMESTAMPTZ, "
                                       "last_update TIMESTAMPTZ);", "timestamps-missing", cfg)] == ["updated_at"]


def test_float_for_money_only_on_money_like_names():
    sql = ("CREATE TABLE lines (id INT PRIMARY KEY, discount REAL, tax_rate REAL,\n"
           "  unit_price REAL, freight_amount DOUBLE PRECISION);")
    assert sorted(f.column for f in findings(sql, "float-for-money")) == ["freight_amount", "unit_price"]


def test_findings_sort_in_passes_like_one_key():
    """The field-by-field sort gives the order of `Finding.sort_key` over every field that
    differs: waived, severity, file (None last), line, rule and object."""
    import random
    from dbdesign.checks.lint import Finding, _sort_findings
    rng = random.Random(7)
    findings = [Finding(rng.choice(["fk-missing-index", "index-name", "char-type"]),
                        rng.choice(["error", "warning", "info"]), "m",
                        table=rng.choice(["users", "users_x", "posts", None]),
                        column=rng.choice([None, "email", "id"]),
                        index=rng.choice([None, None, "idx_a"]),
                        file=rng.choice(["a.sql", "b.sql", None]),
                        line=rng.choice([None, 1, 2, 300, 1 << 30]), waived=rng.random() < 0.2)
                for _ in range(3000)]
    expected = sorted(findings, key=Finding.sort_key)
    _sort_findings(findings)
    assert [f.sort_key() for f in findings] == [f.sort_key() for f in expected]
