"""The course catalogue: courses, themes, audiences, lessons, progress; courses/ is its source."""
