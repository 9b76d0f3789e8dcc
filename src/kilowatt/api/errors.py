"""Every error leaves as ``{"error": "...", "detail": "..."}`` with the right status, and a
stable ``reason`` (such as ``last_owner``) where the service named the particular refusal:
``error`` and ``reason`` are for programs, ``detail`` is English for people."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from kilowatt.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    StationOffline,
    TooLarge,
)


def error_body(error: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"error": error, "detail": detail, **extra}


def _refusal(error: str, exc: DomainError, **extra: Any) -> dict[str, Any]:
    if exc.reason:
        extra["reason"] = exc.reason
    return error_body(error, str(exc), **extra)


def _slug(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def install(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(_refusal("not_found", exc), status_code=404)

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse(_refusal("conflict", exc), status_code=409)

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return JSONResponse(_refusal("forbidden", exc), status_code=403)

    @app.exception_handler(TooLarge)
    async def _too_large(_: Request, exc: TooLarge) -> JSONResponse:
        return JSONResponse(
            error_body("payload_too_large", str(exc), limit=exc.limit), status_code=413
        )

    @app.exception_handler(StationOffline)
    async def _offline(_: Request, exc: StationOffline) -> JSONResponse:
        return JSONResponse(_refusal("station_offline", exc), status_code=409)

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> JSONResponse:
        return JSONResponse(
            _refusal("invalid_input", exc, fields=[{"field": exc.field, "message": exc.message}]),
            status_code=422,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = []
        for item in exc.errors():
            location = [str(part) for part in item.get("loc", ()) if part not in ("body",)]
            fields.append({"field": ".".join(location), "message": item.get("msg", "")})
        detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "invalid request"
        return JSONResponse(error_body("validation_error", detail, fields=fields), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # The traceback is logged by the server; the client gets the same JSON shape as ever.
        return JSONResponse(
            error_body("internal_error", "the server failed to handle this request"),
            status_code=500,
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(_slug(exc.status_code), str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
