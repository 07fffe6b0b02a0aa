"""The design gate: the seed's Design Checklist and Gate Criteria, computed from the project.

Every item is *measured* from the project's actual state - the schema model, lint findings,
the migrations (statically linted and replayed up/down on a throw-away SQLite database), the
seeds (checked and loaded), `[pool]` in dbdesign.toml, the index documentation - with its
evidence and the chapter notebook that shows it. An item whose chapter notebook is not written
yet - no `NN_*.ipynb`, or one without a single executed code cell with output - is "not met",
honestly, with that as the first part of its evidence: a gate is passed by a reviewed design,
not by a schema alone (nor by an empty notebook file). `dbdesign gate` exits 1 when a gate criterion is not
met, so CI can enforce it.

    evaluate(schema, config, migrations_dir, seeds_dir) -> GateResult

It runs in CI and at the top of the review notebook, so it stays fast (well under a second for
the example, most of it the SQLite replay; `replay=False` skips that).
"""
from __future__ import annotations

import html as _html
import importlib.util
import json
import os
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, Callable, Sequence

from dbdesign.errors import DbDesignError
from dbdesign.model import Schema

MET, NOT_MET = "met", "not met"

# The chapters, by number: the gate links each item to the notebook that shows it.
CHAPTERS: dict[str, str] = {
    "00": "design review (ERD, gate, findings)",
    "01": "schema design",
    "02": "indexing strategy",
    "03": "migrations",
    "04": "constraints and integrity",
    "05": "soft delete and auditing",
}


@dataclass
class GateItem:
    id: str
    kind: str  # "checklist" | "gate"
    title: str  # the seed's words
    status: str  # "met" | "not met"
    evidence: str
    chapter: str  # chapter number + name, e.g. "04_constraints_integrity"
    depends_on: list[str] = field(default_factory=list)
    chapter_path: str | None = None  # the notebook, relative to the project; None = not written yet

    @property
    def met(self) -> bool:
        return self.status == MET

    @property
    def chapter_number(self) -> str:
        return self.chapter[:2]


@dataclass
class GateResult:
    items: list[GateItem]

    @property
    def checklist(self) -> list[GateItem]:
        return [i for i in self.items if i.kind == "checklist"]

    @property
    def criteria(self) -> list[GateItem]:
        return [i for i in self.items if i.kind == "gate"]

    @property
    def passed(self) -> bool:
        return all(i.met for i in self.criteria)

    def item(self, item_id: str) -> GateItem:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(f"no gate item {item_id!r}; have {', '.join(i.id for i in self.items)}")

    def summary(self) -> dict:
        return {"checklist_met": sum(i.met for i in self.checklist), "checklist_total": len(self.checklist),
                "gate_met": sum(i.met for i in self.criteria), "gate_total": len(self.criteria),
                "passed": self.passed}

    def to_dict(self) -> dict:
        return {"items": [asdict(i) for i in self.items], "summary": self.summary()}

    def verdict(self) -> str:
        s = self.summary()
        return (f"gate {'PASSED' if s['passed'] else 'NOT PASSED'}: {s['gate_met']}/{s['gate_total']} "
                f"criteria, {s['checklist_met']}/{s['checklist_total']} checklist items met")

    def format_text(self) -> str:
        lines = []
        for kind, title in (("checklist", "Design checklist"), ("gate", "Gate criteria")):
            lines.append(title)
            for i in self.items:
                if i.kind == kind:
                    mark = "[x]" if i.met else "[ ]"
                    lines.append(f"  {mark} {i.title} [{i.chapter}]: {i.evidence}")
        lines.append(self.verdict())
        return "\n".join(lines)

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame([{"kind": i.kind, "item": i.title, "status": i.status,
                              "evidence": i.evidence, "chapter": i.chapter} for i in self.items])

    def to_html(self) -> str:
        """The live checklist as one HTML table: status, item, evidence, chapter link.

        Links point at the chapter notebook next to the gate notebook (`04_x.ipynb`), which
        works in JupyterLab and on GitHub; the one-page report rewrites them to its chapter
        anchors (`report_assets.rewrite_notebook_links`). A chapter not written yet has no link."""
        esc = _html.escape
        rows = []
        for kind, title in (("gate", "Gate criteria"), ("checklist", "Design checklist")):
            rows.append(f'<tr class="dbdesign-gate-group"><th colspan="4">{title}</th></tr>')
            for i in self.items:
                if i.kind != kind:
                    continue
                badge = ('<span class="dbdesign-gate-met">&#10004; met</span>' if i.met
                         else '<span class="dbdesign-gate-notmet">&#10008; not met</span>')
                if i.chapter_path:
                    chapter = (f'<a href="{esc(os.path.basename(i.chapter_path))}">'
                               f'{esc(i.chapter)}</a>')
                else:
                    chapter = f"{esc(i.chapter)} <em>(not written yet)</em>"
                rows.append(f'<tr data-item="{esc(i.id)}" data-status="{esc(i.status)}"><td>{badge}</td>'
                            f"<td>{esc(i.title)}</td><td>{esc(i.evidence)}</td><td>{chapter}</td></tr>")
        s = self.summary()
        cls = "dbdesign-gate-passed" if s["passed"] else "dbdesign-gate-failed"
        return (_GATE_CSS + f'<p class="{cls}"><b>{esc(self.verdict())}</b></p>'
                '<table class="dbdesign-gate dbdesign-table"><thead><tr><th>status</th><th>item</th>'
                "<th>evidence</th><th>chapter</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")

    def _repr_html_(self) -> str:
        return self.to_html()


