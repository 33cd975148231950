"""The `live` group (--url): the pages a browser loads, each asset judged as it was sent."""

import mimetypes
import posixpath
import re
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings

from ..storage.integrity import bytes_hash, hash_in_name, unhashed_name
from ..storage.unhashed import keeps_unhashed
from . import fetch
from .findings import COLLECT, FAIL, OK, WARN, Context, Finding

ONE_YEAR = 31_536_000
# With `X-Content-Type-Options: nosniff`, browsers refuse stylesheets and scripts sent as
# anything else: the page loses its styling or its behaviour.
STRICT_TYPES = {".css": {"text/css"}, ".js": {"text/javascript", "application/javascript"}}
SAME_TYPES = [{"image/x-icon", "image/vnd.microsoft.icon"}, *STRICT_TYPES.values()]
TEXT_TYPES = {"text/css", "text/javascript", "application/javascript", "image/svg+xml"}
STATUS_FIXES = {
    403: "The web server may not read the file: run static_doctor on the server "
    "(collected.readable names the chmod) or check the bucket policy.",
    404: f"The server does not have it: `{COLLECT}` for the release it runs; with nginx, the "
    "alias must end in '/' (nginx.aliases); with S3, the publish must have finished.",
}
PAGE_FIXES = {
    # urllib stops after 10 redirects, or at once when one leads back to a URL already seen.
    "redirect": "Django never sees the request as HTTPS: the proxy that ends TLS must send "
    "X-Forwarded-Proto, and gunicorn must trust its address (FORWARDED_ALLOW_IPS).",
    502: "The app server is not answering: read its log (journalctl -u <service>); the "
    "start-up guard names a missing manifest or a dotfile in STATIC_ROOT.",
    503: "The app server is not answering: read its log (journalctl -u <service>).",
    504: "The app server is too slow to answer, or not answering: read its log.",
}
RESTART = (
    "The site serves another release than these settings describe: restart the app server "
    "after collectstatic, check that DJANGO_RELEASE_ID is the release that is live, and purge "
    "cached pages at the CDN."
)


def live_pages(urls: list[str]) -> list[str]:
    """The pages given, and the admin's login page of the first one's site (admin styling)."""
    pages = list(urls)
    if "django.contrib.admin" in settings.INSTALLED_APPS:
        from django.urls import NoReverseMatch, reverse

        try:
            login = urljoin(urls[0], reverse("admin:login"))
        except NoReverseMatch:
            return pages
        if login not in pages:
            pages.append(login)
    return pages


def static_name(url: str, prefix: str) -> str | None:
    """The static file's name if `url` is under STATIC_URL, e.g. css/site.3f2a1c9b7e4d.css."""
    if not url.startswith(prefix):
        return None
    return unquote(url[len(prefix) :].split("?")[0])


def release_verdict(name: str, manifest: dict) -> tuple[str, str, str]:
    """(verdict, what was seen, fix) for a static name the live site linked."""
    if name in manifest.values():
        return OK, "this release's file", ""
    if name in manifest:
        return (
            WARN,
            "linked without its hash (a deploy leaves browsers with the old file)",
            "Link it with the static template tag: the manifest storage adds the hash.",
        )
    original = unhashed_name(name)
    if original and original in manifest:
        return FAIL, f"not this release's file (this release has {manifest[original]})", RESTART
    return FAIL, "not in this release's manifest", RESTART


