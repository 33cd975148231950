"""preload.py: the preload and preconnect hints of STATIC_PRELOAD, as <link> tags and as the
Link header of the page that rendered them, matching the requests the page's tags make."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory

from static_kit.checks import check_static_preload_names_preloadable_files, refuse_unsafe_start
from static_kit.preload import PreloadMiddleware, hints, link_header
from static_kit.tests.test_incremental import collect
from static_kit.tests.test_templatetags import tag


@pytest.fixture
def fonts(tree, settings):
    (tree / "fonts").mkdir()
    (tree / "fonts" / "sans.woff2").write_bytes(b"wOF2" + bytes(range(200)))
    settings.STATIC_PRELOAD = ["css/site.css", "fonts/sans.woff2"]
    return collect()


def page(text: str, request) -> HttpResponse:
    """A view's answer: `text` rendered with `request` in its context, through the middleware."""

    def view(request):
        return HttpResponse(Template(text).render(Context({"request": request})))

    return PreloadMiddleware(view)(request)


def test_a_page_that_renders_the_tag_gets_the_same_hints_as_its_link_header(fonts):
    css, font = fonts["css/site.css"], fonts["fonts/sans.woff2"]
    from django.contrib.staticfiles.storage import staticfiles_storage

    digest = staticfiles_storage.integrity[css]
    response = page(tag("load assets") + tag("preload"), RequestFactory().get("/"))
    assert response["Link"] == (
        f'</static/{css}>; rel=preload; as=style; crossorigin=anonymous; integrity="{digest}", '
        f'</static/{font}>; rel=preload; as=font; type="font/woff2"; crossorigin=anonymous'
    )
    assert response.content.decode() == (
        f'<link rel="preload" href="/static/{css}" as="style" integrity="{digest}" '
        'crossorigin="anonymous">\n'
        f'<link rel="preload" href="/static/{font}" as="font" type="font/woff2" '
        'crossorigin="anonymous">'
    )
    # The stylesheet tag asks for it in the same CORS mode, with the same digest: one fetch.
    stylesheet = Template(tag("load assets") + tag("stylesheet 'css/site.css'")).render(Context())
    assert f'integrity="{digest}" crossorigin="anonymous"' in stylesheet


def test_a_page_without_the_tag_gets_no_header(fonts):
    response = page(tag("load static") + tag("static 'css/site.css'"), RequestFactory().get("/"))
    assert "Link" not in response


def test_a_static_host_elsewhere_gets_a_preconnect_first(fonts, settings):
    settings.STATIC_URL = "https://cdn.example.com/static/"
    found = hints()
    assert found[0].header() == "<https://cdn.example.com>; rel=preconnect; crossorigin"
    assert found[1].url.startswith("https://cdn.example.com/static/css/site.")
    assert link_header(found).count("rel=preload") == 2


def test_without_digests_a_stylesheet_is_preloaded_without_cors_as_its_tag_asks(tree, settings):
    settings.STATIC_INTEGRITY_NAMES = []
    settings.STATIC_PRELOAD = ["css/site.css"]
    paths = collect()
    assert link_header(hints()) == f"</static/{paths['css/site.css']}>; rel=preload; as=style"


def test_a_file_that_cannot_be_preloaded_is_refused_by_a_check(tree, settings):
    settings.STATIC_PRELOAD = ["css/site.css", "data/table.csv"]
    (error,) = check_static_preload_names_preloadable_files()
    assert error.id == "static.E003" and "data/table.csv" in error.msg
    with pytest.raises(ImproperlyConfigured, match="static.E003"):
        refuse_unsafe_start()


def test_a_preload_the_manifest_lacks_stops_the_start_naming_it(tree, settings):
    settings.STATIC_PRELOAD = ["css/site.css", "fonts/gone.woff2"]
    collect()
    with pytest.raises(ImproperlyConfigured, match="STATIC_PRELOAD names fonts/gone.woff2, which"):
        refuse_unsafe_start()
