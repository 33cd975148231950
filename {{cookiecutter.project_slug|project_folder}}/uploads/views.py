"""The upload list."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from .models import Upload


@require_safe
def upload_list(request):
    return render(request, "uploads/list.html", {"uploads": Upload.objects.all()})
