"""Every response Django makes, a 404 and a 500 too, carries HSTS, nosniff, the referrer and
framing policies and a Content-Security-Policy no wider than this strategy needs."""

import io
import logging
from pathlib import Path

import pytest
from csp.decorators import csp_update
from django.http import HttpResponse
from django.template import engines
from django.test import Client
from django.urls import include, path

from static_kit.security import media_origins, static_origins


def broken_view(request):
    raise RuntimeError("a bug in a view")


def nonce_view(request):
    """A page with an inline script, allowed by the nonce the template puts on it."""
    page = (Path(__file__).parent / "templates" / "inline_script.html").read_text()
    return HttpResponse(engines["django"].from_string(page).render(request=request))


@csp_update({"img-src": ["https://images.example"]})
def widened_view(request):
    return HttpResponse("one view, one more image host")


# This module is the URLconf during these tests: the site's URLs plus views that use the CSP.
urlpatterns = [
    path("test-server-error/", broken_view),
    path("test-nonce/", nonce_view),
    path("test-widened/", widened_view),
    path("", include("{{ cookiecutter.project_slug }}.urls")),
]

ANSWERS = {
    "page": ("/admin/login/", 200),
    "404": ("/no-such-page/", 404),
    "500": ("/test-server-error/", 500),
}
UNSAFE = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:", "blob:"}


def policy(header: str) -> dict[str, set[str]]:
    """Directive name to its sources (django-csp writes them in no fixed order)."""
    return {part.split()[0]: set(part.split()[1:]) for part in header.split(";") if part.strip()}


def expected_policy() -> dict[str, set[str]]:
    """This site, and where this strategy's static files and uploads come from: no more."""
    own, static, media = {"'self'"}, set(static_origins()), set(media_origins())
    return {
        "default-src": own,
        "script-src": own | static,
        "style-src": own | static,
        "font-src": own | static,
        "img-src": own | static | media,
        "media-src": own | media,
        "connect-src": own,
        "object-src": {"'none'"},
        "base-uri": own,
        "form-action": own,
        "frame-ancestors": {"'none'"},
    }


def answer(url: str):
    return Client(raise_request_exception=False).get(url, secure=True)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ANSWERS)
def test_every_answer_carries_the_security_headers(collected_static, settings, kind):
    settings.ROOT_URLCONF = __name__
    url, status = ANSWERS[kind]
    response = answer(url)
    assert response.status_code == status
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert policy(headers["Content-Security-Policy"]) == expected_policy()


def test_the_policy_allows_nothing_inline_and_no_other_site():
    for name, sources in expected_policy().items():
        assert not sources & UNSAFE, f"{name} allows {sources & UNSAFE}"


@pytest.mark.django_db
def test_a_template_gets_a_nonce_that_only_its_own_page_allows(settings):
    settings.ROOT_URLCONF = __name__
    first, second = answer("/test-nonce/"), answer("/test-nonce/")
    nonces = []
    for response in first, second:
        nonce = response.content.decode().split('nonce="')[1].split('"')[0]
        directives = policy(response.headers["Content-Security-Policy"])
        assert f"'nonce-{nonce}'" in directives["script-src"], directives
        nonces.append(nonce)
    assert len(nonces[0]) >= 22 and nonces[0] != nonces[1]
    # A page that uses no nonce gets the default policy, with none in it.
    assert policy(answer("/admin/login/").headers["Content-Security-Policy"]) == expected_policy()


@pytest.mark.django_db
def test_a_directive_widens_in_the_setting_for_every_page_or_per_view(settings):
    settings.ROOT_URLCONF = __name__
    widened = policy(answer("/test-widened/").headers["Content-Security-Policy"])
    assert widened["img-src"] == expected_policy()["img-src"] | {"https://images.example"}
    assert policy(answer("/admin/login/").headers["Content-Security-Policy"]) == expected_policy()
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**directives, "font-src": [*directives["font-src"], "https://fonts.example"]}
    }
    everywhere = policy(answer("/admin/login/").headers["Content-Security-Policy"])
    assert everywhere["font-src"] == expected_policy()["font-src"] | {"https://fonts.example"}


@pytest.mark.django_db
def test_a_request_for_another_host_is_refused_and_logged_in_one_line():
    """Scanners send thousands of these: 400, and one log line each, not a traceback."""
    # Wherever LOGGING sends the record: its own logger's handlers, and the root's.
    loggers = [logging.getLogger("django.security.DisallowedHost"), logging.getLogger()]
    handlers = [h for log in loggers for h in log.handlers if type(h) is logging.StreamHandler]
    logged = io.StringIO()
    streams = [handler.setStream(logged) for handler in handlers]
    try:
        response = Client(raise_request_exception=False).get("/", HTTP_HOST="scanner.example")
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            handler.setStream(stream)
    assert response.status_code == 400
    lines = logged.getvalue().strip().splitlines()
    assert len(lines) == 1 and "Invalid HTTP_HOST header: 'scanner.example'" in lines[0], lines
