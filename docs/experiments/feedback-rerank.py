"""Pseudo-relevance feedback, measured offline: do the words of the engine's first few results,
added to the question, re-rank its best matches better? (docs/BENCHMARKS.md, "Pseudo-relevance
feedback, measured offline".) Not part of Fora.

    git apply docs/experiments/search-dump.diff
    mkdir -p /tmp/dump && FORA_DUMP_DIR=/tmp/dump cargo test --test integration -- search_quality
    git checkout tests/integration/search_quality.rs
    python3 -m pip install snowballstemmer==3.1.1
    python3 docs/experiments/feedback-rerank.py /tmp/dump

For each question: the `k` best results' words (Snowball-stemmed in their language, accents
folded, words in more than 30 % of the learnings left out) weighed by frequency in those
results times rarity in the library; the `m` best that the question lacks score the engine's
best `best` matches by BM25, fused with the engine's order by reciprocal rank (`weight` for
the feedback). Development sets only (judged and held-out); only means are printed.
"""
import json, math, re, sys, unicodedata
from collections import Counter
import snowballstemmer

SETS = sys.argv[2].split(",") if len(sys.argv) > 2 else ["judged-set", "held-out-set"]
K = 10
STEM = {l: snowballstemmer.stemmer(n) for l, n in [("en", "english"), ("fr", "french"), ("es", "spanish")]}

def fold(s):
    return "".join(c for c in unicodedata.normalize("NFKD", s.lower()) if not unicodedata.combining(c))

def toks(text, lang):
    st = STEM.get(lang, STEM["en"])
    return [st.stemWord(w) for w in re.findall(r"[a-z0-9]+", fold(text)) if len(w) > 2]

def score(ranked, relevant):
    top = list(dict.fromkeys(ranked))[:K]
    found = sum(1 for t in top if relevant.get(t, 0) > 0)
    dcg = sum((2 ** relevant.get(t, 0) - 1) / math.log2(i + 2) for i, t in enumerate(top))
    ideal = sorted(relevant.values(), reverse=True)[:K]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return found / min(len(relevant), K), (dcg / idcg if dcg > 0 else 0.0)

def prepare(data):
    corpus = data["corpus"]
    docs = {}
    df = Counter()
    for c in corpus:
        t = toks(f"{c['title']} {c['project']} {c['description']}", c["lang"])
        docs[c["id"]] = (Counter(t), len(t), c["lang"])
        df.update(set(t))
    n = len(corpus)
    avg = sum(v[1] for v in docs.values()) / max(n, 1)
    return docs, df, n, avg

def rerank(q, prep, k, m, weight, best, maxdf):
    docs, df, n, avg = prep
    ranked = q["ranked"]
    if not ranked:
        return ranked
    qterms = set(toks(q["text"], q["lang"]))
    fb = Counter()
    for r, d in enumerate(ranked[:k]):
        if d not in docs: continue
        tf, ln, _ = docs[d]
        for t, c in tf.items():
            if df[t] / n > maxdf: continue
            fb[t] += c / ln
    for t in list(fb):
        fb[t] *= math.log(n / df[t])
    terms = [(t, w) for t, w in fb.most_common() if t not in qterms][:m]
    if not terms: return ranked
    tot = sum(w for _, w in terms)
    cand = ranked[:best]
    def bm25(d):
        if d not in docs: return 0
        tf, ln, _ = docs[d]
        s = 0
        for t, w in terms:
            f = tf.get(t, 0)
            if f:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                s += (w / tot) * idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * ln / avg))
        return s
    fbs = {d: bm25(d) for d in cand}
    byfb = {d: r for r, d in enumerate(sorted(cand, key=lambda d: -fbs[d]))}
    fuse = lambda d: 1 / (60 + cand.index(d)) + weight / (60 + byfb[d])
    return sorted(cand, key=lambda d: -fuse(d)) + ranked[best:]

def measure(data, prep, **opt):
    sc = []
    for q in data["questions"]:
        r = rerank(q, prep, **opt) if opt else q["ranked"]
        sc.append(score(r, q["relevant"]) + (q["gap"],))
    rec = sum(s[0] for s in sc) / len(sc); nd = sum(s[1] for s in sc) / len(sc)
    g = [s[0] for s in sc if s[2]]
    return f"{rec:.3f}/{nd:.3f}({sum(g)/max(len(g),1):.2f})"

folder = sys.argv[1]
data = {s: json.load(open(f"{folder}/{s}.json")) for s in SETS}
preps = {s: prepare(data[s]) for s in SETS}
print("engine".ljust(40), "  ".join(measure(data[s], preps[s]) for s in SETS))
for k in (2, 3, 5, 10):
    for m in (10, 20, 40):
        for weight in (0.15, 0.3, 0.5, 1.0):
            for best in (20, 30, 100):
                opt = dict(k=k, m=m, weight=weight, best=best, maxdf=0.3)
                print(f"k{k} m{m} w{weight} best{best}".ljust(40), "  ".join(measure(data[s], preps[s], **opt) for s in SETS), flush=True)
