"""Content-Security-Policy for every response Django makes, error pages included.

Pages may load scripts, styles, fonts and images from this site and from where its static
files and uploads are served, and from nowhere else. Those hosts come from the settings, so
the policy is exactly as wide as the strategy: nothing more for WhiteNoise and nginx on the
site's own host, the CDN for S3 + CDN (or DJANGO_STATIC_HOST), the bucket's host for uploads
in S3 (their signed links). No inline script or style is allowed.
https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CSP
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages


def origin(url: str) -> str | None:
    """scheme://host[:port] of an absolute URL; None for a path such as /static/."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def static_origins() -> list[str]:
    return [found] if (found := origin(settings.STATIC_URL)) else []


def media_origins() -> list[str]:
    """Where uploads are linked: MEDIA_URL's host, or the bucket's (a signed link's host)."""
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        found = origin(settings.MEDIA_URL)
    elif hasattr(storage, "unsigned_connection"):
        # S3: the host signed links point at, built like them but unsigned: no credentials
        # are needed to know it, and no request is made.
        client = storage.unsigned_connection.meta.client
        params = {"Bucket": storage.bucket_name, "Key": "content-security-policy"}
        found = origin(client.generate_presigned_url("get_object", Params=params))
    else:
        found = origin(storage.url("content-security-policy"))
    return [found] if found else []


def content_security_policy() -> str:
    static, media = static_origins(), media_origins()
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *static],
        "style-src": ["'self'", *static],
        "font-src": ["'self'", *static],
        "img-src": ["'self'", *static, *media],
        "media-src": ["'self'", *media],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(
        f"{name} {' '.join(dict.fromkeys(sources))}" for name, sources in directives.items()
    )


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response that has none of its own (uploads set a sandbox)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
