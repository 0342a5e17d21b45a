"""Attendance: registers, sign-in sheets and their scans, evaluations, completion rules."""
