"""media/: the upload limit, the types uploads are served with, and local media's view."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from static_kit.media.file_types import content_type, is_inline
from static_kit.media.limit import UploadSizeLimitMiddleware
from static_kit.media.private import LocalMediaStorage, private_file_response
from static_kit.media.views import serve_media


def test_a_body_over_the_limit_is_refused_before_it_is_read(settings):
    settings.MAX_UPLOAD_SIZE = 1024
    middleware = UploadSizeLimitMiddleware(lambda request: HttpResponse("read"))
    small = RequestFactory().post("/", data=b"x" * 10, content_type="application/octet-stream")
    assert middleware(small).content == b"read"
    big = RequestFactory().post("/", data=b"x" * 2048, content_type="application/octet-stream")
    answer = middleware(big)
    assert answer.status_code == 413 and b"1.0\xc2\xa0KB" in answer.content


def test_only_raster_images_display_everything_else_downloads():
    assert is_inline("photo.PNG") and content_type("photo.PNG") == "image/png"
    assert (
        not is_inline("drawing.svg") and content_type("drawing.svg") == "application/octet-stream"
    )
    assert not is_inline("page.html") and content_type("notes.txt").startswith("text/plain")


def test_local_media_is_served_so_it_never_runs_as_a_page(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "page.html").write_text("<script>alert(1)</script>")
    (tmp_path / "media" / ".hidden").write_text("secret")
    request = RequestFactory().get("/media/page.html")
    answer = serve_media(request, "page.html")
    assert answer["Content-Type"] == "application/octet-stream"
    assert answer["Content-Disposition"].startswith("attachment")
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in answer["Content-Security-Policy"]
    for path in (".hidden", "../secret", "nothing.png"):
        with pytest.raises(Http404):
            serve_media(request, path)


@pytest.fixture
def private_media(settings, tmp_path):
    """Local media with private uploads beside it: the storage a project with local media has."""
    settings.MEDIA_ROOT, settings.MEDIA_URL = tmp_path / "media", "/media/"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    settings.PRIVATE_MEDIA_VIEW = "checked_file"
    settings.DEBUG = False
    settings.MEDIA_ACCEL_REDIRECT = ""
    return LocalMediaStorage(allow_overwrite=False)


def test_a_private_name_is_stored_beside_media_and_linked_to_its_checking_view(private_media):
    public = private_media.save("files/photo.png", ContentFile(b"png"))
    private = private_media.save("private/2026/12/scan.png", ContentFile(b"scan"))
    assert private == "private/2026/12/scan.png"
    media, kept = Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)
    assert (media / public).read_bytes() == b"png"
    assert (kept / "2026" / "12" / "scan.png").read_bytes() == b"scan"
    assert not (media / "private").exists()
    assert private_media.url(public) == "/media/files/photo.png"
    assert private_media.url(private) == "/checked/2026/12/scan.png"
    # Read, size, a second upload of the name, delete: all in the private folder.
    assert private_media.open(private).read() == b"scan" and private_media.size(private) == 4
    assert private_media.save(private, ContentFile(b"other")) != private
    private_media.delete(private)
    assert not private_media.exists(private)
    with pytest.raises(SuspiciousFileOperation):
        private_media.path("private/../../media/files/photo.png")


def test_a_private_file_is_streamed_with_the_upload_headers_and_never_cached(private_media):
    name = private_media.save("private/2026/12/page.html", ContentFile(b"<script>x</script>"))
    answer = private_file_response(name, private_media)
    assert b"".join(answer.streaming_content) == b"<script>x</script>"
    assert answer["Content-Type"] == "application/octet-stream"
    assert answer["Content-Disposition"].startswith("attachment")
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Content-Security-Policy"].startswith("sandbox")
    assert answer["Cache-Control"] == "private, no-store"
    # The public view never reaches it, whatever the path says.
    request = RequestFactory().get("/media/x")
    for path in (name, "../private-media/2026/12/page.html", "private/../../private-media/x"):
        with pytest.raises(Http404):
            serve_media(request, path)


def test_behind_nginx_a_private_file_is_handed_to_the_internal_location(private_media, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/_private-media/"
    name = private_media.save("private/2026/12/a b.pdf", ContentFile(b"%PDF"))
    answer = private_file_response(name, private_media)
    assert answer["X-Accel-Redirect"] == "/_private-media/2026/12/a%20b.pdf"
    assert answer.content == b""
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Cache-Control"] == "private, no-store"
    with pytest.raises(Http404):
        private_file_response("private/2026/12/gone.pdf", private_media)
