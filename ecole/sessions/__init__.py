"""Course sessions (one run of a course for a group): venues, trainers, meetings, quotas."""
