"""Publishing to the bucket: only what is missing, in parallel, this release's manifest last."""

import io
import json
import threading

import pytest
from botocore.exceptions import EndpointConnectionError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import override_settings

from static_kit.checks import refuse_unsafe_start
from static_kit.storage import s3_cdn
from static_kit.storage.s3_cdn import (
    PublishError,
    object_parameters,
    publish_static_files,
)


def objects(client):
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=settings.S3_BUCKET)
    return {item["Key"]: item for page in pages for item in page.get("Contents", [])}


def collect(tmp_path, release):
    with override_settings(STATIC_ROOT=tmp_path / "build", RELEASE_ID=release):
        call_command("collectstatic", "--noinput", verbosity=0)
        return storages["staticfiles"].url("css/site.css")


def test_hashed_files_are_public_forever_and_other_names_briefly(local_bucket, tmp_path):
    url = collect(tmp_path, "v1")
    key = "static/" + url.split("/static/", 1)[1]
    head = local_bucket.head_object(Bucket=settings.S3_BUCKET, Key=key)
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert head["ContentType"].startswith("text/css")
    assert url.startswith(settings.STATIC_URL)


def test_only_the_unhashed_names_listed_are_published_and_the_manifest_says_which(
    local_bucket, tmp_path
):
    """Pages link hashed names: an unhashed copy of every file doubled the uploads."""
    collect(tmp_path, "v1")
    manifest = json.loads(
        local_bucket.get_object(Bucket=settings.S3_BUCKET, Key="manifests/v1.json")["Body"].read()
    )
    keys = objects(local_bucket)
    assert all(f"static/{hashed}" in keys for hashed in manifest["paths"].values())
    assert [name for name in manifest["paths"] if f"static/{name}" in keys] == []
    assert manifest["unhashed"] == []

    with override_settings(STATIC_UNHASHED_NAMES=["css/*"]):
        collect(tmp_path, "v2")
    plain = local_bucket.head_object(Bucket=settings.S3_BUCKET, Key="static/css/site.css")
    assert plain["CacheControl"] == "public, max-age=300"
    manifest = json.loads(
        local_bucket.get_object(Bucket=settings.S3_BUCKET, Key="manifests/v2.json")["Body"].read()
    )
    assert manifest["unhashed"] == sorted(n for n in manifest["paths"] if n.startswith("css/"))


def test_collecting_an_unchanged_release_again_uploads_nothing(local_bucket, tmp_path):
    collect(tmp_path, "v1")
    with override_settings(STATIC_ROOT=tmp_path / "build", RELEASE_ID="v1"):
        client = storages["staticfiles"].manifest_storage.connection.meta.client
        uploads = []
        real_put = client.put_object
        client.put_object = lambda **kwargs: uploads.append(kwargs["Key"]) or real_put(**kwargs)
        call_command("collectstatic", "--noinput", verbosity=0)
    assert uploads == [], f"re-published: {uploads}"


def test_an_unchanged_rerun_hashes_nothing_again(local_bucket, tmp_path, monkeypatch):
    first = collect(tmp_path, "v1")
    from django.contrib.staticfiles.storage import HashedFilesMixin

    def hashing(*args, **kwargs):
        raise AssertionError("an unchanged build was hashed again")

    monkeypatch.setattr(HashedFilesMixin, "_post_process", hashing)
    assert collect(tmp_path, "v1") == first


def test_a_changed_source_or_a_missing_build_file_builds_again(local_bucket, tmp_path):
    source = tmp_path / "source"
    (source / "extra").mkdir(parents=True)
    (source / "extra" / "a.css").write_text("a { color: red; }\n")

    def collect_extra(release):
        dirs = [*settings.STATICFILES_DIRS, source]
        with override_settings(STATICFILES_DIRS=dirs, STATIC_ROOT=tmp_path / "build"):
            with override_settings(RELEASE_ID=release):
                call_command("collectstatic", "--noinput", verbosity=0)
                return storages["staticfiles"].url("extra/a.css").split("/static/", 1)[1]

    first = collect_extra("v1")
    (source / "extra" / "a.css").write_text("a { color: blue; }\n")
    second = collect_extra("v2")
    assert second != first, "the changed source was not hashed again"
    (tmp_path / "build" / second).unlink()
    assert collect_extra("v3") == second
    assert (tmp_path / "build" / second).exists(), "a missing build file was not rebuilt"


