"""Uploads are kept, limited in size, and served so that they cannot run as a page."""

import pytest
from django.contrib.auth.models import Permission
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
    """Uploads go to a throwaway MEDIA_ROOT (and PRIVATE_MEDIA_ROOT), never the project's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    return settings.MEDIA_ROOT


def sent(response) -> bytes | str:
    """The bytes a private file's answer sends, or behind nginx the file nginx is told to."""
    if response.get("X-Accel-Redirect"):
        return response["X-Accel-Redirect"]
    return b"".join(response.streaming_content)


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


def test_a_private_upload_is_kept_apart_and_sent_only_to_its_uploader_and_staff(
    upload, client, admin_user, django_user_model, media_root, settings
):
    item = upload("id-scan.png", PNG, "image/png", private=True)
    assert item.owner == admin_user and item.file.name.startswith("private/")
    assert (settings.PRIVATE_MEDIA_ROOT / item.file.name.removeprefix("private/")).is_file()
    assert not list(media_root.rglob("*.png")), "a private file under MEDIA_ROOT"
    link = item.file.url  # whatever links it (this list, the admin) links the checking view
    assert link == f"/uploads/private/{item.file.name.removeprefix('private/')}"
    assert client.get(link, secure=True).status_code == 404  # anonymous
    other = django_user_model.objects.create_user("other", password="x-long-test-password-1")
    client.force_login(other)
    assert client.get(link, secure=True).status_code == 404  # another user
    client.force_login(admin_user)  # its uploader, who is staff too
    response = client.get(link, secure=True)
    assert response.status_code == 200
    accel = getattr(settings, "MEDIA_ACCEL_REDIRECT", "")
    expected = f"{accel}{item.file.name.removeprefix('private/')}" if accel else PNG
    assert sent(response) == expected
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_uploader_who_is_not_staff_gets_a_private_file_staff_did_not_upload(
    client, django_user_model, media_root
):
    owner = django_user_model.objects.create_user("owner", password="x-long-test-password-2")
    item = Upload(title="invoice", private=True, owner=owner)
    item.file.save("invoice.html", SimpleUploadedFile("invoice.html", b"<script>x</script>"))
    client.force_login(owner)
    response = client.get(item.file.url, secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"  # forced safe
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"].startswith("sandbox")


@pytest.mark.parametrize(
    "path",
    [
        "private/{rest}",
        "../private-media/{rest}",
        "..%2fprivate-media%2f{rest}",
        "PRIVATE/{rest}",
        "private./{rest}",
        "%70rivate/{rest}",
        "uploads/../private/{rest}",
    ],
)
def test_the_public_media_path_never_serves_a_private_file(upload, client, media_root, path):
    item = upload("secret.txt", b"private bytes", "text/plain", private=True)
    rest = item.file.name.removeprefix("private/")
    response = client.get(f"/media/{path.format(rest=rest)}", secure=True)
    assert response.status_code == 404


def test_the_list_shows_a_private_upload_only_to_who_may_open_it(
    upload, client, admin_client, media_root
):
    upload("payslip.pdf", b"%PDF-1.4", "application/pdf", title="Payslip", private=True)
    assert b"Payslip" not in client.get(reverse("uploads:list"), secure=True).content
    page = admin_client.get(reverse("uploads:list"), secure=True).content.decode()
    assert "Payslip" in page and "(private)" in page


def test_staff_without_the_permission_to_view_uploads_gets_404(
    upload, client, django_user_model, media_root
):
    item = upload("id-scan.png", PNG, "image/png", private=True)
    editor = django_user_model.objects.create_user(
        "editor", password="x-long-test-password-3", is_staff=True
    )
    client.force_login(editor)
    assert client.get(item.file.url, secure=True).status_code == 404
    editor.user_permissions.add(Permission.objects.get(codename="view_upload"))
    client.force_login(django_user_model.objects.get(pk=editor.pk))  # permissions re-read
    assert client.get(item.file.url, secure=True).status_code == 200


def test_an_upload_cannot_change_between_public_and_private_once_stored(upload, media_root):
    item = upload("report.txt", b"public", "text/plain")
    item.private = True
    with pytest.raises(ValueError, match="is stored as a public upload"):
        item.save()
