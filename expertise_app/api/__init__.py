"""The JSON API under /api/v1: same workflow, same policy, same validation as the pages.

flask-smorest documents it (OpenAPI 3.1 at /api/v1/openapi.json); errors are
application/problem+json, produced by expertise_app/errors.py for the whole app.
"""

from __future__ import annotations

import http

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from .schemas import ProblemSchema

PROBLEM_JSON = "application/problem+json"


class PasserelleApi(Api):
    """flask-smorest's Api, with errors left to the app's own problem+json handlers."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """The app's handlers (errors.py) already answer problem+json under /api/."""

    def _register_responses(self) -> None:
        """Document error responses as application/problem+json, which is what they are."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem details (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = PasserelleApi()


def init_api(app: Flask) -> None:
    from . import collaboration  # noqa: F401  (its endpoints join the blueprint)
    from .docs import bp as docs_bp
    from .views import blp, register_input_schemas

    app.config.setdefault("API_TITLE", "Passerelle API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "File and follow international cultural expertise requests. "
                "Authenticate with `Authorization: Bearer <token>` (create a token on your account page).",
            },
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        },
    )
    api.init_app(app)
    register_input_schemas(api.spec)
    api.register_blueprint(blp)
    app.register_blueprint(docs_bp)
