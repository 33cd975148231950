"""Subresource Integrity in a real Chromium, in each strategy: a stylesheet whose bytes were
changed where it is stored (the disk, the bucket behind the CDN) is refused by the browser,
and after the next release is collected a page of the previous one still passes every check.

That every script and stylesheet of a page carries a digest, and that the digests of an
untouched site all pass, is checked on every variant by test_browser.py (harness/browser.py).
"""

import base64
import hashlib
import re

import pytest
import requests

from harness.browser import (
    ADMIN_CHECKS,
    ADMIN_HEADER_BACKGROUND,
    HOME_CHECKS,
    PROJECT_HEADER_BACKGROUND,
    WEB_FONT,
)
from harness.servers import copy_project
from harness.sites import changed_copy, publish, s3_client, started_site

pytestmark = pytest.mark.serving

STRATEGIES = ["whitenoise", "nginx", "s3_cdn"]


def hashed_url(html: str, name: str) -> str:
    """The URL a page links for the static file `name` (css/site.css -> .../site.<hash>.css)."""
    stem, suffix = name.rsplit(".", 1)
    match = re.search(rf'"([^"]*/{re.escape(stem)}\.[0-9a-f]{{12}}\.{suffix})"', html)
    assert match, f"the page links no hashed {name}"
    return match[1]


def visit(browser, url: str, relay: str = ""):
    """Load `url` in a fresh context: (the console's errors, the home page's checks or the
    admin's). `relay`: requests for URLs containing it are sent on by the test without
    Accept-Encoding (WhiteNoise would send the .br copy, which a change on disk of the same
    length leaves as it was)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        console = []
        page.on("console", lambda m: m.type == "error" and console.append(m.text))
        if relay:

            def identity(route):
                headers = {**route.request.headers, "accept-encoding": "identity"}
                route.fulfill(response=route.fetch(headers=headers))

            page.route(f"**/*{relay}*", identity)
        page.goto(url, wait_until="networkidle")
        if "/admin/" in url:
            return console, page.evaluate(ADMIN_CHECKS)
        return console, page.evaluate(HOME_CHECKS, WEB_FONT)
    finally:
        context.close()


def change_stored_copy(site, url: str) -> None:
    """Other bytes, same length, under the hashed name `url` links, where the strategy stores
    it: the bucket (S3 + CDN), else the disk that WhiteNoise or nginx read (written in place,
    nginx's .gz and .br copies removed, so that it sends the changed file)."""
    name = url.split("/static/", 1)[1]
    if site.answers["serving_strategy"] == "s3_cdn":
        client, bucket = s3_client(site), site.local_stack_env()["DJANGO_S3_BUCKET"]
        key = f"static/{name}"
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        extra = {"ContentType": "text/css; charset=utf-8", "CacheControl": "no-cache"}
        client.put_object(Bucket=bucket, Key=key, Body=tampered(body), **extra)
        return
    path = site.project / "staticfiles" / name
    with open(path, "r+b") as file:  # in place: the inode WhiteNoise and nginx know
        body = file.read()
        file.seek(0)
        file.write(tampered(body))
    if site.answers["serving_strategy"] == "nginx":
        for suffix in (".gz", ".br"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def tampered(body: bytes) -> bytes:
    """`body` with its first rule's colours gone: as long, and no longer what was hashed."""
    changed = body.replace(b"#", b" ", 8)
    assert changed != body and len(changed) == len(body)
    return changed


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_the_browser_refuses_a_stylesheet_changed_where_it_is_stored(
    strategy, bake, browser, tmp_path
):
    """Once the next release is collected, the running release's pages (a rolling deploy's
    old half) pass every digest; the admin's stylesheet changed in storage is refused, named
    in the console, and not applied."""
    answers = {"serving_strategy": strategy, "media_storage": "none"}
    project = copy_project(bake(answers), tmp_path / "site", ".venv")
    with started_site(answers, project) as site:
        login = requests.get(f"{site.url}/admin/login/", timeout=10).text
        if strategy != "whitenoise":  # several releases live at once: nginx, S3 + CDN
            next_release = changed_copy(site, tmp_path, "next release")
            shared = {"DJANGO_STATIC_ROOT": str(project / "staticfiles")}
            result = publish(site, next_release, "next", **({} if strategy == "s3_cdn" else shared))
            assert result.returncode == 0, result.stdout + result.stderr
            console, seen = visit(browser, f"{site.url}/")
            assert not console, console
            assert seen["header"] == PROJECT_HEADER_BACKGROUND, seen
            assert seen["script"] == "ran", seen

        stylesheet = hashed_url(login, "admin/css/base.css")
        change_stored_copy(site, stylesheet)
        relay = "/admin/css/base." if strategy == "whitenoise" else ""
        console, seen = visit(browser, f"{site.url}/admin/login/", relay=relay)
    refused = [m for m in console if "integrity" in m and stylesheet.rsplit("/", 1)[1] in m]
    assert refused, f"no integrity failure named {stylesheet} in the console: {console}"
    assert seen["header"] != ADMIN_HEADER_BACKGROUND, f"the changed {stylesheet} was applied"


def test_after_a_whitenoise_deploy_the_previous_pages_assets_still_pass_their_digests(
    bake, tmp_path
):
    """WhiteNoise: the next release collected and the server started again (a deploy); a page
    rendered before it (an open tab) still gets each asset it links, with the bytes its
    integrity digest promises."""
    answers = {"serving_strategy": "whitenoise", "media_storage": "none"}
    project = copy_project(bake(answers), tmp_path / "site", ".venv")
    with started_site(answers, project) as site:
        before = requests.get(f"{site.url}/", timeout=10).text
    stylesheet = project / "static" / "css" / "site.css"
    stylesheet.write_text(stylesheet.read_text() + "\n/* the next release */\n")
    with started_site(answers, project) as site:
        after = requests.get(f"{site.url}/", timeout=10).text
        assert hashed_url(after, "css/site.css") != hashed_url(before, "css/site.css")
        linked = re.findall(r'(?:href|src)="([^"]+)" integrity="([^"]+)"', before)
        assert len(linked) >= 2, before
        for url, integrity in linked:
            answer = requests.get(f"{site.url}{url}", timeout=10)
            assert answer.status_code == 200, f"{url}: {answer.status_code} after the deploy"
            algorithm, _, expected = integrity.partition("-")
            digest = base64.b64encode(hashlib.new(algorithm, answer.content).digest()).decode()
            assert digest == expected, f"{url}: other bytes than its digest promises"
            assert "immutable" in answer.headers["Cache-Control"], url
