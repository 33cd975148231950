"""Static storages whose collectstatic never changes a byte a live release serves until it
has succeeded, and never leaves a partial file.

Django's collectstatic deletes a file and then writes its replacement in place, and its manifest
storage does so for every hashed stylesheet and script on every run, even when the bytes are the
same. On a full disk the delete frees the blocks, the write fails, and what is left is a
truncated file under a hashed name that browsers and CDNs then cache for a year. Here:

- a file whose bytes are already there is not written at all (a hashed name is its content);
- a new file is written to a temporary name beside it, then renamed into place;
- a file that is there with other bytes (an unhashed copy, the manifest) gets its new bytes in
  a temporary file too, renamed over the old one only once the whole run has succeeded;
- a delete is only noted, and carried out once the run has succeeded. A file that was there
  before the run is never deleted by post-processing (Django's cleanup of the names it
  tried): in a static root shared by releases, an older release may still serve it.

So a run that fails part-way (a full disk, a missing url() target, Ctrl-C) leaves every file
that was there as it was; it only adds new hashed files, which nothing links yet.
"""

import atexit
import contextlib
import os
import tempfile

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.core.management.base import CommandError

# The permissions Django gives a new file when no file_permissions_mode is set.
UMASK = os.umask(0)
os.umask(UMASK)
# A temporary file is a dotfile: never served (nginx refuses dotfiles, WhiteNoise indexes the
# manifest's names), never mistaken for a collected file. A run that is killed (SIGKILL, the
# OOM killer) leaves its own behind: the start-up check lets them be, and warns (checks.py).
PARTIAL = ".partial"


def is_partial(name: str) -> bool:
    """Whether a file named `name` is one of these temporary files."""
    return name.startswith(".") and name.endswith(PARTIAL)


class WriteFailed(CommandError):
    """A file could not be written (collectstatic prints the message and exits 1)."""


class AtomicWritesMixin:
    """For a FileSystemStorage: writes all-or-nothing, unchanged files untouched, replacements
    and deletes held back until collectstatic has succeeded (see the module's doc)."""

    # Replacements wait for the end of the run, as the folder is served while collectstatic
    # runs. False replaces each file at once: a build folder that nothing serves.
    stage_replacements = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.deferred_deletes: set[str] = set()  # asked for, not yet done
        self.post_process_deletes: set[str] = set()  # of those, asked by post-processing
        self.created: set[str] = set()  # names this run wrote that did not exist before
        self.staged: dict[str, str] = {}  # name -> its new bytes' temporary file
        self.post_processing = False

    def exists(self, name):
        return name not in self.deferred_deletes and super().exists(name)

    def delete(self, name):
        self.deferred_deletes.add(name)
        if self.post_processing:
            self.post_process_deletes.add(name)

    def _open(self, name, mode="rb"):
        if name in self.staged:  # this run's bytes, not yet in place
            return File(open(self.staged[name], mode))
        return super()._open(name, mode)

    def _save(self, name, content):
        path = self.path(name)
        try:
            make_folders(os.path.dirname(path), self.directory_permissions_mode)
            existed = os.path.isfile(path)
            if existed and same_bytes(path, content):
                self.unstage(name)
            elif existed and self.stage_replacements:
                self.unstage(name)
                if not self.staged:
                    atexit.register(self.discard_staged)  # a run that fails before the end
                self.staged[name] = write_temporary(
                    path, chunks(content), self.file_permissions_mode
                )
            else:
                write_atomically(path, chunks(content), self.file_permissions_mode)
                if not existed:
                    self.created.add(name)
        except OSError as error:
            raise WriteFailed(
                f"Could not write {name} in {self.location}: {error.strerror or error}. No file "
                "that was already there has been changed (replacements wait for the end of the "
                "run); fix the cause (free some space?) and run collectstatic again."
            ) from error
        self.deferred_deletes.discard(name)
        return name.replace("\\", "/")

    def post_process(self, *args, **kwargs):
        self.post_processing, finished = True, False
        try:
            yield from super().post_process(*args, **kwargs)
            finished = True
        finally:
            self.post_processing = False
            if not finished:
                self.discard_staged()
        if not kwargs.get("dry_run"):
            self.commit()

    def commit(self):
        """The run succeeded: new bytes into place, then the manifest's, then the deletes."""
        for name, temporary in sorted(self.staged.items()):
            os.replace(temporary, self.path(name))
        self.staged.clear()
        manifests = getattr(self, "manifest_storage", self)
        if manifests is not self and isinstance(manifests, AtomicWritesMixin):
            manifests.commit()
        for name in sorted(self.deferred_deletes):
            if name in self.post_process_deletes and name not in self.created:
                continue  # was there before this run: an older release may serve it
            if super().exists(name):
                super().delete(name)
        self.deferred_deletes.clear()
        self.post_process_deletes.clear()

    def discard_staged(self):
        for temporary in self.staged.values():
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
        self.staged.clear()

    def unstage(self, name):
        if (temporary := self.staged.pop(name, None)) is not None:
            os.unlink(temporary)

    def keep(self, name):
        """A file the run found right as it is (a compressed copy of a hashed name)."""
        self.deferred_deletes.discard(name)


class AtomicFileSystemStorage(AtomicWritesMixin, FileSystemStorage):
    """Where a release's manifest is kept: replaced whole, once the static storage's run has
    succeeded (that storage commits it)."""


def chunks(content):
    if hasattr(content, "seek"):
        content.seek(0)
    for chunk in content.chunks():
        yield chunk.encode() if isinstance(chunk, str) else chunk


def make_folders(folder: str, mode: int | None) -> None:
    """`folder` and its missing parents, each with `mode` (os.makedirs gives it to the last
    one only)."""
    if os.path.isdir(folder):
        return
    make_folders(os.path.dirname(folder), mode)
    try:
        os.mkdir(folder)
    except FileExistsError:
        return
    if mode is not None:
        os.chmod(folder, mode)


def same_bytes(path: str, content) -> bool:
    """Whether the file at `path` holds exactly `content` (a Django File)."""
    size = getattr(content, "size", None)
    if size is not None and size != os.path.getsize(path):
        return False
    with open(path, "rb") as existing:
        for chunk in chunks(content):
            if existing.read(len(chunk)) != chunk:
                return False
        return existing.read(1) == b""


def write_temporary(path: str, data, mode: int | None, times: os.stat_result | None = None):
    """`data` (an iterable of bytes) in a new temporary file beside `path`; its path. `mode`
    as the storage's file_permissions_mode; `times` copies a source's times."""
    folder, name = os.path.split(path)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=PARTIAL)
    try:
        with os.fdopen(handle, "wb") as file:
            for chunk in data:
                file.write(chunk)
        os.chmod(temporary, mode if mode is not None else 0o666 & ~UMASK)
        if times is not None:
            os.utime(temporary, ns=(times.st_atime_ns, times.st_mtime_ns))
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary


def write_atomically(path: str, data, mode: int | None, times: os.stat_result | None = None):
    """`data` at `path`, all or nothing: a temporary file beside it, then a rename."""
    temporary = write_temporary(path, data, mode, times)
    try:
        os.replace(temporary, path)
    except BaseException:  # Ctrl-C between the two included
        with contextlib.suppress(FileNotFoundError):  # or just after the rename
            os.unlink(temporary)
        raise
