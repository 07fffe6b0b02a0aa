"""Naming and column conventions, in one place: singular/plural table names, the audit,
timestamp and soft-delete columns, which tables are user-facing, and the columns an expression
uses.

Every module that needs one of these asks here, so lint, the catalog, the ERD, the document
design, the generators and the gate give one answer. The column conventions come from the
`[lint]` section of `dbdesign.toml` (`audit_columns`, `timestamp_columns`, `soft_delete_column`,
`users_table`, `user_facing_tables`); `conventions()` without a config gives the seed's defaults.

Words: a small, explicit helper instead of a dependency. Table names are a narrow vocabulary and
we want to be able to say exactly what is accepted:
- the last word of a snake_case name decides (`post_tags` is plural, `post_tag` its singular);
- collective nouns (`log`, `history`, `audit`, `data`, `media`, `staff`, `inventory`, ...) are
  accepted singular: `audit_log` names one log holding many entries;
- irregular plurals are listed (`people` -> `person`, `statuses` -> `status`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # config imports nothing from here; the import is only for type hints
    from dbdesign.config import Config
    from dbdesign.model import ForeignKey, Schema, Table

# -- secret columns ---------------------------------------------------------------------------
# Columns whose values must never be shown: left out of the audit trail's JSON, never echoed by
# a generated validator. A name containing one of these words is secret.
SECRET_COLUMN = re.compile(r"password|passwd|secret|token|hash|salt|api_?key|private_?key", re.I)


def is_secret_column(name: str) -> bool:
    """True for a column whose values are credentials or derived from them (password_hash,
    api_token, client_secret): callers never print such a value."""
    return bool(SECRET_COLUMN.search(name))


# -- words: singular and plural -------------------------------------------------------------

_IRREGULAR = {  # plural -> singular
    "people": "person", "men": "man", "women": "woman", "children": "child", "mice": "mouse",
    "geese": "goose", "feet": "foot", "teeth": "tooth", "oxen": "ox", "indices": "index",
    "vertices": "vertex", "matrices": "matrix", "criteria": "criterion",
    "phenomena": "phenomenon", "analyses": "analysis", "theses": "thesis", "crises": "crisis",
    "diagnoses": "diagnosis", "axes": "axis", "bases": "base", "quizzes": "quiz",
    "leaves": "leaf", "lives": "life", "knives": "knife", "wives": "wife", "wolves": "wolf",
    "halves": "half", "shelves": "shelf", "thieves": "thief", "selves": "self",
    "calves": "calf", "loaves": "loaf", "heroes": "hero", "potatoes": "potato",
    "tomatoes": "tomato", "echoes": "echo", "vetoes": "veto", "movies": "movie",
    "cookies": "cookie", "ties": "tie", "pies": "pie", "lies": "lie", "caches": "cache",
    "niches": "niche", "causes": "cause", "clauses": "clause", "pauses": "pause",
    "uses": "use", "abuses": "abuse", "excuses": "excuse", "houses": "house",
    "warehouses": "warehouse", "statuses": "status", "buses": "bus", "aliases": "alias",
    "canvases": "canvas", "atlases": "atlas", "biases": "bias", "lenses": "lens",
    "campuses": "campus", "bonuses": "bonus", "viruses": "virus", "censuses": "census",
    "syllabi": "syllabus", "cacti": "cactus", "radii": "radius", "appendices": "appendix",
}
_SINGULAR_TO_PLURAL = {v: k for k, v in _IRREGULAR.items()}
# Mass and collective nouns: accepted as table names as they are.
UNCOUNTABLE = frozenset({
    "data", "metadata", "media", "news", "series", "species", "information", "info",
    "equipment", "feedback", "staff", "inventory", "software", "hardware", "history", "log",
    "audit", "journal", "ledger", "trail", "config", "configuration", "settings", "sheep",
    "fish", "deer", "analytics", "stats", "statistics", "access", "progress", "research",
    "evidence", "personnel"})
# Singular words that end in -s but are not plurals.
_SINGULAR_S = frozenset({
    "status", "address", "class", "process", "access", "bus", "alias", "canvas", "atlas",
    "bias", "lens", "gas", "campus", "bonus", "virus", "census", "analysis", "axis", "basis",
    "thesis", "crisis", "diagnosis", "corpus", "focus", "radius", "series", "species", "news",
    "chaos", "cactus", "syllabus", "plus", "minus"})


def singularize(word: str) -> str:
    """Singular of an English noun (lower case), for `{singular_parent}_id`."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if w in UNCOUNTABLE or w in _SINGULAR_S or w.endswith(("ss", "us", "is")):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return w[:-2]
    if w.endswith("s") and len(w) > 1:
        return w[:-1]
    return w


