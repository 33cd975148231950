"""Fetch pages and every asset a browser would load from them, over HTTP, as a browser asks.

`static_doctor --url` judges what this returns: the stylesheets, scripts, icons and images
(src and srcset) of each page, then every url() and @import inside the stylesheets, each URL
once. Compressed answers are decoded, so stylesheets can be read.
"""

import gzip
import ipaddress
import urllib.error
import urllib.request
import zlib
from collections import deque
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit

from ..references import asset_urls, css_urls

try:  # Brotli comes with WhiteNoise; without it, ask for gzip only (and still read the CSS).
    import brotli
except ImportError:
    brotli = None

ACCEPT_ENCODING = "br, gzip" if brotli else "gzip"
TIMEOUT = 15  # seconds for each request
MOST_ASSETS = 300  # per run: a page linking more is reported as far as this, not crawled on


@dataclass
class Fetched:
    """One answer: its status (None when nothing answered), headers and decoded body."""

    url: str
    referrer: str
    status: int | None
    headers: Message
    body: bytes
    error: str = ""

    def header(self, name: str) -> str:
        return self.headers.get(name, "") or ""


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def decoded(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br" and brotli is not None:
        return brotli.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


def fetch(url: str, referrer: str = "") -> Fetched:
    """GET `url` as a browser would (Accept-Encoding br/gzip); never raises for HTTP errors."""
    request = urllib.request.Request(  # noqa: S310 (http(s) URLs only, checked by the caller)
        url, headers={"Accept-Encoding": ACCEPT_ENCODING, "User-Agent": "static_doctor"}
    )
    # A proxy from the environment is for the outside world, never for this machine.
    handlers = [urllib.request.ProxyHandler({})] if is_loopback(url) else []
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            body = response.read()
            encoding = response.headers.get("Content-Encoding", "")
            final = response.url  # after redirects, as the browser ends up
            return Fetched(
                final, referrer, response.status, response.headers, decoded(body, encoding)
            )
    except urllib.error.HTTPError as error:
        return Fetched(url, referrer, error.code, error.headers, b"")
    except (urllib.error.URLError, OSError, ValueError, EOFError, zlib.error) as error:
        reason = getattr(error, "reason", None) or error
        return Fetched(url, referrer, None, Message(), b"", str(reason))


def page_assets(page: Fetched) -> list[str]:
    urls = asset_urls(page.body.decode("utf-8", "replace"))
    return [urljoin(page.url, url.strip()) for url in urls if not url.startswith("data:")]


def crawl(page_urls: list[str]) -> tuple[list[Fetched], list[Fetched]]:
    """(pages, assets): each page, then what the pages load and the stylesheets pull in."""
    pages, assets, seen = [], [], set()
    queue = deque()
    for page_url in page_urls:
        page = fetch(page_url)
        pages.append(page)
        if page.status == 200:
            queue.extend((url, page.url) for url in page_assets(page))
    while queue and len(assets) < MOST_ASSETS:
        url, referrer = queue.popleft()
        url = url.split("#")[0]
        if url in seen or urlsplit(url).scheme not in {"http", "https"}:
            continue
        seen.add(url)
        asset = fetch(url, referrer)
        assets.append(asset)
        content_type = asset.header("Content-Type").split(";")[0].strip()
        if asset.status == 200 and content_type == "text/css":
            css = asset.body.decode("utf-8", "replace")
            queue.extend((urljoin(url, nested), url) for nested in css_urls(css))
    return pages, assets