_GATE_CSS = """<style>
table.dbdesign-gate td, table.dbdesign-gate th { text-align: left !important; vertical-align: top; }
table.dbdesign-gate tr.dbdesign-gate-group th { background: #f0f0f0; }
.dbdesign-gate-met { color: #1a7f37; font-weight: 600; white-space: nowrap; }
.dbdesign-gate-notmet { color: #b42318; font-weight: 600; white-space: nowrap; }
.dbdesign-gate-passed { color: #1a7f37; } .dbdesign-gate-failed { color: #b42318; }
</style>"""


def _chapter_file(notebooks_dir: str | None, number: str) -> str | None:
    if not notebooks_dir or not os.path.isdir(notebooks_dir):
        return None
    for name in sorted(os.listdir(notebooks_dir)):
        if name.startswith(f"{number}_") and name.endswith(".ipynb"):
            return os.path.join(notebooks_dir, name)
    return None


_EXECUTED: dict[tuple[str, float, int], str | None] = {}


def notebook_problem(path: str) -> str | None:
    """None when the notebook shows something: at least one code cell that was executed and
    has output. Else why not ("has no executed code cell with output", "is not a notebook").
    Cached per file version (path, mtime, size): the gate asks once per item."""
    try:
        st = os.stat(path)
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    key = (path, st.st_mtime, st.st_size)
    if key not in _EXECUTED:
        try:
            with open(path, encoding="utf-8") as fh:
                nb = json.load(fh)
            cells = nb.get("cells") if isinstance(nb, dict) else None
            if not isinstance(cells, list):
                _EXECUTED[key] = "is not a notebook (no cells)"
            elif any(isinstance(c, dict) and c.get("cell_type") == "code"
                     and c.get("execution_count") is not None and c.get("outputs")
                     for c in cells):
                _EXECUTED[key] = None
            else:
                _EXECUTED[key] = "has no executed code cell with output"
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            _EXECUTED[key] = f"is not a notebook ({type(err).__name__})"
    return _EXECUTED[key]


def chapter_problem(notebooks_dir: str | None, number: str) -> str | None:
    """Why chapter `number` does not count as written (None when it does)."""
    path = _chapter_file(notebooks_dir, number)
    if path is None:
        return "not written yet"
    problem = notebook_problem(path)
    return f"not written yet: {os.path.basename(path)} {problem}" if problem else None


def find_chapter(notebooks_dir: str | None, number: str) -> str | None:
    """`notebooks/NN_*.ipynb` for chapter `number` when it is written - it has executed code
    cells with outputs - else None."""
    if chapter_problem(notebooks_dir, number) is not None:
        return None
    return _chapter_file(notebooks_dir, number)