def pluralize(word: str) -> str:
    """Plural of an English noun (lower case); collective nouns and plurals stay as they are."""
    w = word.lower()
    if w in _SINGULAR_TO_PLURAL:
        return _SINGULAR_TO_PLURAL[w]
    if w in UNCOUNTABLE or is_plural(w):
        return w
    if w.endswith("y") and len(w) > 1 and w[-2] not in "aeiou":
        return w[:-1] + "ies"
    if w.endswith(("s", "sh", "ch", "x", "z")):
        return w + "es"
    return w + "s"


def is_plural(word: str) -> bool:
    """True for a plural (or a collective noun accepted as a table name)."""
    w = word.lower()
    if w in _IRREGULAR or w in UNCOUNTABLE:
        return True
    if w in _SINGULAR_TO_PLURAL or w in _SINGULAR_S or w.endswith(("ss", "us", "is")):
        return False
    return w.endswith("s") or w.endswith("i")


def last_word(name: str) -> str:
    """`app.post_tags` -> `tags`: the word that decides a table name's number."""
    return name.rsplit(".", 1)[-1].rsplit("_", 1)[-1]


def singular_table(name: str) -> str:
    """`post_tags` -> `post_tag`, `categories` -> `category`, `app.people` -> `person` (last word
    only; a schema qualifier is dropped, since the result names a row, not a table)."""
    head, _, last = name.rsplit(".", 1)[-1].rpartition("_")
    return f"{head}_{singularize(last)}" if head else singularize(last)


def plural_table(name: str) -> str:
    """`post_tag` -> `post_tags`, `category` -> `categories` (last word only)."""
    head, _, last = name.rsplit(".", 1)[-1].rpartition("_")
    return f"{head}_{pluralize(last)}" if head else pluralize(last)


def plural_candidates(singular: str) -> list[str]:
    """Table names a `{singular}_id` column may point at, most likely first: the proper plural,
    then the naive forms (`-s`, `-es`) and the word itself, for schemas that name tables
    differently."""
    out: list[str] = []
    naive = [singular + "s", singular + "es", singular]
    if singular.endswith("y"):
        naive.insert(0, singular[:-1] + "ies")
    for cand in [plural_table(singular), *naive]:
        if cand not in out:
            out.append(cand)
    return out


# -- column conventions ---------------------------------------------------------------------

@dataclass(frozen=True)
class Conventions:
    """The bookkeeping columns a design uses, from `[lint]` in dbdesign.toml (or the seed's
    defaults). `deleted_by` is not configurable: it only ever accompanies the soft-delete
    column, so it is recognised as an audit reference wherever it appears."""
    soft_delete_column: str = "deleted_at"
    audit_columns: tuple[str, ...] = ("created_by", "updated_by")
    timestamp_columns: tuple[str, ...] = ("created_at", "updated_at")
    users_table: str = "users"
    user_facing_tables: tuple[str, ...] | None = None  # None: guess (see user_facing_tables)
    deleted_by_column: str = "deleted_by"

    @property
    def audit_fk_columns(self) -> frozenset[str]:
        """Columns whose FK to the users table records who acted, not ownership."""
        return frozenset((*self.audit_columns, self.deleted_by_column))

    @property
    def soft_delete_columns(self) -> tuple[str, ...]:
        return (self.soft_delete_column, self.deleted_by_column)

    @property
    def bookkeeping_columns(self) -> tuple[str, ...]:
        """Timestamps, audit and soft-delete columns, in that order (drawn faint in the ERD)."""
        return (*self.timestamp_columns, *self.audit_columns, *self.soft_delete_columns)

    def is_audit_fk(self, fk: "ForeignKey") -> bool:
        """True when every column of `fk` is an audit reference (created_by -> users)."""
        return bool(fk.columns) and set(fk.columns) <= self.audit_fk_columns

    def is_soft_delete_predicate(self, where: str | None) -> bool:
        """`deleted_at IS NULL` (with or without parentheses): a live-rows-only predicate."""
        if not where:
            return False
        col = re.escape(self.soft_delete_column)
        return re.fullmatch(rf'(?i)\s*\(?\s*"?{col}"?\s+IS\s+NULL\s*\)?\s*', where) is not None

    def mentions_soft_delete(self, where: str | None) -> bool:
        """The predicate uses the soft-delete column at all (e.g. `... AND deleted_at IS NULL`)."""
        return bool(where) and self.soft_delete_column.lower() in \
            {c.lower() for c in expression_columns(where)}


