"""Checks that stop the classic static and media mistakes before they reach users.

Registered under the `staticfiles` tag, so `collectstatic` runs them before writing anything
(and `manage.py check` and wsgi.py run them too).
"""

import hashlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages

from . import preload
from .storage.atomic import PARTIAL, is_partial
from .storage.integrity import damaged_files


def is_inside(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


# Why two roots must not overlap, and the setting that moves one.
OVERLAP_HINTS = {
    ("STATIC_ROOT", "MEDIA_ROOT"): "collectstatic --clear would delete uploads, and uploads "
    "would be served as static files. Set DJANGO_STATIC_ROOT or DJANGO_MEDIA_ROOT.",
    ("STATIC_ROOT", "PRIVATE_MEDIA_ROOT"): "private uploads would be served to anyone as "
    "static files. Set DJANGO_PRIVATE_MEDIA_ROOT.",
    ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT"): "private uploads would be served to anyone under "
    "MEDIA_URL. Set DJANGO_PRIVATE_MEDIA_ROOT.",
}


@checks.register(checks.Tags.staticfiles)
def check_static_and_media_roots_are_separate(app_configs=None, **kwargs):
    """MEDIA_ROOT inside STATIC_ROOT loses every upload to `collectstatic --clear`; private
    uploads inside either would be public."""
    roots = {
        name: Path(value).resolve()
        for name in ("STATIC_ROOT", "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT")
        if (value := getattr(settings, name, ""))
    }
    errors = []
    for (first, second), hint in OVERLAP_HINTS.items():
        if first not in roots or second not in roots:
            continue
        one, other = roots[first], roots[second]
        if is_inside(one, other) or is_inside(other, one):
            errors.append(
                checks.Error(
                    f"{first} ({one}) and {second} ({other}) overlap.",
                    hint=f"Give them separate folders, neither inside the other: {hint}",
                    id="static.E001",
                )
            )
    return errors


def find_unsafe_static_files(root: Path) -> list[Path]:
    """Dotfiles and symlinks under `root`: never written by collectstatic, never public.
    One scandir per folder, whose entries know whether they are links: a stat of each file
    took 1.9 s of the doctor's 4.5 at 20,000 files (72,000 in STATIC_ROOT). The temporary
    files of a killed collectstatic are not among them (static_root_oddities)."""
    return static_root_oddities(root)[0]


def static_root_oddities(root: Path) -> tuple[list[Path], list[Path]]:
    """(unsafe files, the temporary files a killed collectstatic left: storage/atomic.py's,
    dotfiles that nothing serves) under `root`, in one walk."""
    unsafe, leftovers, folders = [], [], [os.fspath(root)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if is_partial(entry.name) and entry.is_file(follow_symlinks=False):
                    leftovers.append(Path(entry.path))
                elif entry.name.startswith(".") or entry.is_symlink():
                    unsafe.append(Path(entry.path))
                elif entry.is_dir():
                    folders.append(entry.path)
    return sorted(unsafe), sorted(leftovers)


@checks.register(checks.Tags.staticfiles)
def check_static_root_holds_only_public_files(app_configs=None, **kwargs):
    """Whatever sits in STATIC_ROOT is served to anyone: a stray .env or symlink included."""
    if not settings.STATIC_ROOT or not Path(settings.STATIC_ROOT).is_dir():
        return []
    root = Path(settings.STATIC_ROOT)
    unsafe, leftovers = static_root_oddities(root)
    found = []
    if unsafe:
        found.append(
            checks.Error(
                f"STATIC_ROOT holds {len(unsafe)} dotfile(s) or symlink(s) that would be served "
                f"publicly: {listed(unsafe)}",
                hint="Delete them. collectstatic never writes dotfiles or symlinks; something "
                "else put them there (a copy of the project folder, a deploy script).",
                id="static.E002",
            )
        )
    if leftovers:
        found.append(
            checks.Warning(
                f"STATIC_ROOT holds {len(leftovers)} temporary file(s) of a collectstatic that "
                f"was killed: {listed(leftovers)}",
                hint="Nothing serves them and no collected file was changed. Delete them once no "
                f"collectstatic is running: find {root} -name '.*{PARTIAL}' -delete",
                id="static.W004",
            )
        )
    return found


def listed(paths: list[Path]) -> str:
    return ", ".join(str(path) for path in paths[:5]) + (" ..." if len(paths) > 5 else "")


@checks.register(checks.Tags.staticfiles)
def check_static_preload_names_preloadable_files(app_configs=None, **kwargs):
    """A preload hint needs what the file is for the browser (`as=`), from its suffix."""
    unknown = [name for name in preload.names() if preload.destination(name) is None]
    if not unknown:
        return []
    return [
        checks.Error(
            f"STATIC_PRELOAD names {', '.join(unknown)}: a browser preloads stylesheets, "
            "scripts, fonts and images only.",
            hint=f"Keep files ending in {', '.join(sorted(preload.DESTINATIONS))} "
            "(settings or DJANGO_STATIC_PRELOAD).",
            id="static.E003",
        )
    ]


def manifest_location(storage: ManifestFilesMixin) -> str:
    """Where this storage reads its manifest: a path, or s3://bucket/key."""
    manifests = storage.manifest_storage
    if isinstance(manifests, FileSystemStorage):
        return str(Path(manifests.location) / storage.manifest_name)
    if bucket := getattr(manifests, "bucket_name", None):
        return f"s3://{bucket}/{manifests.location}/{storage.manifest_name}"
    return storage.manifest_name


def refuse_unsafe_start() -> None:
    """Stop the server process, with the fix, rather than serve broken or private files."""
    errors = [
        message
        for message in checks.run_checks(tags=[checks.Tags.staticfiles])
        if message.is_serious()
    ]
    if errors:
        raise ImproperlyConfigured("\n".join(f"{e.id}: {e.msg} {e.hint}" for e in errors))
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return
    if not storage.hashed_files:
        raise ImproperlyConfigured(
            f"No staticfiles manifest at {manifest_location(storage)}: every page that links a "
            "static file would answer 500. Run `python manage.py collectstatic --noinput` "
            "before starting the server."
        )
    refuse_unknown_preloads(storage)
    checked = os.environ.get("STATIC_KIT_CHECKED_MANIFEST")  # set by deploy/start
    if checked == manifest_fingerprint(storage):
        return  # deploy/start checked these very files a moment ago, before this worker
    # A storage that publishes elsewhere (a bucket behind a CDN) says what it lacks itself.
    if hasattr(storage, "damaged_files"):
        damaged, where = storage.damaged_files(storage.hashed_files), storage.published_location
    elif isinstance(storage, FileSystemStorage):
        where = Path(storage.location)
        damaged = damaged_files(where, storage.hashed_files)
    else:
        return
    if damaged:
        raise ImproperlyConfigured(unsafe_files_message(damaged, where))


# deploy/start runs the start-up refusal once, before granian starts its workers, and hands
# them the fingerprint of the manifest whose files it checked. A worker that loads the same
# manifest from the same place skips the file check, which grows with the release: at 20,000
# files, a listing of the release's objects in the bucket (5 s a worker against a local S3
# API) or a hash of every collected file. A worker that loads another manifest (a deploy in
# between), or one started without deploy/start, checks its own.
def manifest_fingerprint(storage: ManifestFilesMixin) -> str:
    """What identifies the manifest a storage loaded, and where it loaded it from."""
    digest = hashlib.sha256(manifest_location(storage).encode())
    digest.update(json.dumps(storage.hashed_files, sort_keys=True).encode())
    return digest.hexdigest()


def checked_manifest() -> str:
    """For deploy/start, once the refusal passed: the fingerprint its workers may trust."""
    storage = storages["staticfiles"]
    return manifest_fingerprint(storage) if isinstance(storage, ManifestFilesMixin) else ""


def refuse_unknown_preloads(storage: ManifestFilesMixin) -> None:
    """STATIC_PRELOAD names files the manifest must hold: the preload tag of every page would
    otherwise answer 500 (the manifest storage refuses a name it lacks)."""
    missing = [name for name in preload.names() if storage.hashed_files.get(name) is None]
    if missing:
        raise ImproperlyConfigured(
            f"STATIC_PRELOAD names {', '.join(missing)}, which collectstatic did not collect: "
            "every page using the preload tag would answer 500. Fix the name (settings or "
            "DJANGO_STATIC_PRELOAD) or add the file, then run collectstatic."
        )


# What to do about hashed files that are missing or damaged (the start-up refusal, the doctor).
DAMAGED_FIX = (
    "Delete the damaged ones and run `python manage.py collectstatic --noinput` with the "
    "server's settings: it writes what is missing and never touches what is right. A CDN or "
    "proxy in front keeps what it fetched for a year: purge those names from it."
)


def unsafe_files_message(damaged: list[str], where) -> str:
    """What the start-up refusal says of missing or damaged hashed files."""
    return (
        f"{len(damaged)} file(s) of the staticfiles manifest are missing from {where} or do "
        f"not hold the bytes their hashed name promises, e.g. {damaged[0]}: they would answer "
        f"404, or be cached for a year as they are. {DAMAGED_FIX}"
    )
