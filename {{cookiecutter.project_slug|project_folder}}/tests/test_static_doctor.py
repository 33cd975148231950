"""static_doctor names each classic fault with its fix, and passes a healthy project."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from static_kit.doctor import CHECKS


def doctor(*groups: str) -> tuple[int, dict]:
    """Run `static_doctor --format json` (`--only` each of `groups`, if given): (exit status,
    findings by check name)."""
    out = StringIO()
    status = 0
    only = [argument for group in groups for argument in ("--only", group)]
    try:
        call_command("static_doctor", "--format", "json", *only, stdout=out)
    except SystemExit as exit_:
        status = exit_.code
    findings = {finding["check"]: finding for finding in json.loads(out.getvalue())["findings"]}
    return status, findings


def assert_fails(findings: dict, check: str, *words: str) -> None:
    finding = findings.get(check)
    assert finding and finding["verdict"] == "fail", f"{check} did not fail: {finding}"
    assert finding["fix"], f"{check} failed without a fix"
    for word in words:
        assert word in finding["seen"] + finding["fix"], f"{check}: {word!r} not in {finding}"


@pytest.fixture
def static_copy(collected_static, settings, tmp_path):
    """A copy of the collected files, to break without touching the session's."""
    copy = tmp_path / "staticfiles"
    shutil.copytree(collected_static, copy, symlinks=True)
    settings.STATIC_ROOT = copy
    return copy


def test_healthy_project_passes(collected_static):
    status, findings = doctor()
    failed = {name: f for name, f in findings.items() if f["verdict"] != "ok"}
    assert status == 0 and not failed, failed


def test_only_runs_the_named_group(collected_static):
    out = StringIO()
    call_command("static_doctor", "--format", "json", "--only", "collected", stdout=out)
    names = {finding["check"] for finding in json.loads(out.getvalue())["findings"]}
    assert names and all(name.startswith("collected.") for name in names), names


# The groups that have nothing to check in this variant.
UNUSED_GROUPS = {"live"{% if cookiecutter.serving_strategy != "nginx" %}, "nginx"{% endif %}
{%- if cookiecutter.serving_strategy != "s3_cdn" and cookiecutter.media_storage != "s3" %}, "bucket"{% endif %}}


@pytest.mark.parametrize("group", sorted(UNUSED_GROUPS))
def test_only_a_group_that_checks_nothing_here_is_refused_with_why(group):
    with pytest.raises(CommandError, match=rf"^--only {group} checks nothing here: .+"):
        call_command("static_doctor", "--only", group)


def test_every_other_group_runs_checks(collected_static):
    for group in set(CHECKS) - UNUSED_GROUPS:
        out = StringIO()
        try:
            call_command("static_doctor", "--format", "json", "--only", group, stdout=out)
        except SystemExit:
            pass  # a failing check is still a check that ran
        findings = json.loads(out.getvalue())["findings"]
        assert findings and all(f["check"].startswith(f"{group}.") for f in findings), group


def test_collectstatic_not_run_fails_with_the_command(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "empty"
    settings.RELEASE_ID = "never-collected"  # where each release has its own manifest
    settings.STATIC_MANIFESTS_ROOT = tmp_path / "manifests"
    status, findings = doctor("collected")
    assert status == 1
    assert_fails(findings, "collected.manifest", "collectstatic")


{%- if cookiecutter.serving_strategy != "whitenoise" %}


def test_without_a_release_id_it_says_in_one_line_what_to_set(settings):
    """Not a traceback: the one line names DJANGO_RELEASE_ID and how to set it."""
    from django.core.management.base import CommandError

    settings.RELEASE_ID = ""
    with pytest.raises(CommandError, match=r"^DJANGO_RELEASE_ID is not set: .*Set it"):
        call_command("static_doctor", stdout=StringIO())
{%- endif %}


def test_template_referencing_a_missing_file_is_named(collected_static, settings):
    # tests/templates/missing_reference.html links css/gone.css inside an if block.
    folder = Path(__file__).parent / "templates"
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], folder]}]
    status, findings = doctor("collected")
    assert status == 1
    assert_fails(findings, "collected.template_references", "missing_reference.html", "gone.css")


