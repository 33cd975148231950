"""What every check returns and shares: a Finding (ok, warn or fail, what was seen, the fix),
and the Context read once for all of them."""

from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages

OK, WARN, FAIL = "ok", "warn", "fail"
COLLECT = "python manage.py collectstatic --noinput"


@dataclass
class Finding:
    check: str
    verdict: str
    seen: str
    fix: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def listed(items, limit: int = 5) -> str:
    items = [str(item) for item in items]
    return ", ".join(items[:limit]) + (
        f" and {len(items) - limit} more" if len(items) > limit else ""
    )


@dataclass
class Context:
    """What the checks share, read once: the static storage, its manifest, the options."""

    storage: ManifestFilesMixin | None
    manifest: dict
    nginx_config: Path | None = None  # a deployed site folder to compare with the settings
    urls: list[str] = field(default_factory=list)  # live pages to fetch (--url)


def load_manifest() -> tuple[ManifestFilesMixin | None, dict]:
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None, {}
    try:
        paths, _hash = storage.load_manifest()
        return storage, dict(paths)
    except (ImproperlyConfigured, ValueError, OSError):
        return storage, {}


def s3_options():
    """(alias, options) for each storage that keeps files in a bucket."""
    for alias, config in settings.STORAGES.items():
        options = config.get("OPTIONS", {})
        for found in (options, options.get("s3") or {}):
            if "bucket_name" in found:
                yield alias, found


def takes_uploads() -> bool:
    """Whether the project stores uploads: on disk (MEDIA_ROOT) or in a bucket."""
    return bool(getattr(settings, "MEDIA_ROOT", "")) or any(
        alias == "default" for alias, _ in s3_options()
    )


def private_media() -> bool:
    """Uploads in a bucket, reached by signed links only (querystring_auth)."""
    options = settings.STORAGES.get("default", {}).get("OPTIONS", {})
    return bool(options.get("bucket_name") and options.get("querystring_auth"))
