"""static_doctor's checks: each looks at one thing and says ok, warn or fail, with the fix.

A check is a function returning Findings; the ones that do not apply to this project's
strategy (no WhiteNoise, no release manifests) return nothing. `diagnose()` runs them all.
https://docs.djangoproject.com/en/5.2/howto/static-files/deployment/
"""

import fnmatch
import importlib.util
import json
import os
import posixpath
import re
import stat
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages

from .checks import (
    check_static_and_media_roots_are_separate,
    check_static_root_holds_only_public_files,
    manifest_location,
)
from .static_references import css_references, template_static_references

OK, WARN, FAIL = "ok", "warn", "fail"
WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"
SECURITY = "django.middleware.security.SecurityMiddleware"
COLLECT = "python manage.py collectstatic --noinput"


@dataclass
class Finding:
    check: str
    verdict: str
    seen: str
    fix: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def listed(items, limit: int = 5) -> str:
    items = [str(item) for item in items]
    return ", ".join(items[:limit]) + (
        f" and {len(items) - limit} more" if len(items) > limit else ""
    )


# ------------------------------------------------------------------------------ settings


def check_urls(context: "Context") -> list[Finding]:
    static_url, media_url = settings.STATIC_URL or "", getattr(settings, "MEDIA_URL", "") or ""
    found = []
    if not static_url.endswith("/"):
        found.append(
            Finding(
                "settings.static_url",
                FAIL,
                f"STATIC_URL={static_url!r}",
                "End STATIC_URL with '/', e.g. '/static/'.",
            )
        )
    if media_url and not media_url.endswith("/"):
        found.append(
            Finding(
                "settings.media_url",
                FAIL,
                f"MEDIA_URL={media_url!r}",
                "End MEDIA_URL with '/', e.g. '/media/'.",
            )
        )
    if media_url and media_url == static_url:
        found.append(
            Finding(
                "settings.urls_differ",
                FAIL,
                f"STATIC_URL and MEDIA_URL are both {static_url!r}",
                "Give uploads their own URL prefix (MEDIA_URL='/media/').",
            )
        )
    return found or [
        Finding("settings.urls", OK, f"STATIC_URL={static_url!r}, MEDIA_URL={media_url!r}")
    ]


def check_roots(context: "Context") -> list[Finding]:
    if not settings.STATIC_ROOT:
        return [
            Finding(
                "settings.static_root",
                FAIL,
                "STATIC_ROOT is not set",
                "Set DJANGO_STATIC_ROOT to the folder collectstatic fills and the server reads.",
            )
        ]
    # The same verdict the system check (static.E001) gives collectstatic and the server.
    overlap = check_static_and_media_roots_are_separate()
    if overlap:
        return [Finding("settings.roots", FAIL, error.msg, error.hint) for error in overlap]
    media_root = getattr(settings, "MEDIA_ROOT", "") or "none (no local media)"
    return [
        Finding(
            "settings.roots", OK, f"STATIC_ROOT={settings.STATIC_ROOT}, MEDIA_ROOT={media_root}"
        )
    ]


def check_debug(context: "Context") -> list[Finding]:
    if settings.DEBUG:
        return [
            Finding(
                "settings.debug",
                FAIL,
                "DEBUG is True",
                "Set DJANGO_DEBUG=false: with DEBUG on, Django serves static files itself "
                "and hides what production will do.",
            )
        ]
    return [Finding("settings.debug", OK, "DEBUG is False")]


def check_manifest_storage(context: "Context") -> list[Finding]:
    storage = storages["staticfiles"]
    name = f"{type(storage).__module__}.{type(storage).__name__}"
    if not isinstance(storage, ManifestFilesMixin):
        return [
            Finding(
                "settings.storage",
                FAIL,
                f"STORAGES['staticfiles'] is {name}, without hashed names",
                "Use a manifest storage (this project's strategy module sets one) so files "
                "can be cached for a year.",
            )
        ]
    return [Finding("settings.storage", OK, f"manifest storage {name}")]


