"""What every media option with uploads shares: the upload demo and its size limit."""

from .base import INSTALLED_APPS, MIDDLEWARE, SITE_NAV

INSTALLED_APPS.append("uploads")
SITE_NAV.insert(0, ("Uploads", "uploads:list"))

# Bodies over MAX_UPLOAD_SIZE get 413 before anything reads them (before the CSRF check).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "uploads.middleware.UploadSizeLimitMiddleware",
)