def test_media_root_inside_static_root_fails(collected_static, settings):
    settings.MEDIA_ROOT = collected_static / "media"
    status, findings = doctor("settings")
    assert status == 1
    assert_fails(findings, "settings.roots", "overlap", "DJANGO_MEDIA_ROOT")


def test_dotfile_in_static_root_fails(static_copy):
    (static_copy / ".env").write_text("DJANGO_SECRET_KEY=leaked")
    status, findings = doctor("collected")
    assert status == 1
    assert_fails(findings, "collected.private_files", ".env")


def test_file_added_after_collectstatic_is_reported_stale(collected_static, settings, tmp_path):
    extra = tmp_path / "more-static"
    (extra / "css").mkdir(parents=True)
    (extra / "css" / "added-later.css").write_text("body { color: red; }")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, extra]
    status, findings = doctor("collected")
    assert status == 1
    assert_fails(findings, "collected.stale", "css/added-later.css", "collectstatic")
{%- if cookiecutter.serving_strategy != "s3_cdn" %}


def test_hashed_file_cut_short_fails_naming_it(static_copy):
    """A full disk during collectstatic can leave a hashed file short; its size alone may
    even look plausible, so the content is checked against the hash in its name."""
    script = next(static_copy.rglob("*.[0-9a-f]*[0-9a-f].js"))
    script.write_bytes(script.read_bytes()[:10])
    status, findings = doctor("collected")
    assert status == 1
    assert_fails(findings, "collected.integrity", script.name, "collectstatic")
{%- endif %}
{%- if cookiecutter.serving_strategy == "nginx" %}


def test_file_nginx_cannot_read_fails_with_chmod(static_copy):
    css = next((static_copy / "css").glob("site.*.css"))
    css.chmod(0o600)
    status, findings = doctor("collected")
    assert status == 1
    assert_fails(findings, "collected.readable", css.name, "chmod")
{%- endif %}
{%- if cookiecutter.serving_strategy == "nginx" %}


@pytest.fixture
def nginx_snippets(settings, tmp_path):
    """A copy of deploy/nginx/ (and the local wrappers, dev/nginx/) for static_doctor to read,
    to break it safely."""
    deploy = Path(settings.NGINX_CONFIG_RENDERER).parent
    copy = tmp_path / "deploy" / "nginx"
    shutil.copytree(deploy, copy)
    shutil.copytree(deploy.parent.parent / "dev" / "nginx", tmp_path / "dev" / "nginx")
    settings.NGINX_CONFIG_RENDERER = copy / "nginx_config.py"
    return copy


def test_nginx_alias_without_its_slash_fails(collected_static, nginx_snippets):
    locations = nginx_snippets / "locations.conf"
    locations.write_text(
        locations.read_text().replace("alias ${STATIC_ROOT}/;", "alias ${STATIC_ROOT};")
    )
    status, findings = doctor("nginx")
    assert status == 1
    assert_fails(
        findings, "nginx.aliases", "location /static/", "trailing slash", "nginx_config.py"
    )


def test_deployed_config_for_another_root_fails(collected_static, nginx_snippets, tmp_path):
    import subprocess
    import sys

    deployed = tmp_path / "etc-nginx"
    render = [sys.executable, str(nginx_snippets / "nginx_config.py"), "production"]
    render += ["--out", str(deployed), "--set", "STATIC_ROOT=/srv/elsewhere/static"]
    subprocess.run(render, check=True, capture_output=True)  # noqa: S603 (the renderer)
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "static_doctor", "--format", "json", "--nginx-config", str(deployed), stdout=out
        )
    failed = [f for f in json.loads(out.getvalue())["findings"] if f["verdict"] == "fail"]
    assert any("/srv/elsewhere/static" in f["seen"] for f in failed), failed
{%- if cookiecutter.media_storage != "none" %}


