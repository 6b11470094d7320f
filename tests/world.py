"""The test world: who acts in the tests, as typed attributes rather than string keys."""

from dataclasses import dataclass

from accounts.models import Bureau, Role, User
from tests.factories import UserFactory


@dataclass(frozen=True)
class World:
    """The people of the 2024 edition's tests: staff of 産業経済局, a coordinator and a viewer."""

    sangyo: User
    coordinator: User
    viewer: User


def build_world() -> World:
    """On the loaded 2024 edition (its 産業経済局)."""
    sangyo = Bureau.objects.get(name="産業経済局")
    return World(
        sangyo=UserFactory(username="sangyo", role=Role.BUREAU_STAFF, bureaus=[sangyo]),
        coordinator=UserFactory(username="coordinator", role=Role.COORDINATOR),
        viewer=UserFactory(username="viewer", role=Role.VIEWER),
    )
