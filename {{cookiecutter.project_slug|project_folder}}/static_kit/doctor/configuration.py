"""The `settings` group: what the settings say, before anything is collected or served."""

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages

from ..checks import check_static_and_media_roots_are_separate
from .findings import FAIL, OK, Context, Finding, listed, s3_options

WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"
SECURITY = "django.middleware.security.SecurityMiddleware"


def check_urls(context: Context) -> list[Finding]:
    """STATIC_URL and MEDIA_URL end in '/' and differ."""
    static_url, media_url = settings.STATIC_URL or "", getattr(settings, "MEDIA_URL", "") or ""
    found = []
    if not static_url.endswith("/"):
        found.append(
            Finding(
                "settings.static_url",
                FAIL,
                f"STATIC_URL={static_url!r}",
                "End STATIC_URL with '/', e.g. '/static/'.",
            )
        )
    if media_url and not media_url.endswith("/"):
        found.append(
            Finding(
                "settings.media_url",
                FAIL,
                f"MEDIA_URL={media_url!r}",
                "End MEDIA_URL with '/', e.g. '/media/'.",
            )
        )
    if media_url and media_url == static_url:
        found.append(
            Finding(
                "settings.urls_differ",
                FAIL,
                f"STATIC_URL and MEDIA_URL are both {static_url!r}",
                "Give uploads their own URL prefix (MEDIA_URL='/media/').",
            )
        )
    return found or [
        Finding("settings.urls", OK, f"STATIC_URL={static_url!r}, MEDIA_URL={media_url!r}")
    ]


def check_roots(context: Context) -> list[Finding]:
    """STATIC_ROOT is set, and it and MEDIA_ROOT are apart: neither inside the other."""
    if not settings.STATIC_ROOT:
        return [
            Finding(
                "settings.static_root",
                FAIL,
                "STATIC_ROOT is not set",
                "Set DJANGO_STATIC_ROOT to the folder collectstatic fills and the server reads.",
            )
        ]
    # The same verdict the system check (static.E001) gives collectstatic and the server.
    overlap = check_static_and_media_roots_are_separate()
    if overlap:
        return [Finding("settings.roots", FAIL, error.msg, error.hint) for error in overlap]
    media_root = getattr(settings, "MEDIA_ROOT", "") or "none (no local media)"
    return [
        Finding(
            "settings.roots", OK, f"STATIC_ROOT={settings.STATIC_ROOT}, MEDIA_ROOT={media_root}"
        )
    ]


def check_debug(context: Context) -> list[Finding]:
    """DEBUG is off: with it on, Django serves static files and hides what production does."""
    if settings.DEBUG:
        return [
            Finding(
                "settings.debug",
                FAIL,
                "DEBUG is True",
                "Set DJANGO_DEBUG=false: with DEBUG on, Django serves static files itself "
                "and hides what production will do.",
            )
        ]
    return [Finding("settings.debug", OK, "DEBUG is False")]


def check_manifest_storage(context: Context) -> list[Finding]:
    """The staticfiles storage is a manifest storage: hashed names, cached for a year."""
    storage = storages["staticfiles"]
    name = f"{type(storage).__module__}.{type(storage).__name__}"
    if not isinstance(storage, ManifestFilesMixin):
        return [
            Finding(
                "settings.storage",
                FAIL,
                f"STORAGES['staticfiles'] is {name}, without hashed names",
                "Use a manifest storage (this project's strategy module sets one) so files "
                "can be cached for a year.",
            )
        ]
    return [Finding("settings.storage", OK, f"manifest storage {name}")]


def check_whitenoise(context: Context) -> list[Finding]:
    """WhiteNoise (where used) is right after SecurityMiddleware, no autorefresh or finders."""
    middleware = list(settings.MIDDLEWARE)
    if WHITENOISE not in middleware:
        return []
    found = []
    if SECURITY in middleware and middleware.index(WHITENOISE) != middleware.index(SECURITY) + 1:
        found.append(
            Finding(
                "settings.whitenoise_position",
                FAIL,
                f"WhiteNoiseMiddleware is at position {middleware.index(WHITENOISE)}, "
                "not right after SecurityMiddleware",
                "Put it directly after SecurityMiddleware (settings/whitenoise.py does).",
            )
        )
    for name, check in (
        ("WHITENOISE_AUTOREFRESH", "settings.whitenoise_autorefresh"),
        ("WHITENOISE_USE_FINDERS", "settings.whitenoise_use_finders"),
    ):
        if getattr(settings, name, settings.DEBUG):
            found.append(
                Finding(
                    check,
                    FAIL,
                    f"{name} is on",
                    f"Leave {name} = DEBUG: in production WhiteNoise serves only collected files.",
                )
            )
    return found or [
        Finding(
            "settings.whitenoise", OK, "WhiteNoise right after SecurityMiddleware, no autorefresh"
        )
    ]


def check_release_id(context: Context) -> list[Finding]:
    """Nginx and S3 + CDN: DJANGO_RELEASE_ID names this release, whose manifest pages use."""
    if not hasattr(settings, "RELEASE_ID"):  # one manifest for every release (WhiteNoise)
        return []
    from ..storage import release_id

    try:
        value = release_id()
    except ImproperlyConfigured as error:
        return [
            Finding(
                "settings.release_id", FAIL, "DJANGO_RELEASE_ID is missing or invalid", str(error)
            )
        ]
    return [Finding("settings.release_id", OK, f"release {value}")]


def check_s3_acl(context: Context) -> list[Finding]:
    """S3: uploads carry no ACL, which new buckets refuse (AccessControlListNotSupported)."""
    buckets = list(s3_options())
    if not buckets:
        return []
    acls = []
    for alias, options in buckets:
        # django-storages falls back to AWS_DEFAULT_ACL where the options do not say.
        default_acl = options.get("default_acl", getattr(settings, "AWS_DEFAULT_ACL", None))
        parameters = options.get("object_parameters") or {}
        for value in (default_acl, parameters.get("ACL")):
            if value:
                acls.append(f"STORAGES[{alias!r}] sends ACL {value!r}")
    if acls:
        return [
            Finding(
                "settings.s3_acl",
                FAIL,
                f"{listed(acls)}: buckets with Object Ownership 'bucket owner enforced' (the "
                "default) refuse it with AccessControlListNotSupported",
                "Send no ACL (default_acl None, as settings/s3.py does) and let the bucket "
                "policy decide what is public.",
            )
        ]
    return [Finding("settings.s3_acl", OK, "no ACL is sent with uploads")]
