#!/usr/bin/env python3
"""Render this project's nginx configuration, for production or for `make run`.

    python3 deploy/nginx/nginx_config.py production --out /etc/nginx/{{ cookiecutter.project_slug }}
    python3 deploy/nginx/nginx_config.py local --out .run/nginx-8000/conf \\
        --set LOCAL_LISTEN=127.0.0.1:8000

The .conf files beside this script hold ${NAME} placeholders (nginx's own variables are
lowercase and never braced). Values come from --set, then the environment and the env file
(every DJANGO_* variable, the same ones Django reads, so nginx's paths and limits always
match Django's), then the defaults below.
Standard library only: it runs before any virtualenv exists.
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
NO_NGINX = 3  # --check's exit status where nginx is not installed
BROTLI_MISSING = "# brotli_static: not installed (apt-get install libnginx-mod-http-brotli-static)"

SLUG = "{{ cookiecutter.project_slug }}"
DOMAIN = "{{ cookiecutter.domain_name }}"
# deploy.sh's layout: the same APP_ROOT variable moves both.
APP_ROOT = os.environ.get("APP_ROOT", f"/srv/{SLUG}")

# The files each target renders, from this folder; `make run`'s own two (an unprivileged main
# config, the site on plain HTTP) are in dev/nginx/, around the same production snippets.
LOCAL = PROJECT / "dev" / "nginx"
SNIPPETS = [HERE / name for name in ("http.conf", "locations.conf", "security-headers.conf")]
FILES = {
    "production": [HERE / "site.conf", HERE / "tls.conf", *SNIPPETS],
    "local": [LOCAL / "nginx.conf", LOCAL / "local.conf", *SNIPPETS],
}


def read_env_file(path: Path) -> dict:
    """KEY=VALUE lines of a dotenv file; comments and blank lines skipped."""
    if not path.is_file():
        return {}
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip("'\"")
    return values


def nginx_binary() -> str | None:
    """$NGINX if set (a build of your own), else nginx on PATH or in the usual sbin folders."""
    if os.environ.get("NGINX"):
        return os.environ["NGINX"] if os.access(os.environ["NGINX"], os.X_OK) else None
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def mime_types_path() -> str:
    """mime.types beside the nginx.conf this nginx was built to read."""
    binary = nginx_binary()
    if binary:
        # The nginx found on PATH, asked for its build options only.
        built = subprocess.run([binary, "-V"], capture_output=True, text=True, check=False)
        match = re.search(r"--conf-path=(\S+)", built.stderr)
        if match:
            return str(Path(match.group(1)).parent / "mime.types")
    return "/etc/nginx/mime.types"


def brotli_installed(target: str) -> bool:
    if target == "production":
        return any(Path("/etc/nginx/modules-enabled").glob("*brotli*"))
    return BROTLI_MODULE.exists()


TRUE = {"true", "on", "ok", "y", "yes", "1"}  # what django-environ reads as true


def hsts(env: dict) -> str:
    """Strict-Transport-Security as Django sends it: the same DJANGO_HSTS_* variables, with
    settings/base.py's defaults (a year, subdomains, preload; nothing without DJANGO_HTTPS).
    "" sends none (nginx skips an empty add_header)."""
    https = env.get("DJANGO_HTTPS", "true").lower() in TRUE
    seconds = int(env.get("DJANGO_HSTS_SECONDS") or (31536000 if https else 0))
    if not seconds:
        return ""
    value = f"max-age={seconds}"
    if env.get("DJANGO_HSTS_INCLUDE_SUBDOMAINS", "true").lower() in TRUE:
        value += "; includeSubDomains"
    if env.get("DJANGO_HSTS_PRELOAD", "true").lower() in TRUE:
        value += "; preload"
    return value


def default_values(target: str, env: dict, out: Path) -> dict:
    # Django's defaults (settings) locally; the deploy script's shared folders in production.
    if target == "production":
        static_root, media_root = f"{APP_ROOT}/shared/static", f"{APP_ROOT}/shared/media"
    else:
        static_root, media_root = str(PROJECT / "staticfiles"), str(PROJECT / "media")
    values = {
        "SNIPPETS": str(out),
        # Real paths: `disable_symlinks on` refuses any symlink on the way, /tmp on macOS too.
        "STATIC_ROOT": os.path.realpath(env.get("DJANGO_STATIC_ROOT", static_root)),
        "MEDIA_ROOT": os.path.realpath(env.get("DJANGO_MEDIA_ROOT", media_root)),
        # As settings/media_local.py: beside MEDIA_ROOT, wherever that is.
        "PRIVATE_MEDIA_ROOT": os.path.realpath(
            env.get("DJANGO_PRIVATE_MEDIA_ROOT")
            or os.path.join(
                os.path.dirname(env.get("DJANGO_MEDIA_ROOT", media_root)), "private-media"
            )
        ),
        "BROTLI_STATIC": "brotli_static on;" if brotli_installed(target) else BROTLI_MISSING,
        "APP_SOCKET": f"/run/{SLUG}/gunicorn.sock",
        "HSTS": hsts(env),
    }
    if target == "production":
        values |= {
            "SERVER_NAME": DOMAIN,
            "HTTPS_ORIGIN": f"https://{DOMAIN}",
            "HTTP_LISTEN": "80",
            "HTTPS_LISTEN": "443",
            "TLS_CERTIFICATE": f"/etc/letsencrypt/live/{DOMAIN}/fullchain.pem",
            "TLS_CERTIFICATE_KEY": f"/etc/letsencrypt/live/{DOMAIN}/privkey.pem",
            "ACME_ROOT": "/var/www/acme",
        }
    else:
        run_dir, brotli = out.parent, BROTLI_MODULE.exists()
        values |= {
            "RUN_DIR": str(run_dir),
            "APP_SOCKET": str(local_socket(run_dir)),
            "LOCAL_LISTEN": f"127.0.0.1:{env.get('PORT', '8000')}",
            "MIME_TYPES": mime_types_path(),
            "LOAD_BROTLI_MODULE": f"load_module {BROTLI_MODULE};" if brotli else "",
            # As root, nginx would switch its workers to `nobody`, who cannot read your files.
            "WORKER_USER": "user root;" if os.geteuid() == 0 else "",
        }
    return values


def local_socket(run_dir: Path) -> Path:
    """gunicorn's socket for `make run`: in the run folder, unless that path is too long.

    A unix socket path may hold at most 107 bytes; a project deep in the filesystem would
    make nginx refuse the config ("too long path in the unix domain socket"). Then the socket
    goes to the temp folder, under a name unique to this run folder.
    """
    socket = run_dir / "gunicorn.sock"
    if len(os.fsencode(socket)) <= 100:
        return socket
    digest = hashlib.sha256(os.fsencode(run_dir)).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"{SLUG}-{digest}.sock"


def render(target: str, out: Path, overrides: dict | None = None, env_file: Path | None = None):
    """Write the target's files into `out`, placeholders filled. Returns the main file."""
    env = {**read_env_file(env_file or PROJECT / ".env"), **os.environ}
    django = {name: value for name, value in env.items() if name.startswith("DJANGO_")}
    values = default_values(target, env, out) | django | (overrides or {})
    out.mkdir(parents=True, exist_ok=True)
    for path in FILES[target] + sorted(HERE.glob("media*.conf")):
        text = path.read_text(encoding="utf-8")
        missing = sorted(set(PLACEHOLDER.findall(text)) - set(values))
        if missing:
            raise SystemExit(
                f"ERROR: {path.name} needs {', '.join(missing)}: pass --set NAME=VALUE"
            )
        (out / path.name).write_text(PLACEHOLDER.sub(lambda match: values[match.group(1)], text))
    return out / ("site.conf" if target == "production" else "nginx.conf")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=sorted(FILES))
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one value, e.g. --set SERVER_NAME=www.example.com",
    )
    parser.add_argument("--env-file", type=Path, help="dotenv file to read (default: .env)")
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"then run nginx -t on it (exit status {NO_NGINX} where nginx is not installed)",
    )
    args = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in args.set)
    main_file = render(args.target, args.out.resolve(), overrides, args.env_file)
    print(main_file)
    return check(main_file, args.out.resolve().parent) if args.check else 0


def check(main_file: Path, prefix: Path) -> int:
    """nginx -t on a rendered config: its exit status, nginx's complaint on stderr."""
    nginx = nginx_binary()
    if nginx is None:
        print("nginx is not installed here", file=sys.stderr)
        return NO_NGINX
    test = subprocess.run([nginx, "-t", "-q", "-p", str(prefix), "-c", str(main_file)], check=False)
    return test.returncode


if __name__ == "__main__":
    sys.exit(main())
