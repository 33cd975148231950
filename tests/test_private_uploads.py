"""Private uploads in every variant with uploads, on the real servers: the file reaches its
uploader (and staff) only, through the view that checks who asks; nginx sends it from an
internal location, a bucket through a signed link that expires; no public path reaches it.
"""

import json
import re
import time
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
import requests

from harness.servers import raw_get
from harness.sites import MEDIA_VARIANTS, admin_session, upload
from harness.variants import variant_id

pytestmark = pytest.mark.serving

S3_MEDIA_VARIANTS = [answers for answers in MEDIA_VARIANTS if answers["media_storage"] == "s3"]
CONTENT = b"<html><script>alert('private')</script> invoice 4711"
# A user who is neither the uploader nor staff, logged in by a session made for the test.
OTHER_USER = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
user, _ = get_user_model().objects.get_or_create(username="not-the-uploader")
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(json.dumps([settings.SESSION_COOKIE_NAME, session.session_key]))
"""
LINK_SECONDS = 3
SIGNED_FOR_A_FEW_SECONDS = (
    "from django.core.files.storage import default_storage; "
    f"print(default_storage.signed_url({{name!r}}, {LINK_SECONDS}))"
)


def manage_shell(site, code: str) -> str:
    return site.manage("shell", "-c", code, env=site.local_stack_env()).strip().splitlines()[-1]


def other_user(site) -> requests.Session:
    cookie, key = json.loads(manage_shell(site, OTHER_USER))
    session = requests.Session()
    session.cookies.set(cookie, key)
    return session


@pytest.fixture(scope="module")
def private_files():
    """One private upload per variant, made once: (owner's session, link, stored name)."""
    return {}


def private_file(media_site, private_files):
    """The variant's private upload: (its owner's session, its link, its stored name)."""
    if media_site.name not in private_files:
        owner = admin_session(media_site)
        link = upload(owner, media_site, "invoice.html", CONTENT, "text/html", private=True)
        found = re.search(r"/uploads/private/(.+)$", link)
        assert found, link
        name = "private/" + unquote(found[1])
        private_files[media_site.name] = (owner, link, name)
    return private_files[media_site.name]


def test_a_private_upload_reaches_its_uploader_with_safe_headers(media_site, private_files):
    owner, link, name = private_file(media_site, private_files)
    assert name.startswith("private/"), name
    first = owner.get(link, timeout=30, allow_redirects=False)
    assert first.headers["Cache-Control"] == "private, no-store", first.headers
    if media_site.answers["media_storage"] == "s3":  # a signed link, for a minute
        assert first.status_code == 302, first.status_code
        query = parse_qs(urlsplit(first.headers["Location"]).query)
        assert query["X-Amz-Expires"] == ["60"], first.headers["Location"]
    response = owner.get(link, timeout=30)
    assert response.status_code == 200, (response.status_code, response.url)
    assert response.content == CONTENT
    # Stored or sent as text/html, an uploaded page still never runs on the site's origin.
    assert response.headers["Content-Type"] == "application/octet-stream", response.headers
    assert response.headers["Content-Disposition"].startswith("attachment"), response.headers
    if media_site.answers["media_storage"] == "local":  # a bucket sets neither header
        assert response.headers["Content-Security-Policy"].startswith("sandbox"), response.headers
        assert response.headers["X-Content-Type-Options"] == "nosniff", response.headers


def test_anyone_else_gets_404(media_site, private_files):
    _, link, _ = private_file(media_site, private_files)
    for who, session in (
        ("anonymous", requests.Session()),
        ("another user", other_user(media_site)),
    ):
        response = session.get(link, timeout=30, allow_redirects=False)
        assert response.status_code in (403, 404), (
            f"{media_site.name}, {who}: {response.status_code}"
        )
        assert CONTENT not in response.content
    listing = requests.get(f"{media_site.url}/uploads/", timeout=30).text
    assert "invoice" not in listing, f"{media_site.name}: the list names a private upload"


def probes(name: str) -> list[str]:
    """Public paths that might reach the private file `name` (private/2026/12/invoice.html)."""
    rest = name.removeprefix("private/")
    return [
        f"/media/{name}",
        f"/media/{quote(name, safe='')}",
        f"/media/../private-media/{rest}",
        f"/media/..%2fprivate-media%2f{quote(rest, safe='')}",
        f"/media/%2e%2e/private-media/{rest}",
        f"/media/PRIVATE/{rest}",
        f"/media/Private/{rest}",
        f"/media/private./{rest}",
        f"/media/private%2e/{rest}",
        f"/media//private/{rest}",
        f"/media/uploads/../{name}",
        f"/media/{name}.",
        f"/media/{name}%00",
        f"/private-media/{rest}",
        f"/_private-media/{rest}",  # nginx's internal location, asked for directly
        f"/_private-media/../private-media/{rest}",
    ]


def test_no_public_path_reaches_a_private_file(media_site, private_files):
    _, _, name = private_file(media_site, private_files)
    leaks = []
    for path in probes(name):
        status, body = raw_get(media_site.port, path)
        if status == 200 or b"invoice 4711" in body:
            leaks.append(f"{path}: {status}")
    assert not leaks, f"{media_site.name}: " + ", ".join(leaks)
    if media_site.answers["media_storage"] == "s3":  # the object itself, unsigned
        stack = media_site.local_stack_env()
        endpoint, bucket = stack["DJANGO_S3_ENDPOINT_URL"], stack["DJANGO_S3_BUCKET"]
        unsigned = requests.get(f"{endpoint}/{bucket}/media/{name}", timeout=30)
        assert unsigned.status_code == 403, unsigned.status_code
        if cdn := stack.get("DJANGO_STATIC_CDN_URL"):
            through_cdn = requests.get(f"{cdn}/media/{name}", timeout=30)
            assert through_cdn.status_code in (403, 404), through_cdn.status_code


@pytest.mark.parametrize("answers", S3_MEDIA_VARIANTS, ids=variant_id)
def test_a_signed_link_used_after_it_expired_is_refused(answers, start_site, private_files):
    site = start_site(answers)
    _, _, name = private_file(site, private_files)
    link = manage_shell(site, SIGNED_FOR_A_FEW_SECONDS.format(name=name))
    assert requests.get(link, timeout=30).content == CONTENT  # while it is valid
    time.sleep(LINK_SECONDS + 1.5)
    expired = requests.get(link, timeout=30)
    assert expired.status_code == 403, expired.status_code
    assert CONTENT not in expired.content
