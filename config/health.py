"""``/healthz``: 200 「ok」 once the database answers a trivial query, 503 otherwise.

For a load balancer's or a local probe's check: no sign-in, no session, and exempt from the HTTPS
redirect in production (``SECURE_REDIRECT_EXEMPT``), so that ``curl http://127.0.0.1:8000/healthz``
works on the server itself. The host asked for must still be in ``ALLOWED_HOSTS``.
"""

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