def test_one_changed_file_uploads_it_and_what_refers_to_it(local_bucket, tmp_path):
    source = tmp_path / "source"
    (source / "fonts").mkdir(parents=True)
    font = source / "fonts" / "dejavu-sans-subset.woff2"
    font.write_bytes((settings.BASE_DIR / "static" / "fonts" / font.name).read_bytes())
    uploads = []

    def collect_changed(release):
        # The same name in a folder found first: the project's own font, changed.
        with override_settings(STATICFILES_DIRS=[source, *settings.STATICFILES_DIRS]):
            with override_settings(STATIC_ROOT=tmp_path / "build", RELEASE_ID=release):
                client = storages["staticfiles"].manifest_storage.connection.meta.client
                real_put = client.put_object
                client.put_object = lambda **kw: uploads.append(kw["Key"]) or real_put(**kw)
                try:
                    call_command("collectstatic", "--noinput", verbosity=0)
                finally:
                    client.put_object = real_put
                return storages["staticfiles"]

    collect_changed("v1")
    uploads.clear()
    font.write_bytes(font.read_bytes() + b"\0")
    storage = collect_changed("v2")
    # The font's new hashed name, the stylesheet that names it (its url() changed), and the
    # release's manifest, first as the names a prune must keep while it publishes: nothing
    # else, and no unhashed name.
    expected = {
        "static/" + storage.stored_name("fonts/dejavu-sans-subset.woff2"),
        "static/" + storage.stored_name("css/site.css"),
        "manifests/v2.publishing",
        "manifests/v2.json",
    }
    assert set(uploads) == expected, sorted(uploads)


def test_each_release_has_its_own_manifest(local_bucket, tmp_path):
    collect(tmp_path, "v1")
    collect(tmp_path, "v2")
    keys = objects(local_bucket)
    assert {"manifests/v1.json", "manifests/v2.json"} <= set(keys)


def test_a_failed_publish_writes_no_manifest(local_bucket, tmp_path, monkeypatch):
    calls = {"n": 0}
    real_put = local_bucket.put_object

    def failing_put(**kwargs):
        calls["n"] += 1
        if calls["n"] > 5:
            raise ConnectionError("injected: the endpoint went away")
        return real_put(**kwargs)

    manifests_before = {k for k in objects(local_bucket) if k.startswith("manifests/")}
    monkeypatch.setattr(local_bucket, "put_object", failing_put)
    (tmp_path / "build").mkdir()
    for number in range(20):
        (tmp_path / "build" / f"f{number}.txt").write_text(str(number))
    with pytest.raises(PublishError, match="manifest was not written"):
        publish_static_files(tmp_path / "build", local_bucket, settings.S3_BUCKET, workers=1)
    monkeypatch.undo()
    manifests_after = {k for k in objects(local_bucket) if k.startswith("manifests/")}
    assert manifests_after == manifests_before


def test_start_with_a_manifest_whose_files_are_not_in_the_bucket_is_refused(local_bucket, tmp_path):
    url = collect(tmp_path, "v-missing")
    key = "static/" + url.split("/static/", 1)[1]
    original = local_bucket.get_object(Bucket=settings.S3_BUCKET, Key=key)
    body = original["Body"].read()
    local_bucket.delete_object(Bucket=settings.S3_BUCKET, Key=key)
    try:
        with override_settings(STATIC_ROOT=tmp_path / "build", RELEASE_ID="v-missing"):
            with pytest.raises(ImproperlyConfigured, match="missing from s3://"):
                refuse_unsafe_start()
    finally:
        # Put back as published: the other tests read its headers too.
        local_bucket.put_object(
            Bucket=settings.S3_BUCKET,
            Key=key,
            Body=body,
            CacheControl=original["CacheControl"],
            ContentType=original["ContentType"],
        )


def listed_at_start(storage) -> list[str]:
    """The keys the bucket's listings return while the start-up refusal runs."""
    listed = []
    events = storage.manifest_storage.connection.meta.client.meta.events

    def record(parsed, **kwargs):
        listed.extend(item["Key"] for item in parsed.get("Contents", []))

    events.register("after-call.s3.ListObjectsV2", record)
    try:
        refuse_unsafe_start()
    finally:
        events.unregister("after-call.s3.ListObjectsV2", record)
    return listed


