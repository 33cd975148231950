"""Uploads in the bucket: private, signed links, the type set here, nothing overwritten."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from static_kit.storage.private_s3 import PrivateMediaStorage
from uploads.models import Upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("collected_static")]


def stored(local_bucket, item):
    return local_bucket.head_object(Bucket=settings.S3_BUCKET, Key=f"media/{item.file.name}")


def test_links_are_signed_expiring_and_on_the_bucket_not_a_custom_domain(upload):
    item = upload("photo.png", b"\x89PNG\r\n\x1a\n", "image/png")
    query = parse_qs(urlsplit(item.file.url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    expiry = settings.STORAGES["default"]["OPTIONS"]["querystring_expire"]
    assert query["X-Amz-Expires"] == [str(expiry)]
    assert "X-Amz-Signature" in query


@pytest.mark.parametrize(
    ("name", "sent_as", "stored_as", "disposition"),
    [
        ("photo.png", "image/png", "image/png", "inline"),
        ("trick.png", "text/html", "image/png", "inline"),
        ("page.html", "text/html", "application/octet-stream", "attachment"),
        ("drawing.svg", "image/svg+xml", "application/octet-stream", "attachment"),
        ("notes.txt", "text/html", "text/plain; charset=utf-8", "attachment"),
    ],
)
def test_the_type_is_set_from_the_name_never_from_the_uploader(
    upload, local_bucket, name, sent_as, stored_as, disposition
):
    head = stored(local_bucket, upload(name, b"<script>alert(1)</script>", sent_as))
    assert head["ContentType"] == stored_as
    assert head["ContentDisposition"].startswith(disposition)


def test_a_second_upload_with_the_same_name_keeps_the_first(upload, local_bucket):
    first = upload("report.txt", b"first", "text/plain")
    second = upload("report.txt", b"second", "text/plain")
    assert first.file.name != second.file.name
    body = local_bucket.get_object(Bucket=settings.S3_BUCKET, Key=f"media/{first.file.name}")
    assert body["Body"].read() == b"first"


def test_a_name_taken_between_the_check_and_the_write_is_never_overwritten(
    local_bucket, monkeypatch
):
    """Two uploads that check the same free name at once both pick it: S3 refuses the second
    write (If-None-Match: *), and that upload is stored under another name."""
    storage = storages["default"]
    first = storage.save("race/same.txt", ContentFile(b"first"))
    picked = []

    def stale_check(self, name, max_length=None):
        # The first pick is what a concurrent upload saw before `first` was written.
        picked.append(name)
        return first if len(picked) == 1 else real_check(self, name, max_length)

    real_check = type(storage).get_available_name
    monkeypatch.setattr(type(storage), "get_available_name", stale_check)
    second = storage.save("race/same.txt", ContentFile(b"second"))
    assert second != first and len(picked) == 2
    for name, content in ((first, b"first"), (second, b"second")):
        body = local_bucket.get_object(Bucket=settings.S3_BUCKET, Key=f"media/{name}")["Body"]
        assert body.read() == content


def test_a_custom_domain_for_private_media_is_refused():
    options = settings.STORAGES["default"]["OPTIONS"]
    with pytest.raises(ImproperlyConfigured, match="signed URLs"):
        PrivateMediaStorage(**{**options, "custom_domain": "media.example.com"})


def test_an_upload_whose_file_is_gone_is_listed_as_missing_not_a_500(client):
    """A database restored without its files, or a storage emptied: the page still works."""
    Upload.objects.create(title="gone", file="uploads/2020/01/never-stored.png")
    response = client.get(reverse("uploads:list"), secure=True)
    assert response.status_code == 200
    assert b"missing: the file is not in storage" in response.content
