"""The review charts are drawn from the same frames as the tables: engines on one axis,
features (or constraint kinds) on the other, the worst outcome as the colour."""
from __future__ import annotations

from pathlib import Path

import pytest

import matplotlib

matplotlib.use("Agg")

from dbdesign.lab import probe  # noqa: E402
from dbdesign.review import charts
from dbdesign.dialects import portability_frame  # noqa: E402
from dbdesign.schema.source import load_source  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def test_portability_heatmap_cells_follow_the_frame():
    frame = portability_frame(load_source(str(REPO / "migrations")))
    fig = charts.portability_heatmap(frame)
    ax = fig.axes[0]
    engines = [t.get_text() for t in ax.get_xticklabels()]
    features = [t.get_text() for t in ax.get_yticklabels()]
    assert set(engines) == set(frame["engine"]) and set(features) == set(frame["feature"])
    # worst rows first: a feature some engine drops comes before one only emulated
    assert features.index("partial index") < features.index("varchar length")
    counts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    row, col = features.index("fk action"), engines.index("duckdb")
    assert counts[(row, col)] == str(len(frame[(frame["feature"] == "fk action") & (frame["engine"] == "duckdb")]))


def test_probe_heatmap_counts_what_got_through():
    schema = load_source(str(REPO / "migrations"))
    result = probe.run_probe(schema, ["sqlite"])
    fig = charts.probe_heatmap(result)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["sqlite", "sqlite-nopragma"]
    texts = [t.get_text() for t in ax.texts]
    failed = [o for o in result.outcomes if o.engine == "sqlite-nopragma" and not o.ok and o.kind == "fk-orphan"]
    total = [o for o in result.outcomes if o.engine == "sqlite-nopragma" and o.kind == "fk-orphan"]
    assert f"{len(failed)} of {len(total)}" in texts


@pytest.fixture(scope="module")
def advice():
    from dbdesign.lab import advisor, datagen
    schema = load_source(str(REPO / "migrations"))
    data = datagen.generate(schema, 3000, tables=["users", "posts", "comments"], progress=False)
    return advisor.advise(schema, None, "sqlite", data=data, baseline="keys", repeat=5, write_rows=60)


def test_gain_vs_cost_draws_each_index_at_its_medians_with_its_intervals(advice):
    frame = advice.tradeoff_frame()
    drawn = frame[frame["cost_x"].notna()]
    assert len(drawn) >= 2, frame
    fig = charts.gain_vs_cost(frame)
    ax = fig.axes[0]
    largest = drawn["index_kib"].max()
    points = [c for c in ax.collections if (c.get_gid() or "").startswith("pt:")]
    errors = [c for c in ax.containers if c.get_label().startswith("_err:")]
    labels = [t.get_text() for t in ax.texts]
    assert len(points) == len(errors) == len(labels) == len(drawn)
    for (_, r), pt, err, label in zip(drawn.iterrows(), points, errors, labels):
        assert pt.get_gid() == f"pt:sqlite:{r['index']}" and label.startswith(r["index"])
        assert tuple(pt.get_offsets()[0]) == pytest.approx((r["cost_x"], r["gain_x"]))
        assert pt.get_sizes()[0] == pytest.approx(charts.marker_area(r["index_kib"], largest))
        xbar, ybar = (seg.get_segments()[0] for seg in err.lines[2])
        assert [p[0] for p in xbar] == pytest.approx([r["cost_lo"], r["cost_hi"]])
        assert [p[1] for p in ybar] == pytest.approx([r["gain_lo"], r["gain_hi"]])
        unsure = "inconclusive" in (r["gain_verdict"], r["cost_verdict"])
        assert ("inconclusive" in label) == unsure
        assert (pt.get_alpha() == charts.INCONCLUSIVE_ALPHA) == unsure
    # the biggest index has the biggest marker
    biggest = drawn.loc[drawn["index_kib"].idxmax(), "index"]
    assert max(points, key=lambda c: c.get_sizes()[0]).get_gid() == f"pt:sqlite:{biggest}"


def test_marker_area_follows_the_size_and_survives_an_unknown_one():
    assert charts.marker_area(50, 100) == 40 + 560 * 0.5 and charts.marker_area(100, 100) == 600
    assert charts.marker_area(float("nan"), 100) == charts.marker_area(None, 100) == 40  # e.g. a GIN index