def test_nginx_refusing_uploads_the_app_accepts_fails(collected_static, nginx_snippets):
    body_size = nginx_snippets / "media-body-size.conf"
    text = body_size.read_text()
    assert "client_max_body_size ${DJANGO_MAX_UPLOAD_MB}m;" in text
    body_size.write_text(text.replace("${DJANGO_MAX_UPLOAD_MB}m", "1m"))
    status, findings = doctor("nginx")
    assert status == 1
    assert_fails(findings, "nginx.body_size", "413", "DJANGO_MAX_UPLOAD_MB")
{%- endif %}
{%- endif %}
{%- if cookiecutter.serving_strategy == "s3_cdn" or cookiecutter.media_storage == "s3" %}


def test_storage_sending_an_acl_fails(collected_static, settings):
    from copy import deepcopy

    from static_kit.doctor.findings import s3_options

    storages = deepcopy(settings.STORAGES)
    settings.STORAGES = storages
    for _alias, options in s3_options():
        options["default_acl"] = "public-read"
    status, findings = doctor("settings")
    assert status == 1
    assert_fails(findings, "settings.s3_acl", "public-read", "AccessControlListNotSupported")
{%- endif %}

{%- if cookiecutter.serving_strategy == "s3_cdn" %}


def test_bucket_object_without_immutable_caching_fails(collected_static, local_bucket, settings):
    from static_kit.doctor.findings import load_manifest

    _, manifest = load_manifest()
    key = f"static/{manifest['css/site.css']}"
    bucket = settings.S3_BUCKET
    head = local_bucket.head_object(Bucket=bucket, Key=key)
    replace = dict(CopySource={"Bucket": bucket, "Key": key}, Bucket=bucket, Key=key)
    replace |= dict(MetadataDirective="REPLACE", ContentType=head["ContentType"])
    local_bucket.copy_object(**replace, CacheControl="public, max-age=60")
    try:
        status, findings = doctor("bucket")
    finally:
        local_bucket.copy_object(**replace, CacheControl=head["CacheControl"])
    assert status == 1
    assert_fails(findings, "bucket.cache_control", key, "collectstatic")


def test_the_bucket_check_heads_what_pages_link_and_a_bounded_spread(
    collected_static, local_bucket, monkeypatch
):
    """One HEAD per hashed object would take minutes at 20,000 files: the Cache-Control check
    reads every object the templates link and an even spread of the rest, so many."""
    from static_kit.doctor import bucket
    from static_kit.doctor.findings import load_manifest
    from static_kit.storage import s3_cdn

    _, manifest = load_manifest()
    headed, real = [], s3_cdn.head_objects

    def head_objects(client, name, keys):
        headed.extend(keys)
        return real(client, name, keys)

    monkeypatch.setattr(s3_cdn, "head_objects", head_objects)
    monkeypatch.setattr(bucket, "CACHE_CONTROL_SAMPLE", 40)
    status, findings = doctor("bucket")
    assert status == 0
    assert len(headed) == 40
    found = findings["bucket.cache_control"]["seen"]
    assert f"40 of {len(set(manifest.values()))} hashed objects are immutable" in found


def test_cors_without_the_site_origin_fails(collected_static, local_bucket, settings):
    bucket = settings.S3_BUCKET
    rules = local_bucket.get_bucket_cors(Bucket=bucket)["CORSRules"]
    local_bucket.delete_bucket_cors(Bucket=bucket)
    try:
        status, findings = doctor("bucket")
    finally:
        local_bucket.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    assert status == 1
    assert_fails(findings, "bucket.cors", "https://example.com", "cors.json")
{%- endif %}
{%- if cookiecutter.media_storage == "s3" %}


def test_publicly_readable_media_fails(collected_static, local_bucket, settings):
    bucket = settings.S3_BUCKET
    try:
        before = local_bucket.get_bucket_policy(Bucket=bucket)["Policy"]
    except local_bucket.exceptions.ClientError:
        before = None
    everything = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EverythingPublic",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    local_bucket.put_bucket_policy(Bucket=bucket, Policy=json.dumps(everything))
    try:
        status, findings = doctor("bucket")
    finally:
        if before:
            local_bucket.put_bucket_policy(Bucket=bucket, Policy=before)
        else:
            local_bucket.delete_bucket_policy(Bucket=bucket)
    assert status == 1
    assert_fails(findings, "bucket.media_private", "EverythingPublic", "signed links")
{%- endif %}
