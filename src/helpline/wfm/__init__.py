"""Workforce management: queueing math, forecasts, staffing, schedules (issue 4)."""
