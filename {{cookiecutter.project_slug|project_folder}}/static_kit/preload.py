"""Preload and preconnect hints from the manifest: a `Link` response header, and the matching
<link> tags, for the stylesheets and web fonts a page uses.

A browser finds a page's stylesheet only once the HTML arrives, and its web font only once
that stylesheet is parsed; from another host (S3 + CDN) it first has to open a connection.
STATIC_PRELOAD lists the static files to ask for at once (the base template's stylesheet and
font by default). A page whose template uses the `preload` tag (templatetags/assets.py) gets:

    Link: <https://cdn.example.com>; rel=preconnect; crossorigin,
          <https://cdn.example.com/static/css/site.3f2a1c9b7e4d.css>; rel=preload; as=style;
          crossorigin=anonymous; integrity="sha384-...",
          <https://cdn.example.com/static/fonts/site.0a1b2c3d4e5f.woff2>; rel=preload; as=font;
          type="font/woff2"; crossorigin=anonymous

and the same hints as <link> tags in its <head>. A CDN that turns `Link` headers into 103
Early Hints (Cloudflare) sends them before the page is even rendered. Each hint
matches the request the page makes (the same URL, CORS mode and integrity digest as the
stylesheet tag; fonts are always fetched with CORS), or the browser would fetch the file twice.
The middleware only writes down what the tag chose: pages that do not use it (the admin) get
no header, and nothing is looked up for them.
"""

import posixpath
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .storage.subresource import integrity_attributes

# What a preloaded file is, for the browser (`as`), by suffix; fonts also need their type.
DESTINATIONS = {
    ".css": "style",
    ".js": "script",
    ".mjs": "script",
    ".woff2": "font",
    ".woff": "font",
    ".ttf": "font",
    ".otf": "font",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".webp": "image",
    ".avif": "image",
    ".svg": "image",
}
FONT_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".otf": "font/otf"}
# Where the tag leaves the hints for the middleware.
REQUEST_ATTRIBUTE = "static_preload"


@dataclass(frozen=True)
class Hint:
    url: str
    rel: str  # "preload" or "preconnect"
    destination: str = ""  # as=
    type: str = ""
    cors: bool = False
    integrity: str = ""

    def header(self) -> str:
        """This hint as one entry of a Link header (RFC 8288)."""
        parts = [f"<{self.url}>", f"rel={self.rel}"]
        if self.destination:
            parts.append(f"as={self.destination}")
        if self.type:
            parts.append(f'type="{self.type}"')
        if self.cors:
            parts.append("crossorigin" if self.rel == "preconnect" else "crossorigin=anonymous")
        if self.integrity:
            parts.append(f'integrity="{self.integrity}"')
        return "; ".join(parts)

    def tag(self) -> SafeString:
        attributes = {"rel": self.rel, "href": self.url, "as": self.destination}
        attributes |= {"type": self.type, "integrity": self.integrity}
        attributes["crossorigin"] = "anonymous" if self.cors else ""
        pairs = ((name, value) for name, value in attributes.items() if value)
        return format_html("<link{}>", format_html_join("", ' {}="{}"', pairs))


def names() -> list[str]:
    return list(getattr(settings, "STATIC_PRELOAD", []))


def destination(name: str) -> str | None:
    """What the file `name` is for the browser (as=), or None where it cannot be preloaded."""
    return DESTINATIONS.get(posixpath.splitext(name)[1].lower())


def static_origin() -> str:
    """scheme://host[:port] of STATIC_URL where it is another host (a CDN), else ""."""
    parts = urlsplit(settings.STATIC_URL)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def hints() -> list[Hint]:
    """The hints for STATIC_PRELOAD: a preconnect to the static host where it is another one,
    then a preload per file, with the URL, CORS mode and digest its tag will use."""
    found = []
    if origin := static_origin():
        found.append(Hint(origin, "preconnect", cors=True))
    for name in names():
        kind = destination(name)
        if kind is None:  # the system check static.E003 names it; collectstatic refuses it
            continue
        tag = integrity_attributes(name) if kind in {"style", "script"} else {}
        found.append(
            Hint(
                static(name),
                "preload",
                kind,
                FONT_TYPES.get(posixpath.splitext(name)[1].lower(), ""),
                # Fonts are always fetched with CORS; a stylesheet or script as its tag is.
                cors=kind == "font" or "crossorigin" in tag,
                integrity=tag.get("integrity", ""),
            )
        )
    return found


def link_header(found: list[Hint]) -> str:
    return ", ".join(hint.header() for hint in found)


class PreloadMiddleware:
    """Adds the Link header of the hints the page's `preload` tag rendered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        found = getattr(request, REQUEST_ATTRIBUTE, None)
        if found:
            value = link_header(found)
            existing = response.get("Link")
            response["Link"] = f"{existing}, {value}" if existing else value
        return response