@dataclass
class Replay:
    """What replaying the migrations (and loading the dev seeds) on a throw-away SQLite showed."""
    engine: str = "sqlite"
    applied: int = 0
    rolled_back: int = 0
    reapplied: int = 0
    seed_rows: int = 0
    error: str | None = None  # first failure: which step and why
    seed_error: str | None = None


class _Project:
    """What the gate looks at, each computed once."""

    def __init__(self, schema: Schema, config, migrations_dir: str | None, seeds_dir: str,
                 notebooks_dir: str | None, replay: bool, engines: Sequence[str] | None = None):
        self.engines = engines
        self.schema = schema
        self.config = config
        self.migrations_dir = migrations_dir
        self.seeds_dir = seeds_dir
        self.notebooks_dir = notebooks_dir
        self.do_replay = replay

    @cached_property
    def deployed(self) -> tuple[list, dict[str, str]]:
        """([Deployed per reachable engine], {engine: why not checked}): the migrations applied
        with `migrate up` to a throw-away database, then checked by writes
        (`deployed.check_deployed`). Without a migrations folder, nothing is deployed."""
        from dbdesign import engines as engines_mod
        from dbdesign.generate.deployed import ENGINES, check_deployed
        if not self.migrations_dir or not self.migrations:
            return [], {}
        wanted = list(ENGINES if self.engines is None else self.engines)
        why = {name: reason for name, reason in engines_mod.availability(wanted).items() if reason}
        out = [check_deployed(name, self.migrations_dir, self.schema, self.config)
               for name in wanted if name not in why]
        return out, why

    @cached_property
    def lint(self):
        from dbdesign.checks.lint import lint
        return lint(self.schema, self.config)

    def open_findings(self, *rules: str) -> list:
        return [f for f in self.lint.findings if f.rule in rules and not f.waived]

    def waived(self, *rules: str) -> list:
        return [f for f in self.lint.findings if f.rule in rules and f.waived]

    @cached_property
    def migrations(self) -> list:
        from dbdesign.schema.source import discover_migrations
        if not self.migrations_dir or not os.path.isdir(self.migrations_dir):
            return []
        return discover_migrations(self.migrations_dir)[0]

    @cached_property
    def migration_findings(self) -> list:
        from dbdesign.checks.migration_lint import lint_migrations
        return lint_migrations(self.migrations_dir, self.config)

    @cached_property
    def seeds(self) -> tuple[list, str | None]:
        from dbdesign.generate.seeds import check_seeds
        try:
            return check_seeds(self.schema, self.seeds_dir, "dev"), None
        except DbDesignError as err:
            return [], str(err)

    @cached_property
    def replay(self) -> Replay:
        """Up all, load the dev seeds, down all, up all again - on a throw-away SQLite file.
        Proves the files apply, revert and re-apply; `dbdesign migrate verify` (chapter 03)
        goes further (every engine, schema diffs per step)."""
        from dbdesign import engines
        from dbdesign.migrate.runner import Migrator
        from dbdesign.generate.seeds import apply_seeds
        r = Replay()
        step = "up"
        try:
            with engines.throwaway("sqlite") as eng:
                m = Migrator(self.migrations_dir, eng)
                r.applied = len(m.up().versions)
                seeds, seed_error = self.seeds
                if seeds and not seed_error:
                    try:
                        r.seed_rows = sum(n for s in apply_seeds(eng, self.schema, self.seeds_dir, "dev")
                                          for n in s.tables.values())
                    except DbDesignError as err:
                        r.seed_error = _first_line(str(err))
                step = "down"
                r.rolled_back = len(m.down(steps=None, to=0).versions)
                step = "up again"
                r.reapplied = len(m.up().versions)
        except DbDesignError as err:
            r.error = f"{step}: {_first_line(str(err))}"
        return r


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")[:300]


def _rule_item(p: _Project, rules: tuple[str, ...], ok_evidence: str) -> tuple[str, str]:
    open_ = p.open_findings(*rules)
    if open_:
        first = open_[0]
        where = ".".join(x for x in (first.table, first.column) if x) or first.index or ""
        return NOT_MET, f"{len(open_)} open finding(s), e.g. {first.rule} on {where}"
    waived = p.waived(*rules)
    extra = f"; {len(waived)} waived with a reason" if waived else ""
    return MET, ok_evidence + extra


