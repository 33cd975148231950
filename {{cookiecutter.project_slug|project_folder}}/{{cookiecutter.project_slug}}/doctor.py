"""static_doctor's checks: each looks at one thing and says ok, warn or fail, with the fix.

A check is a function returning Findings; the ones that do not apply to this project's
strategy (no WhiteNoise, no release manifests) return nothing. `diagnose()` runs them all.
https://docs.djangoproject.com/en/5.2/howto/static-files/deployment/
"""

import fnmatch
import importlib.util
import json
import mimetypes
import os
import posixpath
import re
import stat
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages

from . import live
from .checks import (
    DAMAGED_FIX,
    check_static_and_media_roots_are_separate,
    check_static_root_holds_only_public_files,
    manifest_location,
)
from .static_references import css_references, template_static_references
from .storage.integrity import damaged_files

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
    """STATIC_URL and MEDIA_URL end in '/' and differ."""
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
    """STATIC_ROOT is set, and it and MEDIA_ROOT are apart: neither inside the other."""
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
    """DEBUG is off: with it on, Django serves static files and hides what production does."""
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
    """The staticfiles storage is a manifest storage: hashed names, cached for a year."""
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
    """WhiteNoise (where used) is right after SecurityMiddleware, no autorefresh or finders."""
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
    for name, check in (
        ("WHITENOISE_AUTOREFRESH", "settings.whitenoise_autorefresh"),
        ("WHITENOISE_USE_FINDERS", "settings.whitenoise_use_finders"),
    ):
        if getattr(settings, name, settings.DEBUG):
            found.append(
                Finding(
                    check,
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
    """Nginx and S3 + CDN: DJANGO_RELEASE_ID names this release, whose manifest pages use."""
    if not hasattr(settings, "RELEASE_ID"):  # one manifest for every release (WhiteNoise)
        return []
    from .storage import release_id

    try:
        value = release_id()
    except ImproperlyConfigured as error:
        return [
            Finding(
                "settings.release_id", FAIL, "DJANGO_RELEASE_ID is missing or invalid", str(error)
            )
        ]
    return [Finding("settings.release_id", OK, f"release {value}")]


def s3_options():
    """(alias, options) for each storage that keeps files in a bucket."""
    for alias, config in settings.STORAGES.items():
        options = config.get("OPTIONS", {})
        for found in (options, options.get("s3") or {}):
            if "bucket_name" in found:
                yield alias, found


def check_s3_acl(context: "Context") -> list[Finding]:
    """S3: uploads carry no ACL, which new buckets refuse (AccessControlListNotSupported)."""
    buckets = list(s3_options())
    if not buckets:
        return []
    acls = []
    for alias, options in buckets:
        # django-storages falls back to AWS_DEFAULT_ACL where the options do not say.
        default_acl = options.get("default_acl", getattr(settings, "AWS_DEFAULT_ACL", None))
        parameters = options.get("object_parameters") or {}
        for value in (default_acl, parameters.get("ACL")):
            if value:
                acls.append(f"STORAGES[{alias!r}] sends ACL {value!r}")
    if acls:
        return [
            Finding(
                "settings.s3_acl",
                FAIL,
                f"{listed(acls)}: buckets with Object Ownership 'bucket owner enforced' (the "
                "default) refuse it with AccessControlListNotSupported",
                "Send no ACL (default_acl None, as settings/s3.py does) and let the bucket "
                "policy decide what is public.",
            )
        ]
    return [Finding("settings.s3_acl", OK, "no ACL is sent with uploads")]


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
    """collectstatic has run for this release: its manifest is where the storage reads it."""
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


def check_integrity(context: "Context") -> list[Finding]:
    """Every hashed file holds the bytes its name promises (a truncated file is cached a year)."""
    storage, manifest = context.storage, context.manifest
    if not manifest:
        return []
    if hasattr(storage, "damaged_files"):
        damaged = storage.damaged_files(manifest)
    elif isinstance(storage, FileSystemStorage):
        damaged = damaged_files(Path(storage.location), manifest)
    else:
        return []
    if damaged:
        return [
            Finding(
                "collected.integrity",
                FAIL,
                f"{len(damaged)} hashed file(s) missing or not holding the bytes their name "
                f"promises: {listed(damaged)}",
                DAMAGED_FIX,
            )
        ]
    return [
        Finding(
            "collected.integrity",
            OK,
            f"{len(set(manifest.values()))} hashed files hold the bytes their names promise",
        )
    ]


def check_template_references(context: "Context") -> list[Finding]:
    """Every literal static tag in every template, inside if-blocks too, is in the manifest."""
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
    """Every relative url() and @import in the collected CSS resolves to a collected file."""
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
    """STATIC_ROOT holds no dotfile and no symlink (WhiteNoise or nginx would serve them)."""
    if not settings.STATIC_ROOT or not Path(settings.STATIC_ROOT).is_dir():
        return []
    # The same verdict the system check (static.E002) gives collectstatic and the server.
    unsafe = check_static_root_holds_only_public_files()
    if unsafe:
        return [Finding("collected.private_files", FAIL, error.msg, error.hint) for error in unsafe]
    return [Finding("collected.private_files", OK, "no dotfile or symlink in STATIC_ROOT")]


def check_readable_by_web_server(context: "Context") -> list[Finding]:
    """Nginx: every collected file and folder is readable by nginx's worker, another user."""
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
    """Every file the finders see is collected: collectstatic is not older than the code."""
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

{%- if cookiecutter.media_storage != "none" %}


BODY_SIZE = re.compile(r"\bclient_max_body_size\s+(\d+)([kKmMgG]?)\s*;")
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def compare_body_size(where: str, folder: Path) -> list[Finding]:
    """nginx's upload limit is the app's (MAX_UPLOAD_SIZE), or uploads get a bare 413."""
    limit = settings.MAX_UPLOAD_SIZE
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

{%- endif %}


def check_nginx_config(context: "Context") -> list[Finding]:
    """Nginx: the site config deploy/nginx/ renders (and a deployed one, if given) has
    aliases ending in '/' that match the roots and the app's upload limit, and passes nginx -t."""
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
{%- if cookiecutter.media_storage != "none" %}
        findings += compare_body_size("deploy/nginx/ rendered", conf)
{%- endif %}
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
{%- if cookiecutter.media_storage != "none" %}
        findings += compare_body_size(str(context.nginx_config), context.nginx_config)
{%- endif %}
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
    """S3: the bucket answers with the configured credentials; media/ is not public (S3
    media); S3 + CDN: CORS lets the site's origin fetch fonts, and hashed objects are immutable."""
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
    """S3 + CDN: CORS lets the site's origin fetch fonts; every hashed object is immutable."""
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


# ------------------------------------------------------------------------------ live (--url)

HASHED_NAME = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{12}(?P<suffix>\.[^./]+)$")
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
    match = HASHED_NAME.match(name)
    original = match and match["stem"] + match["suffix"]
    if original and original in manifest:
        return FAIL, f"not this release's file (this release has {manifest[original]})", RESTART
    return FAIL, "not in this release's manifest", RESTART


def judge_asset(asset: live.Fetched, prefix: str, manifest: dict) -> Finding:
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
        return Finding(
            "live.asset",
            FAIL,
            f"{asset.url}: answered {asset.status}, linked from {asset.referrer}",
            STATUS_FIXES.get(asset.status, "Open the URL and read the server's log for it."),
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
    if name is not None and manifest:
        note(*release_verdict(name, manifest))
    if name is not None and HASHED_NAME.match(name):
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


def judge_page(page: live.Fetched) -> Finding:
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


def check_live(context: "Context") -> list[Finding]:
    """--url: each page answers 200; each asset it loads, and each url() in its CSS, answers
    200 with its type, compressed, a hashed name cached for a year, and is this release's file."""
    if not context.urls:
        return []
    pages, assets = live.crawl(live_pages(context.urls))
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
    if len(assets) >= live.MOST_ASSETS:
        findings.append(Finding("live.asset", WARN, f"stopped after {live.MOST_ASSETS} assets", ""))
    return findings


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
    ],
    "nginx": [check_nginx_config],
    "bucket": [check_bucket],
    "live": [check_live],
}


def unused_groups(urls: list[str] | None = None) -> dict[str, str]:
    """The groups that check nothing in this project, each with why: `--only` refuses them
    rather than run zero checks and report that all passed."""
    unused = {}
    if not (NGINX_DEPLOY / "nginx_config.py").exists():
        unused["nginx"] = "this project does not serve through nginx (it has no deploy/nginx/)"
    if bucket_client() is None:
        unused["bucket"] = "this project keeps no static files or uploads in a bucket"
    if not urls:
        unused["live"] = "it fetches the pages given with --url: add --url https://example.com/"
    return unused


@dataclass
class Context:
    """What the checks share, read once: the static storage, its manifest, the options."""

    storage: ManifestFilesMixin | None
    manifest: dict
    nginx_config: Path | None = None  # a deployed site folder to compare with the settings
    urls: list[str] = field(default_factory=list)  # live pages to fetch (--url)


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
