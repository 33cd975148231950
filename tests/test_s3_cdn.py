"""The S3 + CDN strategy against a real S3 API (moto, server mode) and the CDN stand-in."""

import json
import subprocess
import time
from pathlib import Path

import pytest
import requests

from harness.crawl import asset_problems, crawl_assets, css_urls, page_asset_urls
from harness.faults import HASHED_NAME, file_hash
from harness.servers import S3Proxy, free_port, running
from harness.sites import changed_copy, publish, s3_client, serve_env
from harness.variants import VARIANTS, variant_id


def get(url: str, **kwargs) -> requests.Response:
    return requests.get(url, timeout=30, **kwargs)


S3_VARIANTS = [answers for answers in VARIANTS if answers["serving_strategy"] == "s3_cdn"]


@pytest.fixture(scope="session", params=S3_VARIANTS, ids=variant_id)
def s3_site(request, start_site):
    """Each s3_cdn variant running with its own `make run`: no cloud account, so a local S3
    API and a CDN stand-in, both started by the project itself."""
    return start_site(request.param)


def bucket_state(site) -> dict:
    """Every object in the bucket with its ETag, read through the S3 API."""
    bucket = site.local_stack_env()["DJANGO_S3_BUCKET"]
    pages = s3_client(site).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"]: item["ETag"] for page in pages for item in page.get("Contents", [])}


def test_every_asset_comes_from_the_cdn_and_the_second_fetch_is_a_cache_hit(s3_site):
    cdn = s3_site.local_stack_env()["DJANGO_STATIC_CDN_URL"]
    session = requests.Session()
    for page in ("/", "/admin/login/"):
        _, assets = crawl_assets(session, s3_site.url + page)
        assert assets and all(a.url.startswith(cdn + "/static/") for a in assets), s3_site.name
        problems = [p for asset in assets for p in asset_problems(asset)]
        assert not problems, f"{s3_site.name}, {page}:\n" + "\n".join(problems)
        for asset in assets:
            again = session.get(asset.url, headers={"Accept-Encoding": "br, gzip"})
            assert again.headers.get("X-Cache") == "HIT", f"{s3_site.name}: {asset.url}"


def test_the_font_is_allowed_cross_origin_for_the_site_and_only_the_site(s3_site):
    """The CDN serves the font with the bucket's CORS answer for the site's origin. moto
    echoes any Origin whatever the rules say, so the rule itself is read back: only the
    site's own origins (real S3 enforces it)."""
    _, assets = crawl_assets(requests.Session(), s3_site.url + "/")
    (font,) = [a.url for a in assets if a.url.endswith(".woff2")]
    allowed = get(font, headers={"Origin": s3_site.url})
    assert allowed.headers.get("Access-Control-Allow-Origin") == s3_site.url, s3_site.name
    bucket = s3_site.local_stack_env()["DJANGO_S3_BUCKET"]
    (rule,) = s3_client(s3_site).get_bucket_cors(Bucket=bucket)["CORSRules"]
    port = s3_site.port
    assert sorted(rule["AllowedOrigins"]) == [
        f"http://127.0.0.1:{port}",
        f"http://localhost:{port}",
    ]
    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD"]


def test_static_objects_are_public_and_nothing_else_in_the_bucket_is(s3_site):
    stack = s3_site.local_stack_env()
    bucket = f"{stack['DJANGO_S3_ENDPOINT_URL']}/{stack['DJANGO_S3_BUCKET']}"
    keys = bucket_state(s3_site)
    static = next(key for key in keys if key.startswith("static/css/site."))
    assert get(f"{bucket}/{static}").status_code == 200
    for private in [key for key in keys if not key.startswith("static/")]:
        assert get(f"{bucket}/{private}").status_code == 403, private


# The static publish does not depend on where uploads go; with S3 media they share the bucket,
# the case where one could disturb the other.
SHARED_BUCKET = {"serving_strategy": "s3_cdn", "media_storage": "s3"}


