"""The upload size limit, enforced before the request body is read."""

from django.conf import settings
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat


class UploadSizeLimitMiddleware:
    """Answer 413 to a request body over the upload limit, before anything reads it.

    DATA_UPLOAD_MAX_MEMORY_SIZE does not count file parts, so without this a client could
    stream gigabytes to disk before the form's validator says no. The limit counts the whole
    body, form included, exactly as a web server's (nginx's client_max_body_size) does.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = settings.MAX_UPLOAD_SIZE

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.limit:
            return HttpResponse(
                f"Request body too large: the upload limit is "
                f"{filesizeformat(settings.MAX_UPLOAD_SIZE)}.\n",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
