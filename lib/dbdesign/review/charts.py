"""Charts where a reviewer would rather look than read, from the same frames the tables show
(matplotlib, no new dependency). Measured ratios are drawn as medians with their interval,
and the legend or label says "inconclusive" where `bench.judge_ratio` says the repeats overlap.

    portability_heatmap(frame) -> Figure   (dialects.portability_frame: the worst outcome per cell)
    probe_heatmap(result) -> Figure        (probe.ProbeResult: share of probes a guard held, per kind)
    gain_vs_cost(frame) -> Figure          (advisor.Advice.tradeoff_frame: read gain against insert cost)
    index_sizes(frame) -> Figure           (index, engine, KiB: one bar per index and engine)
    audit_overhead(frame) -> Figure        (audit.measure_overhead rows: slowdown with interval)
    write_cost_curve(ratios) -> Figure     (bench.write_cost_ratios: cost against index count)
    migration_grid(result) -> Figure       (verify.VerifyResult: migration x engine, checks per cell)
"""
from __future__ import annotations

from typing import Any

# Worst first: the colour of a cell is its worst outcome.
PORTABILITY_ORDER = ("dropped", "not enforced", "changed", "emulated", "kept")
PORTABILITY_COLOURS = {"dropped": "#b42318", "not enforced": "#d97706", "changed": "#f2c94c",
                       "emulated": "#9ecae1", "kept": "#c7e9c0", "": "#ffffff"}


