"""The home page: every kind of static file the site serves, shown working."""

from django.shortcuts import render


def home(request):
    return render(request, "pages/home.html")
