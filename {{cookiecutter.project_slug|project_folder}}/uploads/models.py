"""An uploaded file with its title; names are kept, never overwritten. A private one is kept
under private/ (static_kit/media/private.py) and shown only to its uploader and to those with
the permission to view uploads (superusers have it)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from static_kit.media.private import PREFIX as PRIVATE
from static_kit.media.private import is_private


def validate_upload_size(file):
    if file.size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            f"This file is {filesizeformat(file.size)}; the limit is "
            f"{filesizeformat(settings.MAX_UPLOAD_SIZE)} (DJANGO_MAX_UPLOAD_MB)."
        )


def upload_to(upload: "Upload", filename: str) -> str:
    """One folder per month keeps directories small; a private upload goes under private/,
    which no public URL serves."""
    folder = PRIVATE if upload.private else "uploads/"
    return f"{folder}{timezone.now():%Y/%m}/{filename}"


# Who may open every private upload: this permission (superusers have every permission).
VIEW_ALL = "uploads.view_upload"


class UploadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every public upload, and the private ones `user` may open."""
        if user.has_perm(VIEW_ALL):
            return self
        public = ~Q(file__startswith=PRIVATE)
        return self.filter(public | Q(owner=user)) if user.is_authenticated else self.filter(public)


class Upload(models.Model):
    """A file a user uploaded: media, stored under MEDIA_ROOT, never among the static files."""

    title = models.CharField(max_length=200)
    # The storage never overwrites a name.
    file = models.FileField(upload_to=upload_to, validators=[validate_upload_size])
    uploaded_at = models.DateTimeField(auto_now_add=True)
    private = models.BooleanField(
        default=False,
        help_text="Only its uploader, and who may view all uploads, can open it. Set on upload.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.SET_NULL
    )

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """`private` decides where the file is stored, once: a change would leave a file
        marked private under the public /media/ (or the other way round)."""
        stored = self.file and getattr(self.file, "_committed", False)
        if stored and self.private != is_private(self.file.name):
            where = "private" if is_private(self.file.name) else "public"
            raise ValueError(
                f"{self.file.name} is stored as a {where} upload: `private` is set when a file "
                "is uploaded; upload it again to change it."
            )
        super().save(*args, **kwargs)

    def may_open(self, user) -> bool:
        """Whether `user` may open the file: anyone a public one; a private one (by where it
        is stored), its uploader and whoever may view every upload."""
        if not is_private(self.file.name) or user.has_perm(VIEW_ALL):
            return True
        return user.is_authenticated and self.owner_id == user.pk

    @property
    def stored_size(self) -> int | None:
        """The file's size in storage, or None when the file is gone (a database restored
        without its files, an emptied bucket): one missing file must not take a page down."""
        try:
            return self.file.size
        except FileNotFoundError:
            return None
