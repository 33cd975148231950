"""Tags that link a script or stylesheet with its integrity digest: the template library
`assets` (pages/templates/base.html loads it and uses both tags; each tag below goes between
Django's tag braces).

    stylesheet "css/site.css"
    ->  <link rel="stylesheet" href="/static/css/site.3f2a1c9b7e4d.css" integrity="sha384-..."
              crossorigin="anonymous">
    script "pages/js/site.js" defer=True
    ->  <script src="/static/pages/js/site.0b1c2d3e4f5a.js" integrity="sha384-..."
                crossorigin="anonymous" defer></script>

The digest comes from the release's manifest (storage/subresource.py); where there is none (make
dev's storage, STATIC_INTEGRITY_NAMES = []) the tag is the plain one. `crossorigin` goes with it:
the browser checks a file from another host (the CDN) only when fetched with CORS, and it costs
nothing on the same host. A keyword argument is one more attribute (True: without a value).

`integrity name` gives the two attributes alone, for a tag written by hand, and
`integrity_href name` a static URL followed by them, for a template block that sits inside an
href (the admin's `stylesheet` block: templates/admin/base_site.html). `preload` gives the
preload and preconnect tags of STATIC_PRELOAD, and the page's Link header (static_kit/preload.py).
"""

import re

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from ..preload import REQUEST_ATTRIBUTE, hints
from ..storage.subresource import integrity_attributes

register = template.Library()

ATTRIBUTE = re.compile(r"^[a-z][a-z0-9_]*$")


def element(tag: str, attributes: dict, extra: dict, closing: str = "") -> SafeString:
    for key in extra:
        if not ATTRIBUTE.match(key):
            raise template.TemplateSyntaxError(f"{tag}: {key!r} is not an attribute name")
    merged = {**attributes, **{key.replace("_", "-"): value for key, value in extra.items()}}
    flags = {id(True), id(False), id(None)}  # identity: 1 and 0 are values
    valued = format_html_join(
        "", ' {}="{}"', ((k, v) for k, v in merged.items() if id(v) not in flags)
    )
    bare = format_html_join("", " {}", ((k,) for k, v in merged.items() if v is True))
    return format_html("<{}{}{}>{}", tag, valued, bare, mark_safe(closing))  # noqa: S308


@register.simple_tag
def stylesheet(name: str, **extra) -> SafeString:
    """<link rel="stylesheet"> for the static file `name`, with its digest."""
    attributes = {"rel": "stylesheet", "href": static(name), **integrity_attributes(name)}
    return element("link", attributes, extra)


@register.simple_tag
def script(name: str, **extra) -> SafeString:
    """<script src> for the static file `name`, with its digest."""
    attributes = {"src": static(name), **integrity_attributes(name)}
    return element("script", attributes, extra, closing="</script>")


@register.simple_tag
def integrity(name: str) -> SafeString:
    """' integrity="sha384-..." crossorigin="anonymous"', or nothing without a digest."""
    return format_html_join("", ' {}="{}"', integrity_attributes(name).items())


@register.simple_tag
def integrity_href(name: str) -> SafeString:
    """The static URL of `name`, then its integrity attributes, for a block inside href="...":
    the block's closing quote ends the last attribute."""
    attributes = integrity_attributes(name)
    if not attributes:
        return format_html("{}", static(name))
    return format_html('{}" integrity="{}" crossorigin="{}', static(name), *attributes.values())


@register.simple_tag(takes_context=True)
def preload(context) -> SafeString:
    """The preload and preconnect <link> tags of STATIC_PRELOAD (static_kit/preload.py); the
    page's response gets the same hints as a Link header."""
    found = hints()
    if (request := context.get("request")) is not None:
        setattr(request, REQUEST_ATTRIBUTE, found)
    return format_html_join("\n", "{}", ((hint.tag(),) for hint in found))
