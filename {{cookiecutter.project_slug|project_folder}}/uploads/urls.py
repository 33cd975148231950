"""The upload list, and private uploads' own URLs."""

from django.urls import path

from . import views

app_name = "uploads"
urlpatterns = [
    path("uploads/", views.upload_list, name="list"),
    # What a private upload's URL is (static_kit/media/private.py): its name below private/.
    path("uploads/private/<path:name>", views.private_file, name="private_file"),
]
