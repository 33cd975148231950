"""Private uploads in S3: signed, expiring URLs; the type decided here, never by the uploader."""

from django.core.exceptions import ImproperlyConfigured
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage

from .file_types import content_type, is_inline


class PrivateMediaStorage(S3Storage):
    """S3Storage for uploads that can never be fetched unsigned or run as a page.

    The Content-Type comes from the file's extension (a `photo.png` sent as text/html is
    stored as image/png), and anything but a raster image downloads as an attachment.
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

    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        parameters["ContentType"] = content_type(name)
        parameters["ContentDisposition"] = content_disposition_header(
            not is_inline(name), name.rsplit("/", 1)[-1]
        )
        return parameters
