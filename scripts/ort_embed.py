#!/usr/bin/env python3
# requires: onnxruntime==1.32.0 numpy==2.4.6 tokenizers==0.23.3
"""Peer benchmark: sentence embeddings with onnxruntime (CPU).

    python3 ort_embed.py --model path/to/model.onnx --tokenizer path/to/tokenizer.json \
        --threads N --batch 32 --input texts.json --output out.json

texts.json is a JSON array of strings. Texts are tokenised with truncation at
256 tokens, sorted by token length, embedded in batches padded to the longest
text of the batch, mean-pooled over the attention mask and L2-normalised. If
the model already outputs a pooled sentence embedding ([batch, hidden]) that
is used as is (and L2-normalised).

out.json:
    embeddings         one vector per input text, in input order
    seconds            wall time of the embedding loop: tokenisation, sorting,
                       inference, pooling (not the model or tokenizer load,
                       not the warm-up run)
    per_second         texts / seconds
    single_per_second  the first 64 texts embedded one at a time (batch of 1),
                       measured separately, texts per second
"""

import argparse
import json
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

MAX_TOKENS = 256
SINGLE_COUNT = 64


class Embedder:
    def __init__(self, model_path, tokenizer_path, threads):
        self.tok = Tokenizer.from_file(tokenizer_path)
        # The shipped tokenizer.json pads/truncates at 128: pad per batch here.
        self.tok.no_padding()
        self.tok.enable_truncation(max_length=MAX_TOKENS)
        pad = self.tok.token_to_id("[PAD]")
        self.pad_id = 0 if pad is None else pad

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(
            model_path, sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.sess.get_inputs()}
        for required in ("input_ids", "attention_mask"):
            if required not in self.inputs:
                raise SystemExit(f"model has no input {required!r}: {sorted(self.inputs)}")
        self.output = self._pick_output()

    def _pick_output(self):
        outs = self.sess.get_outputs()
        by_name = {o.name: o for o in outs}
        # Prefer an already pooled sentence embedding, then token embeddings.
        for name in ("sentence_embedding", "sentence_embeddings", "embeddings"):
            if name in by_name and len(by_name[name].shape) == 2:
                return name
        for name in ("last_hidden_state", "token_embeddings"):
            if name in by_name:
                return name
        return outs[0].name

    def encode_ids(self, texts):
        return [e.ids for e in self.tok.encode_batch(texts, add_special_tokens=True)]

    def run_batch(self, id_lists):
        """Token id lists -> L2-normalised float32 embeddings [len, hidden]."""
        longest = max(len(ids) for ids in id_lists)
        n = len(id_lists)
        input_ids = np.full((n, longest), self.pad_id, dtype=np.int64)
        mask = np.zeros((n, longest), dtype=np.int64)
        for row, ids in enumerate(id_lists):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        out = self.sess.run([self.output], feed)[0]
        if out.ndim == 3:
            m = mask[:, :, None].astype(out.dtype)
            pooled = (out * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        elif out.ndim == 2:
            pooled = out
        else:
            raise SystemExit(f"unexpected output shape {out.shape} for {self.output!r}")
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)

    def embed(self, texts, batch):
        id_lists = self.encode_ids(texts)
        order = sorted(range(len(texts)), key=lambda i: len(id_lists[i]))
        result = [None] * len(texts)
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            vecs = self.run_batch([id_lists[i] for i in chunk])
            for i, vec in zip(chunk, vecs):
                result[i] = vec
        return result


def main():
    ap = argparse.ArgumentParser(description="onnxruntime sentence-embedding peer benchmark")
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    args = ap.parse_args()

    with open(args.input, encoding="utf-8") as f:
        texts = json.load(f)
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise SystemExit("--input must be a JSON array of strings")
    if not texts:
        raise SystemExit("--input is empty")
    if args.batch < 1 or args.threads < 1:
        raise SystemExit("--batch and --threads must be at least 1")

    emb = Embedder(args.model, args.tokenizer, args.threads)
    emb.embed(texts[: min(len(texts), args.batch)], args.batch)  # warm-up, not timed

    t0 = time.perf_counter()
    vectors = emb.embed(texts, args.batch)
    seconds = time.perf_counter() - t0

    single = texts[:SINGLE_COUNT]
    t0 = time.perf_counter()
    for text in single:
        emb.embed([text], 1)
    single_seconds = time.perf_counter() - t0

    doc = {
        "embeddings": [[float(x) for x in v] for v in vectors],
        "seconds": seconds,
        "per_second": len(texts) / seconds,
        "single_per_second": len(single) / single_seconds,
        "n": len(texts),
        "threads": args.threads,
        "batch": args.batch,
        "output": emb.output,
    }
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    print(
        f"{len(texts)} texts in {seconds:.3f}s = {doc['per_second']:.1f}/s "
        f"(batch {args.batch}, {args.threads} threads); "
        f"single {doc['single_per_second']:.1f}/s over {len(single)}"
    )


if __name__ == "__main__":
    main()
