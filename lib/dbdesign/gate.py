"""The design gate: the seed's Design Checklist and Gate Criteria, computed from the project.

Every item is *measured* from the project's actual state (the schema model, lint findings,
migrations, seeds, configuration, what the workbook's chapters produce), with its evidence and
the chapter that shows it. An item whose chapter is not built yet is "not met", honestly, with
that as its evidence. `dbdesign gate` exits 1 when a gate criterion is not met, so CI can enforce
it.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Callable

from .errors import DbDesignError
from .model import Schema

MET, NOT_MET = "met", "not met"


@dataclass
class GateItem:
    id: str
    kind: str  # "checklist" | "gate"
    title: str  # the seed's words
    status: str  # "met" | "not met"
    evidence: str
    chapter: str  # notebook that shows it
    depends_on: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.status == MET


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

    def summary(self) -> dict:
        return {"checklist_met": sum(i.met for i in self.checklist), "checklist_total": len(self.checklist),
                "gate_met": sum(i.met for i in self.criteria), "gate_total": len(self.criteria),
                "passed": self.passed}

    def to_dict(self) -> dict:
        return {"items": [asdict(i) for i in self.items], "summary": self.summary()}

    def format_text(self) -> str:
        lines = []
        for kind, title in (("checklist", "Design checklist"), ("gate", "Gate criteria")):
            lines.append(title)
            for i in self.items:
                if i.kind == kind:
                    mark = "[x]" if i.met else "[ ]"
                    lines.append(f"  {mark} {i.title}: {i.evidence}")
        s = self.summary()
        verdict = "PASSED" if s["passed"] else "NOT PASSED"
        lines.append(f"gate {verdict}: {s['gate_met']}/{s['gate_total']} criteria, "
                     f"{s['checklist_met']}/{s['checklist_total']} checklist items met")
        return "\n".join(lines)

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame([{"kind": i.kind, "item": i.title, "status": i.status,
                              "evidence": i.evidence, "chapter": i.chapter} for i in self.items])


def _module_exists(name: str) -> bool:
    return importlib.util.find_spec(f"dbdesign.{name}") is not None


class _Project:
    """What the gate looks at, computed once each."""

    def __init__(self, schema: Schema, config, migrations_dir: str | None, seeds_dir: str):
        self.schema = schema
        self.config = config
        self.migrations_dir = migrations_dir
        self.seeds_dir = seeds_dir

    @cached_property
    def lint(self):
        from .lint import lint
        return lint(self.schema, self.config)

    def open_findings(self, *rules: str) -> list:
        return [f for f in self.lint.findings if f.rule in rules and not f.waived]

    def waived(self, *rules: str) -> list:
        return [f for f in self.lint.findings if f.rule in rules and f.waived]


def _rule_item(p: _Project, rules: tuple[str, ...], ok_evidence: str) -> tuple[str, str]:
    open_ = p.open_findings(*rules)
    if open_:
        first = open_[0]
        where = ".".join(x for x in (first.table, first.column) if x) or first.index or ""
        return NOT_MET, f"{len(open_)} open finding(s), e.g. {first.rule} on {where}"
    waived = p.waived(*rules)
    extra = f"; {len(waived)} waived with a reason" if waived else ""
    return MET, ok_evidence + extra


def _schema_documented(p: _Project):
    tables = list(p.schema.tables.values())
    if not tables:
        return NOT_MET, "no tables in the schema"
    missing = [t.qualname for t in tables if not t.comment]
    if missing:
        return NOT_MET, (f"{len(tables) - len(missing)}/{len(tables)} tables have a COMMENT; "
                         f"add one to {', '.join(missing[:5])}")
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
    return _rule_item(p, ("primary-key-missing", "primary-key-strategy-mixed"), f"keys: {mix}")


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
        return NOT_MET, f"{len(indexes)} indexes; need unique and composite indexes too"
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
    with_deleted = [t.qualname for t in p.schema.tables.values() if "deleted_at" in t.columns]
    if not with_deleted:
        return NOT_MET, "no table has deleted_at"
    return _rule_item(p, ("soft-delete-missing", "unique-ignores-soft-delete"),
                      f"deleted_at on {', '.join(with_deleted)}; uniques are partial (live rows only)")


def _timestamps(p: _Project):
    return _rule_item(p, ("timestamps-missing",),
                      f"created_at/updated_at on all {len(p.schema.tables)} tables")


def _migration_files(p: _Project):
    if not p.migrations_dir or not os.path.isdir(p.migrations_dir):
        return NOT_MET, "no migrations folder (the schema source is a single .sql file)"
    from .source import discover_migrations
    migrations, _ = discover_migrations(p.migrations_dir)
    if not migrations:
        return NOT_MET, f"{p.migrations_dir} has no migrations"
    no_down = [f"{m.version_text}_{m.name}" for m in migrations if m.down is None]
    if no_down:
        return NOT_MET, f"{len(no_down)} migration(s) without a down file: {', '.join(no_down[:3])}"
    return MET, f"{len(migrations)} versioned up/down migrations in {os.path.basename(p.migrations_dir.rstrip('/'))}/"


def _seed_data(p: _Project):
    from .seeds import check_seeds
    try:
        seeds = check_seeds(p.schema, p.seeds_dir, "dev")
    except DbDesignError as err:
        return NOT_MET, str(err)
    rows = sum(n for s in seeds for n in s.tables.values())
    tables = {t for s in seeds for t in s.tables}
    missing = sorted(set(p.schema.tables) - tables)
    evidence = f"{len(seeds)} dev seed files, {rows} rows in {len(tables)} tables, valid against the schema"
    if missing:
        evidence += f" (no seed rows for {', '.join(missing)})"
    return MET, evidence


def _needs(module: str, chapter: str):
    def check(p: _Project):
        if not _module_exists(module):
            return NOT_MET, f"chapter not built yet ({chapter}); nothing to show"
        return None
    return check


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

# Gate criteria: the checklist items they rest on, plus what a chapter must have produced.
GATE: list[tuple[str, str, str, list[str], Callable | None]] = [
    ("gate-schema", "Database schema documented: all tables with types", "00_design_review",
     ["schema-documented"], _needs("erd", "ERD")),
    ("gate-indexing", "Indexing strategy defined: indexes for queries, JOINs, sorts", "02_indexing_strategy",
     ["indexes-defined"], _needs("workload", "index lab workload")),
    ("gate-migrations", "Migration approach established: tool selected, initial migrations created",
     "03_migrations", ["migration-files"], _needs("migrate", "migration runner")),
    ("gate-validation", "Data validation rules specified: constraints, checks, foreign keys",
     "04_constraints_integrity", ["foreign-keys", "constraints-added"], None),
    ("gate-pool", "Connection pooling configured: pool size, timeouts set", "05_soft_delete_auditing",
     [], _needs("pool", "connection pooling")),
    ("gate-audit", "Audit trail plan: timestamps, soft delete, created_by/updated_by",
     "05_soft_delete_auditing", ["timestamps", "soft-delete"], None),
]


def _audit_columns(p: _Project):
    return _rule_item(p, ("audit-columns-missing",), "created_by/updated_by on the audited tables")


def _pool_configured(p: _Project):
    pool = getattr(p.config, "pool", None)
    if not pool:
        return NOT_MET, "no [pool] section in dbdesign.toml (size and timeouts)"
    keys = ("max_size", "connect_timeout", "idle_timeout")
    missing = [k for k in keys if not (pool.get(k) if isinstance(pool, dict) else getattr(pool, k, None))]
    if missing:
        return NOT_MET, f"[pool] lacks {', '.join(missing)}"
    get = pool.get if isinstance(pool, dict) else (lambda k: getattr(pool, k))
    return MET, (f"max_size {get('max_size')}, connect_timeout {get('connect_timeout')} s, "
                 f"idle_timeout {get('idle_timeout')} s")


_GATE_EXTRA = {"gate-audit": _audit_columns, "gate-pool": _pool_configured}


def evaluate(schema: Schema, config=None, migrations_dir: str | None = None,
             seeds_dir: str = "seeds") -> GateResult:
    """Compute every checklist item and gate criterion for this project."""
    if config is None:
        from .config import load_config
        config = load_config()
    p = _Project(schema, config, migrations_dir, seeds_dir)
    items: list[GateItem] = []
    by_id: dict[str, GateItem] = {}
    for item_id, title, chapter, check in CHECKLIST:
        status, evidence = check(p)
        item = GateItem(item_id, "checklist", title, status, evidence, chapter)
        items.append(item)
        by_id[item_id] = item
    for item_id, title, chapter, deps, extra in GATE:
        unmet = [by_id[d] for d in deps if not by_id[d].met]
        evidence_parts = [by_id[d].evidence for d in deps]
        status = MET if not unmet else NOT_MET
        if unmet:
            evidence_parts = [f"not met: {u.title.split(':')[0]} ({u.evidence})" for u in unmet]
        for check in (extra, _GATE_EXTRA.get(item_id)):
            if check is None:
                continue
            outcome = check(p)
            if outcome is None:
                continue
            st, ev = outcome
            if st != MET:
                status = NOT_MET
            evidence_parts.append(ev)
        item = GateItem(item_id, "gate", title, status, "; ".join(evidence_parts), chapter, deps)
        items.append(item)
    return GateResult(items)
