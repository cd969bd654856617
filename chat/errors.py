"""ChatError and its subclasses: what the service raises, with the contract's status and code."""

from __future__ import annotations


class ChatError(Exception):
    """An error a client should hear about, in the contract's shape."""

    status = 500
    code = "internal"
    default_message = "Something went wrong on our side."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


class BadRequest(ChatError):
    status = 400
    code = "invalid_request"
    default_message = "The request body is not valid JSON."


class Invalid(ChatError):
    status = 422
    code = "invalid_request"
    default_message = "The request is not valid."


class Unauthorized(ChatError):
    status = 401
    code = "unauthorized"
    default_message = "Please log in."


class Forbidden(ChatError):
    status = 403
    code = "forbidden"
    default_message = "You are not allowed to do that."


class NotFound(ChatError):
    status = 404
    code = "not_found"
    default_message = "Not found."


class Conflict(ChatError):
    status = 409
    code = "conflict"
    default_message = "That conflicts with the current state."


class Gone(ChatError):
    status = 410
    code = "gone"
    default_message = "This link was used already or has expired."


class PayloadTooLarge(ChatError):
    status = 413
    code = "payload_too_large"
    default_message = "The request body is too large."


class RateLimited(ChatError):
    status = 429
    code = "rate_limited"
    default_message = "Too many requests; please slow down."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class StorageFailed(ChatError):
    """A write could not be committed (disk full, I/O error): nothing of it was kept."""

    status = 500
    code = "internal"
    default_message = "We could not save that. Nothing was stored; please try again."
