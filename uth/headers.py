"""Security headers on every response (issue #15 item 11).

- Content-Security-Policy: scripts, styles, images, forms and fetches from this origin only; an inline
  <script> needs the request's nonce (`{{ csp_nonce() }}` in a template); no plugins; no framing
  (`frame-ancestors 'none'`, and X-Frame-Options for older browsers).
- X-Content-Type-Options: nosniff; Referrer-Policy: same-origin, so a case URL never leaves in a
  Referer header to another site; pages (not static files) are `Cache-Control: private, no-store`,
  so the back button on a shared ward PC shows no case after sign-out.
- Strict-Transport-Security on responses served over HTTPS (directly or, with UTH_PROXY_HOPS, as the
  proxy says), for UTH_HSTS_SECONDS (a year by default; 0 sends none).
Inline style attributes stay allowed (style-src 'unsafe-inline'): the templates and SVG charts use a
few, and a style cannot run code.
"""
from __future__ import annotations

import secrets

from flask import Flask, current_app, g, request


def csp_nonce() -> str:
    """This request's nonce for an inline script."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def _add_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":  # a shared ward PC: no case page back from the cache after sign-out
        headers.setdefault("Cache-Control", "private, no-store")
    seconds = int(current_app.config.get("UTH_HSTS_SECONDS") or 0)
    if seconds > 0 and request.is_secure:
        headers.setdefault("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    """Headers on every response; `csp_nonce()` for templates."""
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
