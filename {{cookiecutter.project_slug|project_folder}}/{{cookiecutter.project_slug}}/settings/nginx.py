"""Nginx: nginx serves /static/ and /media/ from disk; gunicorn only runs Django behind it.

https://docs.djangoproject.com/en/5.2/howto/static-files/deployment/
"""

from pathlib import Path

from .base import BASE_DIR, STORAGES, env

# The release this process belongs to. The deploy script sets it; collectstatic and the
# server refuse to run without it, so no release ever reads another's manifest.
RELEASE_ID = env.str("DJANGO_RELEASE_ID", default="")
# Where each release's manifest (<release>.json) is kept: outside STATIC_ROOT, which nginx
# publishes, and inside the release's own folder, so a rollback brings its manifest back.
STATIC_MANIFESTS_ROOT = Path(
    env.str("DJANGO_STATIC_MANIFESTS_ROOT", default=str(BASE_DIR / "static-manifests"))
)

# Readable by the nginx worker whatever the deploy user's umask: 0o640 files answer 403.
STORAGES["staticfiles"] = {
    "BACKEND": "static_kit.storage.nginx.ReleaseManifestStaticFilesStorage",
    "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
}
# Private uploads on this disk: Django checks who asks, nginx sends (media.conf's internal one).
MEDIA_ACCEL_REDIRECT = "/_private-media/"
# The renderer static_doctor runs to check the nginx config the site will get (`--only nginx`).
NGINX_CONFIG_RENDERER = BASE_DIR / "deploy" / "nginx" / "nginx_config.py"
