"""The refusal every attendance service raises: a message already translated for the person."""


class AttendanceError(ValueError):
    """An attendance action refused; str(error) says why, in the reader's language."""