# -- the checklist ---------------------------------------------------------------------------
def _schema_documented(p: _Project):
    tables = list(p.schema.tables.values())
    if not tables:
        return NOT_MET, "no tables in the schema"
    missing = [t.qualname for t in tables if not t.comment]
    untyped = [f"{t.qualname}.{c.name}" for t in tables for c in t.columns.values() if not c.type]
    if missing:
        return NOT_MET, (f"{len(tables) - len(missing)}/{len(tables)} tables have a COMMENT; "
                         f"add COMMENT ON TABLE to {', '.join(missing[:5])}")
    if untyped:
        return NOT_MET, f"columns without a type: {', '.join(untyped[:5])}"
    cols = sum(len(t.columns) for t in tables)
    return MET, f"{len(tables)} tables and {cols} columns with types, every table commented"


def _primary_keys(p: _Project):
    strategies: dict[str, int] = {}
    for t in p.schema.tables.values():
        if t.primary_key is None:
            continue
        if len(t.primary_key.columns) > 1:
            kind = "composite"
        else:
            col = t.columns.get(t.primary_key.columns[0])
            kind = "uuid" if col and col.type.upper().startswith("UUID") else "integer"
        strategies[kind] = strategies.get(kind, 0) + 1
    mix = ", ".join(f"{n} {k}" for k, n in sorted(strategies.items()))
    return _rule_item(p, ("primary-key-missing", "primary-key-strategy-mixed"), f"keys: {mix or 'none'}")


def _foreign_keys(p: _Project):
    fks = [fk for t in p.schema.tables.values() for fk in t.foreign_keys]
    if not fks:
        return NOT_MET, "no foreign keys declared"
    actions: dict[str, int] = {}
    for fk in fks:
        actions[fk.on_delete or "unspecified"] = actions.get(fk.on_delete or "unspecified", 0) + 1
    desc = ", ".join(f"{n} {a}" for a, n in sorted(actions.items()))
    return _rule_item(p, ("fk-on-delete-unspecified", "fk-type-mismatch", "fk-target-not-unique",
                          "fk-cascade-nullable"), f"{len(fks)} foreign keys, ON DELETE: {desc}")


def _indexes_defined(p: _Project):
    indexes = p.schema.indexes()
    composite = [ix for ix in indexes if len(ix.columns) > 1]
    unique = [ix for ix in indexes if ix.unique] + [u for t in p.schema.tables.values() for u in t.uniques]
    if not composite or not unique:
        return NOT_MET, (f"{len(indexes)} indexes ({len(unique)} unique, {len(composite)} composite); "
                         "the checklist asks for unique and composite indexes too")
    return _rule_item(p, ("fk-missing-index", "index-redundant", "index-too-many"),
                      f"{len(indexes)} indexes ({len(unique)} unique, {len(composite)} composite), "
                      "every FK leads an index")


def _constraints_added(p: _Project):
    tables = p.schema.tables.values()
    not_null = sum(1 for t in tables for c in t.columns.values() if not c.nullable)
    uniques = sum(len(t.uniques) for t in tables) + sum(1 for ix in p.schema.indexes() if ix.unique)
    checks = sum(len(t.checks) for t in tables)
    if not (not_null and uniques and checks):
        return NOT_MET, f"NOT NULL {not_null}, UNIQUE {uniques}, CHECK {checks}: each kind is needed"
    return _rule_item(p, ("unique-missing", "enum-check-missing", "unique-email-case-sensitive"),
                      f"NOT NULL {not_null}, UNIQUE {uniques}, CHECK {checks}")


