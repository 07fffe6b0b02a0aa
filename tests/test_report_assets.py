"""report_assets: link rewriting, widget state merging, inlining (the browser test renders it)."""
from __future__ import annotations

import pytest

from dbdesign.review import report_assets as ra


def test_rewrite_notebook_links_to_report_anchors():
    html = '<a href="04_constraints_integrity.ipynb">x</a> <a href="./02_indexing.ipynb#sec">y</a> <a href="x.ipynb">z</a>'
    out = ra.rewrite_notebook_links(html, ["04_constraints_integrity.ipynb"])
    assert 'href="#chapter-04-constraints-integrity"' in out
    assert 'href="./02_indexing.ipynb#sec"' in out  # not in the report: left alone
    assert 'href="x.ipynb"' in out
    assert 'href="#chapter-02-indexing"' in ra.rewrite_notebook_links(html)


def test_merge_widget_state():
    a = {"metadata": {"widgets": {ra.WIDGET_STATE_MIME: {"version_major": 2, "version_minor": 0,
                                                         "state": {"m1": {"x": 1}}}}}}
    b = {"metadata": {"widgets": {ra.WIDGET_STATE_MIME: {"version_major": 2, "version_minor": 0,
                                                         "state": {"m2": {"y": 2}}}}}}
    merged = ra.merge_widget_state([a, {"metadata": {}}, b])
    assert set(merged["state"]) == {"m1", "m2"} and merged["version_major"] == 2
    assert ra.merge_widget_state([{"metadata": {}}]) == {}


def test_inline_without_widgets_only_drops_cdn_tags(tmp_path):
    page = ('<html><head><script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js">'
            '</script></head><body><p>hi</p></body></html>')
    out = ra.inline_widget_assets(page, assets=ra.WidgetAssets(tmp_path / "no", tmp_path / "no"))
    assert "require.min.js" not in out and "<p>hi</p>" in out


def test_inline_with_widgets_embeds_assets(tmp_path):
    (tmp_path / "r.js").write_text("var requirejs = 1; // </script> inside")
    (tmp_path / "e.js").write_text("var embed = 2;")
    page = (f'<html><body><script type="{ra.WIDGET_VIEW_MIME}">{{"model_id": "m1"}}</script></body></html>')
    out = ra.inline_widget_assets(page, {"version_major": 2, "version_minor": 0, "state": {}},
                                  ra.WidgetAssets(tmp_path / "r.js", tmp_path / "e.js"))
    assert out.index(ra.WIDGET_STATE_MIME) < out.index("var requirejs") < out.index("var embed") < out.index("</body>")
    assert "// </script> inside" not in out  # escaped so the inline script is not cut short


def test_missing_assets_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = f'<html><body><script type="{ra.WIDGET_VIEW_MIME}">{{}}</script></body></html>'
    with pytest.raises(ra.AssetsError, match="report_assets fetch"):
        ra.inline_widget_assets(page)


def test_npm_command_is_pinned():
    cmd = ra.npm_command("build/vendor")
    assert cmd[:2] == ["npm", "pack"] and "@jupyter-widgets/html-manager@1.0.15" in cmd and "requirejs@2.3.8" in cmd
