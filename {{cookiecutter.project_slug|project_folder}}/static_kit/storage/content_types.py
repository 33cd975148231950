"""The standard Content-Type of web files Python's mimetypes may not know.

Python 3.11 and 3.12 read .woff, .woff2, .ttf and .webp from /etc/mime.types, which slim
containers lack (a publish from there sent fonts as application/octet-stream), and WhiteNoise
6.12 sends .woff as application/font-woff where nginx and S3 say font/woff.
"""

import mimetypes

STANDARD_TYPES = {
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".mjs": "text/javascript",
    ".webmanifest": "application/manifest+json",
}


def content_type(name: str) -> str:
    """The Content-Type for a static file name: the table above first, then Python's."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return STANDARD_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
