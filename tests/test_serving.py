"""Every variant, running like production with DEBUG=False, serves every asset its pages use."""

import contextlib
import dataclasses
import hashlib
import html
import json
import os
import re
import shutil
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from harness.crawl import asset_problems, crawl_assets
from harness.faults import files_that_lie, nearly_full_disk, snapshot
from harness.servers import LOOPBACK, exits, free_port, running
from harness.sites import PNG, UPLOAD_CHECKSUMS, admin_session, changed_copy, serve_env, upload
from harness.variants import COOKIECUTTER_JSON, VARIANTS, variant_id

WHITENOISE_VARIANTS = [a for a in VARIANTS if a["serving_strategy"] == "whitenoise"]

pytestmark = pytest.mark.serving

PAGES = ["/", "/admin/login/"]


@pytest.mark.threat("Deploy settings and headers", "check --deploy --fail-level WARNING")
def test_production_settings_pass_check_deploy(site):
    """The .env values the hook wrote are production values: no warning at all."""
    output = site.manage("check", "--deploy", "--fail-level", "WARNING")
    assert "no issues" in output, f"{site.name}: {output}"


@pytest.mark.parametrize("page", PAGES)
def test_page_serves_every_asset_hashed_cached_and_compressed(site, page):
    response, assets = crawl_assets(requests.Session(), site.url + page)
    assert response.status_code == 200, f"{site.name}: {page} answered {response.status_code}"
    assert len(assets) >= 3, f"{site.name}: {page} references only {len(assets)} assets"
    problems = [problem for asset in assets for problem in asset_problems(asset)]
    assert not problems, f"{site.name}, {page}:\n" + "\n".join(problems)


def test_home_page_reaches_the_font_and_background_through_css_urls(site):
    _, assets = crawl_assets(requests.Session(), site.url + "/")
    from_css = {
        Path(urlsplit(a.url).path).suffix
        for a in assets
        if any(referrer.endswith(".css") for referrer in a.referrers)
    }
    assert {".woff2", ".png"} <= from_css, f"{site.name}: css url()s reached {from_css}"


def test_home_page_describes_the_site_with_the_description_prompt(site):
    """Search engines show the meta description under the site's name (Lighthouse's SEO)."""
    page = requests.get(site.url + "/", timeout=30).text
    found = re.search(r'<meta name="description" content="([^"]*)">', page)
    expected = COOKIECUTTER_JSON["description"]
    assert found and html.unescape(found[1]) == expected, f"{site.name}: {found}"


def test_home_page_says_where_uploads_live_and_nothing_without_them(site):
    page = requests.get(site.url + "/", timeout=30).text
    expected = {"local": "under /media/", "s3": "reached by signed links", "none": None}
    where = expected[site.answers["media_storage"]]
    if where is None:
        assert "Media files" not in page, f"{site.name}: describes media it does not have"
    else:
        assert where in page, f"{site.name}: home page lacks {where!r}"


def test_served_asset_bytes_are_the_collected_file(site):
    """What the server sends, decompressed, is byte for byte what collectstatic wrote."""
    _, assets = crawl_assets(requests.Session(), site.url + "/")
    static_root = site.project / "staticfiles"
    for asset in assets:
        name = urlsplit(asset.url).path.removeprefix("/static/")
        assert asset.body == (static_root / name).read_bytes(), f"{site.name}: {asset.url}"


def in_bucket(site) -> bool:
    return site.answers["media_storage"] == "s3"


def test_uploaded_image_round_trips_byte_for_byte(media_site):
    site = media_site
    session = admin_session(site)
    url = upload(session, site, "photo.png", PNG.read_bytes(), "image/png")
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, f"{site.name}: {url} answered {response.status_code}"
    assert response.content == PNG.read_bytes(), f"{site.name}: {url} bytes differ"
    assert response.headers["Content-Type"] == "image/png", f"{site.name}: {url}"
    if in_bucket(site):  # the bucket's own origin, never the site's
        assert urlsplit(url).netloc != urlsplit(site.url).netloc, f"{site.name}: {url}"
    else:
        assert response.headers["X-Content-Type-Options"] == "nosniff", f"{site.name}: {url}"


