import pytest
from django.core.management import call_command

from accounts.management.commands.setup_demo import EDITION_FIXTURE
from tests.world import World, build_world


@pytest.fixture
def edition_2024(db):
    """The published 2024 edition, loaded from the committed fixture."""
    call_command("loaddata", str(EDITION_FIXTURE), verbosity=0)
    from plan.models import Edition

    return Edition.objects.get(fiscal_year=2024)


@pytest.fixture
def world(edition_2024) -> World:
    """The people acting on the 2024 edition (a test module may build its own world instead)."""
    return build_world()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users; PBKDF2's deliberate slowness buys nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache and nothing kept in the process (filter choices, page
    queries, prepared queries): its database is rolled back, the cache is not (a rolled-back
    database can repeat a state another test left in the cache), and a prepared query keeps the
    build of the test that first made it."""
    from django.core.cache import cache

    from plan import prepared
    from plan.admin.kept_list import forget_choices, forget_pages

    cache.clear()
    forget_choices()
    forget_pages()
    prepared._KEPT.clear()
