"""Content-Security-Policy for every response Django makes, error pages included: django-csp,
with the hosts of this strategy added.

The policy is the CONTENT_SECURITY_POLICY setting (settings/base.py): this site only, and no
inline script or style. This middleware adds, once at start-up, where this strategy's files
come from, from the settings and the storages, so the policy is exactly as wide as the
strategy: nothing for WhiteNoise and nginx on the site's own host, the CDN for S3 + CDN (or
DJANGO_STATIC_HOST) for scripts, styles, fonts and images, and the bucket's host for uploads in
S3 (their signed links) for images and media. Widen it for every page in the setting, or for one
view with csp.decorators.csp_update / csp_replace / csp_exempt (the guide's CSP page).
https://django-csp.readthedocs.io/
"""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages

STATIC_DIRECTIVES = ("script-src", "style-src", "font-src", "img-src")
MEDIA_DIRECTIVES = ("img-src", "media-src")


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


def strategy_sources() -> dict[str, list[str]]:
    """The hosts each directive gets on top of the setting's, for this strategy."""
    added: dict[str, list[str]] = {}
    for names, hosts in (STATIC_DIRECTIVES, static_origins()), (MEDIA_DIRECTIVES, media_origins()):
        for name in names if hosts else ():
            added.setdefault(name, []).extend(hosts)
    return added


class StrategyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware; every policy it writes also allows the strategy's hosts."""

    def __init__(self, get_response):
        super().__init__(get_response)
        self.added = strategy_sources()

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if self.added and not report_only:
            update = {name: list(sources) for name, sources in (parts.update or {}).items()}
            for name, hosts in self.added.items():
                update[name] = [*update.get(name, []), *hosts]
            parts.update = update
        return parts