@pytest.mark.threat(
    "Served files", "Dotfile or symlink planted in STATIC_ROOT: server refuses to start"
)
@pytest.mark.parametrize("plant", [".env", "symlink"])
def test_server_refuses_to_start_with_private_files_in_static_root(site, tmp_path, plant):
    """WhiteNoise would serve whatever STATIC_ROOT holds; the start-up checks say no first."""
    static_root = tmp_path / "staticfiles"
    shutil.copytree(site.project / "staticfiles", static_root)
    if plant == ".env":
        (static_root / ".env").write_text("DJANGO_SECRET_KEY=must-never-be-served")
    else:
        (static_root / "css" / "hosts.css").symlink_to("/etc/hosts")
    # The app server as production starts it (deploy/start, gunicorn): where the refusal is.
    env = serve_env(
        site, free_port(), DJANGO_STATIC_ROOT=str(static_root), **site.local_stack_env()
    )
    code, output = exits(site.app_server(free_port()), site.project, env)
    assert code != 0 and "static.E002" in output, f"{site.name} started with {plant}:\n{output}"


@pytest.mark.threat(
    "Faults during deploys", "Server started before collectstatic refuses, naming the command"
)
def test_server_refuses_to_start_before_collectstatic(site, tmp_path):
    """The app server as production starts it, a release that was never collected."""
    empty = tmp_path / "never-collected"
    env = serve_env(
        site,
        free_port(),
        DJANGO_STATIC_ROOT=str(empty),
        DJANGO_STATIC_MANIFESTS_ROOT=str(empty),
        DJANGO_RELEASE_ID="never-collected",
        **site.local_stack_env(),
    )
    code, output = exits(site.app_server(free_port()), site.project, env)
    assert code != 0 and "collectstatic --noinput" in output, f"{site.name}:\n{output}"


