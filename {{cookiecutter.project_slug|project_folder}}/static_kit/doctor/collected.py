"""The `collected` group: what collectstatic wrote, and whether it is complete and current."""

import posixpath
import stat
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage

from ..checks import DAMAGED_FIX, check_static_root_holds_only_public_files, manifest_location
from ..references import css_references, template_static_references
from ..storage.integrity import damaged_files
from ..storage.unhashed import patterns, unhashed_names, unmatched_patterns
from .findings import COLLECT, FAIL, OK, WARN, Context, Finding, listed
from .nginx import renderer


def check_manifest(context: Context) -> list[Finding]:
    """collectstatic has run for this release: its manifest is where the storage reads it."""
    storage, manifest = context.storage, context.manifest
    if storage is None:
        return []
    try:
        where = manifest_location(storage)
    except ImproperlyConfigured as error:
        return [Finding("collected.manifest", FAIL, "no manifest can be read", str(error))]
    if not manifest:
        return [
            Finding(
                "collected.manifest",
                FAIL,
                f"no staticfiles manifest at {where}: collectstatic has not run for this release",
                f"Run `{COLLECT}` with the server's settings before starting it.",
            )
        ]
    return [Finding("collected.manifest", OK, f"{len(manifest)} files in {where}")]


def check_integrity(context: Context) -> list[Finding]:
    """Every hashed file holds the bytes its name promises (a truncated file is cached a year)."""
    storage, manifest = context.storage, context.manifest
    if not manifest:
        return []
    if hasattr(storage, "damaged_files"):
        damaged = storage.damaged_files(manifest)
    elif isinstance(storage, FileSystemStorage):
        damaged = damaged_files(Path(storage.location), manifest)
    else:
        return []
    if damaged:
        return [
            Finding(
                "collected.integrity",
                FAIL,
                f"{len(damaged)} hashed file(s) missing or not holding the bytes their name "
                f"promises: {listed(damaged)}",
                DAMAGED_FIX,
            )
        ]
    return [
        Finding(
            "collected.integrity",
            OK,
            f"{len(set(manifest.values()))} hashed files hold the bytes their names promise",
        )
    ]


def check_template_references(context: Context) -> list[Finding]:
    """Every literal static tag in every template, inside if-blocks too, is in the manifest."""
    manifest = context.manifest
    if not manifest:
        return []
    missing = sorted(
        {
            f"{template.name}: {path}"
            for template, path in template_static_references()
            if path not in manifest
        }
    )
    if missing:
        return [
            Finding(
                "collected.template_references",
                FAIL,
                f"{len(missing)} static tag reference(s) not in the manifest "
                f"(a 500 with DEBUG=False): {listed(missing)}",
                f"Fix the path in the template or add the file, then `{COLLECT}`.",
            )
        ]
    return [
        Finding(
            "collected.template_references",
            OK,
            "every static tag in every template is in the manifest",
        )
    ]


def check_css_references(context: Context) -> list[Finding]:
    """Every relative url() and @import in the collected CSS resolves to a collected file."""
    storage, manifest = context.storage, context.manifest
    if not manifest or not isinstance(storage, FileSystemStorage):
        return []
    missing = []
    # Every name a url() may resolve to, as one set: a search of the manifest's values for each
    # url() made the check quadratic (17.8 of 19.6 s at 20,000 files).
    collected = set(manifest).union(manifest.values())
    for name, hashed in manifest.items():
        if not name.endswith(".css"):
            continue
        try:
            with storage.open(hashed) as css:
                text = css.read().decode("utf-8", "replace")
        except FileNotFoundError:  # collected.integrity names it
            continue
        folder = posixpath.dirname(name)
        # Each URL once per stylesheet: sprites and fonts are named again and again.
        for url in sorted(set(css_references(text))):
            if posixpath.normpath(posixpath.join(folder, url)) not in collected:
                missing.append(f"{name}: url({url})")
    if missing:
        return [
            Finding(
                "collected.css_references",
                FAIL,
                f"CSS url()s that resolve to nothing: {listed(missing)}",
                f"Fix the path in the stylesheet or add the file, then `{COLLECT}`.",
            )
        ]
    return [Finding("collected.css_references", OK, "every url() in the collected CSS resolves")]


