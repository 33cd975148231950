"""/media/ for local media: include("static_kit.media.urls") in the project's urls.py."""

from django.conf import settings
from django.urls import path

from . import views

app_name = "media"
urlpatterns = []

if settings.MEDIA_ROOT:
    # Local media has no web server in front of it in every strategy; this view is its
    # hardened server. Behind nginx, nginx answers /media/ itself and never calls it.
    # (Media in a bucket is served by the bucket, through signed URLs.)
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", views.serve_media, name="file")
    )
