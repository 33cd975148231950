"""What the demo's pages show about the site: its name, its links, where its files come from.

The serving strategy and the media storage are read from the settings the site runs with
(STORAGES), so the home page describes what is really configured.
"""

from django.apps import apps
from django.conf import settings
from django.urls import reverse

# The static storage's class -> who serves the static files.
STRATEGY_LABELS = {
    "CompressedOnceStorage": "WhiteNoise in granian",
    "ReleaseManifestStaticFilesStorage": "nginx, from disk",
    "CDNManifestStaticFilesStorage": "a CDN in front of an S3 bucket",
    # make dev (settings/dev.py): runserver, from the source folders.
    "StaticFilesStorage": "Django's development server, from the source folders",
}


def serving_strategy_label() -> str:
    backend = settings.STORAGES["staticfiles"]["BACKEND"].rsplit(".", 1)[-1]
    return STRATEGY_LABELS.get(backend, backend)


def media_location() -> str:
    """Where uploads go, or "" without uploads."""
    options = settings.STORAGES.get("default", {}).get("OPTIONS", {})
    if options.get("bucket_name"):
        where = f"s3://{options['bucket_name']}/{options.get('location', '')}/"
        return f"private, in {where}, reached by signed links"
    if getattr(settings, "MEDIA_ROOT", ""):
        return f"on this server's disk, under {settings.MEDIA_URL}"
    return ""


def nav_links() -> list[tuple[str, str]]:
    """(label, URL) for each app whose AppConfig has a `nav_link` (label, URL name), then the
    admin."""
    links = []
    for config in apps.get_app_configs():
        if getattr(config, "nav_link", None):
            label, name = config.nav_link
            links.append((label, reverse(name)))
    return [*links, ("Admin", reverse("admin:index"))]


def site(request):
    """What every page of the demo may show about the site and where its files come from."""
    return {
        "site_name": settings.SITE_NAME,
        "site_description": settings.SITE_DESCRIPTION,
        "nav_links": nav_links(),
        "serving_strategy_label": serving_strategy_label(),
        "static_url": settings.STATIC_URL,
        "media_location": media_location(),
    }
