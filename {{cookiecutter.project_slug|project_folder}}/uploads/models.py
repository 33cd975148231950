"""An uploaded file with its title; names are kept, never overwritten. A private one is kept
under private/ (static_kit/media/private.py) and shown only to its uploader and to staff."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone


def validate_upload_size(file):
    if file.size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            f"This file is {filesizeformat(file.size)}; the limit is "
            f"{filesizeformat(settings.MAX_UPLOAD_SIZE)} (DJANGO_MAX_UPLOAD_MB)."
        )


def upload_to(upload: "Upload", filename: str) -> str:
    """One folder per month keeps directories small; a private upload goes under private/,
    which no public URL serves."""
    folder = "private" if upload.private else "uploads"
    return f"{folder}/{timezone.now():%Y/%m}/{filename}"


class UploadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every public upload, and the private ones `user` may open."""
        if user.is_staff:
            return self
        if not user.is_authenticated:
            return self.filter(private=False)
        return self.filter(Q(private=False) | Q(owner=user))


class Upload(models.Model):
    """A file a user uploaded: media, stored under MEDIA_ROOT, never among the static files."""

    title = models.CharField(max_length=200)
    # The storage never overwrites a name.
    file = models.FileField(upload_to=upload_to, validators=[validate_upload_size])
    uploaded_at = models.DateTimeField(auto_now_add=True)
    private = models.BooleanField(
        default=False, help_text="Only its uploader and staff can open it. Set when uploading."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.SET_NULL
    )

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.title

    def may_open(self, user) -> bool:
        return (
            not self.private
            or user.is_staff
            or (user.is_authenticated and self.owner_id == user.pk)
        )

    @property
    def stored_size(self) -> int | None:
        """The file's size in storage, or None when the file is gone (a database restored
        without its files, an emptied bucket): one missing file must not take a page down."""
        try:
            return self.file.size
        except FileNotFoundError:
            return None
