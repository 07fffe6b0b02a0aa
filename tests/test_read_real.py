"""Reading schemas as teams have them: one small case per construct (pg_dump, psql scripts,
MySQL/MariaDB DDL, SQLite .schema output), the skipped-statement record, identifier folding,
and names PostgreSQL generates, checked on the real server where the engine decides."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import require_engine
from dbdesign import engines
from dbdesign.cli import main
from dbdesign.config import Config
from dbdesign.errors import InputError
from dbdesign.checks.lint import lint
from dbdesign.schema.parse import parse_sql, split_statements


def kinds(schema, category="no design effect"):
    return [s.kind for s in schema.skipped if s.category == category]


# -- pg_dump and psql scripts ----------------------------------------------------------------

PG_DUMP = r"""--
-- PostgreSQL database dump
--
\restrict abc123
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
\connect app
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
COMMENT ON EXTENSION pg_trgm IS 'trigram';
CREATE TYPE public.mpaa_rating AS ENUM ('G', 'PG');
ALTER TYPE public.mpaa_rating OWNER TO postgres;
CREATE DOMAIN public.year AS integer
	CONSTRAINT year_check CHECK (((VALUE >= 1901) AND (VALUE <= 2155)));
ALTER DOMAIN public.year OWNER TO postgres;
CREATE FUNCTION public.last_updated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.last_update = CURRENT_TIMESTAMP; -- a ; inside the body
    RETURN NEW;
END $$;
CREATE SEQUENCE public.film_film_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
CREATE TABLE public.film (
    film_id integer DEFAULT nextval('public.film_film_id_seq'::regclass) NOT NULL,
    title text NOT NULL,
    rating public.mpaa_rating DEFAULT 'G'::public.mpaa_rating,
    release_year public.year
);
ALTER TABLE public.film OWNER TO postgres;
ALTER SEQUENCE public.film_film_id_seq OWNED BY public.film.film_id;
CREATE TABLE public.actor (actor_id integer NOT NULL, name text);
ALTER TABLE public.actor ALTER COLUMN actor_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.actor_actor_id_seq START WITH 1 INCREMENT BY 1 CACHE 1);
CREATE TABLE public.payment (
    payment_id integer NOT NULL,
    film_id integer NOT NULL,
    payment_date timestamp with time zone NOT NULL
)
PARTITION BY RANGE (payment_date);
CREATE TABLE public.payment_p2022_01 (
    payment_id integer NOT NULL,
    film_id integer NOT NULL,
    payment_date timestamp with time zone NOT NULL
);
ALTER TABLE ONLY public.payment ATTACH PARTITION public.payment_p2022_01 FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00');
CREATE MATERIALIZED VIEW public.film_titles AS
 SELECT f.film_id, f.title FROM public.film f JOIN public.actor a ON true
  WITH NO DATA;
ALTER TABLE ONLY public.film ADD CONSTRAINT film_pkey PRIMARY KEY (film_id);
ALTER TABLE ONLY public.payment ADD CONSTRAINT payment_pkey PRIMARY KEY (payment_date, payment_id);
ALTER TABLE ONLY public.payment_p2022_01 ADD CONSTRAINT payment_p2022_01_pkey PRIMARY KEY (payment_date, payment_id);
ALTER TABLE ONLY public.actor ADD CONSTRAINT actor_name_key UNIQUE NULLS NOT DISTINCT (name);
CREATE INDEX idx_title_trgm ON public.film USING gin (title public.gin_trgm_ops);
CREATE INDEX idx_fk_film ON ONLY public.payment USING btree (film_id);
CREATE INDEX payment_p2022_01_film_idx ON public.payment_p2022_01 USING btree (film_id);
ALTER INDEX public.idx_fk_film ATTACH PARTITION public.payment_p2022_01_film_idx;
ALTER INDEX public.payment_pkey ATTACH PARTITION public.payment_p2022_01_pkey;
CREATE UNIQUE INDEX film_titles_id ON public.film_titles USING btree (film_id);
CREATE TRIGGER last_updated BEFORE UPDATE ON public.film FOR EACH ROW EXECUTE FUNCTION public.last_updated();
ALTER TABLE ONLY public.payment
    ADD CONSTRAINT payment_film_id_fkey FOREIGN KEY (film_id) REFERENCES public.film(film_id)
    ON UPDATE CASCADE ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE public.film ADD CHECK (length(title) > 0);