def _soft_delete(p: _Project):
    """The user-facing tables (lint's answer: configured, or guessed and said so) have the
    soft-delete column, and their unique keys count live rows only."""
    from dbdesign.schema.naming import conventions, user_facing_tables
    conv = conventions(p.config)
    col = conv.soft_delete_column
    tables, guessed = user_facing_tables(p.schema, conv)
    how = (f"user-facing guessed: {conv.users_table} and the tables that reference it; list "
           "[lint] user_facing_tables to decide" if guessed else "[lint] user_facing_tables")
    if not tables:
        return NOT_MET, f"no user-facing tables ({how})"
    with_col = [t.qualname for t in tables if col in t.columns]
    if not with_col:
        return NOT_MET, f"no user-facing table has {col} ({how})"
    return _rule_item(p, ("soft-delete-missing", "unique-ignores-soft-delete"),
                      f"{col} on {', '.join(with_col)} ({how}); their unique keys cover live rows only")


def _timestamps(p: _Project):
    from dbdesign.schema.naming import conventions
    if not p.schema.tables:
        return NOT_MET, "no tables in the schema"
    cols = "/".join(conventions(p.config).timestamp_columns)
    return _rule_item(p, ("timestamps-missing",), f"{cols} on all {len(p.schema.tables)} tables")


def _migration_files(p: _Project):
    if not p.migrations_dir or not os.path.isdir(p.migrations_dir):
        return NOT_MET, "no migrations folder (the schema source is a single .sql file)"
    migrations = p.migrations
    if not migrations:
        return NOT_MET, f"{os.path.basename(p.migrations_dir.rstrip('/'))}/ has no migrations"
    # a version shipped only as engine overrides has its down files beside them
    no_down = [f"{m.version_text}_{m.name}" for m in migrations
               if (m.up and m.down is None) or any(d is None for _, d in getattr(m, "overrides", {}).values())
               or (not m.up and not getattr(m, "overrides", None))]
    if no_down:
        return NOT_MET, f"{len(no_down)} migration(s) without a down file: {', '.join(no_down[:3])}"
    return MET, (f"{len(migrations)} versioned up/down migrations in "
                 f"{os.path.basename(p.migrations_dir.rstrip('/'))}/")


def _seed_data(p: _Project):
    seeds, error = p.seeds
    if error:
        return NOT_MET, error
    if not seeds:
        return NOT_MET, f"no dev seed files in {os.path.join(p.seeds_dir, 'dev')}"
    rows = sum(n for s in seeds for n in s.tables.values())
    tables = {t for s in seeds for t in s.tables}
    evidence = f"{len(seeds)} dev seed files, {rows} rows in {len(tables)} tables, valid against the schema"
    if p.do_replay and p.migrations:
        r = p.replay
        if r.seed_error:
            return NOT_MET, f"{evidence}, but loading them on SQLite failed: {r.seed_error}"
        if r.seed_rows:
            evidence += f" and loaded on SQLite after the migrations ({r.seed_rows} rows)"
    missing = sorted(set(p.schema.tables) - tables)
    if missing:
        evidence += f" (no seed rows for {', '.join(missing)})"
    return MET, evidence


CHECKLIST: list[tuple[str, str, str, Callable]] = [
    ("schema-documented", "Schema Documented: all tables with columns", "01_schema_design", _schema_documented),
    ("primary-keys", "Primary Keys: UUID or auto-increment chosen consistently", "01_schema_design", _primary_keys),
    ("foreign-keys", "Foreign Keys: relationships defined with CASCADE/RESTRICT", "04_constraints_integrity", _foreign_keys),
    ("indexes-defined", "Indexes Defined: primary, unique, foreign key, composite", "02_indexing_strategy", _indexes_defined),
    ("constraints-added", "Constraints Added: NOT NULL, UNIQUE, CHECK", "04_constraints_integrity", _constraints_added),
    ("soft-delete", "Soft Delete: pattern implemented for user-facing data", "05_soft_delete_auditing", _soft_delete),
    ("timestamps", "Timestamps: created_at, updated_at on all tables", "05_soft_delete_auditing", _timestamps),
    ("migration-files", "Migration Files: initial schema migrations created", "03_migrations", _migration_files),
    ("seed-data", "Seed Data: development seeds for testing", "01_schema_design", _seed_data),
]


