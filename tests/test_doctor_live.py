"""static_doctor --url against the live site: every variant passes as it runs, and a site
still serving the previous release after a deploy is named, with the fix.

The offline checks are the generated projects' own tests (tests/test_static_doctor.py in each
project, run by test_day_two.py); here the doctor meets real servers on 127.0.0.1.
"""

import json
from pathlib import Path

import pytest

from harness.sites import changed_copy, publish, serve_env
from harness.variants import VARIANTS, variant_id

pytestmark = pytest.mark.serving

# One variant per strategy: the live check does not depend on where uploads go.
ONE_PER_STRATEGY = [answers for answers in VARIANTS if answers["media_storage"] == "none"]


def doctor(site, project: Path, **env: str) -> tuple[int, list[dict]]:
    """`static_doctor --format json --url <site>` run in `project` with the site's settings."""
    environment = {**serve_env(site, site.port), **site.local_stack_env(), **env}
    options = ["--format", "json", "--url", f"{site.url}/"]
    result = site.manage_in(project, "static_doctor", *options, env=environment)
    assert result.stdout.startswith("{"), f"{site.name}: no report\n{result.stderr[-3000:]}"
    return result.returncode, json.loads(result.stdout)["findings"]


def test_static_doctor_passes_the_running_site(site):
    status, findings = doctor(site, site.project)
    not_ok = [f"{f['check']}: {f['seen']}" for f in findings if f["verdict"] != "ok"]
    assert status == 0 and not not_ok, f"{site.name}:\n" + "\n".join(not_ok)
    pages = [f["seen"] for f in findings if f["check"] == "live.page"]
    assets = [f["seen"] for f in findings if f["check"] == "live.asset"]
    assert len(pages) == 2, f"{site.name}: the home and admin login pages, got {pages}"
    # The site's CSS, script, logo, icon, font and image, and the admin's stylesheets.
    assert len(assets) >= 10, f"{site.name}: only {len(assets)} assets followed"
    for expected in ("/css/site.", ".woff2", "/admin/css/base."):
        assert any(expected in seen for seen in assets), f"{site.name}: {expected} not followed"
    assert all("this release's file" in seen for seen in assets), assets


@pytest.mark.threat(
    "Faults during deploys", "Live site still serving the previous release, named by static_doctor"
)
@pytest.mark.parametrize("answers", ONE_PER_STRATEGY, ids=variant_id)
def test_a_site_still_serving_the_previous_release_is_named(start_site, answers, tmp_path):
    """The next release is collected (its site.css changed) but the live site was not
    restarted or switched: the doctor, run with the next release's settings, names the
    stylesheet the site still links and says to restart."""
    site = start_site(answers)
    next_release = changed_copy(site, tmp_path, "the next release", ["static/css/site.css"])
    release = {"DJANGO_RELEASE_ID": "next"}
    collect = publish(site, next_release, "next")
    assert collect.returncode == 0, collect.stderr[-3000:]

    status, findings = doctor(site, next_release, **release)
    failed = [f for f in findings if f["verdict"] == "fail"]
    assert status == 1, f"{site.name}: a stale live site passed"
    assert [f["check"] for f in failed] == ["live.asset"], failed
    (stale,) = failed
    assert "/css/site." in stale["seen"] and "not this release's file" in stale["seen"], stale
    assert "restart" in stale["fix"] and "DJANGO_RELEASE_ID" in stale["fix"], stale
