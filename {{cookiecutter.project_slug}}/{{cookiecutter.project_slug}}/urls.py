from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("pages.urls")),
    path("admin/", admin.site.urls),
{%- if cookiecutter.media_storage != "none" %}
    path("", include("uploads.urls")),
{%- endif %}
]
