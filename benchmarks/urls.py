"""The application's URLs plus the floor's AdminSite (benchmarks/settings.py only)."""

from django.urls import path

from benchmarks.floorapp.admin import floor_site
from config.urls import urlpatterns as application_urlpatterns

FLOOR_PREFIX = "bench-floor/"

urlpatterns = [path(FLOOR_PREFIX, floor_site.urls), *application_urlpatterns]
