"""The interactive API documentation at /api/docs: Swagger UI served by the app (no CDN)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("api_docs", __name__)

# Swagger UI sets inline styles from its script; this page alone allows them.
DOCS_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"


@bp.route("/api/docs")
def docs():
    response = render_template("api/docs.html")
    return response, 200, {"Content-Security-Policy": DOCS_CSP}
