"""The attendance domain's refusals."""


class AttendanceError(ValueError):
    """A refused attendance operation; str(error) is a translated message."""
