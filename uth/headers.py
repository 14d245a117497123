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
    return _CSP_BEFORE_NONCE + nonce + _CSP_AFTER_NONCE


# The policy around the request's nonce (default-src, script-src, style-src, img-src, object-src,
# base-uri, form-action, frame-ancestors), joined once.
_CSP_BEFORE_NONCE = "default-src 'self'; script-src 'self' 'nonce-"
_CSP_AFTER_NONCE = ("'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
                    "form-action 'self'; frame-ancestors 'none'")
_FIXED = tuple((name.lower(), name, value) for name, value in (
    ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")))


def _add_headers(response):
    """Each header unless the view set it already (one pass over the response's headers, not a
    search per header)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", content_security_policy(csp_nonce()))
    for key, name, value in _FIXED:
        if key not in present:
            headers.add(name, value)
    if "cache-control" not in present and request.endpoint != "static":  # a shared ward PC: no case page back from the cache after sign-out
        headers.add("Cache-Control", "private, no-store")
    if request.is_secure and "strict-transport-security" not in present:
        seconds = int(current_app.config.get("UTH_HSTS_SECONDS") or 0)
        if seconds > 0:
            headers.add("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    """Headers on every response; `csp_nonce()` for templates."""
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
