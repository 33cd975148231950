"""media/: the upload limit, the types uploads are served with, and local media's view."""

import pytest
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from static_kit.media.file_types import content_type, is_inline
from static_kit.media.limit import UploadSizeLimitMiddleware
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
