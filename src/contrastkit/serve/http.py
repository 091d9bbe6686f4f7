"""The service's HTTP edges: OpenAI-shaped errors, the body limit, request ids, timing, auth.

Every error is ``{"error": {"message", "type", "param", "code"}}`` with the HTTP status as
``code`` (the OpenAI and Infinity shape clients already parse). The body limit is plain ASGI
middleware: a ``Content-Length`` over it is refused before a byte is read, and a chunked body
is cut off the moment it passes the limit.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi.responses import JSONResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_exceeded",
    500: "server_error",
    503: "service_unavailable",
}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def error_body(status: int, message: str, param: str | None = None) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": TYPES.get(status, "error"),
            "param": param,
            "code": status,
        }
    }


def error_response(status: int, message: str, param: str | None = None) -> JSONResponse:
    headers = {"Retry-After": "1"} if status == 429 else None
    return JSONResponse(error_body(status, message, param), status_code=status, headers=headers)


class BodyLimit:
    """413 for a body over ``max_bytes``, without reading it all."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_json(send, 413, self._message(int(declared)))
            return
        received, started, refused = 0, False, False

        async def limited() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes and not refused:
                    refused = True
                    if not started:
                        await _send_json(send, 413, self._message(received))
                    return {"type": "http.disconnect"}  # the app stops reading, and its
            return message  # answer, if any, is dropped below

        async def tracked(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracked)
        except Exception:
            if not refused:  # the app's own error; a refused body's ClientDisconnect is ours
                raise

    def _message(self, size: int) -> str:
        return f"the request body has {size:,}+ bytes; the limit is {self.max_bytes:,} (--max-body-bytes)"


async def _send_json(send: Send, status: int, message: str) -> None:
    body = json.dumps(error_body(status, message)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Edges:
    """What every request passes on its way in and out, as plain ASGI (no per-request task):
    the bearer token (compared in constant time; ``open_paths`` need none), the request id
    (the client's ``X-Request-Id`` when it is a sane token, else a fresh one), timing headers
    (``Server-Timing``, ``X-Process-Time-Ms``) and the request's line in the metrics."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        open_paths: set[str],
        observe: Callable[[str, int, float], None],
    ) -> None:
        self.app, self.token, self.open_paths, self.observe = app, token, open_paths, observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        status = 500

        async def stamped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                ms = f"{(time.perf_counter() - started) * 1000:.1f}"
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", rid.encode()),
                    (b"server-timing", f"app;dur={ms}".encode()),
                    (b"x-process-time-ms", ms.encode()),
                ]
            await send(message)

        if scope["path"] in self.open_paths or self._authorized(headers):
            await self.app(scope, receive, stamped)
        else:
            await _send_json(
                stamped, 401, "missing or wrong bearer token (Authorization: Bearer …)"
            )
        route = scope.get("route")  # the matched route's template: bounded label values
        self.observe(getattr(route, "path", "other"), status, time.perf_counter() - started)

    def _authorized(self, headers: dict[bytes, bytes]) -> bool:
        if self.token is None:
            return True
        scheme, _, given = headers.get(b"authorization", b"").partition(b" ")
        return scheme.lower() == b"bearer" and secrets.compare_digest(
            given.strip(), self.token.encode()
        )
