"""The site's URLs: the admin, local media under MEDIA_URL, and the demo apps (# demo)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("admin/", admin.site.urls),
    # Uploads on local disk, served so that none runs as a page (nothing without MEDIA_ROOT).
    path("", include("static_kit.media.urls")),
    path("", include("pages.urls")),  # demo
{%- if cookiecutter.media_storage != "none" %}
    path("", include("uploads.urls")),  # demo
{%- endif %}
]

if "django_browser_reload" in settings.INSTALLED_APPS:  # make dev only (settings/dev.py)
    urlpatterns.append(path("__reload__/", include("django_browser_reload.urls")))
