"""Every prompt is a versioned file here; code never holds prompt text.

A prompt file is Markdown with a front-matter block (name, version, purpose) and sections
``## system``, ``## example_user``/``## example_assistant`` (few-shot pairs, any number) and
``## user`` (a template with ``{placeholders}``). The version is part of the response-cache
key, so editing a prompt means bumping its version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

PROMPT_DIR = Path(__file__).resolve().parent
_SECTION_RE = re.compile(r"^## (system|example_user|example_assistant|user)\s*$", re.M)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user_template: str
    examples: list[tuple[str, str]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    def messages(self, **values: Any) -> list[dict[str, str]]:
        messages = [{"role": "system", "content": self.system}]
        for user, assistant in self.examples:
            messages.append({"role": "user", "content": user})
            messages.append({"role": "assistant", "content": assistant})
        user = self.user_template
        for key, value in values.items():
            user = user.replace("{" + key + "}", str(value))
        messages.append({"role": "user", "content": user})
        return messages


@cache
def load_prompt(name: str) -> Prompt:
    """The highest version of ``prompts/<name>.v<N>.md``."""
    candidates = sorted(
        PROMPT_DIR.glob(f"{name}.v*.md"), key=lambda p: int(p.stem.rsplit(".v", 1)[1])
    )
    if not candidates:
        raise FileNotFoundError(f"no prompt file prompts/{name}.v*.md")
    raw = candidates[-1].read_text(encoding="utf-8")
    front, body = raw.split("\n---\n", 1) if raw.startswith("---") else ("", raw)
    meta = dict(line.split(":", 1) for line in front.strip("-\n").splitlines() if ":" in line)
    parts = _SECTION_RE.split(body)
    sections = list(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))
    system = next(text for kind, text in sections if kind == "system")
    user = next(text for kind, text in sections if kind == "user")
    users = [text for kind, text in sections if kind == "example_user"]
    assistants = [text for kind, text in sections if kind == "example_assistant"]
    return Prompt(
        name=meta.get("name", name).strip(),
        version=meta.get("version", "1").strip(),
        system=system,
        user_template=user,
        examples=list(zip(users, assistants, strict=True)),
    )
