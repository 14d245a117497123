"""Bearer-token authentication for the JSON API (tokens from `uth create-token`)."""
from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request

from uth.auth.services import user_for_token


def _unauthorised(message: str):
    response = jsonify({"error": message})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="uth"'
    return response


def token_required(view):
    """Require `Authorization: Bearer <token>`; sets g.actor."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorised("Missing bearer token")
        user = user_for_token(token.strip())
        if user is None:
            return _unauthorised("Invalid or revoked token")
        g.actor = user
        return view(*args, **kwargs)

    return wrapper
