"""Every variant, running like production, answers pages and errors with nosniff, the referrer
and framing policies, and a Content-Security-Policy that names exactly the hosts its static
files and uploads come from (the CDN, the bucket) and nothing wider.

HSTS needs HTTPS: the generated projects' own tests check it on every Django answer, and
test_nginx.py on the nginx production stack; `make run` here is plain HTTP.
"""

from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.serving

ANSWERS = {
    "home page": ("/", 200),
    "admin login": ("/admin/login/", 200),
    "unknown page": ("/no-such-page/", 404),
    "unknown static file": ("/static/no-such-file.css", 404),
}
UNSAFE = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:", "blob:"}


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def expected_hosts(site) -> dict[str, set[str]]:
    """Which directives must name which extra hosts, from where the variant's files live."""
    stack = site.local_stack_env()
    static = {origin(stack["DJANGO_STATIC_CDN_URL"])} if "DJANGO_STATIC_CDN_URL" in stack else set()
    media = set()
    if site.answers["media_storage"] == "s3":  # signed links on the bucket's host
        media = {origin(stack["DJANGO_S3_ENDPOINT_URL"])}
    return {
        "script-src": static,
        "style-src": static,
        "font-src": static,
        "img-src": static | media,
        "media-src": media,
    }


def policy(header: str) -> dict[str, set[str]]:
    return {part.split()[0]: set(part.split()[1:]) for part in header.split(";") if part.strip()}


@pytest.mark.threat(
    "Deploy settings and headers",
    "Pages and errors: nosniff, referrer, framing, exact CSP",
    cases=len(ANSWERS),
)
def test_pages_and_errors_carry_the_headers_and_the_exact_policy(site):
    problems = []
    for what, (path, status) in ANSWERS.items():
        response = requests.get(site.url + path, timeout=30, allow_redirects=False)
        where = f"{site.name}, {what} ({path})"
        if response.status_code != status:
            problems.append(f"{where}: answered {response.status_code}, expected {status}")
        headers = response.headers
        for name, value in {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
        }.items():
            if headers.get(name) != value:
                problems.append(f"{where}: {name} {headers.get(name)!r}, expected {value!r}")
        if site.answers["serving_strategy"] == "nginx" and path.startswith("/static/"):
            continue  # nginx's own answer for a file: no page, no policy needed
        directives = policy(headers.get("Content-Security-Policy", ""))
        if not directives:
            problems.append(f"{where}: no Content-Security-Policy")
            continue
        for name, hosts in expected_hosts(site).items():
            extra = directives.get(name, set()) - {"'self'"}
            if extra != hosts:
                problems.append(
                    f"{where}: {name} allows {extra or 'no other host'}, expected {hosts}"
                )
        for name, sources in directives.items():
            if sources & UNSAFE:
                problems.append(f"{where}: {name} allows {sources & UNSAFE}")
        for name, sources in {"default-src": {"'self'"}, "object-src": {"'none'"}}.items():
            if directives.get(name) != sources:
                problems.append(f"{where}: {name} {directives.get(name)}, expected {sources}")
    assert not problems, "\n".join(problems)
