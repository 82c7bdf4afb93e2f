"""The chat model interface and its OpenAI-compatible adapter (OpenAI, vLLM, Ollama, llama.cpp)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, cast

import httpx
import openai
from openai.types.chat import ChatCompletionChunk

from assistant.errors import LLMUnavailableError
from assistant.prompts import ChatMessage


class ChatModel(Protocol):
    """Streams the text of one chat completion; raises ``LLMUnavailableError`` when it cannot."""

    def stream(self, messages: list[ChatMessage], max_tokens: int) -> Iterator[str]: ...


class OpenAICompatibleChatModel:
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str,
        timeout_s: float,
        first_token_timeout_s: float,
        temperature: float,
    ) -> None:
        # Retries are the pipeline's decision, not the client's: max_retries=0.
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key,
            max_retries=0,
            timeout=httpx.Timeout(timeout_s, connect=5.0, read=first_token_timeout_s),
        )
        self.model = model
        self.temperature = temperature

    def stream(self, messages: list[ChatMessage], max_tokens: int) -> Iterator[str]:
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=[m.model_dump() for m in messages],  # type: ignore[misc]
                max_tokens=max_tokens,
                temperature=self.temperature,
                stream=True,
            )
            for event in cast(Iterable[ChatCompletionChunk], response):
                if event.choices and event.choices[0].delta.content:
                    yield event.choices[0].delta.content
        except ValueError as exc:  # a stream that is not valid server-sent JSON
            raise LLMUnavailableError("language model sent a malformed stream", retry_helps=False) from exc
        except (openai.APIError, httpx.HTTPError) as exc:
            raise LLMUnavailableError(
                f"language model unavailable: {type(exc).__name__}", retry_helps=_retry_helps(exc)
            ) from exc


def _retry_helps(exc: Exception) -> bool:
    """Refused connections, 429 and 5xx may pass on another try; a timeout would only wait again."""
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return False
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return True
