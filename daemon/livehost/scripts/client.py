"""A small client for an OpenAI-compatible /v1/chat/completions endpoint (standard library).

Every way the endpoint can fail (nothing listening, no answer in time, an HTTP error,
an answer that is not the JSON the protocol promises) becomes one ScriptDraftError that
names the endpoint, so `livehost script draft` can say what went wrong in one line.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

MAX_ANSWER_BYTES = 4_000_000


class ScriptDraftError(Exception):
    """Drafting failed; the message names the endpoint and what went wrong."""


@dataclass(frozen=True)
class Answer:
    content: str
    model: str | None  # as the server names it
    prompt_tokens: int
    completion_tokens: int
    seconds: float  # wall time of the request


class ChatClient:
    def __init__(
        self, endpoint: str, model: str = "local", timeout: float = 120, seed: int | None = None
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.seed = seed  # a fixed sampling seed makes drafts repeatable (tests, comparisons)
        self.structured = True  # ask for a JSON schema until the server says it cannot

    @property
    def url(self) -> str:
        if self.endpoint.endswith("/chat/completions"):
            return self.endpoint
        return self.endpoint + "/chat/completions"

    def chat(
        self,
        messages: list[dict[str, str]],
        max_tokens: int,
        schema: dict[str, Any] | None = None,
        temperature: float = 0.8,
    ) -> Answer:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": False,
        }
        if self.seed is not None:
            body["seed"] = self.seed
        if schema is not None and self.structured:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "script_lines", "schema": schema},
            }
        try:
            return self._post(body)
        except _Refused:
            # an older server without structured output: ask again in plain words
            self.structured = False
            body.pop("response_format", None)
            try:
                return self._post(body)
            except _Refused as exc:
                raise self._error(str(exc)) from None

    def _error(self, what: str) -> ScriptDraftError:
        return ScriptDraftError(f"{self.endpoint}: {what}")

    def _post(self, body: dict[str, Any]) -> Answer:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:
            detail = _snippet(exc.read(400))
            what = f"HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")
            if exc.code in (400, 422) and "response_format" in body:
                raise _Refused(what) from None
            raise self._error(what) from None
        except urllib.error.URLError as exc:
            raise self._error(_reason(exc.reason, self.timeout)) from None
        except TimeoutError:
            raise self._error(f"no answer within {self.timeout:g} s") from None
        except (http.client.HTTPException, ConnectionError) as exc:
            raise self._error(
                f"the server broke off the answer ({exc.__class__.__name__})"
            ) from None
        seconds = time.monotonic() - started
        if len(raw) > MAX_ANSWER_BYTES:
            raise self._error("the answer is far too long")
        return self._answer(raw, seconds)

    def _answer(self, raw: bytes, seconds: float) -> Answer:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise self._error(
                f"the answer is not JSON (it starts with {_snippet(raw, 60)!r})"
            ) from None
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise self._error(
                "the answer is JSON but has no choices[0].message.content; "
                "is this an OpenAI-compatible /v1 endpoint?"
            ) from None
        if not isinstance(content, str):
            raise self._error("the answer's message content is not text")
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        model = data.get("model") if isinstance(data.get("model"), str) else None
        return Answer(
            content,
            model,
            _count(usage.get("prompt_tokens")),
            _count(usage.get("completion_tokens")),
            seconds,
        )


class _Refused(Exception):
    """The server rejected the request as malformed (probably the response_format)."""


def _reason(reason: object, timeout: float) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return "the host name is not known"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason)


def _snippet(raw: bytes, limit: int = 200) -> str:
    text = raw.decode("utf-8", "replace").strip().replace("\n", " ")
    return text[:limit] + ("..." if len(text) > limit else "")


def _count(value: object) -> int:
    return value if isinstance(value, int) and value >= 0 else 0
