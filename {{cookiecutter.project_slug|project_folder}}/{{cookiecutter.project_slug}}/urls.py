"""The site's URLs: the pages, the admin and, with uploads, the upload list."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("", include("pages.urls")),
    path("admin/", admin.site.urls),
{%- if cookiecutter.media_storage != "none" %}
    path("", include("uploads.urls")),
{%- endif %}
]

if "django_browser_reload" in settings.INSTALLED_APPS:  # make dev only (settings/dev.py)
    urlpatterns.append(path("__reload__/", include("django_browser_reload.urls")))
