"""In-process copy of conflation-eval's figures, on the full file and a seeded 50/50 split of its lines."""
import os, random, sys, importlib
from collections import Counter

def load(path):
    return [l.rstrip("\n").split("\t") for l in open(path, encoding="utf-8") if l.strip()]

def score(classes, fn):
    mains, rec = [], 0.0
    for c in classes:
        ts = [fn(w) for w in c]
        m, n = Counter(ts).most_common(1)[0]
        rec += n / len(c); mains.append(m)
    cnt = Counter(mains)
    merged = sum(1 for m in mains if cnt[m] > 1) / len(classes)
    return round(rec / len(classes), 4), round(merged, 4)

def split(classes, seed=7):
    idx = list(range(len(classes)))
    random.Random(seed).shuffle(idx)
    h = len(idx) // 2
    return [classes[i] for i in sorted(idx[:h])], [classes[i] for i in sorted(idx[h:])]

def report(fn, path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "SaigaTests", "Resources", "paradigms", "kk.tsv")):
    cl = load(path)
    a, b = split(cl)
    return {"full": score(cl, fn), "tune": score(a, fn), "held": score(b, fn)}

if __name__ == "__main__":
    mod = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "kkstem")
    print(report(mod.stem))
