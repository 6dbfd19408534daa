"""WFM schedules (issue 4 §4)."""
