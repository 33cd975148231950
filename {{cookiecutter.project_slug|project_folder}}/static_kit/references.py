"""Find every static file that the templates, the pages and the stylesheets refer to.

A reference to a file missing from the manifest is a 500 with DEBUG=False, and only for the
page that renders it, so look at the templates themselves rather than at rendered pages:
references inside if-blocks, and in templates no test renders, are found too.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from django.template import engines
from django.template.utils import get_app_template_dirs
from django.templatetags.static import StaticNode

CSS_URL = re.compile(
    r"""url\(\s*(['"]?)(?P<url>[^'")]+)\1\s*\)"""
    r"""|@import\s+(['"])(?P<import>[^'"]+)\3"""
)


def template_files():
    """Yield (engine, path) for every file in every template folder, the apps' included."""
    for engine in engines.all():
        if not hasattr(engine, "engine"):  # not the Django template language
            continue
        folders = [*engine.engine.dirs, *get_app_template_dirs("templates")]
        for folder in folders:
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file() and path.suffix in {".html", ".txt", ".xml"}:
                    yield engine.engine, path


def template_static_references():
    """Yield (template path, static path) for each literal static tag in every template."""
    for engine, path in template_files():
        template = engine.from_string(path.read_text(encoding="utf-8"))
        for node in template.nodelist.get_nodes_by_type(StaticNode):
            # A quoted path is resolved when the template compiles: `var` is then a str.
            if not node.path.filters and isinstance(node.path.var, str):
                yield path, str(node.path.var)


def css_urls(css: str):
    """Yield each URL in a stylesheet's url() and @import, as written, but data: URIs."""
    for match in CSS_URL.finditer(css):
        url = (match.group("url") or match.group("import")).strip()
        if not url.startswith(("data:", "#")):
            yield url


def css_references(css: str):
    """Yield each relative URL in a stylesheet's url() and @import, without query or fragment."""
    for url in css_urls(css):
        if not url.startswith(("http:", "https:", "//", "/")):
            yield url.split("#")[0].split("?")[0]


class AssetLinks(HTMLParser):
    """The URLs a browser loads from a page: stylesheets, icons, preloads, scripts, images."""

    LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        rels = set(attrs.get("rel", "").lower().split())
        if tag == "link" and attrs.get("href") and rels & self.LINK_RELS:
            self.urls.append(attrs["href"])
        elif tag in {"script", "img", "source", "video", "audio"} and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag in {"img", "source"} and attrs.get("srcset"):
            self.urls.extend(part.split()[0] for part in attrs["srcset"].split(",") if part.strip())
        if tag == "video" and attrs.get("poster"):
            self.urls.append(attrs["poster"])


def asset_urls(html: str) -> list[str]:
    """The URLs a browser loads from a page, as written in it, in order."""
    parser = AssetLinks()
    parser.feed(html)
    return parser.urls