def check_static_root_contents(context: Context) -> list[Finding]:
    """STATIC_ROOT holds no dotfile and no symlink (WhiteNoise or nginx would serve them)."""
    if not settings.STATIC_ROOT or not Path(settings.STATIC_ROOT).is_dir():
        return []
    # The same verdict the system check (static.E002) gives collectstatic and the server.
    found = check_static_root_holds_only_public_files()
    if found:
        return [
            Finding("collected.private_files", FAIL if e.is_serious() else WARN, e.msg, e.hint)
            for e in found
        ]
    return [Finding("collected.private_files", OK, "no dotfile or symlink in STATIC_ROOT")]


def check_readable_by_web_server(context: Context) -> list[Finding]:
    """Nginx: every collected file and folder is readable by nginx's worker, another user."""
    options = settings.STORAGES["staticfiles"].get("OPTIONS", {})
    root = Path(settings.STATIC_ROOT or "")
    if "file_permissions_mode" not in options or not root.is_dir():  # nobody else reads it
        return []
    unreadable = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        needed = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
        if mode & needed != needed:
            unreadable.append(f"{path} ({stat.filemode(mode)})")
    if unreadable:
        return [
            Finding(
                "collected.readable",
                FAIL,
                f"{len(unreadable)} path(s) the web server's user cannot read (a 403): "
                f"{listed(unreadable)}",
                "Make them readable: find " + str(root) + " -type d -exec chmod 755 '{}' + "
                "-o -type f -exec chmod 644 '{}' +",
            )
        ]
    return [
        Finding(
            "collected.readable", OK, "every collected file is readable by the web server's user"
        )
    ]


def check_stale(context: Context) -> list[Finding]:
    """Every file the finders see is collected: collectstatic is not older than the code."""
    manifest = context.manifest
    if not manifest:
        return []
    found = {
        path for finder in finders.get_finders() for path, _ in finder.list(["CVS", ".*", "*~"])
    }
    stale = sorted(found - set(manifest))
    if stale:
        return [
            Finding(
                "collected.stale",
                FAIL,
                f"{len(stale)} file(s) in the project's static folders are not collected: "
                f"{listed(stale)}",
                f"Run `{COLLECT}` again: the collected files are older than the code.",
            )
        ]
    return [Finding("collected.stale", OK, "every file the finders see is collected")]


def check_unhashed_names(context: Context) -> list[Finding]:
    """STATIC_UNHASHED_NAMES's globs each match a collected file (storage/unhashed.py)."""
    manifest = context.manifest
    if not manifest:
        return []
    unmatched = unmatched_patterns(manifest)
    if unmatched:
        return [
            Finding(
                "collected.unhashed_names",
                WARN,
                f"STATIC_UNHASHED_NAMES glob(s) matching no collected file: {listed(unmatched)}",
                "Fix the glob (relative to STATIC_ROOT; * matches across /, as in 'tinymce/*') "
                "or remove it: the files it meant are served only by their hashed names.",
            )
        ]
    if renderer() is not None:
        seen = "nginx serves every collected file by its unhashed name too (from STATIC_ROOT)"
        return [Finding("collected.unhashed_names", OK, seen)]
    kept = unhashed_names(manifest)
    seen = (
        f"{len(kept)} file(s) also served by their unhashed name ({listed(patterns())})"
        if kept
        else "pages link hashed names only; no file needs its unhashed name "
        "(STATIC_UNHASHED_NAMES is empty)"
    )
    return [Finding("collected.unhashed_names", OK, seen)]
