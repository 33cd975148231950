"""The upload list, and the view that sends a private upload to those who may open it."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from static_kit.media.private import PREFIX as PRIVATE
from static_kit.media.private import private_file_response

from .models import Upload


@require_safe
def upload_list(request):
    uploads = Upload.objects.visible_to(request.user)
    return render(request, "uploads/list.html", {"uploads": uploads})


@require_safe
def private_file(request, name):
    """The uploader, and whoever may view every upload, get the file; anyone else a 404, as
    if there were none."""
    upload = get_object_or_404(Upload, file=f"{PRIVATE}{name}", private=True)
    if not upload.may_open(request.user):
        raise Http404("No such upload.")
    return private_file_response(upload.file.name)
