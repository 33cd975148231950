"""headers.py: static files answered before Django get SecurityMiddleware's headers."""

from static_kit.headers import security_headers, security_middleware_headers


def test_static_files_get_the_headers_pages_get(settings):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_CONTENT_TYPE_NOSNIFF = True
    security_middleware_headers.cache_clear()
    headers = {}
    security_headers(headers, "/srv/static/site.css", "/static/site.css")
    security_middleware_headers.cache_clear()
    assert headers["Strict-Transport-Security"] == "max-age=3600"
    assert headers["X-Content-Type-Options"] == "nosniff"
