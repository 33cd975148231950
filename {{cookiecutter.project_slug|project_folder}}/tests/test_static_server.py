"""wsgi.py's front: collected files answered before Django, with Django's security headers, and
X-Forwarded-Proto believed only from FORWARDED_ALLOW_IPS."""

import json
from wsgiref.util import setup_testing_defaults

import pytest
from django.test import override_settings

from {{ cookiecutter.project_slug }}.static_server import StaticFilesFirst


class Django:
    """Stands in for Django's WSGI application: records what reached it."""

    def __init__(self):
        self.seen = []

    def __call__(self, environ, start_response):
        self.seen.append((environ["PATH_INFO"], environ["wsgi.url_scheme"]))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"django"]


HTTPS = {"wsgi.url_scheme": "https"}


def call(app, path, **environ):
    environ = {"PATH_INFO": path, "REMOTE_ADDR": "127.0.0.1", **environ}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers):
        answer.update(status=status, headers=dict(headers))

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


@pytest.fixture
def front(collected_static):
    """`front(**settings)`: the WSGI front over a fresh STATIC_ROOT, and the Django behind it."""

    def make(**overrides):
        django = Django()
        with override_settings(STATIC_ROOT=collected_static, **overrides):
            return StaticFilesFirst(django), django

    return make


def hashed_css(collected_static) -> str:
    manifest = json.loads((collected_static.parent / "manifests" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


def test_a_collected_file_never_reaches_django(front, collected_static, settings):
    app, django = front()
    css = hashed_css(collected_static)
    status, headers, body = call(app, css, HTTP_ACCEPT_ENCODING="br", **HTTPS)
    assert status == "200 OK" and django.seen == []
    assert headers["Content-Encoding"] == "br"
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == settings.SECURE_REFERRER_POLICY
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    if settings.SECURE_HSTS_SECONDS:
        assert headers["Strict-Transport-Security"].startswith(
            f"max-age={settings.SECURE_HSTS_SECONDS}"
        )
    assert body == (collected_static / (css.removeprefix("/static/") + ".br")).read_bytes()


@pytest.mark.parametrize("path", ["/", "/static/no-such-file.css", "/static/../manage.py"])
def test_anything_else_goes_to_django(front, path):
    app, django = front()
    assert call(app, path)[2] == b"django"
    assert [seen for seen, _ in django.seen] == [path]


@pytest.mark.parametrize(
    ("allowed", "client", "scheme"),
    [
        (None, "127.0.0.1", "https"),  # the default: a proxy on this machine
        (None, "203.0.113.9", "http"),  # anyone else claiming HTTPS is not believed
        ("10.0.0.0/8", "10.1.2.3", "https"),
        ("10.0.0.0/8", "127.0.0.1", "http"),
        ("*", "203.0.113.9", "https"),  # behind a PaaS router whose address changes
    ],
)
def test_forwarded_proto_is_believed_only_from_allowed_proxies(
    front, monkeypatch, allowed, client, scheme
):
    if allowed is None:
        monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    else:
        monkeypatch.setenv("FORWARDED_ALLOW_IPS", allowed)
    app, django = front()
    call(app, "/", REMOTE_ADDR=client, HTTP_X_FORWARDED_PROTO="https")
    assert django.seen == [("/", scheme)]


def test_plain_http_static_requests_get_djangos_https_redirect(front, collected_static):
    app, django = front(SECURE_SSL_REDIRECT=True)
    path = hashed_css(collected_static)
    call(app, path)
    assert django.seen == [(path, "http")]  # SecurityMiddleware answers with its 301
    call(app, path, HTTP_X_FORWARDED_PROTO="https")
    assert len(django.seen) == 1  # over HTTPS, the file itself


def test_a_wrong_forwarded_allow_ips_is_refused_with_the_fix(front, monkeypatch):
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "127.0.0.1,proxy.internal")
    with pytest.raises(ValueError, match=r"FORWARDED_ALLOW_IPS=.*Use comma-separated"):
        front()