def test_index_sizes_bars_are_the_measured_kib(advice):
    import pandas as pd
    frame = pd.DataFrame([{"index": p.name, "engine": advice.engine,
                           "kib": p.index_bytes / 1024 if p.index_bytes else None} for p in advice.proposals])
    fig = charts.index_sizes(frame)
    ax = fig.axes[0]
    bars = next(c for c in ax.containers if c.get_label() == "sqlite")
    measured = frame[frame["kib"].notna()]
    assert [b.get_width() for b in bars] == pytest.approx(list(measured["kib"]))
    names = list(dict.fromkeys(measured["index"]))  # one group per index name
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    assert [round(b.get_y() + b.get_height() / 2) for b in bars] == [names.index(n) for n in measured["index"]]


def test_audit_overhead_bars_carry_the_batches_interval():
    import pandas as pd
    from dbdesign.generate import audit
    schema = load_source(str(REPO / "migrations"))
    frame = pd.DataFrame([audit.measure_overhead("sqlite", schema, n=30, repeat=3)])
    row = frame.iloc[0]
    assert row["insert interval"][0] <= row["insert slowdown"] <= row["insert interval"][1]
    assert row["insert verdict"] in ("higher", "lower", "inconclusive")
    fig = charts.audit_overhead(frame)
    ax = fig.axes[0]
    for what in ("insert", "update"):
        bars = next(c for c in ax.containers if c.get_label() == what)
        assert bars[0].get_height() == pytest.approx(row[f"{what} slowdown"])
        caps = bars.errorbar.lines[2][0].get_segments()[0]
        assert [p[1] for p in caps] == pytest.approx(row[f"{what} interval"])
        label = next(t.get_text() for t in ax.texts if t.get_text().startswith(f"{row[f'{what} slowdown']:.2f}x")
                     and abs(t.xy[0] - bars[0].get_x() - bars[0].get_width() / 2) < 1e-6)
        assert ("inconclusive" in label) == (row[f"{what} verdict"] == "inconclusive")


def test_write_cost_curve_marks_inconclusive_points_hollow():
    ratios = [{"engine": "sqlite", "indexes": 0, "cost_x": 1.0, "lo": 0.9, "hi": 1.1, "verdict": "inconclusive"},
              {"engine": "sqlite", "indexes": 3, "cost_x": 1.6, "lo": 1.4, "hi": 1.8, "verdict": "higher"}]
    ax = charts.write_cost_curve(ratios).axes[0]
    sure = next(c for c in ax.collections if c.get_gid() == "sure:sqlite")
    unsure = next(c for c in ax.collections if c.get_gid() == "unsure:sqlite")
    assert [tuple(p) for p in sure.get_offsets()] == [(3, 1.6)]
    assert [tuple(p) for p in unsure.get_offsets()] == [(0, 1.0)]


def test_migration_grid_names_the_failed_checks():
    from dbdesign.migrate.verify import verify
    result = verify(str(REPO / "tests" / "fixtures" / "migrations_irreversible"), engines=("sqlite",))
    migrations, engines_, cells = charts.migration_cells(result)
    failed = {m for m in migrations if cells[(m, "sqlite")][0] == "FAIL"}
    frame = result.frame()
    assert failed == set(frame[frame["result"] == "FAIL"]["migration"])
    ax = charts.migration_grid(result).axes[0]
    texts = [t.get_text() for t in ax.texts]
    for m in failed:
        checks = frame[(frame["migration"] == m) & (frame["result"] == "FAIL")]["check"]
        assert "✗ " + ", ".join(checks) in texts
    assert [t.get_text() for t in ax.get_yticklabels()] == migrations
    assert texts.count("✓") == len(migrations) - len(failed)


def test_migration_grid_names_the_skipped_checks():
    from dbdesign.migrate.verify import verify
    result = verify(str(REPO / "migrations"), engines=("sqlite",))
    frame = result.frame()
    skips = frame[~frame["result"].isin(["pass", "FAIL"])]
    assert len(skips), "the example skips the up check where the model cannot hold its objects"
    migrations, engines_, cells = charts.migration_cells(result)
    for mig, part in skips.groupby("migration"):
        level, text = cells[(mig, "sqlite")]
        if level == "pass":
            assert text == "✓ (" + ", ".join(part["check"]) + " skipped)"
