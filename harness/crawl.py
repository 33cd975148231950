"""Follow every asset a page references, and every url() inside its stylesheets, over HTTP.

`crawl_assets()` returns what was fetched; `asset_problems()` says, one line each, what is
wrong with it, so a failure lists every broken asset at once with the URL and the expectation.
"""

import gzip
import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import requests

HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
ONE_YEAR = 31_536_000

EXPECTED_TYPES = {
    ".css": {"text/css"},
    ".js": {"text/javascript", "application/javascript"},
    ".svg": {"image/svg+xml"},
    ".png": {"image/png"},
    ".woff2": {"font/woff2"},
    ".woff": {"font/woff"},
    ".ttf": {"font/ttf"},
    ".eot": {"application/vnd.ms-fontobject"},
    ".ico": {"image/x-icon", "image/vnd.microsoft.icon"},
}
# Text compresses; fonts, PNGs and icons already are compressed or gain nothing.
TEXT_SUFFIXES = {".css", ".js", ".svg"}


class AssetLinks(HTMLParser):
    """The URLs a browser would load from a page: stylesheets, icons, scripts, images."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if (
            tag == "link"
            and attrs.get("href")
            and {"stylesheet", "icon", "preload"} & set((attrs.get("rel") or "").split())
        ):
            self.urls.append(attrs["href"])
        elif tag in {"script", "img"} and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "img" and attrs.get("srcset"):
            self.urls.extend(part.split()[0] for part in attrs["srcset"].split(","))


def page_asset_urls(page_url: str, html: str) -> list[str]:
    parser = AssetLinks()
    parser.feed(html)
    return [urljoin(page_url, url) for url in parser.urls if not url.startswith("data:")]


def css_urls(css_url: str, css: str) -> list[str]:
    found = []
    for match in CSS_URL.finditer(css):
        url = (match.group(2) or match.group(4)).strip()
        if not url.startswith(("data:", "#")):
            found.append(urldefrag(urljoin(css_url, url)).url)  # font.eot?#iefix is font.eot
    return found


@dataclass
class Asset:
    url: str
    referrer: str  # the first page or stylesheet found to reference it
    status: int
    headers: requests.structures.CaseInsensitiveDict
    body: bytes
    # Every page and stylesheet that references it (a font is both preloaded and in the CSS).
    referrers: list = field(default_factory=list)

    @property
    def suffix(self) -> str:
        path = urlsplit(self.url).path
        return path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""


def crawl_assets(session: requests.Session, page_url: str) -> tuple[requests.Response, list[Asset]]:
    """Fetch the page, then each asset it references and each url() in fetched CSS, once."""
    page = session.get(page_url, timeout=30)
    queue = deque((url, page_url) for url in page_asset_urls(page_url, page.text))
    seen, assets = {}, []
    while queue:
        url, referrer = queue.popleft()
        if url in seen:
            seen[url].referrers.append(referrer)
            continue
        response = session.get(url, timeout=30, headers={"Accept-Encoding": "br, gzip"})
        asset = Asset(url, referrer, response.status_code, response.headers, response.content)
        asset.referrers.append(referrer)
        seen[url] = asset
        assets.append(asset)
        if asset.suffix == ".css" and response.ok:
            queue.extend((nested, url) for nested in css_urls(url, response.text))
    return page, assets


def max_age(cache_control: str) -> int:
    match = re.search(r"max-age=(\d+)", cache_control)
    return int(match.group(1)) if match else 0


def worth_compressing(asset: Asset) -> bool:
    """Servers keep a compressed copy only when it saves 5% (WhiteNoise's rule, and ours)."""
    return len(gzip.compress(asset.body)) < 0.95 * len(asset.body)


def asset_problems(asset: Asset) -> list[str]:
    """What is wrong with one asset, as production must serve it (empty when all is well)."""
    where = f"{asset.url} (from {asset.referrer})"
    if asset.status != 200:
        return [f"{where}: status {asset.status}, expected 200"]
    problems = []
    content_type = asset.headers.get("Content-Type", "").split(";")[0].strip()
    expected = EXPECTED_TYPES.get(asset.suffix)
    if expected is None:
        problems.append(f"{where}: no expected Content-Type known for {asset.suffix!r}")
    elif content_type not in expected:
        problems.append(f"{where}: Content-Type {content_type!r}, expected one of {expected}")
    if not HASHED_NAME.search(urlsplit(asset.url).path):
        problems.append(f"{where}: not a hashed name (name.<12 hex digits>.ext)")
    cache_control = asset.headers.get("Cache-Control", "")
    if "immutable" not in cache_control or max_age(cache_control) < ONE_YEAR:
        problems.append(
            f"{where}: Cache-Control {cache_control!r}, expected immutable and "
            f"max-age >= {ONE_YEAR}"
        )
    encoding = asset.headers.get("Content-Encoding")
    if (
        asset.suffix in TEXT_SUFFIXES
        and encoding not in {"br", "gzip"}
        and worth_compressing(asset)
    ):
        problems.append(
            f"{where}: Content-Encoding {encoding!r} for a client accepting "
            "br and gzip, expected br or gzip"
        )
    if encoding and "accept-encoding" not in asset.headers.get("Vary", "").lower():
        problems.append(f"{where}: compressed without `Vary: Accept-Encoding`")
    return problems
