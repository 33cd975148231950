"""references.py: what templates, pages and stylesheets refer to."""

from static_kit.references import (
    asset_urls,
    css_references,
    css_urls,
    template_static_references,
)


def test_css_references_are_the_relative_urls_without_query_or_fragment():
    css = """@import "base.css"; a { background: url('../img/a.png?v=2#x') }
    b { background: url(data:image/png;base64,AA==) } c { src: url(https://cdn.example/f.woff) }
    d { background: url(/static/abs.png) } e { filter: url(#shadow) }"""
    assert list(css_references(css)) == ["base.css", "../img/a.png"]
    assert "https://cdn.example/f.woff" in list(css_urls(css))


def test_a_static_tag_inside_an_if_block_is_found():
    references = {(path.name, name) for path, name in template_static_references()}
    assert ("page.html", "css/site.css") in references
    assert ("page.html", "img/dot.png") in references  # rendered for staff only


def test_asset_urls_are_what_a_browser_loads():
    html = """<link rel="stylesheet" href="/s.css"><link rel="canonical" href="/page">
    <script src="/a.js"></script><img src="/i.png" srcset="/i2.png 2x, /i3.png 3x">
    <video poster="/p.jpg"></video><a href="/not-loaded">x</a>"""
    assert asset_urls(html) == ["/s.css", "/a.js", "/i.png", "/i2.png", "/i3.png", "/p.jpg"]