# -- what the gate criteria add to their checklist items --------------------------------------
def _erd_renders(p: _Project):
    from dbdesign.review.erd import relationships, to_svg
    if not p.schema.tables:
        return NOT_MET, "no tables to draw"
    rels = relationships(p.schema)
    implied = sum(r.kind != "fk" for r in rels)
    try:  # actually draw it: `dot` present is not the same as an ERD that renders
        svg = to_svg(p.schema, config=p.config)
    except (DbDesignError, OSError, RuntimeError, ValueError) as err:
        return NOT_MET, f"the ERD does not render: {_first_line(str(err)) or type(err).__name__}"
    drawn = [t for t in p.schema.tables.values() if f"<title>{_html.escape(t.qualname)}</title>" in svg]
    if len(drawn) != len(p.schema.tables):
        missing = [t.qualname for t in p.schema.tables.values() if t not in drawn]
        return NOT_MET, f"the ERD renders but lacks {len(missing)} table(s): {', '.join(missing[:4])}"
    return MET, (f"ERD rendered: {len(p.schema.tables)} tables and {len(rels)} relationships"
                 + (f" ({implied} implied by column names)" if implied else ""))


def _indexes_documented(p: _Project):
    """Every declared index has a reason a reviewer can read: a written rationale (COMMENT ON
    INDEX or a `--` comment above it), or a structural one (it backs a foreign key or a
    uniqueness rule). An index that only serves a query pattern needs the query written down."""
    from dbdesign.generate.catalog import build_catalog
    entries = [e for e in build_catalog(p.schema).indexes if e.origin == "CREATE INDEX"]
    if not entries:
        return NOT_MET, "no CREATE INDEX in the schema: queries, joins and sorts have only the keys"

    def structural(e) -> bool:
        return e.unique or any(s.startswith(("the foreign key", "enforces")) for s in e.serves)

    written = [e for e in entries if e.purpose_source != "generated"]
    bare = [e.name or f"{e.table}({', '.join(e.columns)})" for e in entries
            if e.purpose_source == "generated" and not structural(e)]
    if bare:
        return NOT_MET, (f"{len(bare)} index(es) serve no foreign key or uniqueness and have no written "
                         f"rationale: {', '.join(bare[:4])}; put the query they serve in a `--` comment "
                         "above CREATE INDEX (or COMMENT ON INDEX)")
    return MET, (f"{len(entries)} declared indexes documented ({len(written)} with a written rationale, "
                 f"{len(entries) - len(written)} backing a foreign key or uniqueness)")


def _migrations_verified(p: _Project):
    if not p.migrations:
        return NOT_MET, "nothing to verify"
    errors = [f for f in p.migration_findings if f.severity == "error"]
    parts = []
    if errors:
        f = errors[0]
        return NOT_MET, (f"migration lint: {len(errors)} error(s), e.g. {f.rule} at "
                         f"{os.path.basename(f.file or '')}:{f.line}")
    others = len(p.migration_findings)
    parts.append("migration lint clean" if not others else f"migration lint: {others} warning(s), no errors")
    if p.do_replay:
        r = p.replay
        if r.error:
            return NOT_MET, "; ".join(parts + [f"replay on SQLite failed at {r.error}"])
        n = len(p.migrations)
        if not (r.applied == r.rolled_back == r.reapplied == n):
            return NOT_MET, "; ".join(parts + [f"replay on SQLite: {r.applied} applied, {r.rolled_back} "
                                                f"rolled back, {r.reapplied} re-applied of {n}"])
        parts.append(f"up -> down -> up of all {n} replayed on SQLite")
    return MET, "; ".join(parts)


def _deployed_item(p: _Project, criteria: tuple[str, ...], what: str) -> tuple[str, str]:
    """Met when every reachable engine's migrated database did what the design says for
    `criteria` (limits of an engine are stated, not counted as passes); evidence per engine."""
    deployed, skipped = p.deployed
    if not deployed:
        return NOT_MET, f"{what}: not checked on a deployed database (no migrations folder or no engine)"
    parts, failed = [], False
    for d in deployed:
        if d.error:
            failed = True
            parts.append(f"{d.engine} {d.version}: {d.error}")
            continue
        bad, lim, ok = d.failed(criteria), d.limits(criteria), d.passed(criteria)
        text = f"{d.engine} {d.version.split(' ')[0]}: {len(ok)} writes as designed"
        if bad:
            failed = True
            text += f", {len(bad)} NOT: " + "; ".join(f"{c.subject}: {c.evidence}" for c in bad[:3])
            text += " ..." if len(bad) > 3 else ""
        if lim:
            text += f", {len(lim)} beyond the engine (limit: {lim[0].evidence.split(': ', 1)[-1]})"
        parts.append(text)
    parts += [f"{name}: not checked ({why})" for name, why in skipped.items()]
    return (NOT_MET if failed else MET), f"{what} after `migrate up`: " + "; ".join(parts)


