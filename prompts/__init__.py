"""Every prompt is a versioned file here; code never holds prompt text.

A prompt file is Markdown with a front-matter block (name, version, purpose) and sections
``## system``, ``## example_user``/``## example_assistant`` (few-shot pairs, any number) and
``## user`` (a template with ``{placeholders}``). Rendering is one pass over the template:
each placeholder is replaced by its value and values are never scanned again, so a document
that happens to contain ``{question}`` reaches the model verbatim. The rendered
:class:`~budgetlens.llm.base.Request` carries the prompt's name and version, which the
response cache keys on: editing a prompt file means bumping its version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from budgetlens.llm.base import Message, Request

PROMPT_DIR = Path(__file__).resolve().parent
_SECTION_RE = re.compile(r"^## (system|example_user|example_assistant|user)\s*$", re.M)
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


class PromptError(ValueError):
    """A prompt file or a render call that does not fit its template."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user_template: str
    examples: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(_PLACEHOLDER_RE.findall(self.user_template))

    def render(self, **values: object) -> Request:
        """The messages for ``values``; every placeholder must be given, and only those."""
        given, wanted = set(values), self.placeholders
        if given != wanted:
            raise PromptError(f"prompt {self.id} takes {sorted(wanted)}, got {sorted(given)}")
        user = _PLACEHOLDER_RE.sub(lambda m: str(values[m.group(1)]), self.user_template)
        messages: list[Message] = [{"role": "system", "content": self.system}]
        for example_user, example_assistant in self.examples:
            messages.append({"role": "user", "content": example_user})
            messages.append({"role": "assistant", "content": example_assistant})
        messages.append({"role": "user", "content": user})
        return Request(self.name, self.version, tuple(messages))


@cache
def load_prompt(name: str) -> Prompt:
    """The highest version of ``prompts/<name>.v<N>.md``."""
    candidates = sorted(
        PROMPT_DIR.glob(f"{name}.v*.md"), key=lambda p: int(p.stem.rsplit(".v", 1)[1])
    )
    if not candidates:
        raise PromptError(f"no prompt file prompts/{name}.v*.md")
    path = candidates[-1]
    raw = path.read_text(encoding="utf-8")
    front, body = raw.split("\n---\n", 1) if raw.startswith("---") else ("", raw)
    meta = dict(line.split(":", 1) for line in front.strip("-\n").splitlines() if ":" in line)
    version = meta.get("version", "").strip()
    if version != path.stem.rsplit(".v", 1)[1]:
        raise PromptError(f"{path.name}: front matter says version {version!r}")
    parts = _SECTION_RE.split(body)
    sections = list(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))
    kinds = [kind for kind, _ in sections]
    if kinds.count("system") != 1 or kinds.count("user") != 1:
        raise PromptError(f"{path.name}: needs exactly one ## system and one ## user section")
    system = next(text for kind, text in sections if kind == "system")
    user = next(text for kind, text in sections if kind == "user")
    users = [text for kind, text in sections if kind == "example_user"]
    assistants = [text for kind, text in sections if kind == "example_assistant"]
    return Prompt(
        name=meta.get("name", name).strip(),
        version=version,
        system=system,
        user_template=user,
        examples=tuple(zip(users, assistants, strict=True)),
    )
