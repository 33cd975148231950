"""Uploads in the admin: where files are added in the demo."""

from django.contrib import admin

from .models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["title", "file", "private", "owner", "uploaded_at"]
    list_filter = ["private"]
    search_fields = ["title", "file"]
    readonly_fields = ["uploaded_at", "owner"]

    def get_readonly_fields(self, request, obj=None):
        # Where a file is stored follows from `private` when it is uploaded.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "private"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.owner = request.user
        super().save_model(request, obj, form, change)
