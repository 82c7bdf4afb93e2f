"""Prompt files: YAML in prompts/, each declaring its inputs, rendered with strict Jinja templates."""

from __future__ import annotations

from pathlib import Path

import jinja2
import yaml
from pydantic import BaseModel

from assistant.errors import TerminalError

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


class ChatMessage(BaseModel):
    role: str
    content: str


class PromptExample(BaseModel):
    """A worked example shown to the model as an earlier user/assistant exchange."""

    user: str
    assistant: str


class PromptTemplate(BaseModel):
    name: str
    version: int
    inputs: dict[str, str]
    system: str
    examples: list[PromptExample] = []
    output_schema: dict[str, str] = {}
    user: str

    @classmethod
    def load(cls, prompts_dir: Path, name: str) -> PromptTemplate:
        path = prompts_dir / f"{name}.yaml"
        try:
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise TerminalError(f"cannot load prompt {path}: {exc}") from exc

    def render(self, **values: str) -> list[ChatMessage]:
        """Render with exactly the declared inputs: a missing or unexpected input is a bug."""
        if set(values) != set(self.inputs):
            raise TerminalError(f"prompt {self.name} takes {sorted(self.inputs)}, got {sorted(values)}")
        messages = [
            ChatMessage(role="system", content=_ENV.from_string(self.system).render(**values).strip())
        ]
        for example in self.examples:
            messages.append(ChatMessage(role="user", content=example.user.strip()))
            messages.append(ChatMessage(role="assistant", content=example.assistant.strip()))
        messages.append(
            ChatMessage(role="user", content=_ENV.from_string(self.user).render(**values).strip())
        )
        return messages


class Replies(BaseModel):
    """Fixed, reviewed replies (prompts/replies.yaml), one per name and language."""

    name: str
    version: int
    replies: dict[str, dict[str, str]]

    @classmethod
    def load(cls, prompts_dir: Path, name: str = "replies") -> Replies:
        path = prompts_dir / f"{name}.yaml"
        try:
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise TerminalError(f"cannot load replies {path}: {exc}") from exc

    def text(self, key: str, lang: str, **values: object) -> str:
        try:
            template = self.replies[key][lang]
        except KeyError as exc:
            raise TerminalError(f"no reply {key!r} in {lang!r}") from exc
        return _ENV.from_string(template).render(**values).strip()
