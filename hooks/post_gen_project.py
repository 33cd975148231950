"""Prune what the chosen options do not use, write `.env` with a fresh secret, print next steps.

Runs inside the generated project. Touches only the filesystem: no network, no installs, no git.
"""

import json
import secrets
import shutil
import sys
from pathlib import Path

# Which paths each answer owns. A path is removed unless one of the chosen answers owns it,
# so a path shared by several answers (the uploads app) stays when any of them is chosen.
OWNED_PATHS = {
    "serving_strategy": {
        "whitenoise": [
            "deploy/whitenoise",
            "deploy/Dockerfile",
            "deploy/start",
            "{slug}/settings/whitenoise.py",
            "{slug}/asgi.py",
            "tests/test_static_root.py",
        ],
        "nginx": [
            "deploy/nginx",
            "dev/nginx",
            "{slug}/settings/nginx.py",
            "tests/test_release_storage.py",
            "tests/test_nginx_config.py",
            "tests/test_static_root.py",
        ],
        "s3_cdn": [
            "deploy/s3_cdn",
            "dev/cdn.conf",
            "deploy/start",
            "deploy/Dockerfile",
            "{slug}/asgi.py",
            "{slug}/settings/s3_cdn.py",
            "tests/test_publish.py",
            "tests/local_bucket.py",
            "{slug}/settings/s3.py",
            "dev/local_s3.py",
        ],
    },
    "media_storage": {
        "local": [
            "uploads",
            "{slug}/settings/media_common.py",
            "{slug}/settings/media_local.py",
            "tests/test_demo_uploads.py",
            "deploy/nginx/media.conf",
            "deploy/nginx/media-body-size.conf",
        ],
        "s3": [
            "uploads",
            "{slug}/settings/media_common.py",
            "{slug}/settings/media_s3.py",
            "{slug}/settings/s3.py",
            "dev/local_s3.py",
            "tests/test_demo_media_s3.py",
            "tests/local_bucket.py",
            "deploy/nginx/media-body-size.conf",
        ],
        "none": [],
    },
}


def paths_to_prune(context: dict) -> list[str]:
    """Return the paths owned only by answers that were not chosen."""
    owned, kept = set(), set()
    for prompt, table in OWNED_PATHS.items():
        for answer, paths in table.items():
            rendered = {path.format(slug=context["project_slug"]) for path in paths}
            owned |= rendered
            if context[prompt] == answer:
                kept |= rendered
    return sorted(owned - kept)


def prune(project: Path, paths: list[str]) -> None:
    for relative in paths:
        path = project / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def write_env_file(project: Path) -> None:
    """Copy `.env.example` to `.env` (git-ignored) with a new secret key, readable by owner only.

    token_urlsafe never yields `$`, `#`, quotes or spaces, which env-file loaders misread.
    """
    lines = (project / ".env.example").read_text(encoding="utf-8").splitlines()
    key = secrets.token_urlsafe(50)
    lines = [
        f"DJANGO_SECRET_KEY={key}" if line.startswith("DJANGO_SECRET_KEY=") else line
        for line in lines
    ]
    env = project / ".env"
    env.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env.chmod(0o600)


def print_next_steps(project: Path, context: dict) -> None:
    print(f"""
Created {project}
  serving_strategy = {context["serving_strategy"]}, media_storage = {context["media_storage"]}

Next steps:
  cd {project.name}
  make run     # install, migrate, collectstatic, serve with DEBUG=False on http://127.0.0.1:8000/
  make dev     # work on it: DEBUG=True, edits show at once
  make test    # the project's own checks

.env holds a fresh SECRET_KEY and is git-ignored: keep it out of version control.
""")


def main() -> int:
    # The answers arrive as JSON data, never pasted into this file as code.
    context = json.loads(r"""{{ cookiecutter | tojson }}""")
    project = Path.cwd()
    prune(project, paths_to_prune(context))
    write_env_file(project)
    print_next_steps(project, context)
    return 0


if __name__ == "__main__":
    sys.exit(main())
