"""gunicorn's settings for production (``make serve``; see the README's production notes).

gunicorn listens on 127.0.0.1 only: the proxy in front of it terminates HTTPS, limits request
bodies and sets ``X-Forwarded-Proto``, which Django trusts (``SECURE_PROXY_SSL_HEADER``) only
because nobody else can reach gunicorn. Overrides come from the environment.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: one request at a time each. 2 × CPUs + 1, at most 9, unless WEB_CONCURRENCY says.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
# A worker is killed after this many seconds on one request (gunicorn's default is 30). The
# slowest request is the Excel import of a workbook near the 20 MB limit; the proxy's read timeout
# must be at least as long.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Only the local proxy may tell gunicorn the original scheme and address.
forwarded_allow_ips = "127.0.0.1"
# Workers are replaced now and then, so that no slow leak grows for ever.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
