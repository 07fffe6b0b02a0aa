"""A deterministic, realistic large schema for benchmarks and readability tests.

Real schemas past a few hundred tables are built of modules (billing, crm, inventory ...) whose
tables share a name prefix, reference each other mostly inside the module, sometimes across it,
and almost all point at one hub (`core_users`) through audit columns. `synthetic_ddl` writes such
a schema as PostgreSQL DDL, so the ERD clustering, the linter and the report are measured on the
shape that makes peers' diagrams unreadable, not on a toy.

The output is a pure function of `(n_tables, seed)`: the same text every run, on every machine.
It deliberately contains a few design smells (FK columns without an index, FK-like columns with
no constraint) so a linter has something to find.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from dbdesign.schema.naming import plural_table

# Module prefixes, in the order they are used. Past the end, prefixes repeat with a number.
MODULES = ["core", "billing", "crm", "inventory", "shipping", "hr", "catalog", "support",
           "marketing", "payments", "orders", "content", "messaging", "scheduling", "finance",
           "legal", "procurement", "warehouse", "analytics", "compliance", "identity",
           "notifications", "projects", "assets", "training"]

# Singular nouns; tables are named by `plural(noun)`, so implied relationships
# (`invoice_id` -> `billing_invoices`) can be found by name.
NOUNS = ["account", "invoice", "payment", "customer", "contact", "lead", "product", "item",
         "order", "shipment", "carrier", "employee", "department", "position", "category",
         "ticket", "agent", "campaign", "segment", "refund", "transfer", "document", "page",
         "thread", "message", "channel", "event", "slot", "booking", "ledger", "entry",
         "contract", "clause", "supplier", "quote", "bin", "location", "report", "metric",
         "policy", "rule", "credential", "session", "device", "subscription", "plan",
         "project", "task", "milestone", "asset", "license", "course", "lesson", "vendor",
         "region", "team", "note", "attachment", "address", "tax_rate", "discount", "coupon",
         "warehouse", "review", "rating", "template", "webhook", "token", "role", "permission"]
SUFFIXES = ["", "_line", "_event", "_version", "_link", "_setting", "_history", "_snapshot"]

_PLAIN_COLUMNS = [
    ("name", "VARCHAR(200) NOT NULL"),
    ("description", "TEXT"),
    ("code", "VARCHAR(50) NOT NULL"),
    ("amount", "NUMERIC(12,2) NOT NULL DEFAULT 0"),
    ("quantity", "INTEGER NOT NULL DEFAULT 0"),
    ("is_active", "BOOLEAN NOT NULL DEFAULT true"),
    ("metadata", "JSONB"),
    ("starts_at", "TIMESTAMPTZ"),
    ("email", "VARCHAR(255)"),
    ("external_ref", "VARCHAR(100)"),
    ("priority", "SMALLINT NOT NULL DEFAULT 0"),
    ("notes", "TEXT"),
]


def plural(noun: str) -> str:
    """The table-name plural lint expects (naming.plural_table): entry -> entries, address ->
    addresses, ledger -> ledger (a collective noun stays as it is)."""
    return plural_table(noun)


@dataclass
class _Table:
    name: str
    singular: str
    module: int
    is_join: bool = False  # composite PK, no `id`: never an FK target
    lines: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)  # indexes, comments


def _module_sizes(n_tables: int, rng: random.Random) -> list[int]:
    """Split n_tables into modules of 8-35 tables (the first, `core`, small: it is the hub)."""
    sizes = [min(n_tables, 6)]
    left = n_tables - sizes[0]
    while left > 0:
        size = min(left, rng.randint(8, 35))
        sizes.append(size)
        left -= size
    return sizes


def _prefix(module: int) -> str:
    base = MODULES[module % len(MODULES)]
    round_ = module // len(MODULES)
    return base if round_ == 0 else f"{base}{round_ + 1}"


def synthetic_ddl(n_tables: int, seed: int = 0) -> str:
    """PostgreSQL DDL of a modular schema with exactly `n_tables` tables, deterministic for `seed`.

    Tables are `{module}_{plural(noun)}` with a BIGINT identity `id`; FKs `{singular}_id` point mostly
    inside the module (~10% across, a few self-references, some nullable, a few unique = 1:1);
    timestamps everywhere, `deleted_at` on about a third, `created_by`/`updated_by` -> core_users
    on about half; indexes on most (not all) FK columns; a few FK-like columns with no constraint.
    """
    if n_tables < 1:
        raise ValueError("n_tables must be >= 1")
    rng = random.Random(seed)
    sizes = _module_sizes(n_tables, rng)
    tables: list[_Table] = []
    by_module: list[list[_Table]] = []
    for m, size in enumerate(sizes):
        prefix = _prefix(m)
        used: set[str] = set()
        mod_tables: list[_Table] = []
        if m == 0:
            names = ["user", "organization", "team", "role", "permission", "setting"][:size]
        else:
            names = []
            nouns = rng.sample(NOUNS, len(NOUNS))
            i = 0
            while len(names) < size:
                noun = nouns[i % len(nouns)] + SUFFIXES[(i // len(nouns)) % len(SUFFIXES)]
                if i >= len(nouns) * len(SUFFIXES):
                    noun = f"{nouns[i % len(nouns)]}_{i}"
                i += 1
                if noun not in used:
                    used.add(noun)
                    names.append(noun)
        for singular in names:
            t = _Table(f"{prefix}_{plural(singular)}", singular, m)
            mod_tables.append(t)
            tables.append(t)
        by_module.append(mod_tables)

    users = tables[0]  # core_users: the hub that audit columns reference
    late_fks: list[str] = []
    for t in tables:
        mod_tables = by_module[t.module]
        pos = mod_tables.index(t)
        is_join = t.is_join = pos >= 3 and rng.random() < 0.08
        mod_targets = [x for x in mod_tables[:pos] if not x.is_join]
        cols: list[str] = []
        fk_cols: list[tuple[str, _Table, bool]] = []  # column, target, nullable

        def fk_col(target: _Table, nullable: bool, unique: bool = False) -> None:
            col = f"{target.singular}_id"
            if any(c == col for c, _, _ in fk_cols) or target is t:
                return
            null = "" if nullable else " NOT NULL"
            uq = " UNIQUE" if unique else ""
            cols.append(f"    {col} BIGINT{null}{uq} REFERENCES {target.name} (id)"
                        f"{rng.choice(['', ' ON DELETE CASCADE', ' ON DELETE RESTRICT', ' ON DELETE SET NULL' if nullable else ''])}")
            fk_cols.append((col, target, nullable))

        if is_join:
            a, b = rng.sample(mod_targets, 2)
            cols.append(f"    {a.singular}_id BIGINT NOT NULL REFERENCES {a.name} (id) ON DELETE CASCADE")
            cols.append(f"    {b.singular}_id BIGINT NOT NULL REFERENCES {b.name} (id) ON DELETE CASCADE")
            fk_cols += [(f"{a.singular}_id", a, False), (f"{b.singular}_id", b, False)]
            cols.append("    created_at TIMESTAMPTZ NOT NULL DEFAULT now()")
            cols.append(f"    PRIMARY KEY ({a.singular}_id, {b.singular}_id)")
            t.after.append(f"CREATE INDEX idx_{t.name}_{b.singular}_id ON {t.name} ({b.singular}_id);")
        else:
            cols.append("    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
            earlier = mod_targets
            if earlier:
                n_fk = min(len(earlier), rng.choice([1, 1, 1, 2, 2, 3]))
                for target in rng.sample(earlier, n_fk):
                    fk_col(target, nullable=rng.random() < 0.25,
                           unique=rng.random() < 0.04)
            if t.module > 0 and rng.random() < 0.12:
                other = rng.choice([x for x in tables[:tables.index(t)]
                                    if x.module not in (0, t.module) and not x.is_join]
                                   or [tables[1] if len(tables) > 1 and tables[1] is not t else users])
                fk_col(other, nullable=True)
            if rng.random() < 0.04:
                cols.append(f"    parent_id BIGINT REFERENCES {t.name} (id) ON DELETE CASCADE")
                t.after.append(f"CREATE INDEX idx_{t.name}_parent_id ON {t.name} (parent_id);")
            for name, decl in rng.sample(_PLAIN_COLUMNS, rng.randint(2, 6)):
                cols.append(f"    {name} {decl}")
            if rng.random() < 0.3:
                cols.append(f"    status VARCHAR(20) NOT NULL DEFAULT 'new' CONSTRAINT ck_{t.name}_status "
                            "CHECK (status IN ('new', 'active', 'closed'))")
                t.after.append(f"CREATE INDEX idx_{t.name}_status_created_at ON {t.name} (status, created_at DESC);")
            if rng.random() < 0.05 and len(tables) > 1:
                # An FK-like column with no constraint: an implied relationship.
                target = rng.choice(mod_targets or by_module[0])
                if target is not t and f"{target.singular}_id" not in {c for c, _, _ in fk_cols}:
                    cols.append(f"    {target.singular}_id BIGINT")
            cols.append("    created_at TIMESTAMPTZ NOT NULL DEFAULT now()")
            cols.append("    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()")
            if t is users or rng.random() < 0.33:
                cols.append("    deleted_at TIMESTAMPTZ")
            if t is not users and rng.random() < 0.5:
                cols.append(f"    created_by BIGINT REFERENCES {users.name} (id) ON DELETE SET NULL")
                cols.append(f"    updated_by BIGINT REFERENCES {users.name} (id) ON DELETE SET NULL")
        t.lines = cols
        for col, _target, _nullable in fk_cols:
            if is_join:
                continue
            if rng.random() < 0.75:
                t.after.append(f"CREATE INDEX idx_{t.name}_{col} ON {t.name} ({col});")
        if rng.random() < 0.3:
            t.after.append(f"COMMENT ON TABLE {t.name} IS 'The {plural(t.singular).replace('_', ' ')} of "
                           f"the {_prefix(t.module)} module.';")
        # A few FKs added afterwards, pointing at a later module: cycles across modules.
        if t.module > 0 and rng.random() < 0.03:
            # The first three tables of a module are never join tables (decided later).
            later = [x for mod in by_module[t.module + 1:] for x in mod[:3]]
            if later:
                target = rng.choice(later)
                col = f"{target.singular}_ref_id"
                t.lines.append(f"    {col} BIGINT")
                late_fks.append(f"ALTER TABLE {t.name} ADD CONSTRAINT fk_{t.name}_{col} "
                                f"FOREIGN KEY ({col}) REFERENCES {target.name} (id);")

    out = [f"-- Synthetic schema: {n_tables} tables, seed {seed}. Generated by dbdesign.schema.synth.", ""]
    for t in tables:
        out.append(f"CREATE TABLE {t.name} (")
        out.append(",\n".join(t.lines))
        out.append(");")
        out.extend(t.after)
        out.append("")
    out.extend(late_fks)
    return "\n".join(out) + "\n"
