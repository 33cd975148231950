"""Private uploads: stored where no public URL reaches them, sent only after a view's check.

An upload whose name starts with private/ (the example app's upload_to puts it there) is
private. Its URL, wherever something links it (a template, the admin), is the view that checks
who asks (PRIVATE_MEDIA_VIEW). Where the file lives and how it is sent depends on the media
storage and the strategy; the view, once it allowed the user, calls `private_file_response()`:

- media in a bucket (S3): every upload is a private object already; the answer is a redirect
  to a signed link that expires after PRIVATE_MEDIA_LINK_SECONDS (60 by default), issued only
  after the check, and never cached;
- local media behind nginx (MEDIA_ACCEL_REDIRECT set, DEBUG off): an empty answer whose
  X-Accel-Redirect header makes nginx send the file from an `internal` location, which
  answers 404 to any request from outside;
- local media otherwise (WhiteNoise, S3 + CDN with local media): the file, streamed by Django.

On the local disk a private file is in PRIVATE_MEDIA_ROOT, never under MEDIA_ROOT: /media/
(nginx's alias, or serve_media) cannot reach it whatever the name, encoding or traversal, as
it serves one folder and this one is beside it. `LocalMediaStorage` keeps the two apart under
one storage, so a FileField's name says which one a file is in.

Every answer carries the upload hardening of /media/: the type from the name's extension only,
anything but a raster image as an attachment, nosniff, a sandboxing CSP; and
`Cache-Control: private, no-store`, so no shared cache keeps it.
"""

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .views import protect, stored_file

PREFIX = "private/"
NO_STORE = "private, no-store"


def is_private(name: str) -> bool:
    return name.replace("\\", "/").startswith(PREFIX)


def private_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


def private_url(name: str) -> str:
    """Where a page links the private upload `name`: the view that checks who asks
    (PRIVATE_MEDIA_VIEW, a URL name taking `name` without private/)."""
    view = getattr(settings, "PRIVATE_MEDIA_VIEW", "")
    if not view:
        raise ImproperlyConfigured(
            "PRIVATE_MEDIA_VIEW is not set: name the URL of the view that checks who may open "
            "a private upload (it takes `name`, the upload's name without private/)."
        )
    return reverse(view, kwargs={"name": unprefixed(name)})


class PrivateURLMixin:
    """For a media storage: the URL of a private name is the view that checks who asks, so
    that whatever links an upload (a template, the admin) links that view, never the file."""

    def url(self, name, *args, **kwargs):
        if is_private(name):
            return private_url(name)
        return super().url(name, *args, **kwargs)


class LocalMediaStorage(PrivateURLMixin, FileSystemStorage):
    """Uploads on the local disk: public ones under MEDIA_ROOT, served at MEDIA_URL; private
    ones (names under private/) in PRIVATE_MEDIA_ROOT, which no URL serves. A private name's
    path is in that folder (every read, stat and delete goes through path()), and its write
    goes to a FileSystemStorage of that folder, with the same permissions."""

    @property
    def private(self) -> FileSystemStorage:
        return FileSystemStorage(
            location=private_root(),
            file_permissions_mode=self.file_permissions_mode,
            directory_permissions_mode=self.directory_permissions_mode,
            allow_overwrite=self._allow_overwrite,
        )

    def _save(self, name, content):
        if is_private(name):
            return PREFIX + self.private._save(unprefixed(name), content)
        return super()._save(name, content)

    def path(self, name):
        return self.private.path(unprefixed(name)) if is_private(name) else super().path(name)


def unprefixed(name: str) -> str:
    return name.replace("\\", "/")[len(PREFIX) :]


def private_file_response(name: str, storage=None) -> HttpResponse:
    """The answer that sends the private upload `name`, once the caller has checked that the
    user may see it; 404 where the file is not there."""
    storage = storage or default_storage
    if not is_private(name):
        raise ValueError(f"{name} is not a private upload")
    if hasattr(storage, "signed_url"):  # a bucket: a link signed for a minute
        expire = getattr(settings, "PRIVATE_MEDIA_LINK_SECONDS", 60)
        response = HttpResponseRedirect(storage.signed_url(name, expire))
        response["Cache-Control"] = NO_STORE
        return response
    root = private_root().resolve()
    path = stored_file(storage, name, root)
    # DEBUG: runserver (make dev) has no nginx in front to take the hand-off.
    if (accel := getattr(settings, "MEDIA_ACCEL_REDIRECT", "")) and not settings.DEBUG:
        # nginx sends the file from its internal location (the path below PRIVATE_MEDIA_ROOT,
        # URL-encoded), with the headers set here.
        response = protect(HttpResponse(), path)
        response["X-Accel-Redirect"] = accel + quote(path.relative_to(root).as_posix())
    else:
        response = protect(FileResponse(path.open("rb")), path)
    response["Cache-Control"] = NO_STORE
    return response
