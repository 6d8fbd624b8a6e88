"""Matching by meaning, measured offline: does a small static embedding model, re-ranking the
engine's best matches, help the judged sets? (docs/BENCHMARKS.md, "Matching by meaning,
measured offline".) Not part of Fora.

    git apply docs/experiments/search-dump.diff
    mkdir -p /tmp/dump && FORA_DUMP_DIR=/tmp/dump cargo test --test integration -- search_quality
    git checkout tests/integration/search_quality.rs
    python3 -m pip install wordllama==0.4.0.post1
    python3 docs/experiments/embedding-rerank.py /tmp/dump

wordllama 0.4.0.post1's wheel holds its weights (16 MB, 256 dimensions) but looks for its
tokenizer in `wordllama/tokenizer/` while the wheel puts it in `wordllama/tokenizers/`: copy it
there, or it tries to download it. Only the means are printed: the blind sets stay blind.
"""

import json
import math
import sys

import numpy as np
from wordllama import WordLlama

SETS = ["judged-set", "held-out-set", "blind-set", "second-blind-set"]
K = 10


def gain(grade):
    return 2**grade - 1


def discount(position):
    return math.log2(position + 1)


def score(ranked, relevant):
    """recall@K and nDCG@K, as `fora::learnings::quality::score` computes them."""
    top = list(dict.fromkeys(ranked))[:K]
    found = sum(1 for t in top if relevant.get(t, 0) > 0)
    dcg = sum(gain(relevant.get(t, 0)) / discount(i + 1) for i, t in enumerate(top))
    ideal = sorted(relevant.values(), reverse=True)[:K]
    idcg = sum(gain(g) / discount(i + 1) for i, g in enumerate(ideal))
    return found / min(len(relevant), K), (dcg / idcg if dcg > 0 else 0.0)


def fused(ranked, similarity, best, weight, k=60):
    """The engine's first `best` re-ranked by reciprocal rank fusion with the model's order."""
    candidates = list(dict.fromkeys(ranked[:best]))
    by_model = {c: r for r, c in enumerate(sorted(candidates, key=lambda c: -similarity[c]))}
    by_engine = {c: r for r, c in enumerate(ranked)}
    fuse = lambda c: 1 / (k + by_engine[c]) + weight / (k + by_model[c])
    return sorted(candidates, key=lambda c: -fuse(c)) + ranked[best:]


def measure(model, data, best=None, weight=0.0, model_only=False, own_language=0.2):
    corpus = data["corpus"]
    texts = [f"{c['title']}. {c['project']}. {c['description']}" for c in corpus]
    documents = model.embed(texts, norm=True)
    questions = model.embed([q["text"] for q in data["questions"]], norm=True)
    scores, gaps = [], []
    for at, q in enumerate(data["questions"]):
        bonus = np.array([own_language if c["lang"] == q["lang"] else 0 for c in corpus])
        similarities = documents @ questions[at] + bonus
        similarity = {c["id"]: s for c, s in zip(corpus, similarities)}
        if model_only:
            ranked = [corpus[i]["id"] for i in np.argsort(-similarities)]
        elif best:
            ranked = fused(q["ranked"], similarity, best, weight)
        else:
            ranked = q["ranked"]
        scores.append(score(ranked, q["relevant"]))
        gaps.append(q["gap"])
    recall = np.mean([s[0] for s in scores])
    ndcg = np.mean([s[1] for s in scores])
    gap_recall = np.mean([s[0] for s, g in zip(scores, gaps) if g])
    return f"{recall:.3f} / {ndcg:.3f} ({gap_recall:.2f})"


def main(folder):
    model = WordLlama.load()
    data = {s: json.load(open(f"{folder}/{s}.json")) for s in SETS}
    print("recall@10 / nDCG@10 (recall@10 of the questions whose words are not in their answers)")
    print("sets:", ", ".join(SETS))
    runs = [("engine", {}), ("model alone", {"model_only": True})]
    runs += [
        (f"engine's best {best}, model weight {weight}", {"best": best, "weight": weight})
        for best in (20, 30, 50)
        for weight in (0.5, 1.0)
    ]
    for label, options in runs:
        row = "  ".join(measure(model, data[s], **options) for s in SETS)
        print(f"{label:34s} {row}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/dump")