ALTER TABLE public.film ADD CONSTRAINT film_title_short CHECK (length(title) < 300) NOT VALID;
REVOKE USAGE ON SCHEMA public FROM PUBLIC;
GRANT ALL ON SCHEMA public TO PUBLIC;
COPY public.actor (actor_id, name) FROM stdin;
1	PENELOPE; GUINESS
\.
\unrestrict abc123
"""


@pytest.fixture(scope="module")
def dump():
    return parse_sql(PG_DUMP, "dump.sql")


def test_pg_dump_statements_without_design_effect_are_skipped_with_kind_and_line(dump):
    skipped = {(s.kind, s.line) for s in dump.skipped if s.category == "no design effect"}
    assert ("\\restrict", 4) in skipped and ("\\connect", 7) in skipped
    assert ("SET", 5) in skipped and ("SELECT set_config", 6) in skipped
    assert sorted(kinds(dump)).count("OWNER TO") == 3
    assert {"GRANT", "REVOKE", "COPY", "CREATE FUNCTION", "CREATE TRIGGER", "COMMENT ON EXTENSION",
            "\\unrestrict"} <= set(kinds(dump))
    assert kinds(dump, "not understood") == []
    assert all(s.file == "dump.sql" and s.reason for s in dump.skipped)


def test_pg_dump_tables_partitions_and_keys(dump):
    assert set(dump.tables) == {"film", "actor", "payment", "payment_p2022_01"}
    payment, part = dump.tables["payment"], dump.tables["payment_p2022_01"]
    assert payment.partition_by == "RANGE (payment_date)"
    assert part.partition_of == "payment"
    assert part.partition_bound.startswith("FOR VALUES FROM ('2022-01-01 00:00:00+00')")
    assert part.primary_key.columns == ["payment_date", "payment_id"]
    assert [ix.name for ix in payment.indexes] == ["idx_fk_film"]


def test_pg_dump_enum_domain_sequence_identity(dump):
    film = dump.tables["film"]
    assert dump.enums["mpaa_rating"].values == ["G", "PG"]
    assert film.columns["rating"].type == "public.mpaa_rating"
    year = dump.domains["year"]
    assert year.type == "INT" and [c.name for c in year.checks] == ["year_check"]
    assert "VALUE >= 1901" in year.checks[0].expression
    seq = next(o for o in dump.others if o.kind == "sequence")
    assert seq.name == "film_film_id_seq" and seq.depends_on == ["film"]
    assert film.columns["film_id"].default == "NEXTVAL('public.film_film_id_seq')" or \
        "film_film_id_seq" in film.columns["film_id"].default
    actor = dump.tables["actor"].columns["actor_id"]
    assert actor.identity == "always" and not actor.nullable


def test_pg_dump_constraints_checks_and_indexes(dump):
    film, actor, payment = dump.tables["film"], dump.tables["actor"], dump.tables["payment"]
    assert [(c.name, c.validated) for c in film.checks] == [(None, True), ("film_title_short", False)]
    [uq] = actor.uniques
    assert uq.nulls_not_distinct and uq.name == "actor_name_key"
    [fk] = payment.foreign_keys
    assert (fk.on_update, fk.on_delete, fk.deferrable) == ("CASCADE", "RESTRICT", "deferred")
    [trgm] = film.indexes
    assert trgm.method == "gin" and trgm.columns[0].column == "title"
    assert trgm.columns[0].opclass == "public.gin_trgm_ops"


def test_views_and_their_indexes_are_named_objects_with_dependencies(dump):
    view = next(o for o in dump.others if o.kind == "materialized view")
    assert view.name == "film_titles" and view.depends_on == ["film", "actor"]
    index = next(o for o in dump.others if o.kind == "index")
    assert index.name == "film_titles_id" and index.depends_on == ["film_titles"]
    trigger = next(o for o in dump.others if o.kind == "trigger")
    assert trigger.depends_on == ["film", "last_updated"]


def test_psql_meta_commands_end_at_the_line_and_copy_data_is_not_sql():
    schema = parse_sql("\\set ON_ERROR_STOP 1\nCREATE TABLE t (a int);\n"
                       "COPY t (a) FROM stdin;\n1\n2;x\n\\.\nCREATE TABLE u (b int);\n", "s.sql")
    assert set(schema.tables) == {"t", "u"}
    assert kinds(schema) == ["\\set", "COPY"]


def test_statement_not_understood_is_recorded_and_strict_fails(tmp_path):
    f = tmp_path / "s.sql"
    f.write_text("CREATE TABLE t (id INT PRIMARY KEY);\nIMPORT FOREIGN SCHEMA x FROM SERVER s INTO y;\n")
    runner = CliRunner()
    res = runner.invoke(main, ["lint", str(f)])
    assert res.exit_code == 0, res.output
    assert f"{f}:2: not understood: IMPORT FOREIGN" in res.stderr
    res = runner.invoke(main, ["lint", "--strict", str(f)])
    assert res.exit_code == 1
    res = runner.invoke(main, ["lint", "--format", "json", str(f)])
    data = json.loads(res.stdout)
    assert data["summary"]["not_understood"] == 1
    assert data["skipped"][0]["category"] == "not understood" and data["skipped"][0]["line"] == 2


def test_text_output_has_one_summary_line_for_statements_without_effect(tmp_path):
    f = tmp_path / "s.sql"
    f.write_text("CREATE TABLE t (id INT PRIMARY KEY);\nALTER TABLE t OWNER TO a;\n"
                 "ALTER TABLE t OWNER TO b;\nGRANT SELECT ON t TO c;\n")
    for cmd in (["lint"], ["ddl", "--dialect", "postgres"], ["catalog"]):
        res = CliRunner().invoke(main, [*cmd, str(f)])
        lines = [ln for ln in res.stderr.splitlines() if "skipped" in ln]
        assert lines == ["3 statements without design effect skipped: 2 OWNER TO, 1 GRANT"], cmd


# -- identifiers --------------------------------------------------------------------------------

def test_postgres_folds_unquoted_names_to_lower_case():
    schema = parse_sql('CREATE TABLE Artist (ArtistId INT PRIMARY KEY, "Name" TEXT);\n'
                       "CREATE TABLE album (id INT PRIMARY KEY, artist_id INT REFERENCES artist(artistid));")
    assert set(schema.tables) == {"artist", "album"}
    assert list(schema.tables["artist"].columns) == ["artistid", "Name"]
    result = lint(schema, Config())
    assert not result.by_rule("fk-target-not-unique")


def test_sqlite_names_are_case_insensitive_and_keep_their_first_spelling():
    schema = parse_sql("CREATE TABLE [Artist] ([ArtistId] INTEGER PRIMARY KEY, Name NVARCHAR(120));\n"
                       "CREATE TABLE album (id INTEGER PRIMARY KEY, artistid INTEGER,\n"
                       "  FOREIGN KEY (ARTISTID) REFERENCES artist (artistid));\n"
                       "CREATE INDEX ix ON ALBUM (ArtistID);", read="sqlite")
    assert set(schema.tables) == {"Artist", "album"}
    [fk] = schema.tables["album"].foreign_keys
    # one spelling per name across the file: the first one written
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (["ArtistId"], "Artist", ["ArtistId"])


def test_mysql_keeps_table_case():
    schema = parse_sql("CREATE TABLE `Album` (`AlbumId` INT NOT NULL AUTO_INCREMENT PRIMARY KEY);",
                       read="mysql")
    assert list(schema.tables) == ["Album"]
    col = schema.tables["Album"].columns["AlbumId"]
    assert col.identity == "by default"


# -- MySQL / MariaDB and SQLite -------------------------------------------------------------------

MYSQL = """/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
DROP TABLE IF EXISTS `film`;
CREATE TABLE film (
  film_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  title VARCHAR(128) NOT NULL,
  rating ENUM('G','PG','PG-13') DEFAULT 'G',
  features SET('Trailers','Commentaries'),
  is_new TINYINT(1) NOT NULL DEFAULT 0,
  release_year YEAR DEFAULT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (film_id),
  KEY idx_title (title(20)),
  FULLTEXT KEY idx_title_ft (title)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='films';
CREATE TABLE inventory (
  inventory_id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  film_id SMALLINT UNSIGNED NOT NULL,
  CONSTRAINT fk_inventory_film FOREIGN KEY (film_id) REFERENCES film (film_id)
);
DELIMITER ;;
CREATE TRIGGER ins_film AFTER INSERT ON film FOR EACH ROW BEGIN
    INSERT INTO film_text (film_id, title) VALUES (new.film_id, new.title);
  END;;
DELIMITER ;
"""


def test_mysql_ddl_is_normalised_to_the_model():
    schema = parse_sql(MYSQL, "sakila.sql", read="mysql")
    film = schema.tables["film"]
    types = {c.name: c.type for c in film.columns.values()}
    assert types == {"film_id": "INT", "title": "VARCHAR(128)", "rating": "film_rating",
                     "features": "TEXT", "is_new": "BOOLEAN", "release_year": "SMALLINT",
                     "last_update": "TIMESTAMPTZ"}
    assert schema.enums["film_rating"].values == ["G", "PG", "PG-13"]
    assert film.comment == "films"
    assert [(ix.name, ix.method, ix.columns[0].column) for ix in film.indexes] == [
        ("idx_title", None, "title"), ("idx_title_ft", "fulltext", "title")]
    # InnoDB indexes a foreign key that no index starts with, under the constraint's name
    assert [ix.name for ix in schema.tables["inventory"].indexes] == ["fk_inventory_film"]
    assert "CREATE TRIGGER" in kinds(schema) and "DELIMITER" in kinds(schema)
    assert kinds(schema, "not modelled") == ["ON UPDATE (column)"]


def test_mysql_model_matches_mariadb_after_loading():
    require_engine("mysql")
    ddl = MYSQL.split("DELIMITER")[0].replace("/*!40101", "").replace("*/;", ";", 1)
    schema = parse_sql(ddl, read="mysql")
    with engines.throwaway("mysql") as eng:
        for st in split_statements(ddl, read="mysql"):
            eng.execute(st.sql)
        live = eng.introspect()
    for name, table in schema.tables.items():
        assert list(table.columns) == list(live.tables[name].columns)
        assert sorted(ix.name for ix in table.indexes) == sorted(ix.name for ix in live.tables[name].indexes)


def test_sqlite_schema_output_with_triggers_reads():
    schema = parse_sql("""CREATE TABLE IF NOT EXISTS "users" (id INTEGER PRIMARY KEY AUTOINCREMENT, note);
CREATE TABLE sqlite_sequence(name,seq);
CREATE TRIGGER touch AFTER UPDATE ON users BEGIN
  UPDATE users SET note = 'x' WHERE id = new.id;
END;
CREATE INDEX users_note ON users (note);
""", read="sqlite")
    assert list(schema.tables) == ["users"]
    assert schema.tables["users"].columns["note"].type == "TEXT"
    assert schema.tables["users"].columns["id"].identity == "by default"
    assert "CREATE TABLE sqlite_*" in kinds(schema) and "CREATE TRIGGER" in kinds(schema)


def test_read_option_and_config_key(tmp_path):
    f = tmp_path / "m.sql"
    f.write_text("CREATE TABLE `t` (`id` INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY);\n")
    res = CliRunner().invoke(main, ["lint", str(f)])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert f"{f}:1:" in res.stderr and "--read mysql" in res.stderr
    res = CliRunner().invoke(main, ["lint", "--read", "mysql", "--format", "json", str(f)])
    assert res.exit_code == 0 and json.loads(res.stdout)["summary"]["tables"] == 1
    (tmp_path / "dbdesign.toml").write_text('source = "m.sql"\nread = "mysql"\n')
    import os
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        res = CliRunner().invoke(main, ["lint", "--format", "json"])
    finally:
        os.chdir(old)
    assert res.exit_code == 0, res.output


def test_bad_input_in_mysql_is_one_line_exit_2(tmp_path):
    f = tmp_path / "bad.sql"
    f.write_text("CREATE TABLE t (\n  id INT REFERENCES\n);\n")
    res = CliRunner().invoke(main, ["lint", "--read", "mysql", str(f)])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and res.stderr.startswith(f"dbdesign: {f}:3:1: syntax error")


# -- golang-migrate spellings ---------------------------------------------------------------------

def test_rename_a_to_b_is_a_column_rename_and_rename_to_a_table_rename():
    schema = parse_sql("CREATE TABLE t (a INT);\nALTER TABLE t RENAME a TO b;\nALTER TABLE t RENAME TO u;")
    assert list(schema.tables) == ["u"] and list(schema.tables["u"].columns) == ["b"]


UNNAMED = """CREATE TABLE users (id INT PRIMARY KEY, email TEXT, org_id INT, name TEXT);
CREATE TABLE a_table_with_a_rather_long_name_to_see_how_truncation_works_here (
    a_column_with_an_even_longer_name_than_the_table_has_got INT, b INT);
CREATE INDEX ON users (email);
CREATE UNIQUE INDEX ON users (email);
CREATE INDEX ON users (org_id, email);
CREATE INDEX ON users (lower(name));
CREATE INDEX ON users ((id + 1));
CREATE INDEX ON a_table_with_a_rather_long_name_to_see_how_truncation_works_here
    (a_column_with_an_even_longer_name_than_the_table_has_got, b);
CREATE INDEX users_name_idx2 ON users (name);
CREATE INDEX ON users (name);
CREATE INDEX ON users (name);
"""


def test_unnamed_indexes_get_postgresqls_own_names():
    schema = parse_sql(UNNAMED)
    names = sorted(ix.name for ix in schema.indexes())
    assert "users_email_idx" in names and "users_email_idx1" in names
    assert "users_org_id_email_idx" in names and "users_lower_idx" in names
    require_engine("postgres")
    with engines.throwaway("postgres") as eng:
        for st in split_statements(UNNAMED):
            eng.execute(st.sql)
        live = sorted(r[0] for r in eng.query(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND indexname NOT LIKE '%pkey'"))
    assert names == live


def test_partition_of_gets_the_parents_columns_and_key():
    schema = parse_sql("CREATE TABLE m (id INT NOT NULL, at DATE NOT NULL, PRIMARY KEY (id, at)) "
                       "PARTITION BY RANGE (at);\n"
                       "CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
                       "CREATE TABLE m_rest PARTITION OF m DEFAULT;")
    part = schema.tables["m_2024"]
    assert list(part.columns) == ["id", "at"] and part.primary_key.columns == ["id", "at"]
    assert part.partition_of == "m" and "FROM ('2024-01-01') TO ('2025-01-01')" in part.partition_bound
    assert schema.tables["m_rest"].partition_bound == "DEFAULT"


def test_partitions_read_back_from_postgresql_match_the_file():
    require_engine("postgres")
    sql = ("CREATE TABLE m (id INT NOT NULL, at DATE NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);\n"
           "CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
           "CREATE TABLE r (id INT PRIMARY KEY, m_id INT, m_at DATE);\n"
           "ALTER TABLE m ADD CONSTRAINT m_r FOREIGN KEY (id) REFERENCES r (id);\n")
    model = parse_sql(sql)
    with engines.throwaway("postgres") as eng:
        for st in split_statements(sql):
            eng.execute(st.sql)
        live = eng.introspect()
    assert sorted(live.tables) == sorted(model.tables) == ["m", "m_2024", "r"]
    assert live.tables["m_2024"].partition_of == "m" and live.tables["m"].partition_by == "RANGE (at)"
    assert [len(t.foreign_keys) for t in (live.tables["m"], live.tables["m_2024"])] == [1, 0]


def test_syntax_error_in_a_table_is_bad_input_with_position():
    with pytest.raises(InputError) as info:
        parse_sql("SET x = 1;\nCREATE TABLE t (a INT REFERENCES);", "f.sql")
    assert (info.value.file, info.value.line) == ("f.sql", 2)


def test_migrate_commands_take_read(tmp_path):
    (tmp_path / "1_init.up.sql").write_text(
        "CREATE TABLE `users` (`id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY);\n")
    (tmp_path / "1_init.down.sql").write_text("DROP TABLE `users`;\n")
    res = CliRunner().invoke(main, ["migrate", "lint", "--dir", str(tmp_path)])
    assert res.exit_code == 2 and "--read mysql" in res.stderr
    res = CliRunner().invoke(main, ["migrate", "lint", "--dir", str(tmp_path), "--read", "mysql"])
    assert res.exit_code in (0, 1), res.output