def check_whitenoise(context: "Context") -> list[Finding]:
    middleware = list(settings.MIDDLEWARE)
    if WHITENOISE not in middleware:
        return []
    found = []
    if SECURITY in middleware and middleware.index(WHITENOISE) != middleware.index(SECURITY) + 1:
        found.append(
            Finding(
                "settings.whitenoise_position",
                FAIL,
                f"WhiteNoiseMiddleware is at position {middleware.index(WHITENOISE)}, "
                "not right after SecurityMiddleware",
                "Put it directly after SecurityMiddleware (settings/whitenoise.py does).",
            )
        )
    for name in ("WHITENOISE_AUTOREFRESH", "WHITENOISE_USE_FINDERS"):
        if getattr(settings, name, settings.DEBUG):
            found.append(
                Finding(
                    f"settings.{name.lower()}",
                    FAIL,
                    f"{name} is on",
                    f"Leave {name} = DEBUG: in production WhiteNoise serves only collected files.",
                )
            )
    return found or [
        Finding(
            "settings.whitenoise", OK, "WhiteNoise right after SecurityMiddleware, no autorefresh"
        )
    ]


def check_release_id(context: "Context") -> list[Finding]:
    try:  # only the strategies whose releases each read their own manifest have this
        from .storage import release_id
    except ImportError:
        return []

    try:
        value = release_id()
    except ImproperlyConfigured as error:
        return [
            Finding(
                "settings.release_id", FAIL, "DJANGO_RELEASE_ID is missing or invalid", str(error)
            )
        ]
    return [Finding("settings.release_id", OK, f"release {value}")]


# ------------------------------------------------------------------------------ collected files


def load_manifest() -> tuple[ManifestFilesMixin | None, dict]:
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None, {}
    try:
        paths, _hash = storage.load_manifest()
        return storage, dict(paths)
    except (ImproperlyConfigured, ValueError, OSError):
        return storage, {}


def check_manifest(context: "Context") -> list[Finding]:
    storage, manifest = context.storage, context.manifest
    if storage is None:
        return []
    try:
        where = manifest_location(storage)
    except ImproperlyConfigured as error:
        return [Finding("collected.manifest", FAIL, "no manifest can be read", str(error))]
    if not manifest:
        return [
            Finding(
                "collected.manifest",
                FAIL,
                f"no staticfiles manifest at {where}: collectstatic has not run for this release",
                f"Run `{COLLECT}` with the server's settings before starting it.",
            )
        ]
    return [Finding("collected.manifest", OK, f"{len(manifest)} files in {where}")]


def check_template_references(context: "Context") -> list[Finding]:
    manifest = context.manifest
    if not manifest:
        return []
    missing = sorted(
        {
            f"{template.name}: {path}"
            for template, path in template_static_references()
            if path not in manifest
        }
    )
    if missing:
        return [
            Finding(
                "collected.template_references",
                FAIL,
                f"{len(missing)} static tag reference(s) not in the manifest "
                f"(a 500 with DEBUG=False): {listed(missing)}",
                f"Fix the path in the template or add the file, then `{COLLECT}`.",
            )
        ]
    return [
        Finding(
            "collected.template_references",
            OK,
            "every static tag in every template is in the manifest",
        )
    ]


def check_css_references(context: "Context") -> list[Finding]:
    storage, manifest = context.storage, context.manifest
    if not manifest or not isinstance(storage, FileSystemStorage):
        return []
    missing = []
    for name, hashed in manifest.items():
        if not name.endswith(".css") or not storage.exists(hashed):
            continue
        with storage.open(hashed) as css:
            for url in css_references(css.read().decode("utf-8", "replace")):
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), url))
                if resolved not in manifest and resolved not in manifest.values():
                    missing.append(f"{name}: url({url})")
    if missing:
        return [
            Finding(
                "collected.css_references",
                FAIL,
                f"CSS url()s that resolve to nothing: {listed(missing)}",
                f"Fix the path in the stylesheet or add the file, then `{COLLECT}`.",
            )
        ]
    return [Finding("collected.css_references", OK, "every url() in the collected CSS resolves")]


def check_static_root_contents(context: "Context") -> list[Finding]:
    if not settings.STATIC_ROOT or not Path(settings.STATIC_ROOT).is_dir():
        return []
    # The same verdict the system check (static.E002) gives collectstatic and the server.
    unsafe = check_static_root_holds_only_public_files()
    if unsafe:
        return [Finding("collected.private_files", FAIL, error.msg, error.hint) for error in unsafe]
    return [Finding("collected.private_files", OK, "no dotfile or symlink in STATIC_ROOT")]


