"""The Nginx strategy against real nginx: probes, the production config, releases, rollback."""

import http.client
import json
import os
import runpy
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
import requests

from harness.bake import TOOLS
from harness.crawl import asset_problems, crawl_assets, css_urls, page_asset_urls
from harness.faults import files_that_lie, nearly_full_disk, snapshot
from harness.servers import exits, raw_get, run, wait_for
from harness.sites import (
    CHANGED_IN_NEXT_RELEASE,
    NGINX_VARIANTS,
    PRODUCTION_HSTS_SECONDS,
    UPLOAD_CHECKSUMS,
)
from harness.variants import variant_id


@pytest.fixture(scope="session", params=NGINX_VARIANTS, ids=variant_id)
def nginx_site(request, start_site):
    """Each nginx variant running with its own `make run`: nginx in front of gunicorn."""
    return start_site(request.param)


def test_a_request_for_an_unknown_host_gets_no_answer(nginx_site):
    port = int(nginx_site.url.rsplit(":", 1)[1])
    with pytest.raises(http.client.RemoteDisconnected):
        raw_get(port, "/", host="attacker.example")


def test_a_page_is_logged_once_by_nginx_and_not_again_by_gunicorn(nginx_site):
    """gunicorn's own access line per page cost a quarter of the pages per second. Its lines
    reach make run's log through honcho a moment after nginx's: the log is read for a few
    seconds, and the page's line must not come."""
    marker = "log-probe-7f3a"
    assert requests.get(f"{nginx_site.url}/?{marker}", timeout=30).status_code == 200
    access = nginx_site.project / ".run" / f"nginx-{nginx_site.port}" / "access.log"
    wait_for(lambda: marker in access.read_text(), 10, f"nginx did not log the page in {access}")
    make_run_log = nginx_site.project / ".make-run.log"
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        assert marker not in make_run_log.read_text(), f"gunicorn logged it too: {make_run_log}"
        time.sleep(0.2)


def test_production_config_passes_nginx_t(nginx_production):
    prefix = nginx_production.app_root / "nginx"
    run(["nginx", "-t", "-q", "-p", str(prefix), "-c", str(nginx_production.nginx_config)], prefix)


def test_production_config_passes_gixy(nginx_production):
    output = run([f"{TOOLS}/gixy", str(nginx_production.nginx_config)], nginx_production.app_root)
    assert "No issues found" in output, f"{nginx_production.name}:\n{output}"