@pytest.mark.parametrize("answers", [SHARED_BUCKET], ids=variant_id)
def test_a_release_started_afresh_after_the_next_publish_still_serves_every_asset(
    start_site, answers, tmp_path
):
    s3_site = start_site(answers)
    v1_html = get(s3_site.url + "/").text
    source = changed_copy(s3_site, tmp_path, "release two")
    result = publish(s3_site, source, "v2")
    assert result.returncode == 0, result.stderr

    for release, project in (("local", s3_site.project), ("v2", source)):
        port = free_port()
        env = serve_env(s3_site, port, DJANGO_RELEASE_ID=release, **s3_site.local_stack_env())
        with running(
            s3_site.app_server(port),
            project,
            env,
            f"http://127.0.0.1:{port}/",
            name=f"gunicorn-{release}",
        ):
            html = get(f"http://127.0.0.1:{port}/").text
            _, assets = crawl_assets(requests.Session(), f"http://127.0.0.1:{port}/")
        problems = [p for asset in assets for p in asset_problems(asset)]
        assert not problems, f"{s3_site.name}, release {release}:\n" + "\n".join(problems)
        if release == "local":
            assert html == v1_html, "v1 started afresh renders other asset URLs than before"
        else:
            changed = set(page_asset_urls(s3_site.url, html)) - set(
                page_asset_urls(s3_site.url, v1_html)
            )
            assert {Path(u).suffix for u in changed} >= {".css", ".js"}, changed
    for url in {u for u in page_asset_urls(s3_site.url, v1_html) if u.endswith(".css")}:
        for nested in css_urls(url, get(url).text):
            assert get(nested).status_code == 200, nested


def starts(site, release: str, **overrides: str) -> subprocess.CompletedProcess:
    """The start-up refusal for `release`, as deploy/start runs it before any worker."""
    stack = {**site.local_stack_env(), **overrides}
    env = serve_env(site, site.port, DJANGO_RELEASE_ID=release, **stack)
    return subprocess.run(  # noqa: S603 (the site's own interpreter)
        [str(site.venv / "bin" / "python"), "-c", "import my_django_site.wsgi"],
        cwd=site.project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("answers", [SHARED_BUCKET], ids=variant_id)
def test_a_prune_keeps_two_live_releases_whole_and_deletes_what_no_kept_one_names(
    start_site, answers, tmp_path
):
    """Releases p1, p2, p3 published after make run's "local"; live: local and p2. With
    --keep 1 (p3) the prune deletes p1's manifest and the files only p1 named; the three kept
    releases still pass the start-up check, uploads in the same bucket are untouched, and a
    dry run or the default grace period deletes nothing."""
    s3_site = start_site(answers)
    for release in ("p1", "p2", "p3"):
        source = changed_copy(s3_site, tmp_path / release, f"prune {release}")
        result = publish(s3_site, source, release)
        assert result.returncode == 0, result.stderr
    client, bucket = s3_client(s3_site), s3_site.local_stack_env()["DJANGO_S3_BUCKET"]

    def published(release: str) -> set:
        """The names a release published: its hashed names and the unhashed ones it lists."""
        body = client.get_object(Bucket=bucket, Key=f"manifests/{release}.json")["Body"].read()
        document = json.loads(body)
        return set(document["paths"].values()) | set(document["unhashed"])

    kept = {release: published(release) for release in ("local", "p2", "p3")}
    only_p1 = published("p1") - set().union(*kept.values())
    assert any(name.endswith(".css") for name in only_p1), only_p1
    env = {**serve_env(s3_site, s3_site.port), **s3_site.local_stack_env()}
    prune = ["static_prune", "--keep", "1", "--live", "local", "--live", "p2"]

    before = bucket_state(s3_site)
    said = {}
    for trial in ("--dry-run", "--grace=0"), ():  # by default, what is an hour old stays
        result = s3_site.manage_in(s3_site.project, *prune, *trial, env=env)
        assert result.returncode == 0, result.stderr
        assert bucket_state(s3_site) == before, f"{trial} deleted something: {result.stdout}"
        said[trial] = result.stdout
    # Other tests' releases (in this bucket) go too; by default all stay, being an hour old.
    others = {k for k in before if k.startswith("manifests/")} - {
        f"manifests/{release}.json" for release in kept
    }
    dry_run = said["--dry-run", "--grace=0"]
    assert f"kept 3 release(s) (p3, p2, local); would delete {len(others)} manifest(s)" in (
        dry_run
    ), dry_run
    assert "deleted 0 manifest(s) and 0 static object(s)" in said[()], said[()]

    result = s3_site.manage_in(s3_site.project, *prune, "--grace", "0", env=env)
    assert result.returncode == 0, result.stderr
    after = bucket_state(s3_site)
    assert not others & set(after), f"not deleted: {others & set(after)}"
    assert not {f"static/{name}" for name in only_p1} & set(after), "p1's own files are left"
    for release, names in kept.items():
        for key in {f"static/{name}" for name in names}:
            assert after.get(key) == before[key], f"{release} lost or changed {key}"
        started = starts(s3_site, release)
        assert started.returncode == 0, f"{release} refused to start: {started.stderr[-2000:]}"
    uploads = {k: v for k, v in before.items() if not k.startswith(("static/", "manifests/"))}
    assert {k: after.get(k) for k in uploads} == uploads, "an upload in the bucket changed"
    refused = starts(s3_site, "p1")
    assert refused.returncode != 0 and "manifests/p1.json" in refused.stderr, refused.stderr

    again = s3_site.manage_in(s3_site.project, *prune, "--grace", "0", env=env)
    assert "deleted 0 manifest(s) and 0 static object(s)" in again.stdout, again.stdout
    typo = s3_site.manage_in(s3_site.project, *prune[:3], "--live", "p9", env=env)
    assert typo.returncode == 1 and "No manifest for the live release(s) p9" in typo.stderr
    assert "Traceback" not in typo.stderr and bucket_state(s3_site) == after


@pytest.mark.threat("Faults during deploys", "S3 endpoint down during a publish")
def test_publish_with_the_endpoint_down_fails_clearly_and_changes_nothing(s3_site, tmp_path):
    before = bucket_state(s3_site)
    source = changed_copy(s3_site, tmp_path, "endpoint down")
    result = publish(
        s3_site,
        source,
        "v-down",
        AWS_MAX_ATTEMPTS="2",
        DJANGO_S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}",
    )
    assert result.returncode != 0
    assert "s3://" in result.stderr and "DJANGO_S3_ENDPOINT_URL" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert bucket_state(s3_site) == before


