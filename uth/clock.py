"""The one place the app asks for the current time; services take `now` as an argument."""
from datetime import datetime, timezone

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """Aware UTC now; a test may pin it with the UTH_FIXED_NOW setting (an aware datetime)."""
    if has_app_context():
        fixed = current_app.config.get("UTH_FIXED_NOW")
        if fixed is not None:
            return fixed
    return datetime.now(timezone.utc)
