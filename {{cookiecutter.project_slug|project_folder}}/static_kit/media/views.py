"""The view that serves local media when no web server is in front, so no upload runs as a page."""

from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header, http_date
from django.views.decorators.http import require_safe

from .file_types import content_type, is_inline


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
    resolved = stored_file(default_storage, path, Path(settings.MEDIA_ROOT))
    response = protect(FileResponse(resolved.open("rb")), resolved)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def stored_file(storage, name: str, root: Path) -> Path:
    """The file `storage` keeps as `name`, resolved, when it is a file inside `root`; else 404
    (a traversal, a symlink out, a folder, nothing there)."""
    try:
        resolved = Path(storage.path(name)).resolve()
    except (SuspiciousFileOperation, ValueError):
        raise Http404("No such file.") from None
    if root.resolve() not in resolved.parents or not resolved.is_file():
        raise Http404("No such file.")
    return resolved


def protect(response: HttpResponse, path: Path) -> HttpResponse:
    """The headers that keep the upload at `path` from running as a page on this origin: its
    type from its extension, a download unless a raster image, nosniff, a sandboxing CSP."""
    response["Content-Type"] = content_type(path.name)
    attachment = not is_inline(path.name)
    response["Content-Disposition"] = content_disposition_header(attachment, path.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Last-Modified"] = http_date(path.stat().st_mtime)
    return response
