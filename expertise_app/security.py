"""Security headers on every response (what flask-talisman did; it is no longer maintained)."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

# Everything is served by the app itself: no CDN, no inline script or style.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint != "static":
        # Pages, API answers, exports and downloads are someone's data: kept by no cache, shared or not.
        headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        # Served over HTTPS (directly, or behind TRUSTED_PROXIES that say so in X-Forwarded-Proto): the
        # browser keeps to HTTPS from now on. Over plain HTTP browsers ignore the header: it is not sent.
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_security(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Behind that many proxies of ours, the client's address and scheme are the ones they report;
        # otherwise a client's own X-Forwarded-For is ignored (sign-in limits count by address).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.after_request(add_security_headers)
