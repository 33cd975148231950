"""The library's URLs, as a project includes them, and a view for private uploads' URLs."""

from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [
    path("", include("static_kit.media.urls")),
    path("checked/<path:name>", lambda request, name: HttpResponse(), name="checked_file"),
]
