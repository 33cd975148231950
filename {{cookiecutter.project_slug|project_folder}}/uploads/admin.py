"""Uploads in the admin: where files are added in the demo."""

from django.contrib import admin

from .models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["title", "file", "uploaded_at"]
    search_fields = ["title", "file"]
    readonly_fields = ["uploaded_at"]
