"""Time helpers: the domain only accepts timezone-aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime

from helpline.domain.errors import NaiveDatetime


def check_aware(value: datetime, name: str = "timestamp") -> datetime:
    """Raise :class:`NaiveDatetime` unless ``value`` carries a timezone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(f"{name} must be timezone-aware", field=name)
    return value


def utcnow() -> datetime:
    return datetime.now(UTC)
