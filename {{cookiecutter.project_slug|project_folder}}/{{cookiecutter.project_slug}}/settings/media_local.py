"""Uploads on the local disk, in MEDIA_ROOT, beside (never inside) STATIC_ROOT.

For a single machine. When the site runs on more than one, move media to S3 (see the guide).
https://docs.djangoproject.com/en/5.2/topics/files/
"""

from pathlib import Path

from .base import BASE_DIR, STORAGES, env

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Private uploads, beside MEDIA_ROOT: no URL serves this folder (static_kit/media/private.py).
PRIVATE_MEDIA_ROOT = Path(
    env.str("DJANGO_PRIVATE_MEDIA_ROOT", default=str(MEDIA_ROOT.parent / "private-media"))
)

# A second upload named like the first gets a new name; nothing is ever overwritten.
STORAGES["default"] = {
    "BACKEND": "static_kit.media.private.LocalMediaStorage",
    "OPTIONS": {"allow_overwrite": False},
}

# Readable by the web server's user (nginx serves /media/ in that strategy), whatever the umask.
FILE_UPLOAD_PERMISSIONS = 0o644
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o755
