"""Reads of attendance that pages share. Plain functions with explicit arguments (no `current_user`)."""
from collections.abc import Iterable

from sqlalchemy import select

from ecole.attendance.models import SurveyReceipt
from ecole.extensions import db


def answered_sessions(user, session_ids: Iterable[int]) -> set[int]:
    """Which of `session_ids` the person has answered the questionnaire of (one query)."""
    ids = list(set(session_ids))
    if not ids:
        return set()
    return set(db.session.scalars(select(SurveyReceipt.session_id).where(SurveyReceipt.user_id == user.id,
                                                                         SurveyReceipt.session_id.in_(ids))))
