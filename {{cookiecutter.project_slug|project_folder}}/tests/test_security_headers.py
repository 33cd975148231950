"""Every response Django makes, a 404 and a 500 too, carries HSTS, nosniff, the referrer and
framing policies and a Content-Security-Policy no wider than this strategy needs."""

import io
import logging

import pytest
from django.test import Client
from django.urls import include, path

from {{ cookiecutter.project_slug }}.security import content_security_policy


def broken_view(request):
    raise RuntimeError("a bug in a view")


# This module is the URLconf during these tests: the site's URLs plus a view that fails.
urlpatterns = [
    path("test-server-error/", broken_view),
    path("", include("{{ cookiecutter.project_slug }}.urls")),
]

ANSWERS = {"page": ("/", 200), "404": ("/no-such-page/", 404), "500": ("/test-server-error/", 500)}
UNSAFE = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:", "blob:"}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ANSWERS)
def test_every_answer_carries_the_security_headers(collected_static, settings, kind):
    settings.ROOT_URLCONF = __name__
    url, status = ANSWERS[kind]
    response = Client(raise_request_exception=False).get(url, secure=True)
    assert response.status_code == status
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Content-Security-Policy"] == content_security_policy()


def test_the_policy_allows_nothing_inline_and_no_other_site():
    directives = dict(
        (part.split()[0], set(part.split()[1:])) for part in content_security_policy().split("; ")
    )
    assert directives["default-src"] == {"'self'"}
    assert directives["object-src"] == {"'none'"}
    assert directives["frame-ancestors"] == {"'none'"}
    for name, sources in directives.items():
        assert not sources & UNSAFE, f"{name} allows {sources & UNSAFE}"


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