def test_start_lists_only_around_this_releases_names_whatever_the_history(
    local_bucket, tmp_path, monkeypatch
):
    """static/ keeps every kept release: a start-up that listed it all would grow with
    history. Of other releases' objects, none before this release's first name is read, and
    at most a page of a run between its names or after its last (pages of 20 here, to keep it
    small; 1,000 on S3)."""
    monkeypatch.setattr(s3_cdn, "LIST_PAGE", 20)
    collect(tmp_path, "v-start")
    with override_settings(STATIC_ROOT=tmp_path / "build", RELEASE_ID="v-start"):
        storage = storages["staticfiles"]
        before = listed_at_start(storage)
        # '!' sorts before every name here, '~' after: runs of 60 before, between and after.
        history = [
            f"static/{where}/old-{number:03}.0123456789ab.css"
            for where in ("!history", "css/~history", "~history")
            for number in range(60)
        ]
        for key in history:
            local_bucket.put_object(Bucket=settings.S3_BUCKET, Key=key, Body=b"p{}")
        try:
            after = listed_at_start(storage)
        finally:
            local_bucket.delete_objects(
                Bucket=settings.S3_BUCKET, Delete={"Objects": [{"Key": k} for k in history]}
            )

    def read(run):
        return len([key for key in after if key.startswith(f"static/{run}/")])

    assert read("!history") == 0
    assert read("css/~history") <= 20, "a run between this release's names read past a page"
    assert read("~history") <= 20, "the prefix after this release's last name was read"
    assert len(after) <= len(before) + 2 * 20, "180 objects more made the start read more"


def test_a_start_lists_each_page_of_this_releases_names_at_once(
    local_bucket, tmp_path, monkeypatch
):
    """At 20,000 files the start-up check reads 21 listing pages, a round trip each: one after
    another they took 5.6 s against a local S3 API, 4.8 s at once. Each page's worth of names
    is listed on a thread of its own (pages of 20 here, 1,000 on S3)."""
    monkeypatch.setattr(s3_cdn, "LIST_PAGE", 20)
    collect(tmp_path, "v-at-once")
    threads = set()

    def record(**kwargs):
        threads.add(threading.get_ident())

    with override_settings(STATIC_ROOT=tmp_path / "build", RELEASE_ID="v-at-once"):
        events = storages["staticfiles"].manifest_storage.connection.meta.client.meta.events
        events.register("before-call.s3.ListObjectsV2", record)
        try:
            refuse_unsafe_start()
        finally:
            events.unregister("before-call.s3.ListObjectsV2", record)
    assert len(threads) > 1, "the pages were listed one after another"
    assert threading.get_ident() not in threads


def test_start_with_a_hashed_object_holding_other_bytes_is_refused_naming_it(
    local_bucket, tmp_path
):
    """A hashed object whose bytes differ from its name (a tampered or broken upload) would
    be cached for a year: its ETag (the MD5 of a single-part upload) is checked at start."""
    url = collect(tmp_path, "v-damaged")
    key = "static/" + url.split("/static/", 1)[1]
    original = local_bucket.get_object(Bucket=settings.S3_BUCKET, Key=key)
    body = original["Body"].read()
    local_bucket.put_object(Bucket=settings.S3_BUCKET, Key=key, Body=body[:-1] + b"?")
    try:
        with override_settings(STATIC_ROOT=tmp_path / "build", RELEASE_ID="v-damaged"):
            with pytest.raises(ImproperlyConfigured, match=key.rsplit("/", 1)[1]):
                refuse_unsafe_start()
    finally:
        local_bucket.put_object(
            Bucket=settings.S3_BUCKET,
            Key=key,
            Body=body,
            CacheControl=original["CacheControl"],
            ContentType=original["ContentType"],
        )


def test_only_names_the_manifest_hashed_are_cached_forever(local_bucket, tmp_path):
    """A vendored lib.0123456789ab.js only looks hashed: it may change, so five minutes."""
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "lib.0123456789ab.js").write_text("// vendored")
    (tmp_path / "build" / "site.abcdefabcdef.css").write_text("body {}")
    publish_static_files(
        tmp_path / "build", local_bucket, settings.S3_BUCKET, hashed={"site.abcdefabcdef.css"}
    )

    def cache_control(name):
        key = f"static/{name}"
        return local_bucket.head_object(Bucket=settings.S3_BUCKET, Key=key)["CacheControl"]

    assert cache_control("lib.0123456789ab.js") == "public, max-age=300"
    assert cache_control("site.abcdefabcdef.css") == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("fonts/a.woff2", "font/woff2"), ("fonts/a.woff", "font/woff"), ("img/a.webp", "image/webp")],
)
def test_fonts_and_images_are_published_with_their_type_without_the_os_mime_types(
    monkeypatch, name, expected
):
    """A slim container has no /etc/mime.types: Python 3.11 then knows no .woff2."""
    import mimetypes

    monkeypatch.setattr(mimetypes, "guess_type", lambda *args, **kwargs: (None, None))
    assert object_parameters(f"static/{name}", True)["ContentType"] == expected


