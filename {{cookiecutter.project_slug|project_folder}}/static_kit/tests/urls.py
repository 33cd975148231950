"""The library's URLs, as a project includes them."""

from django.urls import include, path

urlpatterns = [path("", include("static_kit.media.urls"))]
