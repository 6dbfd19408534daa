"""Settings from environment variables (prefix ``HELPLINE_``)."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from helpline.domain.errors import ValidationFailed

DEMO_SECRET_KEY = "helpline-demo-secret-not-for-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HELPLINE_", extra="ignore")

    database_url: str = "sqlite:///./helpline.db"
    secret_key: str = DEMO_SECRET_KEY
    demo: bool = False
    timezone: str = "Europe/Moscow"
    #: auto: PostgreSQL LISTEN/NOTIFY on PostgreSQL, in-process on SQLite.
    realtime: Literal["auto", "local", "postgres"] = "auto"
    tick_seconds: float = 1.0
    #: Pooled database connections per process, and as many worker threads.
    db_pool_size: int = 16
    secure_cookies: bool = False
    #: Roles that may read QA transcripts unredacted (comma-separated, e.g. "admin");
    #: empty: nobody (issue 5 §3).
    qa_reveal_roles: str = ""
    #: mask card, passport and phone numbers in every log line (HELPLINE_LOG_REDACTION)
    log_redaction: bool = True

    def check(self) -> None:
        """Refuse to run outside demo mode with the default or a weak secret key."""
        if self.demo:
            return
        if self.secret_key == DEMO_SECRET_KEY or len(self.secret_key) < 32:
            raise ValidationFailed(
                "HELPLINE_SECRET_KEY must be set to a random value of 32+ characters "
                "outside demo mode (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`), or set HELPLINE_DEMO=1",
                setting="HELPLINE_SECRET_KEY",
            )
