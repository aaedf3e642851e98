"""Simulated OpenAI-compatible API: /v1/models and /v1/chat/completions with scripted replies."""

from __future__ import annotations

from collections.abc import Callable
import hashlib
import json
from typing import Any

from aiohttp import web

from .faults import CONTROL_PREFIX, Handler

MODELS = ("gpt-4o-mini", "gpt-4.1", "llama3.1:8b")
CREATED = 1_715_367_049


def error_response(status: int) -> web.Response:
    """Return OpenAI's error body for a status."""
    kinds = {
        401: (
            "Incorrect API key provided.",
            "invalid_request_error",
            "invalid_api_key",
        ),
        403: (
            "You are not allowed to sample from this model.",
            "invalid_request_error",
            None,
        ),
        404: ("The model does not exist.", "invalid_request_error", "model_not_found"),
        429: ("Rate limit reached for requests.", "requests", "rate_limit_exceeded"),
        500: (
            "The server had an error while processing your request.",
            "server_error",
            None,
        ),
        503: (
            "The engine is currently overloaded, please try again later.",
            "server_error",
            None,
        ),
    }
    message, kind, code = kinds.get(status, kinds[500])
    return web.json_response(
        {"error": {"message": message, "type": kind, "param": None, "code": code}},
        status=status,
    )


