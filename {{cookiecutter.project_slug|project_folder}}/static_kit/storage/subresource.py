"""Subresource Integrity: each collected script's and stylesheet's SHA-384, kept in the release's
manifest, so that a browser refuses a copy with other bytes.

A page that links css/site.3f2a1c9b7e4d.css with integrity="sha384-..." makes the browser
check what it received against that digest, and refuse it (a console error, no style applied)
when the CDN, the bucket or the disk served other bytes under that name. The digest is taken
when collectstatic writes the file (the incremental record keeps it, so an unchanged file is
not read again) and stored in the manifest under "integrity" (hashed name -> digest); a process
reads it with the manifest at start. Nothing is hashed per request, and nothing is downloaded
from a bucket.

STATIC_INTEGRITY_NAMES lists which collected files get a digest (globs; scripts and
stylesheets by default, what browsers check); an empty list turns it off. The template tags
in templatetags/assets.py put the digest on the tags.

Why not django-sri (1.0): it hashes a file the first time a template names it, in each
process, from the collected copy where the storage has a local path and otherwise from the
source file (the finders). With S3 + CDN there is no local path, and a stylesheet's source is
not what was published (Django rewrote its url()s to hashed names): the digest would not match,
and browsers would refuse the site's own CSS. Here the digest is of the bytes collectstatic
wrote, once per build.
"""

import base64
import hashlib
import json

from django.conf import settings
from django.contrib.staticfiles.utils import matches_patterns
from django.core.files.base import ContentFile

# The key of a manifest that holds the digests (hashed name -> "sha384-...").
MANIFEST_KEY = "integrity"
ALGORITHM = "sha384"
DEFAULT_NAMES = ["*.css", "*.js", "*.mjs"]


def patterns() -> list[str]:
    return list(getattr(settings, "STATIC_INTEGRITY_NAMES", DEFAULT_NAMES))


def wanted(name: str, globs: list[str]) -> bool:
    return bool(globs) and matches_patterns(name, globs)


def digest(file) -> str:
    """The integrity value of an open binary file: "sha384-" and its digest in base64."""
    value = hashlib.file_digest(file, ALGORITHM).digest()
    return f"{ALGORITHM}-{base64.b64encode(value).decode()}"


def static_digest(name: str) -> str | None:
    """The digest of the static file `name` in this release's manifest, or None (no digest, or a
    storage without a manifest: make dev's). What the tags and the preload hints put on a page."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    if settings.DEBUG:  # the static tag links the unhashed source, not the digested file
        return None
    digests = getattr(staticfiles_storage, "integrity", None)
    if not digests:
        return None
    return digests.get(staticfiles_storage.stored_name(name))


def integrity_attributes(name: str) -> dict[str, str]:
    """The attributes a tag for the static file `name` carries: its digest and, with it,
    `crossorigin` (a file from another host is checked only when fetched with CORS). The
    preload hints follow the same rule, so that the browser matches a hint to its tag."""
    value = static_digest(name)
    return {"integrity": value, "crossorigin": "anonymous"} if value else {}


def integrity_of(storage, hashed: str) -> str:
    """The digest of the collected file `hashed`, read through `storage` (its staged bytes
    where a run has not committed them yet)."""
    with storage.open(hashed) as file:
        return digest(file)


class IntegrityManifestMixin:
    """For a manifest storage (list it before Django's): the digests the run took
    (`self.integrity`, filled by IncrementalPostProcessMixin) go into the manifest it writes,
    and come back with it when a process reads it."""

    integrity: dict[str, str] = {}

    def manifest_payload(self) -> dict:
        """What Django's save_manifest writes, and the digests, sorted: the same build gives the
        same bytes."""
        self.manifest_hash = self.file_hash(
            None, ContentFile(json.dumps(sorted(self.hashed_files.items())).encode())
        )
        return {
            "paths": self.hashed_files,
            "version": self.manifest_version,
            "hash": self.manifest_hash,
            MANIFEST_KEY: dict(sorted(self.integrity.items())),
        }

    def save_manifest(self):
        """Django's, with the payload above."""
        if self.manifest_storage.exists(self.manifest_name):
            self.manifest_storage.delete(self.manifest_name)
        contents = json.dumps(self.manifest_payload()).encode()
        self.manifest_storage._save(self.manifest_name, ContentFile(contents))  # noqa: SLF001

    def read_manifest(self):
        content = super().read_manifest()
        try:
            stored = json.loads(content) if content else {}
            self.integrity = dict(stored.get(MANIFEST_KEY) or {})
        except (ValueError, AttributeError, TypeError):
            self.integrity = {}  # Django's load_manifest names the unreadable manifest
        return content