def test_systemd_units_pass_systemd_analyze_verify(nginx_production, tmp_path):
    """Verified against the deployed tree, where ExecStart's gunicorn really exists. Some
    problems are only printed, so the output must be empty as well as the exit code 0."""
    for unit in (nginx_production.source / "deploy/nginx/systemd").iterdir():
        text = unit.read_text().replace(f"/srv/{unit.stem}", str(nginx_production.app_root))
        (tmp_path / unit.name).write_text(text)
    units = sorted(str(path) for path in tmp_path.iterdir())
    result = subprocess.run(
        ["systemd-analyze", "verify", *units],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and output == "", f"{nginx_production.name}:\n{output}"


def test_https_serves_every_asset_to_workers_running_as_another_user(nginx_production):
    for page in ("/", "/admin/login/"):
        response, assets = crawl_assets(
            nginx_production.session(), nginx_production.https_url + page
        )
        assert response.status_code == 200, f"{nginx_production.name}: {page}"
        problems = [problem for asset in assets for problem in asset_problems(asset)]
        assert not problems, f"{nginx_production.name}, {page}:\n" + "\n".join(problems)


def test_https_requests_reach_django_as_secure(nginx_production):
    response = nginx_production.session().get(
        nginx_production.https_url + "/admin/login/", allow_redirects=False
    )
    assert response.status_code == 200, "SECURE_SSL_REDIRECT redirected an HTTPS request"
    assert "Secure" in response.headers["Set-Cookie"]


def test_hsts_follows_the_settings_on_pages_static_files_and_errors(nginx_production):
    """DJANGO_HSTS_SECONDS is two years in this deployment's .env: nginx's answers (static files,
    its own 404) say the same as Django's pages, once."""
    session, base = nginx_production.session(), nginx_production.https_url
    _, assets = crawl_assets(session, base + "/")
    answers = {
        "page": session.get(base + "/"),
        "static file": session.get(assets[0].url),
        "nginx's 404": session.get(base + "/static/no-such-file.css"),
    }
    expected = f"max-age={PRODUCTION_HSTS_SECONDS}; includeSubDomains; preload"
    seen = {what: r.headers.get("Strict-Transport-Security") for what, r in answers.items()}
    assert set(seen.values()) == {expected}, f"{nginx_production.name}: {seen}"


@pytest.mark.parametrize(
    "spoofed",
    [
        {"X-Forwarded-Proto": "https"},
        {"X-Forwarded-Ssl": "on"},
        {"X-Forwarded-Protocol": "ssl"},
    ],
)
def test_plain_http_is_redirected_whatever_forwarded_headers_the_client_sends(
    nginx_production, spoofed
):
    response = requests.get(
        nginx_production.http_url + "/admin/login/",
        headers=spoofed,
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 301, f"{nginx_production.name}: {spoofed}"
    assert response.headers["Location"].startswith(nginx_production.https_url)


def test_tls_for_an_unknown_host_name_is_refused(nginx_production):
    port = int(nginx_production.https_url.rsplit(":", 1)[1])
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        pytest.raises(ssl.SSLError),
    ):
        context.wrap_socket(raw, server_hostname="attacker.example")


def asset_urls(session, page_url: str) -> tuple[str, set[str]]:
    """The page's HTML and every asset URL it needs, with the url()s inside its CSS."""
    html = session.get(page_url).text
    urls = set(page_asset_urls(page_url, html))
    for url in [u for u in urls if u.endswith(".css")]:
        urls |= set(css_urls(url, session.get(url).text))
    return html, urls


def page_if_changed(session, url: str, old_html: str) -> str | None:
    """The page's HTML once it answers 200 with something other than `old_html` (while
    gunicorn restarts, nginx answers 502)."""
    response = session.get(url)
    return response.text if response.ok and response.text != old_html else None


def failed_deploy(stack, release: str) -> str:
    """Run a deploy that must fail; its output."""
    code, output = exits(
        ["deploy/nginx/deploy.sh", "deploy", release], stack.source, stack.env, 600
    )
    assert code != 0, f"{stack.name}: the broken deploy succeeded\n{output[-2000:]}"
    return output


def assert_still_live(stack, live: Path) -> None:
    """`current` is where it was, and the live release serves every page and asset."""
    assert (stack.app_root / "current").resolve() == live, f"{stack.name}: current moved"
    session = stack.session()
    for page in ("/", "/admin/login/"):
        _, assets = crawl_assets(session, stack.https_url + page)
        problems = [problem for asset in assets for problem in asset_problems(asset)]
        assert assets and not problems, f"{stack.name}, {page}:\n" + "\n".join(problems)


@pytest.mark.threat("Faults during deploys", "collectstatic failing halfway on disk")
def test_a_collectstatic_failing_halfway_stops_the_deploy_and_the_site_stays(
    nginx_production, tmp_path
):
    """A file that cannot be read mid-way through collectstatic (a dangling symlink): the
    deploy stops before the switch, says which file, and v1 keeps serving."""
    stack = nginx_production
    live = (stack.app_root / "current").resolve()
    broken = stack.source / "static" / "css" / "zz-unreadable.css"
    broken.symlink_to(tmp_path / "gone.css")
    try:
        output = failed_deploy(stack, "broken-collect")
    finally:
        broken.unlink()
    assert "zz-unreadable.css" in output, output[-2000:]
    assert_still_live(stack, live)


@pytest.mark.threat("Faults during deploys", "Missing manifest entry caught at build time")
def test_a_template_linking_a_missing_file_stops_the_deploy_with_its_name(nginx_production):
    """Caught while building the release, with the template and the path, never as a 500."""
    stack = nginx_production
    live = (stack.app_root / "current").resolve()
    base = stack.source / "pages" / "templates" / "base.html"
    original = base.read_text()
    base.write_text(
        original.replace(
            "</body>",
            '{% if user.is_superuser %}<link rel="stylesheet" '
            "href=\"{% static 'css/never-added.css' %}\">{% endif %}</body>",
        )
    )
    try:
        output = failed_deploy(stack, "missing-entry")
    finally:
        base.write_text(original)
    assert "collected.template_references" in output, output[-2000:]
    assert "base.html: css/never-added.css" in output, output[-2000:]
    assert_still_live(stack, live)


@pytest.mark.threat(
    "Faults during deploys",
    "Deploy on a full disk whose freed blocks another writer takes: no live byte changed",
)
@pytest.mark.parametrize("nginx_production", NGINX_VARIANTS[:1], ids=variant_id, indirect=True)
def test_a_deploy_failing_on_a_full_disk_changes_no_file_the_live_release_serves(
    nginx_production,
):
    """shared/static on a real, full filesystem; the next release changes a stylesheet and a
    script, so it must write. The deploy fails, and every file that was there is the same
    file with the same bytes: none replaced, truncated or deleted, none left half-written."""
    stack = nginx_production
    live = (stack.app_root / "current").resolve()
    shared_static = stack.app_root / "shared" / "static"
    originals = {name: (stack.source / name).read_text() for name in CHANGED_IN_NEXT_RELEASE}
    for name, text in originals.items():
        (stack.source / name).write_text(text + "\n/* the release after the full disk */\n")
    try:
        with nearly_full_disk(shared_static):
            before = snapshot(shared_static)
            output = failed_deploy(stack, "full-disk")
            after = snapshot(shared_static)
            assert "No space left on device" in output, output[-2000:]
            assert "Traceback" not in output, output[-3000:]
            changed = [name for name, seen in before.items() if after.get(name) != seen]
            assert not changed, f"{stack.name}: changed by a failed deploy: {changed[:10]}"
            partial = [name for name in after if name.endswith(".partial")]
            assert not partial, f"{stack.name}: left half-written: {partial}"
            assert not files_that_lie(shared_static), files_that_lie(shared_static)
            assert_still_live(stack, live)
    finally:
        for name, text in originals.items():
            (stack.source / name).write_text(text)


def test_old_pages_keep_their_assets_across_a_release_and_a_rollback(nginx_production):
    stack, session = nginx_production, nginx_production.session()
    home = stack.https_url + "/"
    v1_html, v1_assets = asset_urls(session, home)

    for name, addition in (
        ("static/css/site.css", "\n.release-two { color: #123456; }\n"),
        ("pages/static/pages/js/site.js", "\n// release two\n"),
    ):
        path = stack.source / name
        path.write_text(path.read_text() + addition)
    stack.deploy("deploy", "v2")
    v2_html = wait_for(
        lambda: page_if_changed(session, home, v1_html),
        60,
        f"{stack.name}: v2's page never replaced v1's",
    )
    changed = set(page_asset_urls(home, v2_html)) - v1_assets
    assert {Path(u).suffix for u in changed} >= {".css", ".js"}, f"v2 changed only {changed}"

    stale = [
        f"{url}: {status}"
        for url in sorted(v1_assets)
        if (status := session.get(url).status_code) != 200
    ]
    assert not stale, f"{stack.name}: v1 pages lost assets after v2:\n" + "\n".join(stale)

    stack.deploy("rollback")
    wait_for(lambda: session.get(home).text == v1_html, 60, f"{stack.name}: rollback to v1")
    _, assets = crawl_assets(session, home)
    problems = [problem for asset in assets for problem in asset_problems(asset)]
    assert not problems, f"{stack.name} after rollback:\n" + "\n".join(problems)
    assert "v1  <- current" in stack.deploy("list")


# One upload to follow, added once, then every row's checksum (test_serving's script).
UPLOAD_AND_SUM = (
    "from django.core.files.base import ContentFile; from uploads.models import Upload; "
    "Upload.objects.create(title='kept', file=ContentFile(b'kept across releases', 'kept.txt')) "
    "if not Upload.objects.exists() else None; " + UPLOAD_CHECKSUMS
)


def current_uploads(stack) -> dict[str, str]:
    """Upload rows of the live release and their files' checksums (one is added if none)."""
    current = stack.app_root / "current"
    release = dict(
        line.split("=", 1) for line in (current / "release.env").read_text().splitlines() if line
    )
    python = str(current / ".venv" / "bin" / "python")
    output = run([python, "manage.py", "shell", "-c", UPLOAD_AND_SUM], current, stack.env | release)
    return json.loads(output.strip().splitlines()[-1])


LOCAL_MEDIA = [answers for answers in NGINX_VARIANTS if answers["media_storage"] == "local"]


@pytest.mark.threat("Nothing lost for media", "Checksums across a deploy and a rollback")
@pytest.mark.parametrize("nginx_production", LOCAL_MEDIA, ids=variant_id, indirect=True)
def test_uploads_keep_their_bytes_across_a_deploy_and_a_rollback(nginx_production):
    stack = nginx_production
    before = current_uploads(stack)
    assert before, f"{stack.name}: no upload to follow"
    stack.deploy("deploy", "v-media")
    assert current_uploads(stack) == before, f"{stack.name}: uploads changed by a deploy"
    stack.deploy("rollback")
    assert current_uploads(stack) == before, f"{stack.name}: uploads changed by a rollback"
    for name in before:
        assert (stack.app_root / "shared" / "media" / name).is_file(), name


def releases_listed(stack) -> list[str]:
    """deploy.sh list: the releases on disk, oldest deployed first; the current one marked."""
    return stack.deploy("list").split("\n")[:-1]


def current_release(stack) -> str:
    return (stack.app_root / "current").resolve().name


@pytest.mark.threat(
    "Faults during deploys",
    "Three deploys, two rollbacks: each steps back once; pruning keeps distinct releases",
)
@pytest.mark.parametrize("nginx_production", NGINX_VARIANTS[:1], ids=variant_id, indirect=True)
def test_each_rollback_steps_back_one_release_and_pruning_keeps_distinct_ones(
    nginx_production,
):
    """Rollback goes to the release deployed before the current one, every time (a second
    rollback never goes forward again), and pruning counts releases, not log lines."""
    stack = nginx_production
    keep_three = {**stack.env, "KEEP_RELEASES": "3"}
    for release in ("r1", "r2", "r3"):
        run(["deploy/nginx/deploy.sh", "deploy", release], stack.source, keep_three)
    stack.deploy("rollback")
    assert current_release(stack) == "r2", releases_listed(stack)
    stack.deploy("rollback")
    assert current_release(stack) == "r1", releases_listed(stack)
    assert releases_listed(stack)[-3:] == ["r1  <- current", "r2", "r3"], releases_listed(stack)
    session, home = stack.session(), stack.https_url + "/"
    wait_for(lambda: session.get(home).ok, 60, f"{stack.name}: r1 never answered after rollback")

    # Two to keep: the newest two deployed, and with them the live one and the one before it.
    run(
        ["deploy/nginx/deploy.sh", "deploy", "r4"],
        stack.source,
        {**stack.env, "KEEP_RELEASES": "2"},
    )
    assert releases_listed(stack) == ["r3", "r4  <- current"], releases_listed(stack)
    stack.deploy("rollback")
    assert current_release(stack) == "r3", releases_listed(stack)


def test_rollback_with_nothing_before_the_current_release_refuses_and_changes_nothing(
    bake, tmp_path
):
    """On a layout deploy.sh made (releases, its log, `current`), without building one."""
    project = bake(NGINX_VARIANTS[0])
    releases = tmp_path / "releases"
    for release in ("only",):
        (releases / release).mkdir(parents=True)
    (tmp_path / "releases.log").write_text("only\n")
    (tmp_path / "current").symlink_to("releases/only")
    env = {**os.environ, "APP_ROOT": str(tmp_path), "RESTART_COMMAND": "true"}
    code, output = exits(["deploy/nginx/deploy.sh", "rollback"], project, env)
    assert code == 1 and "no release was deployed before only" in output, output
    assert (tmp_path / "current").resolve().name == "only"

    empty = tmp_path / "empty"
    empty.mkdir()
    code, output = exits(
        ["deploy/nginx/deploy.sh", "list"], project, {**env, "APP_ROOT": str(empty)}
    )
    assert code == 0 and output.startswith("No releases in"), output


@pytest.mark.parametrize("threads, worker_class", [(None, "sync"), ("1", "sync"), ("4", "gthread")])
def test_gunicorn_runs_sync_workers_unless_threads_are_asked_for(
    bake, monkeypatch, threads, worker_class
):
    """Behind nginx, which buffers slow clients, sync workers render pages fastest (gthread's
    threads share the GIL: 0.85x the pages per second, twice the p99, in make bench)."""
    project = bake({"serving_strategy": "nginx", "media_storage": "none"})
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    if threads is not None:
        monkeypatch.setenv("GUNICORN_THREADS", threads)
    config = runpy.run_path(str(project / "deploy" / "nginx" / "gunicorn.conf.py"))
    assert config["worker_class"] == worker_class
    assert config["threads"] == int(threads or 1)
