"""Fixtures: a STATIC_ROOT filled by a real collectstatic, as a deploy fills it, and a fast password
hasher."""

import pytest
from django.core.management import call_command
from django.test import override_settings
{%- if cookiecutter.serving_strategy == "s3_cdn" or cookiecutter.media_storage == "s3" %}

pytest_plugins = ["tests.local_bucket"]  # files go to a bucket: a local one
{%- endif %}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Django's advice for test suites: a fast password hasher. The production one is slow on
    purpose (about 0.4 s a password), paid by every test that logs in (admin_client).
    https://docs.djangoproject.com/en/5.2/topics/testing/overview/#password-hashing"""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory, django_db_blocker):
    """Run collectstatic into a fresh STATIC_ROOT, as a deploy does, and use it for the session."""
    root = tmp_path_factory.mktemp("staticfiles")
    root.chmod(0o755)  # as a deploy creates it: the web server's user must enter it
    # RELEASE_ID and STATIC_MANIFESTS_ROOT matter where each release has its own manifest.
    release = {"RELEASE_ID": "tests", "STATIC_MANIFESTS_ROOT": root.parent / "manifests"}
    with override_settings(STATIC_ROOT=root, DEBUG=False, **release):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield root
{%- if cookiecutter.media_storage != "none" %}


@pytest.fixture
def upload(admin_client):
    """`upload(name, content, content_type, title=name, private=False)`: add a file in the
    admin, as users do (the demo's upload model), as the admin user."""
    from django.apps import apps
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    Upload = apps.get_model("uploads", "Upload")  # noqa: N806 (a model class)

    def add(name, content, content_type="application/octet-stream", title=None, private=False):
        form = {"title": title or name, "file": SimpleUploadedFile(name, content, content_type)}
        response = admin_client.post(
            reverse("admin:uploads_upload_add"),
            form | ({"private": "on"} if private else {}),
            secure=True,
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        return Upload.objects.latest("id")

    return add
{%- endif %}
