"""The real-schema corpus (`../shared/corpus`, see its SOURCES.md) as test and benchmark input:
which file is written for which engine, and how to load the original, unedited, into that
engine with the engine's own client (psql, mariadb, sqlite3) - never with dbdesign's parser,
so the engine's counts are an independent check of the model's.

A file that creates or switches databases (`CREATE DATABASE chinook; \\c chinook`) would touch
a database this run did not create on a shared server; those statements are left out of the
load (the parse still reads the file whole) and `Case.load_note` says so.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dbdesign.model import Schema
from dbdesign.schema.parse import parse_file

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


@dataclass(frozen=True)
class Case:
    path: str  # relative to the corpus folder; a folder is a golang-migrate migrations folder
    read: str  # postgres | mysql | sqlite
    load_note: str | None = None  # what the load leaves out, and why
    no_load: str | None = None  # why the original cannot be loaded here (exact reason)
    load_error: str | None = None  # the engine's error that proves `no_load`

    @property
    def id(self) -> str:
        return self.path.replace("/", "-")


CASES = [
    Case("pagila-schema-2024.sql", "postgres"),
    Case("pagila-schema.sql", "postgres",
         no_load="PostgreSQL 18 schema: PostgreSQL 15 stops at line 283 with `function uuidv7() "
                 "does not exist` (a PostgreSQL 18 function); line 453 also has a `GENERATED "
                 "ALWAYS AS (...) VIRTUAL` column (PostgreSQL 18 syntax)",
         load_error="function uuidv7() does not exist"),
    Case("gisia-structure.sql", "postgres"),
    Case("musicbrainz-combined.sql", "postgres",
         no_load="needs MusicBrainz's setup scripts that are not in the corpus: PostgreSQL 15 "
                 "stops at `collation \"musicbrainz\" ... does not exist` (CreateCollations.sql); "
                 "its CHECKs also call functions of CreateFunctions.sql",
         load_error='collation "musicbrainz" for encoding "UTF8" does not exist'),
    Case("northwind-postgres.sql", "postgres"),
    Case("chinook-postgres.sql", "postgres",
         load_note="DROP DATABASE / CREATE DATABASE chinook / \\c chinook left out: the load goes "
                   "into a throw-away database instead of a shared `chinook`"),
    Case("chinook-mysql.sql", "mysql",
         load_note="DROP DATABASE / CREATE DATABASE / USE Chinook left out: the load goes into a "
                   "throw-away database"),
    Case("chinook-sqlite.sql", "sqlite"),
    Case("sakila-mysql-schema.sql", "mysql",
         load_note="DROP SCHEMA / CREATE SCHEMA / USE sakila left out and `sakila.` qualifiers "
                   "dropped: the load goes into a throw-away database"),
    Case("ente-migrations", "postgres"),
    Case("pageship-migrations/postgres", "postgres"),
    Case("pageship-migrations/sqlite", "sqlite"),
]

_DATABASE_LEVEL = re.compile(
    r"^(?:(?:DROP|CREATE)\s+(?:DATABASE|SCHEMA)\b[^;\n]*;|USE\s+[^;\n]*;|\\c(?:onnect)?\s[^\n]*)[ \t]*$",
    re.I | re.M)
# Sakila names its own database in views and routines (`sakila.actor`); in the throw-away
# database those names must point at it.
_OWN_DATABASE = re.compile(r"\bsakila\.", re.I)


def corpus_path(case: Case) -> Path:
    return CORPUS / case.path


def original_files(case: Case) -> list[Path]:
    """The file itself, or a migrations folder's up files in version order (as golang-migrate
    orders them: by the number before the first `_`)."""
    path = corpus_path(case)
    if path.is_dir():
        ups = [p for p in path.iterdir() if p.name.endswith(".up.sql")]
        return sorted(ups, key=lambda p: int(p.name.split("_", 1)[0]))
    return [path]


def parse_case(case: Case) -> Schema:
    """The model of the case: the file, or the up files applied in order."""
    schema = Schema()
    for f in original_files(case):
        parse_file(str(f), schema, read=case.read)
    return schema


def load_text(case: Case, path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if case.load_note:
        text = _DATABASE_LEVEL.sub("", text)
    if case.path.startswith("sakila"):
        text = _OWN_DATABASE.sub("", text)
    return text


def load_into(case: Case, url: str | None) -> sqlite3.Connection | None:
    """Load the original into the engine at `url` with the engine's own client; SQLite goes
    into a fresh in-memory database, which is returned. Raises RuntimeError with the client's
    first error line."""
    files = original_files(case)
    if case.read == "sqlite":
        con = sqlite3.connect(":memory:")
        for f in files:
            try:
                con.executescript(load_text(case, f))
            except sqlite3.Error as err:
                raise RuntimeError(f"{f.name}: {err}") from None
        return con
    if len(files) > 1:  # a migrations folder: its up files in order, in one client session
        texts = [load_text(case, f) for f in files]
        files = [None]
    for f in files:
        if case.read == "postgres":
            cmd = ["psql", "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", url]
        else:
            from urllib.parse import urlsplit
            u = urlsplit(url)
            cmd = ["mariadb", "-h", u.hostname or "127.0.0.1", "-P", str(u.port or 3306),
                   "-u", u.username or "root", u.path.lstrip("/")]
            if u.password:
                cmd.insert(1, f"-p{u.password}")
        text = "\n;\n".join(texts) if f is None else load_text(case, f)
        proc = subprocess.run(cmd, input=text, text=True, capture_output=True,
                              env={**os.environ, "PGOPTIONS": "-c client_min_messages=error"})
        errors = [ln for ln in proc.stderr.splitlines() if "ERROR" in ln]
        if proc.returncode != 0 or errors:
            first = (errors or proc.stderr.strip().splitlines() or ["?"])[0]
            raise RuntimeError(f"{f.name if f else case.path}: {first}")
    return None


def counts(schema: Schema) -> dict[str, int]:
    """Tables (partitions included), columns, foreign keys, indexes (beyond PK/UNIQUE) and
    table CHECK constraints of a model."""
    tables = schema.tables.values()
    return {"tables": len(schema.tables),
            "columns": sum(len(t.columns) for t in tables),
            "foreign_keys": sum(len(t.foreign_keys) for t in tables),
            "indexes": sum(len(t.indexes) for t in tables),
            "checks": sum(len(t.checks) for t in tables)}
