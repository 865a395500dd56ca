#!/usr/bin/env python3
# requires: numpy==2.4.6 safetensors==0.8.0 tokenizers==0.23.3
"""Reference sentence embeddings for all-MiniLM-L6-v2, computed in float64.

Writes crates/desk-ai/tests/data/reference_embeddings.json: for each sentence
its text, its input_ids and its 384-dimensional embedding (rounded to 7
decimals). The Rust (candle) implementation is tested against this file.

The forward pass is written out here in numpy, independently of any deep
learning framework: BERT embeddings (word + position + token type, LayerNorm),
6 encoder layers (multi-head self-attention, exact erf GELU feed-forward,
post-LayerNorm residuals), mean pooling over the attention mask, then L2
normalisation -- the sentence-transformers pipeline of the model
(modules.json: Transformer, Pooling(mean), Normalize).

Tokenisation uses the model's tokenizer.json with truncation at 256 tokens
(sentence_bert_config.json max_seq_length) and no padding; the shipped
tokenizer.json pads and truncates at 128, which is overridden.

Usage:
    python3 scripts/reference_embeddings.py --model-dir path/to/all-MiniLM-L6-v2 \
        [--output crates/desk-ai/tests/data/reference_embeddings.json]

model-dir must hold model.safetensors, tokenizer.json and config.json.
"""

import argparse
import hashlib
import json
import math
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

MAX_TOKENS = 256

SENTENCES = [
    "I can't log in",
    "How to reset your password",
    "Refund for order ORD-48213?",
    "My invoice shows €1,299.00 but I was quoted $1,099 — please check.",
    "Meeting at the café Zürich tomorrow; naïve résumé attached.",
    "Hi",
    "The mobile app crashes every time I open the settings page on Android 14 (Pixel 8).",
    "Hello support team, I have been trying to update the billing address on our "
    "company account for the past three days, but every time I press the save "
    "button the page reloads and the old address comes back. We have 42 seats on "
    "the Business plan, invoice INV-2024-0917 is due on Friday, and our finance "
    "department needs the new address printed on it before they can approve the "
    "payment. Could you please change it for us, or tell me what I am doing "
    "wrong? Thanks a lot! P.S. While I'm writing: the export to CSV from the "
    "reports tab also times out after about 30 seconds when I select the whole "
    "of 2023, so if there is a limit on the date range it would help to say so.",
    # Longer than 256 tokens: input_ids are truncated to 256 ([CLS] ... [SEP]).
    " ".join(
        f"Step {n}: open ticket #{1000 + n}, check the customer's e-mail, "
        f"reply within {n % 5 + 1} hours and mark it solved."
        for n in range(1, 21)
    ),
]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "crates/desk-ai/tests/data/reference_embeddings.json"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_tokenizer(path):
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.enable_truncation(max_length=MAX_TOKENS)
    return tok


class Bert:
    def __init__(self, weights_path, config_path):
        cfg = json.loads(Path(config_path).read_text())
        assert cfg["hidden_act"] == "gelu", cfg["hidden_act"]
        assert cfg.get("position_embedding_type", "absolute") == "absolute"
        self.eps = float(cfg["layer_norm_eps"])
        self.layers = int(cfg["num_hidden_layers"])
        self.heads = int(cfg["num_attention_heads"])
        self.hidden = int(cfg["hidden_size"])
        raw = load_file(str(weights_path))
        # Tolerate checkpoints saved with a "bert." prefix.
        self.w = {
            (k[len("bert."):] if k.startswith("bert.") else k): v.astype(np.float64)
            for k, v in raw.items()
        }

    def p(self, name):
        return self.w[name]

    def layer_norm(self, x, prefix):
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.p(prefix + ".weight") + self.p(
            prefix + ".bias"
        )

    def linear(self, x, prefix):
        # PyTorch layout: weight is [out, in].
        return x @ self.p(prefix + ".weight").T + self.p(prefix + ".bias")

    @staticmethod
    def gelu(x):
        erf = np.frompyfunc(math.erf, 1, 1)
        return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)).astype(np.float64))

    def forward(self, input_ids, attention_mask, token_type_ids):
        """One sequence, no padding: input_ids [seq] -> hidden states [seq, hidden]."""
        seq = len(input_ids)
        ids = np.asarray(input_ids, dtype=np.int64)
        tt = np.asarray(token_type_ids, dtype=np.int64)
        mask = np.asarray(attention_mask, dtype=np.float64)
        x = (
            self.p("embeddings.word_embeddings.weight")[ids]
            + self.p("embeddings.position_embeddings.weight")[np.arange(seq)]
            + self.p("embeddings.token_type_embeddings.weight")[tt]
        )
        x = self.layer_norm(x, "embeddings.LayerNorm")
        hd = self.hidden // self.heads
        # Additive mask (all zeros here since there is no padding, kept for generality).
        bias = (1.0 - mask)[None, None, :] * -1e9
        for i in range(self.layers):
            pre = f"encoder.layer.{i}"
            q = self.linear(x, pre + ".attention.self.query")
            k = self.linear(x, pre + ".attention.self.key")
            v = self.linear(x, pre + ".attention.self.value")
            q = q.reshape(seq, self.heads, hd).transpose(1, 0, 2)
            k = k.reshape(seq, self.heads, hd).transpose(1, 0, 2)
            v = v.reshape(seq, self.heads, hd).transpose(1, 0, 2)
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(hd) + bias
            scores = scores - scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs = probs / probs.sum(axis=-1, keepdims=True)
            ctx = (probs @ v).transpose(1, 0, 2).reshape(seq, self.hidden)
            attn = self.linear(ctx, pre + ".attention.output.dense")
            x = self.layer_norm(attn + x, pre + ".attention.output.LayerNorm")
            inter = self.gelu(self.linear(x, pre + ".intermediate.dense"))
            out = self.linear(inter, pre + ".output.dense")
            x = self.layer_norm(out + x, pre + ".output.LayerNorm")
        return x


def embed(model, tok, text):
    enc = tok.encode(text)
    hidden = model.forward(enc.ids, enc.attention_mask, enc.type_ids)
    mask = np.asarray(enc.attention_mask, dtype=np.float64)[:, None]
    pooled = (hidden * mask).sum(axis=0) / max(mask.sum(), 1e-9)
    norm = np.linalg.norm(pooled)
    return enc.ids, pooled / max(norm, 1e-12)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model-dir", required=True, type=Path)
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = ap.parse_args()

    files = {
        name: args.model_dir / name
        for name in ("model.safetensors", "tokenizer.json", "config.json")
    }
    tok = load_tokenizer(files["tokenizer.json"])
    model = Bert(files["model.safetensors"], files["config.json"])

    items = []
    vecs = {}
    for text in SENTENCES:
        ids, vec = embed(model, tok, text)
        vecs[text] = vec
        items.append(
            {
                "text": text,
                "input_ids": [int(i) for i in ids],
                "embedding": [round(float(v), 7) for v in vec],
            }
        )
        print(f"{len(ids):4d} tokens  {text[:60]!r}")

    cos = float(vecs["I can't log in"] @ vecs["How to reset your password"])
    print(f"cosine('I can't log in', 'How to reset your password') = {cos:.6f}")
    if not 0.44 <= cos <= 0.54:
        raise SystemExit(f"sanity check failed: expected about 0.49, got {cos:.4f}")

    doc = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "method": "float64 numpy BERT forward pass, mean pooling over attention mask, L2 normalised",
        "max_tokens": MAX_TOKENS,
        "sha256": {name: sha256(path) for name, path in files.items()},
        "sentences": items,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