def check_readable_by_web_server(context: "Context") -> list[Finding]:
    """Where nginx reads STATIC_ROOT, its worker (another user) needs o+r files, o+x folders."""
    options = settings.STORAGES["staticfiles"].get("OPTIONS", {})
    root = Path(settings.STATIC_ROOT or "")
    if "file_permissions_mode" not in options or not root.is_dir():  # nobody else reads it
        return []
    unreadable = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        needed = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
        if mode & needed != needed:
            unreadable.append(f"{path} ({stat.filemode(mode)})")
    if unreadable:
        return [
            Finding(
                "collected.readable",
                FAIL,
                f"{len(unreadable)} path(s) the web server's user cannot read (a 403): "
                f"{listed(unreadable)}",
                "Make them readable: find " + str(root) + " -type d -exec chmod 755 '{}' + "
                "-o -type f -exec chmod 644 '{}' +",
            )
        ]
    return [
        Finding(
            "collected.readable", OK, "every collected file is readable by the web server's user"
        )
    ]


def check_stale(context: "Context") -> list[Finding]:
    manifest = context.manifest
    if not manifest:
        return []
    found = {
        path for finder in finders.get_finders() for path, _ in finder.list(["CVS", ".*", "*~"])
    }
    stale = sorted(found - set(manifest))
    if stale:
        return [
            Finding(
                "collected.stale",
                FAIL,
                f"{len(stale)} file(s) in the project's static folders are not collected: "
                f"{listed(stale)}",
                f"Run `{COLLECT}` again: the collected files are older than the code.",
            )
        ]
    return [Finding("collected.stale", OK, "every file the finders see is collected")]


# ------------------------------------------------------------------------------ nginx

# The strategy's deploy folder; only the nginx strategy has it.
NGINX_DEPLOY = Path(settings.BASE_DIR) / "deploy" / "nginx"
ALIAS = re.compile(r"location\s+([^\s{]+)\s*\{[^}]*?\balias\s+([^;]+);")


