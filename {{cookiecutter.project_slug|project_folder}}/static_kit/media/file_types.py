"""How an uploaded file may be served, from its name alone (never from what the uploader sent).

Raster images display in the browser; everything else is a download. SVG is not an image
here on purpose: it can carry script.
"""

from pathlib import PurePosixPath

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


def is_inline(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in INLINE_TYPES


def content_type(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    return INLINE_TYPES.get(suffix) or DOWNLOAD_TYPES.get(suffix, BINARY)
