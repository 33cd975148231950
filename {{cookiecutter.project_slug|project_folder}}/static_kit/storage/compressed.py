"""Hashed names with .br and .gz copies, each written once (WhiteNoise and Nginx strategies).

WhiteNoise's CompressedManifestStaticFilesStorage compresses every file twice (the unhashed
copy and the hashed one) on every collectstatic, Brotli at its slowest setting: a 2,000-file
tree took 3.5x Django's plain manifest run. Here only the hashed names are compressed (pages
link nothing else), in parallel, Brotli one step below its slowest, and never again: a hashed
name is its content, so a copy already written for it is still right. A re-run after changing
one file compresses only the names that changed. Copies are written to a temporary name and
renamed, so an interrupted run never leaves a truncated copy that would be served; so is every
other file (atomic.py).
"""

import json
import os
from concurrent.futures import ThreadPoolExecutor

import brotli
from django.conf import settings
from django.contrib.staticfiles.utils import matches_patterns
from django.core.files.base import ContentFile
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

from .atomic import AtomicFileSystemStorage, AtomicWritesMixin, write_atomically
from .incremental import IncrementalPostProcessMixin
from .subresource import IntegrityManifestMixin

# Smaller files gain nothing a browser would notice (nginx's gzip_min_length works alike).
SMALLEST = 256
# Brotli's quality: 11, its slowest (WhiteNoise's choice), took 3x as long as 10 on a
# 2,000-file tree for output 5% smaller; below 10 the output grows faster than time shrinks.
BROTLI_QUALITY = 10


class CompressedOnceStorage(
    AtomicWritesMixin,
    IntegrityManifestMixin,
    CompressedManifestStaticFilesStorage,
    IncrementalPostProcessMixin,
):
    """Django's manifest storage, then a .br and a .gz copy of each hashed name that lacks one.

    A text file that does not compress by 5% is left without copies, as WhiteNoise does.
    The manifest is kept in STATIC_MANIFESTS_ROOT, outside STATIC_ROOT: whatever STATIC_ROOT
    holds is public, and the manifest lists every file name, the unlinked ones too. It holds
    each script's and stylesheet's integrity digest besides (subresource.py).
    """

    # WhiteNoise has one manifest, replaced by each collectstatic. The one it replaces is kept
    # beside it, and the ASGI front serves that release's hashed files too: a page rendered
    # before a deploy (an open tab, the back button) still finds its CSS and JS after it.
    # Nginx keeps a manifest per release instead.
    keeps_previous_manifest = True

    def __init__(self, *args, manifest_storage=None, **kwargs):
        if manifest_storage is None:
            manifest_storage = AtomicFileSystemStorage(location=settings.STATIC_MANIFESTS_ROOT)
        super().__init__(*args, manifest_storage=manifest_storage, **kwargs)

    @property
    def previous_manifest_name(self) -> str:
        return self.manifest_name.removesuffix(".json") + ".previous.json"

    def save_manifest(self):
        """The manifest, and the one it replaces kept as the previous release's (only when the
        files changed: a re-run with nothing new keeps the real previous one)."""
        if self.keeps_previous_manifest:
            # Read as it is: read_manifest() would take its digests for this run's.
            current, paths = self.stored_manifest(self.manifest_name)
            if paths is not None and paths != self.hashed_files:
                self.manifest_storage._save(  # noqa: SLF001 (as Django's save_manifest)
                    self.previous_manifest_name, ContentFile(current)
                )
        super().save_manifest()

    def previous_hashed_names(self) -> set[str]:
        """The hashed names of the release before this one, where its manifest is kept."""
        if not self.keeps_previous_manifest:
            return set()
        paths = self.stored_manifest(self.previous_manifest_name)[1]
        return set(paths.values()) if paths else set()

    def stored_manifest(self, name: str) -> tuple[bytes | None, dict | None]:
        """The manifest `name` in STATIC_MANIFESTS_ROOT: (its bytes, its paths), or Nones
        where it is missing or unreadable."""
        try:
            with self.manifest_storage.open(name) as file:
                content = file.read()
            paths = json.loads(content).get("paths")
        except (OSError, ValueError, AttributeError):
            return None, None
        return content, paths if isinstance(paths, dict) else None

    def post_process_with_compression(self, files):
        """Compress while Django hashes: a file its patterns never rewrite (all but CSS) has
        its final name when first yielded, so its copies start at once, on other cores
        (zlib and Brotli release the GIL); stylesheets once every pass is done."""
        compressor = Compressor(quiet=True)
        started = {}
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:

            def start(name):
                if name not in started and compressor.should_compress(name):
                    started[name] = pool.submit(self.compress_file, compressor, name)

            for name, hashed_name, processed in files:
                rewritten = matches_patterns(name, self._patterns)
                if hashed_name and not isinstance(processed, Exception) and not rewritten:
                    start(hashed_name)
                yield name, hashed_name, processed
            self.remove_stale_copies(self.hashed_files.keys())
            for name in sorted(set(self.hashed_files.values())):
                start(name)
            for name, future in started.items():
                for suffix in future.result():
                    yield name, name + suffix, True

    def remove_stale_copies(self, names):
        """Copies of unhashed names an earlier storage wrote: gone once the file has changed
        (collectstatic copied it anew), or WhiteNoise would send the old content."""
        for name in names:
            path = self.path(name)
            for suffix in (".br", ".gz"):
                if os.path.exists(path + suffix) and not same_age(path + suffix, os.stat(path)):
                    os.unlink(path + suffix)

    def compress_file(self, compressor: Compressor, name: str) -> list[str]:
        """Write the missing copies of `name`; which suffixes were written."""
        path = self.path(name)
        source = os.stat(path)
        wanted = [".br", ".gz"] if compressor.use_brotli else [".gz"]
        # A hashed name is its content: a copy already there is right, whatever its time, and
        # stays (even through `collectstatic --clear`).
        missing = []
        for suffix in wanted:
            if os.path.exists(path + suffix):
                self.keep(name + suffix)
            else:
                missing.append(suffix)
        if not missing or source.st_size < SMALLEST:
            return []
        with open(path, "rb") as file:
            data = file.read()
        written = []
        for suffix in missing:
            packed = (
                brotli.compress(data, quality=BROTLI_QUALITY)
                if suffix == ".br"
                else compressor.compress_gzip(data)
            )
            if len(packed) > 0.95 * len(data):
                break  # not worth a copy; WhiteNoise stops at the first encoding that fails too
            write_atomically(path + suffix, [packed], self.file_permissions_mode, source)
            written.append(suffix)
        return written


def same_age(path: str, source: os.stat_result) -> bool:
    try:
        return os.stat(path).st_mtime_ns == source.st_mtime_ns
    except FileNotFoundError:
        return False
