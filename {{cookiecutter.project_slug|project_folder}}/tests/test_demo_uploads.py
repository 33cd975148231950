"""Uploads are kept, limited in size, and served so that they cannot run as a page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from uploads.models import Upload

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
    b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)

# Pages render static tags with DEBUG=False: a collected manifest first, for every test.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("collected_static")]


@pytest.fixture
def media_root(tmp_path, settings):
    """Uploads go to a throwaway MEDIA_ROOT, never the project's own media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_uploaded_image_is_served_inline_with_its_bytes(upload, client, media_root):
    item = upload("photo.png", PNG, "image/png")
    response = client.get(item.file.url, secure=True)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "script.js", "README", "x.png.html"])
def test_uploads_that_could_run_as_a_page_are_downloads(upload, client, media_root, name):
    item = upload(name, b"<script>alert(1)</script>", "text/html")
    response = client.get(item.file.url, secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_png_name_sent_as_html_is_served_as_png(upload, client, media_root):
    item = upload("trick.png", b"<html><script>alert(1)</script>", "text/html")
    response = client.get(item.file.url, secure=True)
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_second_upload_with_the_same_name_keeps_the_first(upload, client, media_root):
    first = upload("report.txt", b"first", "text/plain")
    second = upload("report.txt", b"second", "text/plain")
    assert first.file.name != second.file.name
    assert b"".join(client.get(first.file.url, secure=True).streaming_content) == b"first"
    assert b"".join(client.get(second.file.url, secure=True).streaming_content) == b"second"


def test_upload_over_the_limit_is_refused_before_it_is_read(admin_client, settings, media_root):
    settings.MAX_UPLOAD_SIZE = 1024
    response = admin_client.post(
        reverse("admin:uploads_upload_add"),
        {"title": "big", "file": SimpleUploadedFile("big.bin", b"x" * 200_000)},
        secure=True,
    )
    assert response.status_code == 413
    assert not Upload.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "../db.sqlite3",
        "..%2fdb.sqlite3",
        "uploads/../../.env",
        ".env",
        "uploads/.hidden",
        "uploads",
    ],
)
def test_media_view_serves_nothing_outside_stored_files(client, media_root, path):
    (media_root / "uploads").mkdir(parents=True)
    (media_root / "uploads" / ".hidden").write_text("secret")
    response = client.get(f"/media/{path}", secure=True)
    assert response.status_code == 404


def test_upload_list_links_every_upload(upload, client, media_root):
    item = upload("photo.png", PNG, "image/png", title="Holiday")
    page = client.get(reverse("uploads:list"), secure=True).content.decode()
    assert "Holiday" in page and item.file.url in page


def test_an_upload_whose_file_is_gone_is_listed_as_missing_not_a_500(client, media_root):
    """A database restored without its files, or a storage emptied: the page still works."""
    Upload.objects.create(title="gone", file="uploads/2020/01/never-stored.png")
    response = client.get(reverse("uploads:list"), secure=True)
    assert response.status_code == 200
    assert b"missing: the file is not in storage" in response.content
