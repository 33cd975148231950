"""The upload list."""

from django.urls import path

from . import views

app_name = "uploads"
urlpatterns = [path("uploads/", views.upload_list, name="list")]