def portability_heatmap(frame, title: str = "What each engine does with the design's features") -> Any:
    """Feature x engine, coloured by the worst action in the cell, with the object count."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    engines = list(dict.fromkeys(frame["engine"]))
    features = sorted(set(frame["feature"]), key=lambda f: (min(
        PORTABILITY_ORDER.index(a) for a in frame[frame["feature"] == f]["action"] if a in PORTABILITY_ORDER), f))
    levels = list(PORTABILITY_ORDER) + [""]
    grid, labels = [], []
    for f in features:
        row, lab = [], []
        for e in engines:
            cell = frame[(frame["feature"] == f) & (frame["engine"] == e)]
            actions = [a for a in PORTABILITY_ORDER if a in set(cell["action"])]
            row.append(levels.index(actions[0]) if actions else len(levels) - 1)
            lab.append(str(len(cell)) if len(cell) else "")
        grid.append(row)
        labels.append(lab)
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(engines), 0.9 + 0.32 * len(features)))
    ax.imshow(grid, cmap=ListedColormap([PORTABILITY_COLOURS[lv] for lv in levels]), vmin=0, vmax=len(levels) - 1,
              aspect="auto")
    ax.set_xticks(range(len(engines)), engines)
    ax.set_yticks(range(len(features)), features)
    ax.xaxis.tick_top()
    for i, lab in enumerate(labels):
        for j, text in enumerate(lab):
            ax.text(j, i, text, ha="center", va="center", fontsize=8)
    ax.legend(handles=[Patch(color=PORTABILITY_COLOURS[a], label=a) for a in PORTABILITY_ORDER],
              loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8, frameon=False,
              title="worst outcome (number = objects)", title_fontsize=8)
    ax.set_title(title, fontsize=10, pad=24)
    fig.tight_layout()
    return fig


def probe_heatmap(result, title: str = "Adversarial writes: share of probes the guard held") -> Any:
    """Constraint kind x engine: the share of probes whose outcome is what a working guard
    does (1.0 = every probe held), with the failures counted in the cell."""
    import matplotlib.pyplot as plt

    engines = list(dict.fromkeys(o.engine for o in result.outcomes))
    kinds = sorted({o.kind for o in result.outcomes})
    grid, labels = [], []
    for k in kinds:
        row, lab = [], []
        for e in engines:
            cell = [o for o in result.outcomes if o.kind == k and o.engine == e]
            ok = sum(o.ok for o in cell)
            row.append(ok / len(cell) if cell else float("nan"))
            lab.append(f"{len(cell) - ok} of {len(cell)}" if cell and ok < len(cell) else ("✓" if cell else ""))
        grid.append(row)
        labels.append(lab)
    fig, ax = plt.subplots(figsize=(1.8 + 1.4 * len(engines), 0.9 + 0.38 * len(kinds)))
    im = ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(engines)), engines)
    ax.set_yticks(range(len(kinds)), kinds)
    ax.xaxis.tick_top()
    for i, lab in enumerate(labels):
        for j, text in enumerate(lab):
            ax.text(j, i, text, ha="center", va="center", fontsize=8)
    fig.colorbar(im, ax=ax, fraction=0.04, label="held")
    ax.set_title(title + " (cell: probes that got through)", fontsize=10, pad=24)
    fig.tight_layout()
    return fig


ENGINE_COLOURS = {"sqlite": "#1f77b4", "duckdb": "#ff7f0e", "postgres": "#2ca02c", "mysql": "#d62728"}
INCONCLUSIVE_ALPHA = 0.35  # a point whose interval says "cannot tell" is drawn faint


def _colour(engine: str, i: int) -> str:
    return ENGINE_COLOURS.get(engine, f"C{4 + i}")


def marker_area(kib: float | None, largest: float) -> float:
    """Scatter marker area (pt^2) for an index of `kib`: proportional to the size, 40..600;
    an index of unknown size gets the smallest marker."""
    if kib is None or kib != kib or not kib or not largest or largest <= 0:  # kib != kib: NaN
        return 40.0
    return 40.0 + 560.0 * float(kib) / float(largest)


def gain_vs_cost(frame, title: str = "Read gain against write cost, per verified index") -> Any:
    """One point per candidate index: x = single-row insert cost (time with / without the
    index), y = read gain (median before / after), both medians with their interval as error
    bars, the marker's area proportional to the index's KiB, one colour per engine. A point
    whose gain or cost is inconclusive is drawn faint and its label says so. Lines at 1x: right
    of the vertical line inserts got slower; above the horizontal one reads got faster."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5.2))
    df = frame[frame["cost_x"].notna()] if len(frame) else frame
    largest = float(df["index_kib"].max()) if len(df) and df["index_kib"].notna().any() else 0.0
    for i, (engine, part) in enumerate(df.groupby("engine", sort=False)):
        colour = _colour(engine, i)
        for _, r in part.iterrows():
            unsure = r["gain_verdict"] == "inconclusive" or r["cost_verdict"] == "inconclusive"
            ax.errorbar(r["cost_x"], r["gain_x"], xerr=[[r["cost_x"] - r["cost_lo"]], [r["cost_hi"] - r["cost_x"]]],
                        yerr=[[r["gain_x"] - r["gain_lo"]], [r["gain_hi"] - r["gain_x"]]], fmt="none",
                        ecolor=colour, elinewidth=1, capsize=2, alpha=INCONCLUSIVE_ALPHA if unsure else 0.9,
                        label=f"_err:{engine}:{r['index']}")
            ax.scatter([r["cost_x"]], [r["gain_x"]], s=[marker_area(r["index_kib"], largest)], color=colour,
                       alpha=INCONCLUSIVE_ALPHA if unsure else 0.8, edgecolors="#333", linewidths=0.5,
                       gid=f"pt:{engine}:{r['index']}")
            what = [w for w, v in (("gain", r["gain_verdict"]), ("cost", r["cost_verdict"])) if v == "inconclusive"]
            ax.annotate(r["index"] + (f" ({' and '.join(what)} inconclusive)" if what else ""),
                        (r["cost_x"], r["gain_x"]), textcoords="offset points", xytext=(6, 4), fontsize=6.5,
                        color="#555" if unsure else "#222")
    ax.axvline(1.0, color="#999", lw=0.8, ls="--")
    ax.axhline(1.0, color="#999", lw=0.8, ls="--")
    if len(df):
        from matplotlib.lines import Line2D
        ax.set_yscale("log")
        ax.margins(x=0.12, y=0.08)
        engines = list(dict.fromkeys(df["engine"]))
        ax.legend(handles=[Line2D([], [], marker="o", ls="", color=_colour(e, i), label=e) for i, e in enumerate(engines)],
                  title="engine (area = index KiB; faint = inconclusive)", fontsize=8, title_fontsize=8,
                  loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    else:
        ax.text(0.5, 0.5, "no index with a measured insert cost", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("single-row insert cost (x; median, interquartile interval)")
    ax.set_ylabel("read gain (x, log; median, interquartile interval)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def index_sizes(frame, title: str = "Index size per index and engine") -> Any:
    """Horizontal bars: one group per index, one bar per engine, length = KiB (the value is
    written at the bar's end). `frame` has columns index, engine, kib; missing sizes are left
    out, not drawn as zero."""
    import matplotlib.pyplot as plt

    df = frame[frame["kib"].notna()]
    indexes = list(dict.fromkeys(df["index"]))
    engines = list(dict.fromkeys(df["engine"]))
    fig, ax = plt.subplots(figsize=(7.5, 0.8 + 0.28 * max(1, len(indexes)) * max(1, len(engines))))
    height = 0.8 / max(1, len(engines))
    for j, engine in enumerate(engines):
        part = df[df["engine"] == engine]
        ys = [indexes.index(ix) + (j - (len(engines) - 1) / 2) * height for ix in part["index"]]
        bars = ax.barh(ys, part["kib"], height=height, color=_colour(engine, j), label=engine)
        ax.bar_label(bars, labels=[f"{v:,.0f}" for v in part["kib"]], fontsize=7, padding=2)
    ax.set_yticks(range(len(indexes)), indexes, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("KiB (DuckDB: the database's growth when the index was built)")
    ax.set_title(title, fontsize=10)
    if engines:
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def _ratio_bars(ax, labels, groups, title):
    """Grouped bars of ratios with error bars: `groups` = [(name, [(x, lo, hi, verdict), ...])]."""
    width = 0.8 / max(1, len(groups))
    for j, (name, vals) in enumerate(groups):
        xs = [i + (j - (len(groups) - 1) / 2) * width for i in range(len(vals))]
        med = [v[0] for v in vals]
        err = [[v[0] - v[1] for v in vals], [v[2] - v[0] for v in vals]]
        bars = ax.bar(xs, med, width=width, yerr=err, capsize=3, color=f"C{j}", label=name)
        for b, v in zip(bars, vals):
            if v[3] == "inconclusive":
                b.set_alpha(INCONCLUSIVE_ALPHA)
        ax.bar_label(bars, labels=[f"{v[0]:.2f}x" + ("\ninconclusive" if v[3] == "inconclusive" else "")
                                   for v in vals], fontsize=7, padding=3)
    ax.axhline(1.0, color="#999", lw=0.8, ls="--")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)


def audit_overhead(frame, title: str = "What the audit triggers cost each write") -> Any:
    """Per engine, the insert and update slowdown with the audit triggers (rows/s without /
    with: 2.0 = half the rate), median bar with the interval from the repeated batches as the
    error bar; an inconclusive bar is faint and labelled so. `frame` = `measure_overhead` rows."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.5 + 1.6 * max(1, len(frame)), 3.8))
    groups = []
    for what in ("insert", "update"):
        groups.append((what, [(r[f"{what} slowdown"], *r[f"{what} interval"], r[f"{what} verdict"])
                              for _, r in frame.iterrows()]))
    _ratio_bars(ax, list(frame["engine"]), groups, title)
    ax.set_yscale("log")
    ax.set_ylabel("slowdown (x, log; error bar: interquartile interval)")
    fig.tight_layout()
    return fig


def write_cost_curve(ratios, what: str = "single-row inserts",
                     title: str = "Write cost against the number of secondary indexes") -> Any:
    """Per engine: time per row with k indexes / with the fewest (median, interval from the
    batches as error bars, `bench.write_cost_ratios`); an inconclusive point is hollow."""
    import matplotlib.pyplot as plt

    import pandas as pd
    df = pd.DataFrame(list(ratios))
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for i, (engine, part) in enumerate(df.groupby("engine", sort=False) if len(df) else []):
        colour = _colour(engine, i)
        ax.errorbar(part["indexes"], part["cost_x"], yerr=[part["cost_x"] - part["lo"], part["hi"] - part["cost_x"]],
                    color=colour, capsize=3, marker=None, label=engine, gid=f"curve:{engine}")
        sure = part[part["verdict"] != "inconclusive"]
        unsure = part[part["verdict"] == "inconclusive"]
        ax.scatter(sure["indexes"], sure["cost_x"], color=colour, zorder=3, gid=f"sure:{engine}")
        ax.scatter(unsure["indexes"], unsure["cost_x"], facecolors="white", edgecolors=colour, zorder=3,
                   gid=f"unsure:{engine}")
    ax.axhline(1.0, color="#999", lw=0.8, ls="--")
    ax.set_xlabel("secondary indexes on the table")
    ax.set_ylabel(f"{what}: cost (x; hollow = inconclusive)")
    ax.set_title(title, fontsize=10)
    if len(df):
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


GRID_COLOURS = {"pass": "#c7e9c0", "FAIL": "#b42318", "skip": "#e5e7eb", "": "#ffffff"}


def migration_cells(result) -> tuple[list[str], list[str], dict[tuple[str, str], tuple[str, str]]]:
    """(migrations, engines, {(migration, engine): (worst result, cell text)}) of a
    `verify.VerifyResult`: ✓ when every check passed, else the checks that failed or were
    skipped, by name."""
    frame = result.frame()
    migrations = list(dict.fromkeys(frame["migration"]))
    engines = list(result.engines)
    cells = {}
    for (mig, eng), part in frame.groupby(["migration", "engine"], sort=False):
        results = dict(zip(part["check"], part["result"]))
        failed = [c for c, r in results.items() if r == "FAIL"]
        skipped = [c for c, r in results.items() if r not in ("pass", "FAIL")]
        if failed:
            cells[(mig, eng)] = ("FAIL", "✗ " + ", ".join(failed))
        elif skipped and len(skipped) == len(results):
            cells[(mig, eng)] = ("skip", "skipped")
        else:
            cells[(mig, eng)] = ("pass", "✓" + (f" ({', '.join(skipped)} skipped)" if skipped else ""))
    return migrations, engines, cells


def migration_grid(result, title: str = "Migrations verified per engine: up, idempotent, down restores, re-up") -> Any:
    """Migration x engine: green when every check (up, idempotent, down restores, re-up, data)
    passed, red with the failing checks named, grey when skipped."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    migrations, engines, cells = migration_cells(result)
    levels = ["pass", "FAIL", "skip", ""]
    grid = [[levels.index(cells.get((m, e), ("", ""))[0]) for e in engines] for m in migrations]
    fig, ax = plt.subplots(figsize=(2.8 + 1.5 * max(1, len(engines)), 0.9 + 0.34 * max(1, len(migrations))))
    ax.imshow(grid, cmap=ListedColormap([GRID_COLOURS[lv] for lv in levels]), vmin=0, vmax=len(levels) - 1,
              aspect="auto")
    ax.set_xticks(range(len(engines)), engines)
    ax.set_yticks(range(len(migrations)), migrations, fontsize=8)
    ax.xaxis.tick_top()
    for i, m in enumerate(migrations):
        for j, e in enumerate(engines):
            level, text = cells.get((m, e), ("", ""))
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color="#fff" if level == "FAIL" else "#111")
    ax.set_title(title, fontsize=10, pad=24)
    fig.tight_layout()
    return fig


__all__ = ["portability_heatmap", "probe_heatmap", "gain_vs_cost", "index_sizes", "audit_overhead",
           "write_cost_curve", "migration_grid", "migration_cells", "marker_area", "PORTABILITY_ORDER"]