@pytest.mark.threat("Faults during deploys", "Publish failing after N uploads")
def test_publish_failing_after_some_uploads_never_writes_the_manifest(s3_site, tmp_path):
    before = bucket_state(s3_site)
    # The list of names it relies on (manifests/v-partial.publishing), its two changed files
    # (the stylesheet and the script, by their new hashed names), then the manifest: the
    # second PUT fails, and the list is taken back.
    source = changed_copy(s3_site, tmp_path, "fails after one upload")
    upstream = s3_site.local_stack_env()["DJANGO_S3_ENDPOINT_URL"]
    with S3Proxy(upstream, fail_puts_after=1) as proxy:
        result = publish(
            s3_site, source, "v-partial", AWS_MAX_ATTEMPTS="2", DJANGO_S3_ENDPOINT_URL=proxy.url
        )
    assert result.returncode != 0 and "manifest was not written" in result.stderr, result.stderr
    after = bucket_state(s3_site)
    assert "manifests/v-partial.json" not in after
    assert {k: v for k, v in after.items() if k.startswith("manifests/")} == {
        k: v for k, v in before.items() if k.startswith("manifests/")
    }
    assert proxy.counts.get("PUT", 0) > 1
    # The live release (make run's, "local"): every object its manifest names is where it
    # was, with the bytes its hashed name promises, read back through the S3 API.
    client, bucket = s3_client(s3_site), s3_site.local_stack_env()["DJANGO_S3_BUCKET"]
    manifest = json.loads(
        client.get_object(Bucket=bucket, Key="manifests/local.json")["Body"].read()
    )
    lying = []
    for hashed in sorted(set(manifest["paths"].values())):
        key = f"static/{hashed}"
        assert after.get(key) == before.get(key), f"{s3_site.name}: {key} changed"
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        found = HASHED_NAME.search(hashed)
        if found and file_hash(body) != found.group(1):
            lying.append(key)
    assert not lying, f"{s3_site.name}: objects whose bytes differ from their name: {lying}"