def nginx_config_module():
    """deploy/nginx/nginx_config.py, the renderer (a script, not a package)."""
    spec = importlib.util.spec_from_file_location("nginx_config", NGINX_DEPLOY / "nginx_config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def check_nginx_config(context: "Context") -> list[Finding]:
    """The site config rendered from deploy/nginx/ (and a deployed copy, if given)."""
    if not (NGINX_DEPLOY / "nginx_config.py").exists():
        return []
    renderer = nginx_config_module()
    findings = []
    with tempfile.TemporaryDirectory(prefix="static-doctor-") as run_dir:
        conf = Path(run_dir) / "conf"
        roots = {
            "STATIC_ROOT": os.path.realpath(settings.STATIC_ROOT),
            "MEDIA_ROOT": os.path.realpath(getattr(settings, "MEDIA_ROOT", "") or run_dir),
            "LOCAL_LISTEN": "127.0.0.1:8000",
        }
        main = renderer.render("local", conf, roots)
        findings += compare_aliases("deploy/nginx/ rendered", aliases(conf))
        nginx = renderer.nginx_binary()
        if nginx:
            test = subprocess.run(  # noqa: S603 (nginx found on PATH or by $NGINX)
                [nginx, "-t", "-q", "-p", run_dir, "-c", str(main)],
                capture_output=True,
                text=True,
                check=False,
            )
            if test.returncode:
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
        else:
            findings.append(
                Finding(
                    "nginx.syntax",
                    WARN,
                    "nginx is not installed here",
                    "Run static_doctor on the server, or install nginx.",
                )
            )
    if context.nginx_config is not None:
        findings += compare_aliases(str(context.nginx_config), aliases(context.nginx_config))
    return findings


# ------------------------------------------------------------------------------ bucket


def bucket_client():
    """(client, bucket) for the S3 bucket this project uses, or None without one."""
    if not hasattr(settings, "S3_BUCKET"):
        return None
    from storages.backends.s3 import S3Storage

    # The client django-storages builds from the project's options: the app's own view.
    return S3Storage(**settings.S3_CONNECTION).connection.meta.client, settings.S3_BUCKET


def public_read_statements(policy: dict, bucket: str, prefix: str) -> list[str]:
    """The statements that let anyone read objects under `prefix`."""
    found = []
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal")
        anyone = principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*")
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        reads = any(fnmatch.fnmatch("s3:GetObject", action) for action in actions)
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        covers = any(
            fnmatch.fnmatch(f"arn:aws:s3:::{bucket}/{prefix}x", resource) for resource in resources
        )
        if statement.get("Effect") == "Allow" and anyone and reads and covers:
            found.append(statement.get("Sid") or json.dumps(statement))
    return found


def check_bucket(context: "Context") -> list[Finding]:
    found = bucket_client()
    if found is None:
        return []
    from botocore.exceptions import BotoCoreError, ClientError

    client, bucket = found
    try:
        client.head_bucket(Bucket=bucket)
    except (BotoCoreError, ClientError) as error:
        return [
            Finding(
                "bucket.reachable",
                FAIL,
                f"s3://{bucket} cannot be reached with the configured credentials: {error}",
                "Check DJANGO_S3_BUCKET, DJANGO_S3_ENDPOINT_URL, DJANGO_S3_REGION and the "
                "credentials (AWS_ACCESS_KEY_ID or the machine's role).",
            )
        ]
    findings = [Finding("bucket.reachable", OK, f"s3://{bucket} answers")]
    try:
        policy = json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError:
        policy = {}
    if getattr(settings, "MEDIA_LOCATION", "").startswith("private"):
        public = public_read_statements(policy, bucket, "media/")
        findings.append(
            Finding(
                "bucket.media_private",
                FAIL,
                f"the bucket policy lets anyone read media/: {listed(public)}",
                "Open static/* only (deploy/s3_cdn/bucket-policy.json): uploads must be "
                "reached through signed links.",
            )
            if public
            else Finding("bucket.media_private", OK, "no policy statement makes media/ public")
        )
    findings += check_published_static(context, client, bucket)
    return findings


def check_published_static(context: "Context", client, bucket: str) -> list[Finding]:
    """Where static files are published to the bucket: CORS and immutable caching."""
    storage, manifest = context.storage, context.manifest
    if not manifest or not hasattr(storage, "published_location"):
        return []
    from botocore.exceptions import ClientError

    findings = []
    # The public origins pages are served from (not the test client's or a local run's).
    local = {"*", "", "testserver", "localhost", "127.0.0.1", "[::1]"}
    origins = [
        f"https://{host}"
        for host in settings.ALLOWED_HOSTS
        if host not in local and not host.startswith(".")
    ]
    try:
        rules = client.get_bucket_cors(Bucket=bucket)["CORSRules"]
    except ClientError:
        rules = []
    allowed = {
        o
        for rule in rules
        if "GET" in rule.get("AllowedMethods", [])
        for o in rule.get("AllowedOrigins", [])
    }
    uncovered = [origin for origin in origins if origin not in allowed and "*" not in allowed]
    findings.append(
        Finding(
            "bucket.cors",
            FAIL,
            f"no CORS rule lets {listed(uncovered)} GET from the bucket: web fonts from the "
            "CDN are blocked",
            f"aws s3api put-bucket-cors --bucket {bucket} --cors-configuration "
            "file://deploy/s3_cdn/cors.json",
        )
        if uncovered
        else Finding("bucket.cors", OK, f"CORS allows {listed(origins) or 'every origin'}")
    )
    wrong = []
    for hashed in sorted(set(manifest.values())):
        head = client.head_object(Bucket=bucket, Key=f"static/{hashed}")
        if "immutable" not in head.get("CacheControl", ""):
            wrong.append(f"static/{hashed} ({head.get('CacheControl', 'no Cache-Control')})")
    findings.append(
        Finding(
            "bucket.cache_control",
            FAIL,
            f"{len(wrong)} hashed object(s) without immutable caching: {listed(wrong)}",
            "Re-publish with this project's storage (python manage.py collectstatic --noinput): "
            "it sets Cache-Control: public, max-age=31536000, immutable on hashed names.",
        )
        if wrong
        else Finding("bucket.cache_control", OK, f"{len(manifest)} hashed objects are immutable")
    )
    return findings


CHECKS = [
    check_urls,
    check_roots,
    check_debug,
    check_manifest_storage,
    check_whitenoise,
    check_release_id,
    check_manifest,
    check_template_references,
    check_css_references,
    check_static_root_contents,
    check_readable_by_web_server,
    check_stale,
    check_nginx_config,
    check_bucket,
]


@dataclass
class Context:
    """What the checks share, read once: the static storage, its manifest, the options."""

    storage: ManifestFilesMixin | None
    manifest: dict
    nginx_config: Path | None = None  # a deployed site folder to compare with the settings


def diagnose(nginx_config: Path | None = None) -> list[Finding]:
    """Every check that applies to this project."""
    context = Context(*load_manifest(), nginx_config=nginx_config)
    findings = []
    for check in CHECKS:
        findings.extend(check(context))
    return findings