@pytest.mark.threat("Served files", "Upload over the size limit refused (413)")
def test_upload_over_the_limit_is_refused_with_413(media_site):
    session = admin_session(media_site)
    add = f"{media_site.url}/admin/uploads/upload/add/"
    session.get(add, timeout=30)
    too_big = b"\0" * (10 * 1024 * 1024 + 128 * 1024)  # the default DJANGO_MAX_UPLOAD_MB=10
    response = session.post(
        add,
        timeout=60,
        files={"file": ("big.bin", too_big)},
        data={"title": "big", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
    )
    assert response.status_code == 413, f"{media_site.name}: {response.status_code}"


@pytest.mark.threat("Nothing lost for media", "Second upload under the same name keeps the first")
def test_second_upload_with_the_same_name_keeps_the_first(media_site):
    session = admin_session(media_site)
    first = upload(session, media_site, "notes.txt", b"first version", "text/plain")
    second = upload(session, media_site, "notes.txt", b"second version", "text/plain")
    assert first != second, f"{media_site.name}: both uploads got {first}"
    assert requests.get(first, timeout=30).content == b"first version", media_site.name
    assert requests.get(second, timeout=30).content == b"second version", media_site.name


CONCURRENT_UPLOADS = 8
# Each upload row's title and the SHA-256 of the bytes its file has in storage.
UPLOAD_ROWS = (
    "import hashlib, json; from uploads.models import Upload; "
    "print(json.dumps([[u.title, u.file.name, hashlib.sha256(u.file.open('rb').read())"
    ".hexdigest()] for u in Upload.objects.all()]))"
)


@pytest.mark.threat(
    "Nothing lost for media",
    f"{CONCURRENT_UPLOADS} concurrent same-name uploads, each read back byte for byte",
)
def test_concurrent_uploads_under_one_name_each_keep_their_own_bytes(media_site):
    """Every upload picks a free name, then writes: two that check at the same moment pick
    the same one. The storage must notice (S3: a conditional write; disk: O_EXCL) and retry."""
    site = media_site
    session = admin_session(site)
    add = f"{site.url}/admin/uploads/upload/add/"
    session.get(add, timeout=30)
    token = session.cookies["csrftoken"]
    contents = {f"race-{number}": os.urandom(4096) for number in range(CONCURRENT_UPLOADS)}
    start = threading.Barrier(CONCURRENT_UPLOADS)

    def post(title: str) -> int:
        client = requests.Session()
        client.cookies.update(session.cookies)
        start.wait(timeout=30)
        response = client.post(
            add,
            timeout=60,
            allow_redirects=False,
            files={"file": ("same.png", contents[title], "image/png")},
            data={"title": title, "csrfmiddlewaretoken": token},
        )
        return response.status_code

    with ThreadPoolExecutor(CONCURRENT_UPLOADS) as pool:
        statuses = list(pool.map(post, contents))
    assert statuses == [302] * CONCURRENT_UPLOADS, f"{site.name}: answers {statuses}"

    env = serve_env(site, site.port, **site.local_stack_env())
    output = site.manage("shell", "-c", UPLOAD_ROWS, env=env)
    rows = [row for row in json.loads(output.strip().splitlines()[-1]) if row[0] in contents]
    assert len(rows) == CONCURRENT_UPLOADS, f"{site.name}: {len(rows)} rows: {rows}"
    names = [name for _, name, _ in rows]
    assert len(set(names)) == CONCURRENT_UPLOADS, f"{site.name}: names shared: {sorted(names)}"
    wrong = [
        f"{title} -> {name}"
        for title, name, digest in rows
        if digest != hashlib.sha256(contents[title]).hexdigest()
    ]
    assert not wrong, f"{site.name}: uploads overwritten by another: {wrong}"


# Uploads whose bytes are markup and script: name, and the only type each may come back with.
HOSTILE_UPLOADS = {
    "page.html": "application/octet-stream",
    "drawing.svg": "application/octet-stream",
    "trick.png.html": "application/octet-stream",
    "script.js": "application/octet-stream",
    "no-extension": "application/octet-stream",
    "fake.png": "image/png",  # a PNG name: typed by its name, never by the uploader's text/html
}


@pytest.mark.threat("Served files", "Hostile upload never renderable on the site")
@pytest.mark.parametrize("name", HOSTILE_UPLOADS)
def test_uploaded_markup_never_comes_back_renderable_on_the_site(media_site, name):
    session = admin_session(media_site)
    markup = b"<html><script>alert(document.cookie)</script></html>"
    url = upload(session, media_site, name, markup, "text/html")
    response = requests.get(url, timeout=30)
    headers, where = response.headers, f"{media_site.name}: {url}"
    assert response.status_code == 200 and response.content == markup, where
    assert headers["Content-Type"] == HOSTILE_UPLOADS[name], where
    if HOSTILE_UPLOADS[name] == "application/octet-stream":
        assert headers["Content-Disposition"].startswith("attachment"), where
    if in_bucket(media_site):  # S3 sets no CSP: the answer comes from the bucket's origin
        assert urlsplit(url).netloc != urlsplit(media_site.url).netloc, where
    else:
        assert headers["X-Content-Type-Options"] == "nosniff", where
        assert headers["Content-Security-Policy"].startswith("sandbox"), where


@pytest.mark.parametrize(
    "answers", [a for a in VARIANTS if a["media_storage"] == "s3"], ids=variant_id
)
def test_uploads_in_the_bucket_are_private_and_linked_signed(answers, start_site):
    """moto does not enforce a signed URL's expiry, so that part is left to the project's own
    tests (X-Amz-Expires on every link); anonymous reads it does refuse."""
    site = start_site(answers)
    url = upload(admin_session(site), site, "private.png", PNG.read_bytes(), "image/png")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=" in url, f"{site.name}: {url}"
    assert requests.get(url, timeout=30).status_code == 200, f"{site.name}: signed {url}"
    unsigned = url.split("?", 1)[0]
    assert requests.get(unsigned, timeout=30).status_code == 403, f"{site.name}: {unsigned}"
    # The uploader's Content-Type is never kept: a .png sent as text/html stays image/png.
    trick = upload(
        admin_session(site), site, "trick.png", b"<script>alert(1)</script>", "text/html"
    )
    served = requests.get(trick, timeout=30).headers["Content-Type"]
    assert served == "image/png", f"{site.name}: {trick} served as {served}"


@pytest.mark.parametrize("answers", WHITENOISE_VARIANTS, ids=variant_id)
def test_whitenoise_behind_a_cdn_host_links_assets_on_that_host(answers, start_site):
    """DJANGO_STATIC_HOST puts static URLs on the CDN's host; the CDN pulls from this server.
    Here `localhost` plays the CDN host for a page fetched from 127.0.0.1."""
    site = start_site(answers)
    port = free_port()
    env = serve_env(site, port, DJANGO_STATIC_HOST=f"http://localhost:{port}")
    with running(
        site.serve_command, site.project, env, f"http://127.0.0.1:{port}/", name="cdn-host"
    ):
        response, assets = crawl_assets(requests.Session(), f"http://127.0.0.1:{port}/")
    assert assets and all(a.url.startswith(f"http://localhost:{port}/static/") for a in assets)
    problems = [problem for asset in assets for problem in asset_problems(asset)]
    assert not problems, f"{site.name} with DJANGO_STATIC_HOST:\n" + "\n".join(problems)


def test_make_run_on_a_busy_port_says_so_in_one_line_with_another_port(site):
    """The port is the running site's own: a second make run must not print a traceback."""
    command = ["make", "--no-print-directory", "run", f"PORT={site.port}", f"VENV={site.venv}"]
    code, output = exits(command, site.project, dict(os.environ))
    assert code != 0, f"{site.name}: a second make run on a busy port started"
    errors = [line for line in output.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and "Traceback" not in output, output
    assert f"port {site.port}" in errors[0] and f"PORT={site.port + 1}" in errors[0], output


@pytest.mark.parametrize(
    "answers", [a for a in VARIANTS if a["serving_strategy"] != "whitenoise"], ids=variant_id
)
def test_make_run_without_nginx_says_how_to_install_it(answers, start_site):
    """nginx fronts the site (nginx) or plays the CDN (s3_cdn): without it, a clear refusal."""
    site = start_site(answers)
    env = serve_env(site, free_port(), NGINX="/nonexistent/nginx")
    code, output = exits(site.serve_command, site.project, env)
    assert code != 0, f"{site.name} started without nginx"
    assert "nginx is not installed" in output and "apt-get install nginx" in output, output


def upload_checksums(site) -> dict[str, str]:
    env = serve_env(site, site.port, **site.local_stack_env())
    output = site.manage("shell", "-c", UPLOAD_CHECKSUMS, env=env)
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.threat(
    "Nothing lost for media",
    "Checksums across collectstatic --clear, a restart, a same-name upload",
)
def test_uploads_survive_clear_restart_and_same_name_uploads_byte_for_byte(media_site, tmp_path):
    """Every file a row references keeps its bytes after `collectstatic --clear`, a second
    server process on the same storage (a restart), and an upload under a taken name."""
    site = media_site
    session = admin_session(site)
    for name, content in (("keep.png", PNG.read_bytes()), ("keep.txt", b"the first keep.txt")):
        upload(session, site, name, content, "application/octet-stream")
    before = upload_checksums(site)
    assert len(before) >= 2, before

    env = serve_env(site, site.port, **site.local_stack_env())
    if site.answers["serving_strategy"] != "s3_cdn":  # never --clear a bucket other releases use
        site.manage("collectstatic", "--noinput", "--clear", env=env)
    port = free_port()
    restarted = dataclasses.replace(site, url=f"http://127.0.0.1:{port}")
    server_env = serve_env(site, port, **site.local_stack_env())
    with running(site.app_server(port), site.project, server_env, restarted.url + "/", "app"):
        session = admin_session(restarted)
        upload(session, restarted, "keep.txt", b"a second keep.txt", "text/plain")
    after = upload_checksums(site)
    lost = {name: digest for name, digest in before.items() if after.get(name) != digest}
    assert not lost, f"{site.name}: uploads lost or changed: {lost}"
    assert len(after) == len(before) + 1, f"{site.name}: {sorted(after)}"


IDLE_CLIENTS = 40


@pytest.mark.threat(
    "Served files", f"{IDLE_CLIENTS} idle keep-alive connections do not lock out a new client"
)
def test_idle_keep_alive_connections_do_not_lock_out_new_clients(site):
    """Browsers keep connections open between requests. A server that counts an idle
    connection as busy (granian's backpressure set to its thread count did) stops answering
    anyone once a few browsers have visited."""
    with contextlib.ExitStack() as idle:
        for number in range(IDLE_CLIENTS):
            client = idle.enter_context(socket.create_connection((LOOPBACK, site.port), 10))
            client.sendall(f"GET / HTTP/1.1\r\nHost: {LOOPBACK}\r\n\r\n".encode())
            try:
                status = client.makefile("rb").readline()
            except TimeoutError:
                status = b"no answer within 10 s"
            assert status.startswith(b"HTTP/1.1 200"), f"{site.name}: client {number}: {status}"
        response = requests.get(site.url + "/", timeout=10)
        assert response.status_code == 200, site.name


@pytest.mark.threat(
    "Faults during deploys",
    "collectstatic on a full disk under a running server: no served byte changed",
)
@pytest.mark.parametrize("answers", WHITENOISE_VARIANTS[:1], ids=variant_id)
def test_collectstatic_failing_on_a_full_disk_changes_nothing_the_server_sends(
    answers, start_site, tmp_path
):
    """WhiteNoise serves STATIC_ROOT as it is on disk. A collectstatic for changed code into
    that folder, on a full disk, fails; the running server keeps sending every asset whole."""
    site = start_site(answers)
    static_root, manifests = tmp_path / "staticfiles", tmp_path / "static-manifests"
    shutil.copytree(site.project / "staticfiles", static_root)
    shutil.copytree(site.project / "static-manifests", manifests)
    port = free_port()
    env = serve_env(
        site,
        port,
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_STATIC_MANIFESTS_ROOT=str(manifests),
    )
    url = f"http://{LOOPBACK}:{port}/"
    source = changed_copy(site, tmp_path, "the release after the full disk")
    with (
        nearly_full_disk(static_root),
        running(site.app_server(port), site.project, env, url, "app"),
    ):
        before = snapshot(static_root)
        result = site.manage_in(source, "collectstatic", "--noinput", env=env)
        assert result.returncode != 0, f"{site.name}: collectstatic on a full disk succeeded"
        assert "No space left on device" in result.stderr, result.stderr[-2000:]
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        after = snapshot(static_root)
        changed = [name for name, seen in before.items() if after.get(name) != seen]
        assert not changed, f"{site.name}: changed by a failed collectstatic: {changed[:10]}"
        assert not [name for name in after if name.endswith(".partial")], sorted(after)
        assert not files_that_lie(static_root), files_that_lie(static_root)
        _, assets = crawl_assets(requests.Session(), url)
        problems = [problem for asset in assets for problem in asset_problems(asset)]
        assert assets and not problems, f"{site.name}:\n" + "\n".join(problems)
        for asset in assets:
            name = urlsplit(asset.url).path.removeprefix("/static/")
            assert asset.body == (static_root / name).read_bytes(), asset.url