def auth_middleware(key: str, url_base: str) -> Any:
    """Return a middleware requiring Authorization: Bearer <key>."""

    @web.middleware
    async def openai_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Reject requests without the right bearer token."""
        if request.path.removeprefix(url_base).startswith(CONTROL_PREFIX):
            return await handler(request)
        if request.headers.get("Authorization") != f"Bearer {key}":
            return error_response(401)
        return await handler(request)

    return openai_auth


def example_for(schema: Any) -> Any:
    """Return a minimal deterministic value valid for a JSON schema."""
    if not isinstance(schema, dict):
        return None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for combinator in ("anyOf", "oneOf"):
        if schema.get(combinator):
            return example_for(schema[combinator][0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {
            name: example_for(sub)
            for name, sub in (schema.get("properties") or {}).items()
        }
    if kind == "array":
        return [
            example_for(schema.get("items", {}))
            for _ in range(schema.get("minItems", 0))
        ]
    return {
        "string": "",
        "integer": schema.get("minimum", 0),
        "number": schema.get("minimum", 0),
        "boolean": False,
    }.get(str(kind))


class OpenAIScript:
    """Queue of scripted replies and a log of received chat requests."""

    def __init__(self) -> None:
        """Start with no replies."""
        self.replies: list[Any] = []
        self.requests: list[dict[str, Any]] = []
        # Called with the request body when no reply is queued (a model with a policy).
        self.responder: Callable[[dict[str, Any]], Any] | None = None
        # False: answer response_format json_schema with 400, as some local servers do.
        self.json_schema_supported = True

    def script(self, replies: list[Any]) -> None:
        """Queue replies.

        A str (text), {"tool_calls": [{"name", "arguments" or "raw_arguments"}]},
        {"json": obj} or {"truncated": text} (cut off: finish_reason "length").
        """
        self.replies.extend(replies)

    def next_message(self, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """Return the next assistant message and finish reason."""
        if self.replies:
            reply = self.replies.pop(0)
        elif self.responder is not None:
            reply = self.responder(body)
        else:
            reply = self._default(body)
        if isinstance(reply, str):
            return {"role": "assistant", "content": reply, "refusal": None}, "stop"
        if "truncated" in reply:
            return {
                "role": "assistant",
                "content": reply["truncated"],
                "refusal": None,
            }, "length"
        if "tool_calls" in reply:
            calls = [
                {
                    "id": f"call_sim{index:04d}{len(self.requests):04d}",
                    "type": "function",
                    "function": {
                        "name": call["name"],
                        "arguments": call.get("raw_arguments")
                        or json.dumps(call.get("arguments", {})),
                    },
                }
                for index, call in enumerate(reply["tool_calls"])
            ]
            return {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "tool_calls": calls,
            }, "tool_calls"
        return {
            "role": "assistant",
            "content": json.dumps(reply["json"]),
            "refusal": None,
        }, "stop"

    @staticmethod
    def _default(body: dict[str, Any]) -> Any:
        """Return the unscripted reply: schema-valid JSON or an echo of the last user message."""
        response_format = body.get("response_format") or {}
        if response_format.get("type") == "json_schema":
            return {
                "json": example_for(
                    response_format.get("json_schema", {}).get("schema", {})
                )
            }
        if response_format.get("type") == "json_object":
            return {"json": {}}
        last: dict[str, Any] = next(
            (
                m
                for m in reversed(body.get("messages") or [])
                if m.get("role") == "user"
            ),
            {},
        )
        content = last.get("content")
        text = content if isinstance(content, str) else json.dumps(content)
        return f"Simulated reply to: {text[:200]}"


class OpenAIRoutes:
    """Handlers of the OpenAI-compatible API."""

    def __init__(self, script: OpenAIScript) -> None:
        """Bind handlers to the reply script."""
        self.script = script

    def routes(self) -> list[web.RouteDef]:
        """Return the route table."""
        return [
            web.get("/v1/models", self.models),
            web.post("/v1/chat/completions", self.chat),
        ]

    async def models(self, request: web.Request) -> web.Response:
        """List models."""
        return web.json_response(
            {
                "object": "list",
                "data": [
                    {
                        "id": m,
                        "object": "model",
                        "created": CREATED,
                        "owned_by": "smartplex-sim",
                    }
                    for m in MODELS
                ],
            }
        )

    async def chat(self, request: web.Request) -> web.StreamResponse:
        """Answer a chat completion (optionally streamed as server-sent events)."""
        try:
            body = await request.json()
        except ValueError:
            return web.json_response(
                {
                    "error": {
                        "message": "We could not parse the JSON body of your request.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                },
                status=400,
            )
        if (
            not isinstance(body, dict)
            or not body.get("messages")
            or body.get("model") not in MODELS
        ):
            return (
                error_response(404)
                if isinstance(body, dict) and body.get("messages")
                else web.json_response(
                    {
                        "error": {
                            "message": "'messages' is a required property",
                            "type": "invalid_request_error",
                            "param": "messages",
                            "code": None,
                        }
                    },
                    status=400,
                )
            )
        if (
            not self.script.json_schema_supported
            and (body.get("response_format") or {}).get("type") == "json_schema"
        ):
            return web.json_response(
                {
                    "error": {
                        "message": "response_format json_schema is not supported",
                        "type": "invalid_request_error",
                        "param": "response_format",
                        "code": None,
                    }
                },
                status=400,
            )
        self.script.requests.append(body)
        message, finish = self.script.next_message(body)
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[
            :24
        ]
        prompt_tokens = len(json.dumps(body["messages"])) // 4
        completion_tokens = len(json.dumps(message)) // 4
        base = {
            "id": f"chatcmpl-{digest}",
            "created": CREATED,
            "model": body["model"],
            "system_fingerprint": "fp_sim",
        }
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        if not body.get("stream"):
            return web.json_response(
                {
                    **base,
                    "object": "chat.completion",
                    "choices": [
                        {
                            "index": 0,
                            "message": message,
                            "logprobs": None,
                            "finish_reason": finish,
                        }
                    ],
                    "usage": usage,
                }
            )
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        delta: dict[str, Any] = {"role": "assistant", "content": message["content"]}
        if "tool_calls" in message:
            delta["tool_calls"] = [
                {"index": i, **call} for i, call in enumerate(message["tool_calls"])
            ]
        chunks = [
            {
                **base,
                "object": "chat.completion.chunk",
                "choices": [
                    {
                        "index": 0,
                        "delta": delta,
                        "logprobs": None,
                        "finish_reason": None,
                    }
                ],
            },
            {
                **base,
                "object": "chat.completion.chunk",
                "choices": [
                    {"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish}
                ],
                "usage": usage,
            },
        ]
        for chunk in chunks:
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response
