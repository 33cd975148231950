"""Headers static files share with pages, for WhiteNoise (WHITENOISE_ADD_HEADERS_FUNCTION)."""

import functools
import io


def security_headers(headers, path, url):
    """What SecurityMiddleware adds to Django's answers, for the static files answered before
    Django runs (static_server.py). WhiteNoise calls it once per file at start-up. HSTS goes on
    every answer: browsers ignore it over plain HTTP (RFC 6797, 8.1)."""
    for name, value in security_middleware_headers().items():
        headers[name] = value


@functools.cache
def security_middleware_headers() -> dict[str, str]:
    """The headers SecurityMiddleware itself gives an HTTPS answer, from the SECURE_*
    settings, so static files can never drift from pages (computed once, after start-up)."""
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import HttpResponse
    from django.middleware.security import SecurityMiddleware

    request = WSGIRequest(
        {"REQUEST_METHOD": "GET", "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO()}
    )
    bare = HttpResponse()
    before = set(bare.headers)
    answer = SecurityMiddleware(lambda request: bare).process_response(request, bare)
    return {name: value for name, value in answer.headers.items() if name not in before}
