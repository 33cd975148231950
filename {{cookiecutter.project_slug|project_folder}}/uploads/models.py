"""An uploaded file with its title; names are kept, never overwritten."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.template.defaultfilters import filesizeformat


def validate_upload_size(file):
    if file.size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            f"This file is {filesizeformat(file.size)}; the limit is "
            f"{filesizeformat(settings.MAX_UPLOAD_SIZE)} (DJANGO_MAX_UPLOAD_MB)."
        )


class Upload(models.Model):
    """A file a user uploaded: media, stored under MEDIA_ROOT, never among the static files."""

    title = models.CharField(max_length=200)
    # One folder per month keeps directories small; the storage never overwrites a name.
    file = models.FileField(upload_to="uploads/%Y/%m/", validators=[validate_upload_size])
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def stored_size(self) -> int | None:
        """The file's size in storage, or None when the file is gone (a database restored
        without its files, an emptied bucket): one missing file must not take a page down."""
        try:
            return self.file.size
        except FileNotFoundError:
            return None
