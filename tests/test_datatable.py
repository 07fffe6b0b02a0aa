"""The one table renderer: cells as a reviewer reads them, exception rows, folding, and
Markdown tables that keep their cells (a `|` in SQL) on GitHub and in the report."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from dbdesign.review.datatable import (FOLD_ROWS, format_value, frame_html, frame_markdown, frame_text, human_header,
                                is_exception, md_cell, md_table, parse_md_tables, split_md_row)


@pytest.mark.parametrize("value, text", [
    (None, "–"), (math.nan, "–"), ("nan", "–"), (pd.NaT, "–"), (True, "✓"), (False, "–"), ("True", "✓"),
    (1234567, "1,234,567"), (1234.5, "1,234"), (12.34, "12.3"), (1.234, "1.23"), (0.01234, "0.0123"),
    (3.0, "3"), ("text", "text"), (["a", "b"], "a, b"),
])
def test_format_value(value, text):
    assert format_value(value) == text


def test_numpy_scalars_format_like_python_ones():
    import numpy as np
    assert format_value(np.int64(12000)) == "12,000"
    assert format_value(np.bool_(True)) == "✓"
    assert format_value(np.float64("nan")) == "–"


@pytest.mark.parametrize("name, header", [
    ("bulk_rows_per_s", "bulk rows/s"), ("median_ms", "median ms"), ("waiver_reason", "waiver reason"),
    ("read_gain_x", "read gain (x)"), ("guarded by", "guarded by"), ("table", "table"),
    (("engine", "index_set"), "engine · index set"),
])
def test_human_header(name, header):
    assert human_header(name) == header


def test_exception_markers():
    assert is_exception("accepted !") and is_exception("not expressible !") and is_exception("not met")
    assert is_exception("dropped") and is_exception("NOT used")
    assert not is_exception("rejected") and not is_exception("met") and not is_exception("cascaded")


def test_frame_html_formats_marks_and_escapes():
    frame = pd.DataFrame({"engine": ["mysql", "postgres"], "outcome": ["accepted !", "rejected"],
                          "rows_per_s": [1234.5, math.nan], "ok": [False, True],
                          "sql": ["`a || b` <script>", "x"]})
    out = frame_html(frame, caption="Probe")
    assert "<b>Probe</b>" in out
    assert '<tr class="exception"><td>mysql</td>' in out  # the marked row is coloured
    assert out.count('class="exception"') == 1
    assert "<th>rows/s</th>" in out and "1,234" in out and 'data-sort="1234.5"' in out
    assert "NaN" not in out and "True" not in out and "False" not in out
    assert "<code>a || b</code> &lt;script&gt;" in out  # code spans, and nothing breaks out


def test_explicit_exceptions_override_the_markers():
    frame = pd.DataFrame({"a": ["accepted !", "x"]})
    out = frame_html(frame, exceptions=[False, True])
    assert '<tr class="exception"><td>x</td>' in out and '<tr class="exception"><td>accepted' not in out


def test_long_tables_show_exceptions_first_and_fold_the_rest():
    n = FOLD_ROWS + 20
    frame = pd.DataFrame({"constraint": [f"c{i}" for i in range(n)],
                          "outcome": ["rejected"] * (n - 2) + ["accepted !", "not expressible !"]})
    out = frame_html(frame)
    folded_at = out.index("<details")
    first = out[:folded_at]
    assert "2 of 50 rows need attention" in first
    assert first.count("<tr class=\"exception\">") == 2 and "c0" not in first
    assert f"All {n} rows" in out and out[folded_at:].count("<tr") == n + 1  # + the header row


def test_frame_text_is_the_same_table_as_text():
    frame = pd.DataFrame({"rows_per_s": [1234.5], "ok": [True], "note": [None]})
    text = frame_text(frame)
    assert "rows/s" in text and "1,234" in text and "✓" in text and "NaN" not in text and "None" not in text
    assert frame_text(frame.iloc[0:0]) == "(none)"


def test_md_cell_escapes_pipes_everywhere():
    assert md_cell("title || ' ' || body") == "title \\|\\| ' ' \\|\\| body"
    assert md_cell("a\nb") == "a b"
    cell = md_cell("`a || b` then c|d")
    assert "`" not in cell and "<code>a &#124;&#124; b</code>" in cell and "c\\|d" in cell
    assert split_md_row(f"| {cell} | z |") == ["<code>a &#124;&#124; b</code> then c|d", "z"]


def test_markdown_tables_round_trip():
    rows = [["ix_a", "t (title || ' ' || body)", None], ["ix_b", "`lower(a) || b`", True]]
    md = md_table(["index", "definition", "flag"], rows)
    [table] = parse_md_tables(md)
    assert table[0] == ["index", "definition", "flag"]
    assert table[1] == ["ix_a", "t (title || ' ' || body)", "–"]
    assert table[2][2] == "✓"
    assert frame_markdown(pd.DataFrame({"a_b": [1]})).startswith("| a b |")