def _validation(p: _Project):
    from dbdesign.lab.probe import build_cases
    cases = build_cases(p.schema)
    if not cases:
        return NOT_MET, "the constraint probe finds no rule to test (no keys, checks or NOT NULL)"
    return _deployed_item(p, ("uniques", "checks", "fks", "not-null"),
                          "uniques (case-insensitive where designed), CHECK, FK and NOT NULL probed")


def _pool_configured(p: _Project):
    """`[pool]` in dbdesign.toml, read by the same reader the layers use (`pool.from_config`)."""
    from dbdesign.errors import InputError
    from dbdesign.generate.pool import REQUIRED_CONFIG_KEYS, from_config
    extra = getattr(p.config, "extra", None) or {}
    section = extra.get("pool") if isinstance(extra, dict) else None
    where = os.path.basename(getattr(p.config, "path", None) or "dbdesign.toml")
    if section is None:
        return NOT_MET, (f"no [pool] section in {where}: set {', '.join(REQUIRED_CONFIG_KEYS)} "
                         "(`python -m dbdesign.generate.pool` prints a recommended section)")
    try:
        s = from_config(section, where)
    except InputError as err:
        return NOT_MET, f"{where}: {err.message}"
    return MET, (f"[pool] in {where}: max_size {s.max_size}, min_size {s.min_size}, connect_timeout "
                 f"{s.connect_timeout_s:g} s, acquire_timeout {s.acquire_timeout_s:g} s, idle_timeout "
                 f"{s.idle_timeout_s:g} s")


def _audit_plan(p: _Project):
    status, evidence = _rule_item(p, ("audit-columns-missing",), "created_by/updated_by on the audited tables")
    if status != MET:
        return status, evidence
    from dbdesign.generate.audit import AUDIT_TABLE, audited_tables
    if p.schema.table(AUDIT_TABLE) is None:
        return NOT_MET, evidence + f"; no {AUDIT_TABLE} table for the change history"
    tables = audited_tables(p.schema)
    status, deployed = _deployed_item(p, ("updated_at", "audit_log", "soft-delete reuse"),
                                      f"updated_at, one {AUDIT_TABLE} row per UPDATE with its actor, and "
                                      f"reuse of a soft-deleted row's unique value on {len(tables)} tables")
    return status, evidence + "; " + deployed


def _api_contract(p: _Project):
    """The Phase 1 contract (`[api] openapi` in dbdesign.toml, else openapi.yaml beside it)
    checked against the schema by `dbdesign api`."""
    from dbdesign.checks.api import check, contract_path
    path = contract_path(p.config)
    name = os.path.basename(path) if path else "openapi.yaml"
    if path is None or not os.path.isfile(path):
        return NOT_MET, f"no API contract ({name}): set [api] openapi in dbdesign.toml to the Phase 1 OpenAPI file"
    try:  # the OpenAPI structure itself is validated by `dbdesign api` (seconds), not here
        result = check(p.schema, path, validate=False)
    except DbDesignError as err:
        return NOT_MET, f"{name}: {_first_line(str(err))}"
    s = result.summary
    if result.has_errors:
        first = next(f for f in result.active if f.severity == "error")
        return NOT_MET, f"{name}: {s['error']} error(s), e.g. {first.rule} at line {first.line}: {first.message}"
    return MET, (f"{name} matches the schema ({s['tables']} tables mapped, {s['warning']} warning(s); "
                 "the file's OpenAPI validity is checked by `dbdesign api`, not by the gate)")


