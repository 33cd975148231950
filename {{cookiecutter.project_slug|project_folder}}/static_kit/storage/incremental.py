"""collectstatic that post-processes only what changed since the last run in this STATIC_ROOT.

Django's manifest storage hashes every file and rewrites every stylesheet and script on every
run, whatever changed: at 20,000 source files, a run after one stylesheet changed took half as
long as a cold one. Here each run keeps a record beside STATIC_ROOT (never in it: everything
there is public), `<STATIC_ROOT>.collected.json`: for each source file its size, modification
and change times, the MD5 of its bytes, its hashed name, and for a stylesheet or script the
names its url(), @import and sourceMappingURL references resolved to, and its hashed file's
integrity digest (subresource.py). The next run:

- looks at each source's size and times (a stat, no read), and takes a file as it is when they
  match and its hashed file is still there; a file with new times and the same size (a fresh
  checkout, a restored cache) is read and compared with the recorded MD5 of its bytes;
- hands Django's post-processing the files that changed, and every stylesheet that references
  one of them (and so on up), nothing else;
- gives those the recorded hashed names of the files they reference, exactly the names
  Django's own run would give them, so the manifest is the one Django writes;
- reads, for its integrity digest, only a script or stylesheet whose hashed file is new.

A different storage class, STATIC_URL, Django version or manifest version, or a record that
cannot be read, makes the run a whole one, as Django's.
"""

import hashlib
import json
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import django
from django.conf import settings
from django.contrib.staticfiles.storage import HashedFilesMixin

from . import subresource
from .atomic import write_atomically

RECORD_VERSION = 1


class RecordingLookups:
    """The hashed_files dict Django's url converter reads, noting each name it looks up."""

    def __init__(self, hashed_files: dict, found: set):
        self.hashed_files, self.found = hashed_files, found

    def get(self, key, default=None):
        self.found.add(key.split("?", 1)[0])  # url("font.woff?v=2") is font.woff's
        return self.hashed_files.get(key, default)