DEFAULT = Conventions()


def conventions(config: "Config | None" = None) -> Conventions:
    """The conventions `config` sets (its `[lint]` keys), defaults when None."""
    if config is None:
        return DEFAULT
    uft = config.user_facing_tables
    return Conventions(soft_delete_column=config.soft_delete_column,
                       audit_columns=tuple(config.audit_columns),
                       timestamp_columns=tuple(config.timestamp_columns),
                       users_table=config.users_table,
                       user_facing_tables=tuple(uft) if uft is not None else None)


def user_facing_tables(schema: "Schema", config: "Config | Conventions | None" = None
                       ) -> tuple[list["Table"], bool]:
    """(user-facing tables, guessed?) - the tables that should be soft-deletable.

    The configured `[lint] user_facing_tables` decide (names the schema lacks are skipped here:
    lint reports them as config-unknown-table). Without that list the answer is a guess, and
    `guessed` is True so callers say so: the users table and every table with a non-audit FK
    to it (`posts.author_id -> users`; `created_by -> users` does not count)."""
    conv = config if isinstance(config, Conventions) else conventions(config)
    if conv.user_facing_tables is not None:
        return [t for n in conv.user_facing_tables if (t := schema.table(n))], False
    users = schema.table(conv.users_table)
    if users is None:
        return [], True
    out = [t for t in schema.tables.values()
           if t is users or any(fk.ref_table == users.qualname and not conv.is_audit_fk(fk)
                                for fk in t.foreign_keys)]
    return out, True


# -- expressions ----------------------------------------------------------------------------

# Keywords that can precede "(" without being a function call.
_NOT_FUNCTIONS = frozenset({"in", "any", "all", "some", "exists", "and", "or", "not", "is",
                            "values", "array", "row", "between", "like", "ilike", "as", "on"})
_CALL_RE = re.compile(r'"[^"]*"|\b([A-Za-z_][A-Za-z0-9_]*)\s*\(')


@lru_cache(maxsize=8192)
def expression_names(expression: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(functions, columns) an expression uses, in order of appearance, e.g.
    `lower(email)` -> (('lower',), ('email',)).

    Columns come from sqlglot's parse (PostgreSQL dialect, the model's), so string literals,
    casts and keywords (`extract(year from ...)`) are never taken for columns. Function names
    are read from the text as written (sqlglot would rename `date_trunc` to `timestamp_trunc`,
    and index names use the written one); `IN (...)` is not a call. An expression sqlglot
    cannot parse uses no known column: ((functions), ())."""
    import sqlglot
    from sqlglot import exp
    text = re.sub(r"'(?:[^']|'')*'", " ", expression)  # string literals are not names
    funcs = tuple(m.group(1).lower() for m in _CALL_RE.finditer(text)
                  if m.group(1) and m.group(1).lower() not in _NOT_FUNCTIONS)
    try:
        node = sqlglot.parse_one(expression, read="postgres")
    except sqlglot.errors.SqlglotError:
        return funcs, ()
    cols: list[str] = []
    for n in node.walk(bfs=False) if node is not None else ():  # depth first: order of appearance
        if isinstance(n, exp.Column) and n.name and n.name not in cols:
            cols.append(n.name)
    return funcs, tuple(cols)


def expression_columns(expression: str) -> tuple[str, ...]:
    """The columns an expression (CHECK, index part, WHERE) uses, in order of appearance."""
    return expression_names(expression)[1]


__all__ = ["Conventions", "DEFAULT", "UNCOUNTABLE", "conventions", "expression_columns",
           "expression_names", "is_plural", "last_word", "plural_candidates", "plural_table",
           "pluralize", "singular_table", "singularize", "user_facing_tables"]
