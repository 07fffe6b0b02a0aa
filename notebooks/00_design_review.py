# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 0. Design review
#
# The page a review session starts from: the design checklist and the gate criteria
# as a live table, computed from the project as it is right now - the schema read from the
# migrations, the lint, the migrations replayed on a throw-away database, the seeds, the pool
# settings in `dbdesign.toml` and the chapters that show each point. Then the ERD, the open
# findings by severity, and a schema explorer to look at one table at a time.
#
# `dbdesign gate` prints the same table and exits non-zero while a gate criterion is not met,
# so CI enforces what this page shows. An item whose chapter is not written yet is *not met*:
# the gate is passed by a reviewed design, not by a schema alone.

# %%
import pandas as pd

from dbdesign.review import notebook as nbk

wb = nbk.setup()  # repo root as working directory; DBDESIGN_SOURCE / dbdesign.toml pick the schema
print(f"schema source: {wb.source}  ({len(wb.schema.tables)} tables, scale: {wb.scale})")

# %% [markdown]
# ## Gate and checklist
#
# Each row: status, the criterion, the evidence measured from the project, and the chapter
# that shows it (a link; a chapter not written yet says so).

# %%
import os

from IPython.display import HTML, display

from dbdesign.checks.gate import evaluate

gate = evaluate(wb.schema, wb.config, wb.source if os.path.isdir(wb.source) else None, "seeds")
display(HTML(gate.to_html()))

# %% [markdown]
# What the design alone satisfies, before asking for the chapters (the same checks with the
# chapter requirement switched off) - the list a designer works through:

# %%
# NBVAL_CHECK_OUTPUT
design_only = evaluate(wb.schema, wb.config, wb.source if os.path.isdir(wb.source) else None, "seeds",
                       notebooks_dir=None, replay=False)
nbk.table(pd.DataFrame([{"criterion": item.id, "status": "met" if item.met else "NOT MET"}
                        for item in design_only.items]), caption="Gate criteria the design alone decides")

# %% [markdown]
# ## Entity-relationship diagram
#
# Crow's-foot cardinality; primary, foreign and unique keys marked; soft-delete and audit
# columns styled apart; relationships implied by column names but not declared are dashed.
# `dbdesign erd -o FILE` writes the same as SVG, PNG, DOT, Mermaid or DBML (the report also
# writes `erd.svg`, `erd.mmd` and `erd.dbml`); `--around TABLE --depth N` draws a neighbourhood.
# A schema of more than 40 tables is shown as an overview of its clusters (named after their
# hub tables, a line's number the FK count between two clusters) with one folded diagram per
# cluster.

# %%
from dbdesign.review import erd

display(HTML(erd.page_html(wb.schema, config=wb.config)))

# %%
# NBVAL_CHECK_OUTPUT
rels = erd.relationships(wb.schema)
print(f"{len(wb.schema.tables)} tables, {sum(r.kind == 'fk' for r in rels)} declared relationships, "
      f"{sum(r.kind != 'fk' for r in rels)} implied by column names")

# %% [markdown]
# ## Findings by severity
#
# The design lint (chapter 1 explains each rule) and the migration-safety lint (chapter 3), most
# severe first. Waived findings stay visible with the reason the team accepted them.

# %%
import pandas as pd

from dbdesign.checks.lint import lint
from dbdesign.checks.migration_lint import lint_migrations

design = lint(wb.schema, wb.config)
rows = [{"severity": f.severity, "waived": f.waived, "source": "design lint", "rule": f.rule,
         "object": f.object, "where": f.location, "message": f.message,
         "waiver reason": f.waiver_reason or ""} for f in design.findings]
if os.path.isdir(wb.source):
    rows += [{"severity": f.severity, "waived": False, "source": "migration lint", "rule": f.rule,
              "object": getattr(f, "object", "") or "", "where": f"{os.path.basename(f.file or '')}:{f.line}",
              "message": f.message, "waiver reason": ""} for f in lint_migrations(wb.source, wb.config)]
findings = pd.DataFrame(rows, columns=["severity", "waived", "source", "rule", "object", "where", "message",
                                       "waiver reason"])
order = {"error": 0, "warning": 1, "info": 2}
findings = findings.sort_values(by=["waived", "severity"], key=lambda s: s.map(order) if s.name == "severity" else s,
                                kind="stable")

# %%
# NBVAL_CHECK_OUTPUT
counts = (findings.assign(status=findings["waived"].map({True: "waived", False: "open"}))
          .groupby(["status", "severity"]).size().rename("findings").reset_index())
nbk.table(counts)

# %%
for severity in ("error", "warning", "info"):
    part = findings[(findings["severity"] == severity) & ~findings["waived"]]
    nbk.md(f"### {severity.capitalize()} ({len(part)})")
    if len(part):
        nbk.table(part.drop(columns=["severity", "waived", "waiver reason"]))
    else:
        nbk.md("None.")
waived = findings[findings["waived"]]
nbk.md(f"### Waived ({len(waived)})")
if len(waived):
    nbk.table(waived.drop(columns=["waived"]))

# %% [markdown]
# ## Schema explorer
#
# Pick a table: its columns, constraints (with the reason each exists), indexes (with their
# purpose), its lint findings and its neighbourhood in the ERD. In the exported report the
# explorer still works - every table's panel is stored with the page and the picker switches
# them in the browser.

# %%
from dbdesign.review.explorer import explore

explore(wb.schema, wb.config)