# Gate criteria: the checklist items they rest on, plus what they add themselves.
GATE: list[tuple[str, str, str, list[str], Callable | None]] = [
    ("gate-schema", "Database schema documented: all tables with types", "00_design_review",
     ["schema-documented"], _erd_renders),
    ("gate-indexing", "Indexing strategy defined: indexes for queries, JOINs, sorts", "02_indexing_strategy",
     ["indexes-defined"], _indexes_documented),
    ("gate-migrations", "Migration approach established: tool selected, initial migrations created",
     "03_migrations", ["migration-files"], _migrations_verified),
    ("gate-validation", "Data validation rules specified: constraints, checks, foreign keys",
     "04_constraints_integrity", ["foreign-keys", "constraints-added"], _validation),
    ("gate-api", "Schema matches the API contract", "01_schema_design", [], _api_contract),
    ("gate-pool", "Connection pooling configured: pool size, timeouts set", "05_soft_delete_auditing",
     [], _pool_configured),
    ("gate-audit", "Audit trail plan: timestamps, soft delete, created_by/updated_by",
     "05_soft_delete_auditing", ["timestamps", "soft-delete"], _audit_plan),
]


def _missing_chapters(p: _Project, chapters: list[str]) -> list[tuple[str, str]]:
    """(number, why) for each chapter that does not count as written."""
    if p.notebooks_dir is None:
        return []
    out: list[tuple[str, str]] = []
    for chapter in chapters:
        if chapter[:2] in (n for n, _ in out):
            continue
        why = chapter_problem(p.notebooks_dir, chapter[:2])
        if why is not None:
            out.append((chapter[:2], why))
    return out


def _chapter_note(missing: list[tuple[str, str]]) -> str:
    return "; ".join(f"chapter {n} ({CHAPTERS.get(n, n)}) {why}" for n, why in missing)


def evaluate(schema: Schema, config: Any = None, migrations_dir: str | None = None,
             seeds_dir: str = "seeds", *, notebooks_dir: str | None = "notebooks",
             replay: bool = True, engines: Sequence[str] | None = None) -> GateResult:
    """Compute every checklist item and gate criterion for this project.

    An item is met when the design satisfies it *and* the chapter that shows it (for a gate
    criterion: also the chapters of the items it rests on) exists in `notebooks_dir`.
    `notebooks_dir=None` judges the design alone; `replay=False` skips the SQLite replay of
    the migrations and seeds. The validation and audit criteria are judged on the databases
    `migrate up` builds on `engines` (default: every reachable one; unreachable ones are named)."""
    if config is None:
        from dbdesign.config import load_config
        config = load_config()
    p = _Project(schema, config, migrations_dir, seeds_dir, notebooks_dir, replay, engines)
    items: list[GateItem] = []
    design: dict[str, tuple[str, str, str]] = {}  # id -> (design status, evidence, chapter)
    for item_id, title, chapter, check in CHECKLIST:
        status, evidence = check(p)
        design[item_id] = (status, evidence, chapter)
        missing = _missing_chapters(p, [chapter])
        if missing:
            status, evidence = NOT_MET, f"{_chapter_note(missing)}; {evidence}"
        items.append(GateItem(item_id, "checklist", title, status, evidence, chapter, [],
                              find_chapter(notebooks_dir, chapter[:2])))
    titles = {i.id: i.title.split(":")[0] for i in items}
    for item_id, title, chapter, deps, extra in GATE:
        unmet = [d for d in deps if design[d][0] != MET]
        status = NOT_MET if unmet else MET
        parts = ([f"not met: {titles[d]} ({design[d][1]})" for d in unmet] if unmet
                 else [design[d][1] for d in deps])
        if extra is not None:
            st, ev = extra(p)
            if st != MET:
                status = NOT_MET
            parts.append(ev)
        missing = _missing_chapters(p, [chapter] + [design[d][2] for d in deps])
        if missing:
            status = NOT_MET
            parts.insert(0, _chapter_note(missing))
        items.append(GateItem(item_id, "gate", title, status, "; ".join(parts), chapter, deps,
                              find_chapter(notebooks_dir, chapter[:2])))
    return GateResult(items)


