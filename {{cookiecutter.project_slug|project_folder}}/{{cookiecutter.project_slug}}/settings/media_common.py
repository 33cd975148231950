"""What every media option with uploads shares: the upload size limit."""

from .base import MIDDLEWARE

# Bodies over MAX_UPLOAD_SIZE get 413 before anything reads them (before the CSRF check).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "static_kit.media.limit.UploadSizeLimitMiddleware",
)
