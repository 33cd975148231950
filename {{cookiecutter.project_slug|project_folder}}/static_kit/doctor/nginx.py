"""The `nginx` group: the site config deploy/nginx/ renders, and a deployed one."""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from .findings import FAIL, OK, WARN, Context, Finding, takes_uploads

ALIAS = re.compile(r"location\s+([^\s{]+)\s*\{[^}]*?\balias\s+([^;]+);")
BODY_SIZE = re.compile(r"\bclient_max_body_size\s+(\d+)([kKmMgG]?)\s*;")
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
NO_NGINX = 3  # the renderer's exit status for --check where nginx is not installed


def renderer() -> Path | None:
    """The nginx strategy's renderer (settings NGINX_CONFIG_RENDERER), or None: no nginx here."""
    path = getattr(settings, "NGINX_CONFIG_RENDERER", None)
    return Path(path) if path and Path(path).is_file() else None


def aliases(folder: Path) -> dict[str, str]:
    """location -> alias, from every .conf file of a rendered site folder."""
    found = {}
    for conf in sorted(folder.glob("*.conf")):
        for location, alias in ALIAS.findall(conf.read_text(encoding="utf-8")):
            found[location] = alias.strip().strip("\"'")
    return found


def compare_aliases(where: str, found: dict[str, str]) -> list[Finding]:
    """Both ends of every alias end in "/", and /static/ and /media/ point at the roots."""
    problems = []
    for location, alias in found.items():
        if not location.endswith("/") or not alias.endswith("/"):
            problems.append(
                f"`location {location}` with `alias {alias}` lacks a trailing slash "
                "(404s, or /static../ reading next to the root)"
            )
    expected = {urlsplit(settings.STATIC_URL).path: settings.STATIC_ROOT}
    if getattr(settings, "MEDIA_ROOT", ""):
        expected[settings.MEDIA_URL] = settings.MEDIA_ROOT
    for location, root in expected.items():
        want = os.path.realpath(root) + "/"
        alias = found.get(location)
        if alias is None:
            problems.append(f"no `location {location}` with an alias")
        elif os.path.realpath(alias.rstrip("/")) + "/" != want:
            problems.append(f"`location {location}` aliases {alias}, but the root is {want}")
    if problems:
        return [
            Finding(
                "nginx.aliases",
                FAIL,
                f"{where}: " + "; ".join(problems),
                "Both the location and the alias end in '/', and the alias is the root Django "
                "writes: re-render with `python3 deploy/nginx/nginx_config.py` using the "
                "server's DJANGO_STATIC_ROOT and DJANGO_MEDIA_ROOT.",
            )
        ]
    return [Finding("nginx.aliases", OK, f"{where}: aliases end in '/' and match the roots")]


def compare_body_size(where: str, folder: Path) -> list[Finding]:
    """nginx's upload limit is the app's (MAX_UPLOAD_SIZE), or uploads get a bare 413."""
    limit = getattr(settings, "MAX_UPLOAD_SIZE", 0)
    if not limit or not takes_uploads():
        return []
    text = "".join(conf.read_text(encoding="utf-8") for conf in sorted(folder.glob("*.conf")))
    sizes = [int(n) * UNITS[unit.lower()] for n, unit in BODY_SIZE.findall(text)]
    nginx_limit = max(sizes, default=1024 * 1024)  # nginx's own default is 1m
    if 0 < nginx_limit < limit:  # 0: no limit
        return [
            Finding(
                "nginx.body_size",
                FAIL,
                f"{where}: nginx refuses request bodies over {nginx_limit // 1024} KiB (a 413), "
                f"the app accepts {limit // 1024} KiB",
                "Render the config with the app's DJANGO_MAX_UPLOAD_MB (media-body-size.conf "
                "sets client_max_body_size from it) and reload nginx.",
            )
        ]
    return [Finding("nginx.body_size", OK, f"{where}: nginx accepts uploads the app accepts")]


def check_nginx_config(context: Context) -> list[Finding]:
    """Nginx: the site config deploy/nginx/ renders (and a deployed one, if given) has
    aliases ending in '/' that match the roots and the app's upload limit, and passes nginx -t."""
    script = renderer()
    if script is None:
        return []
    findings = []
    with tempfile.TemporaryDirectory(prefix="static-doctor-") as run_dir:
        conf = Path(run_dir) / "conf"
        values = {
            "STATIC_ROOT": os.path.realpath(settings.STATIC_ROOT),
            "MEDIA_ROOT": os.path.realpath(getattr(settings, "MEDIA_ROOT", "") or run_dir),
            "LOCAL_LISTEN": "127.0.0.1:8000",
        }
        command = [sys.executable, str(script), "local", "--out", str(conf), "--check"]
        for name, value in values.items():
            command += ["--set", f"{name}={value}"]
        # The renderer is the deploy tool's command line: run, not imported.
        test = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        # It prints the main file once every snippet is written, before nginx -t runs.
        if not test.stdout.strip():
            said = (test.stderr.strip().splitlines() or [f"exit status {test.returncode}"])[-1]
            return [
                Finding(
                    "nginx.render",
                    FAIL,
                    f"{script} could not render the site: {said}",
                    f"Run `python3 {script} local --out /tmp/site` to see why, and fix it or "
                    "the snippet it names.",
                )
            ]
        findings += compare_aliases("deploy/nginx/ rendered", aliases(conf))
        findings += compare_body_size("deploy/nginx/ rendered", conf)
        if test.returncode == NO_NGINX:
            findings.append(
                Finding(
                    "nginx.syntax",
                    WARN,
                    "nginx is not installed here",
                    "Run static_doctor on the server, or install nginx.",
                )
            )
        elif test.returncode:
            findings.append(
                Finding(
                    "nginx.syntax",
                    FAIL,
                    f"nginx -t refused it: {test.stderr.strip()}",
                    "Fix the snippet nginx names in deploy/nginx/.",
                )
            )
        else:
            findings.append(Finding("nginx.syntax", OK, "nginx -t accepts the site"))
    if context.nginx_config is not None:
        findings += compare_aliases(str(context.nginx_config), aliases(context.nginx_config))
        findings += compare_body_size(str(context.nginx_config), context.nginx_config)
    return findings
