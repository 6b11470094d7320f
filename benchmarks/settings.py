"""Settings of the page benchmark (benchmarks/pages.py): the application's own settings, plus the
benchmark-only floor app and a URLconf with a second AdminSite for it. Never used in production.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks.floorapp"]
ROOT_URLCONF = "benchmarks.urls"
DEBUG = False
# The services notify by email on submission and decision; the benchmark sends nothing.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
