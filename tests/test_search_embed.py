"""Embeddings: embed_store never embeds a text twice; the bundled model loads offline (slow tests)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from graph.store import Facts, Node
from search.embedder import Embedder, embed_store, load_embedder
from tests import search_fixtures
from tests.search_fixtures import FakeEmbedder, OrgBuilder, procurement_org
from whoknows.errors import ModelError

real_embedder = search_fixtures.real_embedder


def test_embed_store_embeds_each_text_once_and_in_length_order(tmp_path: Path):
    emb = FakeEmbedder()
    org = procurement_org()
    org.doc("dup.md", "Duplicate", ["How to make fresh pasta with eggs and flour."], authors=["bob"])  # same text
    store = org.build(tmp_path / "s.db")
    todo = list(store.texts_to_embed(emb.name))
    n = embed_store(store, emb, progress=False, batch_size=4)
    assert n == len(todo)
    distinct = len({t.text_hash for t in todo})
    assert sum(emb.calls) == distinct  # the duplicated text was embedded once
    assert embed_store(store, emb, progress=False) == 0  # nothing left: nothing re-embedded
    assert sum(emb.calls) == distinct
    # an unchanged text in a new node reuses the cached vector (the store re-attaches it)
    with store.transaction():
        store.write([Facts("extra", [Node("community:x", "Community", {"text": todo[0].text, "name": "x"})])])
    assert embed_store(store, emb, progress=False) == 0
    assert sum(emb.calls) == distinct
    text = "How to make fresh pasta with eggs and flour."
    hits = store.search_vector(emb.name, emb.embed_query(text), limit=2)
    assert len(hits) == 2 and all(h.score > 0.999 for h in hits)  # both nodes carrying the text have its vector
    store.close()


def test_embed_store_sorts_by_length(tmp_path: Path):
    class Recorder(FakeEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.batches: list[list[str]] = []

        def embed_documents(self, texts):
            self.batches.append(list(texts))
            return super().embed_documents(texts)

    org = OrgBuilder().person("a", "A")
    org.doc("x.md", "X", ["w " * n for n in (50, 3, 20, 7, 90, 1)], authors=["a"])
    store = org.build(tmp_path / "l.db")
    rec = Recorder()
    embed_store(store, rec, progress=False, batch_size=2)
    lengths = [len(t) for b in rec.batches for t in b]
    assert lengths == sorted(lengths)
    store.close()


def test_embed_store_rejects_wrong_shapes(tmp_path: Path):
    class Broken(FakeEmbedder):
        def embed_documents(self, texts):
            return np.zeros((len(texts), 3), dtype=np.float32)

    store = procurement_org().build(tmp_path / "b.db")
    with pytest.raises(ModelError, match="expected"):
        embed_store(store, Broken(), progress=False)
    store.close()


def test_unknown_backend_names_the_valid_ones():
    with pytest.raises(ModelError, match="onnx, torch"):
        load_embedder("tensorflow")


@pytest.mark.slow
def test_bundled_model_loads_offline_and_ranks_sensibly(real_embedder: Embedder):
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert real_embedder.name == "all-MiniLM-L6-v2/onnx-int8" and real_embedder.dim == 384
    docs = real_embedder.embed_documents(["Negotiating contracts with utility companies", "Baking sourdough bread"])
    assert docs.dtype == np.float32 and docs.shape == (2, 384)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    q = real_embedder.embed_query("utility contract negotiation")
    assert q @ docs[0] > q @ docs[1] + 0.2
    # the same text embeds the same whether alone or in a padded batch
    alone = real_embedder.embed_query("Baking sourdough bread")
    assert float(alone @ docs[1]) > 0.999


@pytest.mark.slow
def test_int8_export_is_verified_deterministic_and_close_to_torch(real_embedder: Embedder, tmp_path: Path):
    from search.embedder import PROBES, TorchEmbedder, bundled_model_path, export_int8

    folder = Path(real_embedder.folder)  # type: ignore[attr-defined]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["probe_cosine_min"] >= 0.98
    again = export_int8(bundled_model_path(), tmp_path / "again")
    assert again["sha256"] == manifest["sha256"]  # deterministic export
    torch_vecs = TorchEmbedder().embed_documents(list(PROBES))
    onnx_vecs = real_embedder.embed_documents(list(PROBES))
    assert float(np.min(np.sum(torch_vecs * onnx_vecs, axis=1))) >= 0.98
    # a tampered model file is refused
    from search.embedder import OnnxEmbedder

    (tmp_path / "again" / "model-int8.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="manifest digest"):
        OnnxEmbedder(tmp_path / "again")
