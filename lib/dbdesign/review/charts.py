"""Charts where a reviewer would rather look than read: engine x feature and engine x
constraint-kind heatmaps, from the same frames the tables show (matplotlib, no new dependency).

    portability_heatmap(frame) -> Figure   (dialects.portability_frame: the worst outcome per cell)
    probe_heatmap(result) -> Figure        (probe.ProbeResult: share of probes a guard held, per kind)
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


__all__ = ["portability_heatmap", "probe_heatmap", "PORTABILITY_ORDER"]
