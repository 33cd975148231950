"""Whether each collected file holds the bytes its hashed name promises.

Django names a collected file after the first 12 hex digits of its content's MD5
(css/site.3f2a1c9b7e4d.css), and servers tell browsers and CDNs to keep it for a year. A file
whose bytes no longer match (truncated by a full disk, edited by hand, half-uploaded) would be
cached for that year: the start-up refusal and static_doctor check the content, not the size.
"""

import hashlib
import os
import posixpath
import re
from pathlib import Path

# The one hashed-name rule: css/site.3f2a1c9b7e4d.css is css/site.css's content, MD5's first 12
# hex digits before the last suffix (Django's HashedFilesMixin; a name without a suffix ends in
# its hash).
HASH = re.compile(r"[0-9a-f]{12}")
HASHED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<suffix>\.[^./]+)?$")


def promised_hash(name: str, hashed: str) -> str | None:
    """The hash Django put in `hashed`, the collected name of `name`; None if it has none."""
    root, ext = posixpath.splitext(posixpath.basename(name))
    base = posixpath.basename(hashed)
    if not (base.startswith(root + ".") and base.endswith(ext)):
        return None
    found = base[len(root) + 1 : len(base) - len(ext)]
    return found if HASH.fullmatch(found) else None


def hash_in_name(hashed: str) -> str | None:
    """The hash in a name known to be hashed (a manifest's value), without its original."""
    match = HASHED_NAME.match(posixpath.basename(hashed))
    return match["hash"] if match else None


def unhashed_name(name: str) -> str | None:
    """css/site.css for css/site.3f2a1c9b7e4d.css; None for a name without a hash."""
    match = HASHED_NAME.match(name)
    return match["stem"] + (match["suffix"] or "") if match else None


def content_hash(path: Path | str) -> str:
    """The 12 hex digits Django's manifest storages name a file after (file_hash)."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "md5").hexdigest()[:12]


def bytes_hash(content: bytes) -> str:
    """content_hash of bytes at hand (a body fetched over HTTP)."""
    return hashlib.md5(content).hexdigest()[:12]  # noqa: S324 (Django's name, not security)


def damaged_files(root: Path, manifest: dict[str, str]) -> list[str]:
    """Each hashed file of `manifest` that is missing from `root` or whose bytes do not match
    its name, as "name (what is wrong)". The start-up refusal and the doctor read every hashed
    file, so this is a plain loop without pathlib (threads, one future per file, took twice as
    long at 20,000 small files: they wait on the GIL more than on the disk)."""
    found = []
    for name, hashed in sorted(manifest.items()):
        path = os.path.join(root, hashed)
        try:
            actual = content_hash(path)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            found.append(f"{hashed} (missing)")
            continue
        promised = promised_hash(name, hashed)
        if promised and actual != promised:
            found.append(f"{hashed} ({os.path.getsize(path)} bytes, content hash {actual})")
    return found


def damaged_objects(objects: dict[str, dict], manifest: dict[str, str]) -> list[str]:
    """As damaged_files, for a bucket listing (name -> its ListObjectsV2 entry): a single-part
    object's ETag is its MD5, so nothing is downloaded. A multipart ETag ("...-3") says nothing
    about the content and is taken as it is."""
    found = []
    for name, hashed in sorted(manifest.items()):
        entry = objects.get(hashed)
        if entry is None:
            found.append(f"{hashed} (missing)")
            continue
        etag = entry.get("ETag", "").strip('"')
        promised = promised_hash(name, hashed)
        if promised and "-" not in etag and etag[:12] != promised:
            found.append(f"{hashed} ({entry.get('Size')} bytes, content hash {etag[:12]})")
    return found
