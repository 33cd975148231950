"""Private uploads in S3: signed, expiring URLs; the type decided here, never by the uploader."""

import os

from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured
from django.utils.http import content_disposition_header
from storages.utils import ReadBytesWrapper, clean_name, is_seekable

from ..media.file_types import content_type, is_inline
from ..media.private import PrivateURLMixin
from .s3 import S3Storage

# How many names one upload tries before giving up: each conflict means another upload took
# the name between our check and our write, and the next name has a fresh random suffix.
NAME_ATTEMPTS = 10
# What S3 answers when `If-None-Match: *` finds the key taken (412), or still being written
# by another request (409, AWS only).
NAME_TAKEN = {"PreconditionFailed", "ConditionalRequestConflict"}


class NameTaken(Exception):
    """Another upload wrote this key first; the storage picks another name."""


class PrivateMediaStorage(PrivateURLMixin, S3Storage):
    """S3Storage for uploads that can never be fetched unsigned, run as a page, or overwritten.

    A private upload's URL (a name under private/) is its checking view (PrivateURLMixin).
    The Content-Type comes from the file's extension (a `photo.png` sent as text/html is
    stored as image/png), and anything but a raster image downloads as an attachment.
    Every write is conditional (`If-None-Match: *`, which S3 has enforced since 2024): if two
    uploads pick the same free name at once, the second write is refused by S3 itself, and
    that upload retries under a new name, instead of replacing the first file.
    """

    def __init__(self, **settings):
        super().__init__(**settings)
        if self.custom_domain or not self.querystring_auth:
            # django-storages builds unsigned URLs on a custom domain: private files
            # would be public to anyone with the link, forever.
            raise ImproperlyConfigured(
                "Private media needs signed URLs: remove custom_domain and keep "
                "querystring_auth=True (use a CDN with signed URLs for a media domain)."
            )
        if self.file_overwrite:
            raise ImproperlyConfigured(
                "Private media never overwrites an upload: set file_overwrite=False."
            )

    def signed_url(self, name: str, expire: int) -> str:
        """A link to the object that works for `expire` seconds (a private upload's, issued
        by its view once it allowed who asks: static_kit/media/private.py)."""
        return super(PrivateURLMixin, self).url(name, expire=expire)

    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        parameters["ContentType"] = content_type(name)
        parameters["ContentDisposition"] = content_disposition_header(
            not is_inline(name), name.rsplit("/", 1)[-1]
        )
        return parameters

    def save(self, name, content, max_length=None):
        """Storage.save (a free name, then the write), again under a new name when another
        upload wrote the same key in between."""
        for _ in range(NAME_ATTEMPTS):
            try:
                return super().save(name, content, max_length=max_length)
            except NameTaken:
                continue  # get_available_name now sees the key taken: a new random suffix
        raise OSError(
            f"Could not store {name!r}: {NAME_ATTEMPTS} names in a row were taken by "
            "concurrent uploads. Try again."
        )

    def _save(self, name, content):
        """One PUT that S3 refuses if the key exists, so no upload ever replaces another.
        (A single PUT takes up to 5 GB; the upload limit is far below that.)"""
        cleaned = clean_name(name)
        key = self._normalize_name(cleaned)
        parameters = self._get_write_parameters(key, content)
        if is_seekable(content):
            content.seek(0, os.SEEK_SET)
        try:
            self.connection.meta.client.put_object(
                Bucket=self.bucket_name,
                Key=key,
                Body=ReadBytesWrapper(content),
                IfNoneMatch="*",
                **parameters,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in NAME_TAKEN:
                raise NameTaken(key) from error
            raise
        return cleaned
