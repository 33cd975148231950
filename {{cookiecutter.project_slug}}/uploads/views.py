from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.http import content_disposition_header, http_date
from django.views.decorators.http import require_safe

from .models import Upload

# Raster images are shown in the page; anything else is a download. SVG is not here on
# purpose: it can carry script.
INLINE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
}
DOWNLOAD_TYPES = {
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".zip": "application/zip",
}


BINARY = "application/octet-stream"


@require_safe
def upload_list(request):
    return render(request, "uploads/list.html", {"uploads": Upload.objects.all()})


@require_safe
def serve_media(request, path):
    """Serve one uploaded file so that it can never run as a page on this site's origin.

    For a single machine without a web server in front (with nginx, nginx serves /media/).
    The type comes from the extension, never from what the uploader sent; only raster
    images are shown inline; the rest downloads, sandboxed and unsniffable.
    """
    parts = PurePosixPath(path).parts
    if not parts or any(part.startswith(".") for part in parts) or "\\" in path:
        raise Http404("No such file.")
    try:
        full_path = Path(default_storage.path(path))
    except (SuspiciousFileOperation, ValueError):
        raise Http404("No such file.") from None
    media_root = Path(settings.MEDIA_ROOT).resolve()
    resolved = full_path.resolve()
    if media_root not in resolved.parents or not resolved.is_file():
        raise Http404("No such file.")

    suffix = resolved.suffix.lower()
    inline = suffix in INLINE_TYPES
    content_type = INLINE_TYPES.get(suffix) or DOWNLOAD_TYPES.get(suffix, BINARY)
    response = FileResponse(resolved.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, resolved.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Last-Modified"] = http_date(resolved.stat().st_mtime)
    response["Cache-Control"] = "private, max-age=3600"
    return response
