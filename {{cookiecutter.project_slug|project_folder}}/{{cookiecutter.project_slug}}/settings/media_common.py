"""What every media option with uploads shares: the upload size limit, private uploads."""

from .base import MIDDLEWARE, env

# Bodies over MAX_UPLOAD_SIZE get 413 before anything reads them (before the CSRF check).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "static_kit.media.limit.UploadSizeLimitMiddleware",
)
# Private uploads link this view, which checks who asks; a bucket's link lasts this long.
PRIVATE_MEDIA_VIEW = "uploads:private_file"
PRIVATE_MEDIA_LINK_SECONDS = env.int("DJANGO_PRIVATE_MEDIA_LINK_SECONDS", default=60)
