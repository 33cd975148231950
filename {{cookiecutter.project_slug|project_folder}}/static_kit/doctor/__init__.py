"""static_doctor's checks: each looks at one thing and says ok, warn or fail, with the fix.

One module per group of checks; a group's name is the prefix of its findings' names:
    configuration.py  `settings`: what the settings say
    collected.py      `collected`: what collectstatic wrote
    nginx.py          `nginx`: the config deploy/nginx/ renders (the nginx strategy only)
    bucket.py         `bucket`: the S3 bucket (S3 + CDN, and S3 media)
    live.py           `live`: the pages given with --url, fetched by fetch.py
A check that does not apply to this project's settings returns nothing, and `unused_groups()`
says which groups check nothing here, so `--only` can refuse them.
https://docs.djangoproject.com/en/5.2/howto/static-files/deployment/
"""

from pathlib import Path

from .bucket import check_bucket
from .collected import (
    check_css_references,
    check_integrity,
    check_manifest,
    check_readable_by_web_server,
    check_stale,
    check_static_root_contents,
    check_template_references,
    check_unhashed_names,
)
from .configuration import (
    check_debug,
    check_manifest_storage,
    check_release_id,
    check_roots,
    check_s3_acl,
    check_urls,
    check_whitenoise,
)
from .findings import FAIL, OK, WARN, Context, Finding, load_manifest, s3_options
from .live import check_live
from .nginx import check_nginx_config, renderer

__all__ = ["CHECKS", "FAIL", "OK", "WARN", "Finding", "diagnose", "unused_groups"]

# Each group's checks, in the order they run; a group is the prefix of its findings' names
# (`static_doctor --only collected` runs one group, e.g. in a deploy right after collectstatic).
CHECKS = {
    "settings": [
        check_urls,
        check_roots,
        check_debug,
        check_manifest_storage,
        check_whitenoise,
        check_release_id,
        check_s3_acl,
    ],
    "collected": [
        check_manifest,
        check_integrity,
        check_template_references,
        check_css_references,
        check_static_root_contents,
        check_readable_by_web_server,
        check_stale,
        check_unhashed_names,
    ],
    "nginx": [check_nginx_config],
    "bucket": [check_bucket],
    "live": [check_live],
}


def unused_groups(urls: list[str] | None = None) -> dict[str, str]:
    """The groups that check nothing in this project, each with why: `--only` refuses them
    rather than run zero checks and report that all passed."""
    unused = {}
    if renderer() is None:
        unused["nginx"] = (
            "this project does not serve through nginx (NGINX_CONFIG_RENDERER names no file)"
        )
    if not list(s3_options()):
        unused["bucket"] = "this project keeps no static files or uploads in a bucket"
    if not urls:
        unused["live"] = "it fetches the pages given with --url: add --url https://example.com/"
    return unused


def diagnose(
    nginx_config: Path | None = None,
    urls: list[str] | None = None,
    only: list[str] | None = None,
) -> list[Finding]:
    """Every check that applies to this project, or those of the groups in `only`."""
    context = Context(*load_manifest(), nginx_config=nginx_config, urls=urls or [])
    findings = []
    for group, checks in CHECKS.items():
        if not only or group in only:
            for check in checks:
                findings.extend(check(context))
    return findings