class IncrementalPostProcessMixin(HashedFilesMixin):
    """Goes right above HashedFilesMixin (list it last among a storage's bases): after
    ManifestFilesMixin has emptied hashed_files for the run, before Django hashes."""

    @property
    def collected_record(self) -> Path:
        root = Path(self.location)
        return root.with_name(f"{root.name}.collected.json")

    def record_key(self) -> list:
        """What else the hashed names depend on: any change makes the next run a whole one."""
        return [
            RECORD_VERSION,
            f"{type(self).__module__}.{type(self).__qualname__}",
            django.get_version(),
            getattr(self, "manifest_version", ""),
            settings.STATIC_URL,
            repr(self.patterns),
            self.max_post_process_passes,
        ]

    def post_process(self, paths, dry_run=False, **options):
        if dry_run:
            yield from super().post_process(paths, dry_run, **options)
            return
        try:
            record = json.loads(self.collected_record.read_text())
        except (OSError, ValueError):
            record = {}
        known = record.get("files", {}) if record.get("key") == self.record_key() else {}
        seen = {name: source_stat(*paths[name]) for name in paths}
        digests = {}
        for name in paths:  # another stat, the same size (a checkout, a copy): the same bytes?
            old, now = known.get(name), seen[name]
            if old and now and old["stat"] != now and old["stat"][0] == now[0]:
                digests[name] = source_digest(*paths[name])
                if digests[name] == old.get("md5"):
                    old["stat"] = now
        unchanged = self.unchanged(paths, known, seen)
        # In the sources' order, as a whole run fills the manifest: the same bytes each time.
        self.unchanged_names = {n: known[n]["hashed"] for n in paths if n in unchanged}
        self.references: dict[str, set] = {}
        self.hashed_files.update(
            {self.hash_key(self.clean_name(n)): h for n, h in self.unchanged_names.items()}
        )
        for name, hashed in self.unchanged_names.items():
            yield name, hashed, False
        changed = {name: paths[name] for name in paths if name not in unchanged}
        for name in changed:  # the bytes about to be hashed, read before Django reads them
            if name not in digests and seen[name] is not None:
                digests[name] = source_digest(*paths[name])
        if changed:  # else nothing is read or hashed at all
            self.sources = {self.clean_name(name): source for name, source in paths.items()}
            try:
                yield from super().post_process(changed, dry_run, **options)
            finally:
                self.sources = None
        # In the order Django's own run fills it (its first pass, deepest folders first): the
        # manifest lists the names as Django's does, not only the same ones.
        order = sorted(paths, key=lambda name: len(name.split(os.sep)), reverse=True)
        keys = (self.hash_key(self.clean_name(name)) for name in order)
        ordered = {key: self.hashed_files[key] for key in keys if key in self.hashed_files}
        self.hashed_files = {**ordered, **self.hashed_files}
        # Only reached when the run succeeded: collectstatic stops at the first error.
        files = {}
        for name in paths:
            key = self.hash_key(self.clean_name(name))
            if key not in self.hashed_files or seen[name] is None:
                continue  # a source with no local file: processed again next time
            if name in changed and source_stat(*paths[name]) != seen[name]:
                continue  # edited while this run read it: processed again next time
            entry = known[name] if name in unchanged else {"md5": digests[name]}
            files[name] = {
                "stat": seen[name],
                "md5": entry["md5"],
                "hashed": self.hashed_files[key],
            }
            if name in unchanged and "references" in entry:
                files[name]["references"] = entry["references"]
            elif name in changed and key in self.references:  # a stylesheet or script
                files[name]["references"] = sorted(self.references[key])
        self.integrity = self.integrity_digests(paths, known, files)
        self.write_record({"key": self.record_key(), "files": files})

    def integrity_digests(self, paths: dict, known: dict, files: dict) -> dict[str, str]:
        """hashed name -> integrity digest, for each collected file STATIC_INTEGRITY_NAMES
        names; read only where the record has none for that hashed name (noted in `files`)."""
        globs, digests = subresource.patterns(), {}
        self.integrity_reads = 0
        for name in paths:
            hashed = self.hashed_files.get(self.hash_key(self.clean_name(name)))
            if hashed is None or not subresource.wanted(name, globs):
                continue
            old = known.get(name, {})
            if old.get("hashed") == hashed and old.get("sri"):
                digests[hashed] = old["sri"]
            else:
                digests[hashed] = subresource.integrity_of(self, hashed)
                self.integrity_reads += 1
            if name in files:
                files[name]["sri"] = digests[hashed]
        return digests

    def write_record(self, record: dict) -> None:
        """All or nothing; a record that cannot be written only makes the next run a whole
        one, and never fails this one."""
        path = self.collected_record
        try:  # under a name of its own: two runs at once each write a whole record
            write_atomically(str(path), [json.dumps(record).encode()], None)
        except OSError as error:
            sys.stderr.write(
                f"Note: could not write {path} ({error.strerror or error}): the next "
                "collectstatic will process every file again.\n"
            )

    def unchanged(self, paths: dict, known: dict, seen: dict) -> set:
        """The names whose source has the recorded size and times, whose hashed file is there,
        and none of whose references (recursively) changed."""
        same = {
            name
            for name in paths
            if name in known
            and seen[name] is not None
            and known[name]["stat"] == seen[name]
            and self.exists(known[name]["hashed"])  # not if `collectstatic --clear` deletes it
        }
        keys = {self.hash_key(self.clean_name(name)) for name in paths}
        referenced_by: dict[str, set] = {}
        for name in list(same):
            references = known[name].get("references", ())
            if not keys.issuperset(references):
                same.discard(name)  # a file it references is gone: processed as Django would
            for reference in references:
                referenced_by.setdefault(reference, set()).add(name)
        queue = [self.hash_key(self.clean_name(name)) for name in set(paths) - same]
        while queue:
            for name in referenced_by.pop(queue.pop(), ()):
                if name in same:
                    same.discard(name)
                    queue.append(self.hash_key(self.clean_name(name)))
        return same

    def url_converter(self, name, hashed_files, *args, **kwargs):
        """Django's converter, with the lookups it makes noted (Django 6 adds arguments)."""
        references = getattr(self, "references", None)
        if references is None:  # outside post_process
            return super().url_converter(name, hashed_files, *args, **kwargs)
        found = references.setdefault(self.hash_key(self.clean_name(name)), set())
        return super().url_converter(name, RecordingLookups(hashed_files, found), *args, **kwargs)

    def hashed_name(self, name, content=None, filename=None):
        """A referenced file that did not change: its recorded name, unread (Django would
        read and hash it again). Another one, during a run: hashed from its source, where
        Django reads the copy in STATIC_ROOT. That copy is what a run into an empty STATIC_ROOT
        would hash only if collectstatic copied it: it skips a source that is not newer than
        the copy (pinned times, an older checkout collected into a root shared by releases), and
        a url() with a query string (font.woff2?v=4) then got the old file's hash. A name no
        source has any more is refused, as that run refuses it (an old copy answered it)."""
        if content is None and filename is None:
            recorded = getattr(self, "unchanged_names", {}).get(self.clean_name(name))
            if recorded is not None:
                return recorded
            if (sources := getattr(self, "sources", None)) is not None:
                path = self.clean_name(urlsplit(unquote(name)).path.strip())
                if path in sources:
                    storage, source = sources[path]
                    with storage.open(source) as opened:
                        return super().hashed_name(name, opened)
                if not os.path.isdir(self.path(path)):  # url("../fonts"): Django keeps it
                    raise ValueError(f"The file '{path}' could not be found with {self!r}.")
        return super().hashed_name(name, content, filename)


def source_digest(storage, path: str) -> str:
    with storage.open(path) as source:
        return hashlib.file_digest(source, "md5").hexdigest()


def source_stat(storage, path: str) -> list[int] | None:
    """[size, modification and change times in ns] of a source file; None where it has no
    local path. The change time moves on every write, even where a tool pins the modification
    time (npm packages, reproducible builds)."""
    try:
        stat = os.stat(storage.path(path))
    except (NotImplementedError, OSError):
        return None
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]