@pytest.fixture
def own_sources(tmp_path, settings):
    """A folder of the user's static files beside the project's, published unhashed too."""
    folder = tmp_path / "own"
    (folder / "css").mkdir(parents=True)
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, folder]
    settings.STATIC_UNHASHED_NAMES = ["css/own.css"]
    return folder


def object_bytes(client, key):
    return client.get_object(Bucket=settings.S3_BUCKET, Key=key)["Body"].read()


def before_call(monkeypatch, operation, matches, action):
    """Run `action` when any S3 client of this process is about to make `operation` with
    parameters that `matches` (the storages make their own clients)."""
    from botocore.client import BaseClient

    real = BaseClient._make_api_call  # noqa: SLF001

    def call(client, name, params):
        if name == operation and matches(params):
            action()
        return real(client, name, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", call)


def on_key(key):
    return lambda params: params.get("Key") == key


def prune_all_but(client, dropped: str, current: str, said=None) -> None:
    """static_prune keeping every release but `dropped` (the session's other tests use theirs),
    with no grace: what `dropped` alone names goes."""
    live = [
        ["--live", key.removeprefix("manifests/").removesuffix(".json")]
        for key in objects(client)
        if key.endswith(".json") and key != f"manifests/{dropped}.json"
    ]
    with override_settings(RELEASE_ID=current):
        options = ["--keep", "1", *sum(live, []), "--grace", "0"]
        call_command("static_prune", *options, stdout=said or io.StringIO())


def missing_files(client, release: str) -> list[str]:
    """The hashed names the manifest of `release` names and the bucket lacks."""
    manifest = json.loads(object_bytes(client, f"manifests/{release}.json"))
    present = objects(client)
    return [name for name in manifest["paths"].values() if f"static/{name}" not in present]


def test_a_publish_failing_at_its_manifest_leaves_the_shared_unhashed_names_alone(
    local_bucket, tmp_path, own_sources, monkeypatch
):
    """Every release publishes an unhashed name to the same key: the live release's bytes must
    stay there until the next release's manifest is written."""
    (own_sources / "css" / "own.css").write_text("/* live */\n")
    collect(tmp_path / "live", "u-live")
    assert object_bytes(local_bucket, "static/css/own.css") == b"/* live */\n"

    (own_sources / "css" / "own.css").write_text("/* next, never published */\n")

    def endpoint_gone():
        raise EndpointConnectionError(endpoint_url="http://injected")

    before_call(monkeypatch, "PutObject", on_key("manifests/u-next.json"), endpoint_gone)
    with pytest.raises(PublishError, match="manifest was not written"):
        collect(tmp_path / "next", "u-next")
    monkeypatch.undo()
    assert object_bytes(local_bucket, "static/css/own.css") == b"/* live */\n"
    assert not {"manifests/u-next.json", "manifests/u-next.publishing"} & set(objects(local_bucket))

    collect(tmp_path / "next", "u-next")  # the fix the message names
    assert object_bytes(local_bucket, "static/css/own.css") == b"/* next, never published */\n"
    assert "manifests/u-next.publishing" not in objects(local_bucket)


def test_a_publish_whose_first_request_fails_says_so_in_one_error(
    local_bucket, tmp_path, monkeypatch
):
    """The publish's first request, after the storage read the bucket at its start."""
    asked = []

    def endpoint_gone_the_second_time():
        asked.append(1)
        if len(asked) > 1:
            raise EndpointConnectionError(endpoint_url="http://injected")

    first = on_key("manifests/h-first.json")
    before_call(monkeypatch, "HeadObject", first, endpoint_gone_the_second_time)
    with pytest.raises(PublishError, match="manifest was not written"):
        collect(tmp_path, "h-first")


def test_a_prune_during_a_publish_keeps_the_old_objects_the_publish_relies_on(
    local_bucket, tmp_path, own_sources, monkeypatch
):
    """A rollback to an old stylesheet: the publish finds its hashed object in the bucket and
    skips it, and a prune that runs before the manifest is written must not delete it. (The
    releases are named in the order they are written: the bucket's times are to the second,
    and a prune takes the name to order releases written within one.)"""
    stylesheet = own_sources / "css" / "own.css"
    stylesheet.write_text("/* old */\n")
    collect(tmp_path / "old", "p1-old")
    stylesheet.write_text("/* newer */\n")
    collect(tmp_path / "newer", "p2-newer")
    stylesheet.write_text("/* old */\n")  # the release after goes back to the old one
    said = io.StringIO()

    def prune():
        prune_all_but(local_bucket, "p1-old", "p2-newer", said)

    before_call(monkeypatch, "PutObject", on_key("manifests/p3-back.json"), prune)
    collect(tmp_path / "back", "p3-back")
    monkeypatch.undo()
    assert "deleted" in said.getvalue()
    assert missing_files(local_bucket, "p3-back") == [], "the prune deleted what it names"
    assert "manifests/p1-old.json" not in objects(local_bucket), said.getvalue()  # it did run


def test_a_publish_that_starts_and_ends_while_a_prune_reads_the_bucket_keeps_its_files(
    local_bucket, tmp_path, own_sources, monkeypatch
):
    """Between the prune's first read of manifests/ and its deletes, a whole publish: its list
    is gone again, and its manifest is new to the prune."""
    from static_kit.storage import prune

    stylesheet = own_sources / "css" / "own.css"
    stylesheet.write_text("/* first */\n")
    collect(tmp_path / "first", "q1-first")
    stylesheet.write_text("/* second */\n")
    collect(tmp_path / "second", "q2-second")
    listing = prune.published_keys

    def publish_meanwhile(client, bucket, prefix="static/"):
        if prefix == prune.STATIC:
            stylesheet.write_text("/* first */\n")
            collect(tmp_path / "back", "q3-back")
        return listing(client, bucket, prefix)

    monkeypatch.setattr(prune, "published_keys", publish_meanwhile)
    prune_all_but(local_bucket, "q1-first", "q2-second")
    monkeypatch.undo()
    assert missing_files(local_bucket, "q3-back") == [], "the prune deleted what it names"
    assert "manifests/q1-first.json" not in objects(local_bucket)  # the prune did run


def test_a_release_the_prune_dropped_and_that_is_published_again_meanwhile_keeps_its_files(
    local_bucket, tmp_path, own_sources, monkeypatch
):
    """A rollback: the prune deletes an old release's manifest, that release is published again
    at once (a manifest under a name the prune read before), then the prune deletes files."""
    from static_kit.storage import prune

    stylesheet = own_sources / "css" / "own.css"
    stylesheet.write_text("/* rolled back to */\n")
    collect(tmp_path / "old", "r1-old")
    stylesheet.write_text("/* newer */\n")
    collect(tmp_path / "newer", "r2-newer")
    real_delete, calls = prune.delete, []

    def publish_after_the_manifests_go(client, bucket, keys):
        real_delete(client, bucket, keys)
        calls.append(keys)
        if len(calls) == 1:  # the manifests, deleted first
            stylesheet.write_text("/* rolled back to */\n")
            collect(tmp_path / "again", "r1-old")

    monkeypatch.setattr(prune, "delete", publish_after_the_manifests_go)
    prune_all_but(local_bucket, "r1-old", "r2-newer")
    monkeypatch.undo()
    assert "manifests/r1-old.json" in calls[0]
    assert missing_files(local_bucket, "r1-old") == [], "the prune deleted what it names"


def test_a_release_published_again_unchanged_while_a_prune_drops_it_is_whole_after(
    local_bucket, tmp_path, own_sources, monkeypatch
):
    """A re-publish of a release whose manifest is there already sends nothing, and writes no
    list: a prune that drops that release meanwhile took its manifest away."""
    (own_sources / "css" / "own.css").write_text("/* kept by a re-publish */\n")
    collect(tmp_path, "t1-again")
    (own_sources / "css" / "own.css").write_text("/* newer */\n")
    collect(tmp_path / "newer", "t2-newer")
    (own_sources / "css" / "own.css").write_text("/* kept by a re-publish */\n")
    pruned = []

    def prune_once():
        pruned.append(True)  # first: the prune's own listings must not prune again
        prune_all_but(local_bucket, "t1-again", "t2-newer")

    def listing_static(params):
        return params.get("Prefix") == "static/" and not pruned

    before_call(monkeypatch, "ListObjectsV2", listing_static, prune_once)
    collect(tmp_path, "t1-again")
    monkeypatch.undo()
    assert pruned
    assert missing_files(local_bucket, "t1-again") == []
    assert "manifests/t1-again.publishing" not in objects(local_bucket)


def test_a_prune_needs_no_release_id(local_bucket, tmp_path):
    """README's step 4 in a fresh shell: the prune reads the bucket, not a release."""
    collect(tmp_path, "n1")
    said = io.StringIO()
    with override_settings(RELEASE_ID=""):
        call_command("static_prune", "--keep", "100", "--dry-run", stdout=said)
    assert "would delete 0 manifest(s)" in said.getvalue(), said.getvalue()


def test_a_list_gone_since_the_listing_leaves_its_manifest_to_read(local_bucket):
    """A publish deletes its list once its manifest is written: between the prune's listing and
    its read of the list, the manifest is what names the files."""
    import datetime

    from static_kit.storage.prune import publishing_now

    document = {"paths": {"css/y.css": "css/y.0123456789ab.css"}, "unhashed": []}
    local_bucket.put_object(
        Bucket=settings.S3_BUCKET, Key="manifests/just-done.json", Body=json.dumps(document)
    )
    now = datetime.datetime.now(datetime.UTC)
    listed = {"just-done.publishing": {"LastModified": now}}  # listed, then deleted
    assert publishing_now(local_bucket, settings.S3_BUCKET, now, listed) == ([document], [])
    local_bucket.delete_object(Bucket=settings.S3_BUCKET, Key="manifests/just-done.json")


def test_a_publish_stopped_by_ctrl_c_takes_its_list_back(
    local_bucket, tmp_path, own_sources, monkeypatch
):
    """Else the names it relied on would stay protected from prunes for a day."""
    (own_sources / "css" / "own.css").write_text("/* stopped */\n")

    def ctrl_c():
        raise KeyboardInterrupt

    def the_stylesheet(params):
        return params.get("Key", "").startswith("static/css/own.")

    before_call(monkeypatch, "PutObject", the_stylesheet, ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        collect(tmp_path, "s-stopped")
    monkeypatch.undo()
    assert not {"manifests/s-stopped.json", "manifests/s-stopped.publishing"} & set(
        objects(local_bucket)
    )


def test_a_list_left_by_a_publish_that_died_protects_for_a_day_then_goes(local_bucket):
    import datetime

    from static_kit.storage.prune import PUBLISHING_LIFETIME, publishing_now

    document = {"paths": {"css/x.css": "css/x.0123456789ab.css"}, "unhashed": []}
    local_bucket.put_object(
        Bucket=settings.S3_BUCKET, Key="manifests/died.publishing", Body=json.dumps(document)
    )
    now = datetime.datetime.now(datetime.UTC)
    # This test's list alone (another test's failed publish may have left its own).
    listed = {"died.publishing": objects(local_bucket)["manifests/died.publishing"]}
    assert publishing_now(local_bucket, settings.S3_BUCKET, now, listed) == ([document], [])
    later = now + datetime.timedelta(seconds=PUBLISHING_LIFETIME + 60)
    assert publishing_now(local_bucket, settings.S3_BUCKET, later, listed) == (
        [],
        ["manifests/died.publishing"],
    )
    local_bucket.delete_object(Bucket=settings.S3_BUCKET, Key="manifests/died.publishing")


def test_a_bucket_that_is_not_there_is_named_not_taken_for_a_missing_manifest(local_bucket):
    """S3 answers 404 for the manifest of a bucket that does not exist: "run collectstatic"
    would be the wrong fix for a typo in DJANGO_S3_BUCKET."""
    wrong = {**settings.STORAGES["staticfiles"]}
    wrong["OPTIONS"] = {"s3": {**wrong["OPTIONS"]["s3"], "bucket_name": "no-such-bucket"}}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": wrong}, RELEASE_ID="v1"):
        with pytest.raises(ImproperlyConfigured, match="There is no bucket s3://no-such-bucket"):
            refuse_unsafe_start()


def test_a_malformed_endpoint_setting_stops_in_one_line_naming_it():
    """A 91-line botocore traceback, before: static_kit/tests/test_s3_sessions.py has the rest."""
    import os
    import subprocess
    import sys

    name = "DJANGO_S3_ENDPOINT_URL"
    env = {**os.environ, name: "127.0.0.1:9000"}
    check = [sys.executable, "manage.py", "check"]
    result = subprocess.run(check, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)  # noqa: S603, PLW1510
    assert result.returncode == 1 and name in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