def test_an_unchanged_republish_makes_no_upload_at_the_s3_api(s3_site):
    """Publish, then publish the same tree again: the second sends nothing. (Unhashed names
    belong to whichever release published last, so other tests' releases are put back first.)"""
    first = publish(s3_site, s3_site.project, "local")
    assert first.returncode == 0, first.stderr
    upstream = s3_site.local_stack_env()["DJANGO_S3_ENDPOINT_URL"]
    with S3Proxy(upstream) as proxy:
        result = publish(s3_site, s3_site.project, "local", DJANGO_S3_ENDPOINT_URL=proxy.url)
    assert result.returncode == 0, result.stderr
    uploads = [r for r in proxy.requests if r.startswith(("PUT", "POST"))]
    assert uploads == [], f"{s3_site.name}: an unchanged re-publish sent {uploads}"
    assert "0 object(s) uploaded" in result.stdout
    assert proxy.counts.get("GET", 0) >= 1, proxy.counts  # it did list the bucket


def test_make_run_uses_a_configured_bucket_and_starts_no_local_one(s3_site):
    """With an endpoint and credentials configured (here: the first run's local S3 API and
    CDN), the serve script publishes there and starts neither moto nor the CDN stand-in."""
    port = free_port()
    env = serve_env(s3_site, port, **s3_site.local_stack_env())
    with running(
        s3_site.serve_command,
        s3_site.project,
        env,
        f"http://127.0.0.1:{port}/",
        name="configured-bucket",
    ) as server:
        _, assets = crawl_assets(requests.Session(), f"http://127.0.0.1:{port}/")
        started = subprocess.run(
            ["ps", "-o", "args=", "--ppid", str(server.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    assert not (s3_site.project / ".run" / f"s3-{port}").exists(), "a local stack was started"
    assert "moto_server" not in started and "nginx" not in started, started
    cdn = s3_site.local_stack_env()["DJANGO_STATIC_CDN_URL"]
    assert assets and all(a.url.startswith(cdn) for a in assets), s3_site.name
    problems = [p for asset in assets for p in asset_problems(asset)]
    assert not problems, f"{s3_site.name}:\n" + "\n".join(problems)


def listings(requests_made: list[str]) -> int:
    return sum("list-type=" in request for request in requests_made)


def test_a_server_start_checks_the_release_in_the_bucket_once_not_once_per_worker(s3_site):
    """deploy/start lists the release's objects once, before granian's workers start; the two
    workers load the same manifest and trust that check. (Each worker listed them again: at
    20,000 files, 5 s a worker against a local S3 API.)"""
    upstream = s3_site.local_stack_env()["DJANGO_S3_ENDPOINT_URL"]
    with S3Proxy(upstream) as proxy:
        alone = starts(s3_site, "local", DJANGO_S3_ENDPOINT_URL=proxy.url)
        assert alone.returncode == 0, alone.stderr
        one_check = listings(proxy.requests)
        assert one_check >= 1, proxy.requests  # a check does list the release's objects
        port, started = free_port(), len(proxy.requests)
        stack = {**s3_site.local_stack_env(), "DJANGO_S3_ENDPOINT_URL": proxy.url}
        env = serve_env(s3_site, port, GRANIAN_WORKERS="2", **stack)
        url = f"http://127.0.0.1:{port}/"
        with running(s3_site.app_server(port), s3_site.project, env, url, "start-once"):
            assert get(url).status_code == 200
            log = s3_site.project / ".start-once.log"
            deadline = time.monotonic() + 60
            while not all(f"Started worker-{n}" in log.read_text() for n in (1, 2)):
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            at_start = listings(proxy.requests[started:])
    assert at_start == one_check, (
        f"{s3_site.name}: {at_start} listings at start, where one check makes {one_check}"
    )
