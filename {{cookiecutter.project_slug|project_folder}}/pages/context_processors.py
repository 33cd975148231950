"""Template context every page gets: the site's name, links, and where its files come from."""

from django.conf import settings
from django.urls import reverse


def site(request):
    """What every template may show about the site and where its files come from."""
    return {
        "site_name": settings.SITE_NAME,
        "site_description": settings.SITE_DESCRIPTION,
        "nav_links": [(label, reverse(name)) for label, name in settings.SITE_NAV],
        "serving_strategy_label": settings.SERVING_STRATEGY_LABEL,
        "static_url": settings.STATIC_URL,
        # Set by the media settings module; none without uploads (Django's MEDIA_URL would
        # say "/" then).
        "media_location": getattr(settings, "MEDIA_LOCATION", ""),
    }
