import datetime

import pytest

from evaluation.models import EvaluationRound, EvaluationSheet
from evaluation.services import round_open


@pytest.fixture
def evaluation_round(world, edition_2024) -> EvaluationRound:
    """「令和6年度実績」 of the 2024 edition, opened by the coordinator, due 30 June 2025."""
    return round_open(
        acting_user=world.coordinator,
        edition=edition_2024,
        fiscal_year=2024,
        deadline=datetime.date(2025, 6, 30),
    )


def sheet_of(evaluation_round: EvaluationRound, project_code: str) -> EvaluationSheet:
    return EvaluationSheet.objects.select_related("round", "project").get(
        round=evaluation_round, project__code=project_code
    )
