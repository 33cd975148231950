"""storage/prune.py: which releases and objects a prune keeps (the bucket itself is tested
against a real S3 API by the template's tests/test_s3_cdn.py)."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from static_kit.storage.prune import kept_releases, plan_prune

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


def ago(hours: float) -> datetime.datetime:
    return NOW - datetime.timedelta(hours=hours)


WRITTEN = {"r1": ago(40), "r2": ago(30), "r3": ago(20), "r4": ago(10)}


def test_the_newest_and_every_live_release_are_kept_newest_first():
    assert kept_releases(WRITTEN, 1, []) == ["r4"]
    assert kept_releases(WRITTEN, 2, ["r1"]) == ["r4", "r3", "r1"]
    assert kept_releases(WRITTEN, 9, []) == ["r4", "r3", "r2", "r1"]
    # Written in the last 25 hours: a deploy may still be rolling r3 out.
    assert kept_releases(WRITTEN, 1, [], NOW, grace=25 * 3600) == ["r4", "r3"]


@pytest.mark.parametrize(
    ("written", "keep", "live", "says"),
    [
        (WRITTEN, 0, [], "--keep 0 would keep no release"),
        (WRITTEN, 1, ["r9"], "No manifest for the live release(s) r9"),
        ({}, 1, [], "no release manifest"),
    ],
)
def test_a_prune_that_could_remove_a_live_release_deletes_nothing(written, keep, live, says):
    with pytest.raises(CommandError, match=r"(?i)" + says.replace("(", r"\(").replace(")", r"\)")):
        kept_releases(written, keep, live)


def entry(hours: float, size: int = 10) -> dict:
    return {"LastModified": ago(hours), "Size": size}


def test_objects_go_only_when_no_kept_release_names_them_and_after_the_grace():
    manifests = {
        "r4": {"paths": {"css/site.css": "css/site.444444444444.css"}, "unhashed": []},
        # Written before manifests recorded their unhashed names: all of them were published.
        "r2": {
            "paths": {
                "css/site.css": "css/site.222222222222.css",
                "js/a.js": "js/a.222222222222.js",
            }
        },
    }
    objects = {
        "css/site.css": entry(10),  # the unhashed copy r2 published
        "css/site.444444444444.css": entry(10),
        "css/site.222222222222.css": entry(30),
        "js/a.js": entry(30),  # r2 still has the name
        "js/a.222222222222.js": entry(30),
        "css/site.111111111111.css": entry(40, 7),  # r1's and r3's only
        "css/site.333333333333.css": entry(20, 5),
        "css/site.555555555555.css": entry(0.1),  # a publish still running
    }
    plan = plan_prune(WRITTEN, objects, manifests, ["r4", "r2"], NOW, grace=3600)
    assert plan.releases == ["r1", "r3"]
    assert plan.objects == ["css/site.111111111111.css", "css/site.333333333333.css"]
    assert (plan.young, plan.freed) == (1, 12)
    assert plan_prune(WRITTEN, objects, manifests, ["r4", "r2"], NOW, grace=0).young == 0


def test_a_release_keeps_the_unhashed_names_it_published_and_no_other():
    manifests = {
        "r4": {
            "paths": {
                "css/site.css": "css/site.444444444444.css",
                "tinymce/plugins/link.js": "tinymce/plugins/link.444444444444.js",
            },
            "unhashed": ["tinymce/plugins/link.js"],  # STATIC_UNHASHED_NAMES = ["tinymce/*"]
        }
    }
    objects = {
        name: entry(10)
        for name in (
            "css/site.css",
            "css/site.444444444444.css",
            "css/site.444444444444.css.br",
            "tinymce/plugins/link.js",
            "tinymce/plugins/link.444444444444.js",
        )
    }
    plan = plan_prune({"r4": ago(10)}, objects, manifests, ["r4"], NOW, grace=0)
    # No storage writes a .br into the bucket, and r4 published css/site.css only hashed.
    assert plan.objects == ["css/site.444444444444.css.br", "css/site.css"]


def test_the_command_refuses_a_project_that_publishes_to_no_bucket(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    with pytest.raises(CommandError, match="static_prune prunes an S3 \\+ CDN bucket"):
        call_command("static_prune")
