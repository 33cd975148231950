"""The asset checker itself: it must fail the classic mistakes, else serving tests prove nothing."""

import pytest
from requests.structures import CaseInsensitiveDict

from harness.crawl import Asset, asset_problems, css_urls, page_asset_urls

GOOD_HEADERS = {
    "Content-Type": 'text/css; charset="utf-8"',
    "Cache-Control": "max-age=315360000, public, immutable",
    "Content-Encoding": "br",
    "Vary": "Accept-Encoding",
}
HASHED_CSS = "http://127.0.0.1:8000/static/css/site.2a63768305fe.css"
STYLESHEET = b".site-header { background: #0c4a6e; color: white; }\n" * 40


def asset(url=HASHED_CSS, status=200, **headers):
    merged = {**GOOD_HEADERS, **headers}
    merged = {name: value for name, value in merged.items() if value is not None}
    return Asset(url, "http://127.0.0.1:8000/", status, CaseInsensitiveDict(merged), STYLESHEET)


def test_a_hashed_immutable_compressed_stylesheet_passes():
    assert asset_problems(asset()) == []


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (asset(status=404), "status 404"),
        (asset(url="http://127.0.0.1:8000/static/css/site.css"), "not a hashed name"),
        (asset(**{"Cache-Control": "max-age=60, public"}), "Cache-Control"),
        (asset(**{"Cache-Control": "max-age=315360000, public"}), "immutable"),
        (asset(**{"Content-Encoding": None}), "Content-Encoding None"),
        (asset(**{"Content-Type": "text/plain"}), "Content-Type 'text/plain'"),
        (asset(Vary=None), "Vary"),
    ],
    ids=[
        "404",
        "unhashed",
        "short-max-age",
        "not-immutable",
        "uncompressed",
        "wrong-type",
        "no-vary",
    ],
)
def test_each_classic_mistake_is_reported_with_the_url(broken, expected):
    problems = asset_problems(broken)
    assert any(expected in problem and broken.url in problem for problem in problems), problems


def test_a_file_too_small_to_gain_from_compression_may_go_uncompressed():
    """WhiteNoise keeps no .gz that saves under 5%; a 60-byte script is sent as it is."""
    tiny = asset(**{"Content-Encoding": None, "Vary": None})
    tiny.body = b"(function(){document.body.dataset.a=1})();"
    assert asset_problems(tiny) == []


def test_page_links_are_followed_but_not_anchors_or_data_urls():
    html = """<link rel="stylesheet" href="/static/a.css"><link rel="canonical" href="/x">
    <script src="b.js"></script><img src="data:image/png;base64,AA" srcset="/i.png 1x, /j.png 2x">
    <a href="/static/not-loaded.css">"""
    assert page_asset_urls("http://h/p/", html) == [
        "http://h/static/a.css",
        "http://h/p/b.js",
        "http://h/i.png",
        "http://h/j.png",
    ]


def test_css_urls_resolve_relative_to_the_stylesheet():
    css = """@import "base.css"; a { background: url(../img/x.png) } b { src: url('f.woff2') }
    c { background: url(data:image/png;base64,AA) } d { mask: url("#m") }"""
    assert css_urls("http://h/static/css/site.css", css) == [
        "http://h/static/css/base.css",
        "http://h/static/img/x.png",
        "http://h/static/css/f.woff2",
    ]