def judge_asset(asset: fetch.Fetched, prefix: str, manifest: dict) -> Finding:
    """One line for one asset: status, type, encoding, caching, and which release it is."""
    if asset.status is None:
        return Finding(
            "live.asset",
            FAIL,
            f"{asset.url}: no answer ({asset.error}), linked from {asset.referrer}",
            "Is the host up and reachable from here? STATIC_URL and DJANGO_STATIC_CDN_URL "
            "must name a host browsers can reach.",
        )
    if asset.status != 200:
        fix = STATUS_FIXES.get(asset.status, "Open the URL and read the server's log for it.")
        name = static_name(asset.url, prefix)
        # An unhashed name: WhiteNoise and S3 + CDN serve only the listed ones (nginx, all).
        if asset.status == 404 and name in manifest and not keeps_unhashed(name):
            fix = (
                f"Link the hashed name, {manifest[name]}: the static template tag gives it. "
                "Code that loads the file by this name needs a glob for it in "
                "STATIC_UNHASHED_NAMES."
            )
        return Finding(
            "live.asset",
            FAIL,
            f"{asset.url}: answered {asset.status}, linked from {asset.referrer}",
            fix,
        )
    path = urlsplit(asset.url).path
    suffix = posixpath.splitext(path)[1].lower()
    content_type = asset.header("Content-Type").split(";")[0].strip().lower()
    encoding = asset.header("Content-Encoding") or "identity"
    cache_control = asset.header("Cache-Control")
    verdicts, notes, fixes = [OK], [], []

    def note(verdict: str, seen: str, fix: str) -> None:
        verdicts.append(verdict)
        notes.append(seen)
        if fix and fix not in fixes:
            fixes.append(fix)

    expected = mimetypes.guess_type(path)[0]
    same = content_type == expected or any({content_type, expected} <= s for s in SAME_TYPES)
    if expected and not same:
        note(
            FAIL if suffix in STRICT_TYPES else WARN,
            f"sent as {content_type or 'no type'}, not {expected}",
            "Serve files with their type: nginx needs `include mime.types;`, S3 objects the "
            "ContentType collectstatic sets (re-publish).",
        )
    if content_type in TEXT_TYPES and encoding == "identity" and len(asset.body) > 1024:
        note(
            WARN,
            "sent uncompressed",
            "Send the .br/.gz that collectstatic writes (WhiteNoise and nginx's gzip_static "
            "do), or turn on the CDN's compression.",
        )
    if encoding != "identity" and "accept-encoding" not in asset.header("Vary").lower():
        note(
            WARN,
            "compressed without Vary: Accept-Encoding",
            "Add Vary: Accept-Encoding, or a shared cache serves compressed bytes to anyone.",
        )
    name = static_name(asset.url, prefix)
    verdict = release_verdict(name, manifest) if name is not None and manifest else None
    if verdict:
        note(*verdict)
    # This release's scripts and stylesheets, which browsers check against their integrity
    # digest (a CDN may re-encode images and fonts on purpose: Cloudflare's Polish).
    if verdict and verdict[0] == OK and suffix in {".css", ".js", ".mjs"}:
        sent = bytes_hash(asset.body)
        if sent != hash_in_name(name):
            note(
                FAIL,
                f"other bytes than its name promises ({sent}): browsers that check its "
                "integrity refuse it, the others use it for a year",
                "Run collectstatic with the server's settings (it puts the right bytes back), "
                "then purge this URL from the CDN, which keeps what it fetched for a year.",
            )
    if name is not None and unhashed_name(name):
        age = re.search(r"max-age=(\d+)", cache_control)
        if not age or int(age.group(1)) < ONE_YEAR:
            note(
                WARN,
                "a hashed name cached for less than a year",
                "Hashed names never change: serve them with Cache-Control: public, "
                "max-age=31536000, immutable.",
            )
    headers = f"{content_type or 'no type'}, {encoding}, {cache_control or 'no Cache-Control'}"
    worst = FAIL if FAIL in verdicts else WARN if WARN in verdicts else OK
    seen = f"{asset.url}: 200 {headers}" + "".join(f"; {n}" for n in notes)
    return Finding("live.asset", worst, seen, " ".join(fixes))


def judge_page(page: fetch.Fetched) -> Finding:
    if page.status == 200:
        return Finding("live.page", OK, f"{page.url}: 200")
    if page.status and 300 <= page.status < 400:
        seen, fix = f"redirects in a loop ({page.status} again and again)", PAGE_FIXES["redirect"]
    elif page.status:
        seen, fix = f"answered {page.status}", PAGE_FIXES.get(page.status, "")
    else:
        seen, fix = f"no answer ({page.error})", ""
    fix = fix or "Open the page and read the server's log for it."
    return Finding("live.page", FAIL, f"{page.url}: {seen}", fix)


def check_live(context: Context) -> list[Finding]:
    """--url: each page answers 200; each asset it loads, and each url() in its CSS, answers
    200 with its type, compressed, a hashed name cached for a year, and is this release's file."""
    if not context.urls:
        return []
    pages, assets = fetch.crawl(live_pages(context.urls))
    findings = [judge_page(page) for page in pages]
    for asset in assets:
        prefix = urljoin(asset.referrer, settings.STATIC_URL)
        finding = judge_asset(asset, prefix, context.manifest)
        if asset.url.startswith("http:") and asset.referrer.startswith("https:"):
            finding.verdict = FAIL
            finding.seen += f"; mixed content: {asset.referrer} is https, browsers block this"
            finding.fix += (
                " Link assets over https: DJANGO_STATIC_CDN_URL, DJANGO_STATIC_HOST and "
                "STATIC_URL with https:// or a path only; behind a proxy, X-Forwarded-Proto."
            )
        findings.append(finding)
    if len(assets) >= fetch.MOST_ASSETS:
        stopped = f"stopped after {fetch.MOST_ASSETS} assets"
        findings.append(Finding("live.asset", WARN, stopped, ""))
    return findings
