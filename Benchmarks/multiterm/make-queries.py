#!/usr/bin/env python3
"""Query sets for the multi-term benchmark (issue 13), from the benchmark corpus's web queries:
fuzzy-1.txt and fuzzy-2.txt (1,000 words, `w~1` and `w~2`), wildcard.txt (500 words with a `?` inside or a `*`
after three letters and before the last), leading.txt (500 `*suffix`), slop2.txt (1,000 two-word phrases `"a b"~2`).
Usage: make-queries.py QUERIES.txt OUT_DIR   (seeded: the same files every time)."""
import random
import re
import sys
from pathlib import Path

queries, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
rng = random.Random(20261205)
stop = set("a an and are as at be but by for if in into is it no not of on or such that the their then there these "
           "they this to was will with".split())
words, pairs = [], []
for line in queries.read_text().splitlines():
    text = line.split("\t", 1)[-1].lower()
    toks = [t for t in re.findall(r"[a-z]+", text)]
    for t in toks:
        if len(t) >= 4 and t not in stop:
            words.append(t)
    for a, b in zip(toks, toks[1:]):
        if a not in stop and b not in stop and len(a) > 2 and len(b) > 2:
            pairs.append((a, b))
distinct = sorted(set(words))
rng.shuffle(distinct)
fuzzy = distinct[:1000]
(out / "fuzzy-1.txt").write_text("".join(f"f1-{i}\t{w}~1\n" for i, w in enumerate(fuzzy)))
(out / "fuzzy-2.txt").write_text("".join(f"f2-{i}\t{w}~2\n" for i, w in enumerate(fuzzy)))
wild = []
for i, w in enumerate(distinct[1000:1500]):
    if i % 2 == 0:
        k = rng.randrange(1, len(w) - 1)
        wild.append(w[:k] + "?" + w[k + 1:])
    else:
        wild.append(w[:3] + "*" + w[-1])
(out / "wildcard.txt").write_text("".join(f"w-{i}\t{p}\n" for i, p in enumerate(wild)))
lead = ["*" + w[-rng.choice([5, 6]):] for w in distinct[1500:2000] if len(w) >= 7]
(out / "leading.txt").write_text("".join(f"l-{i}\t{p}\n" for i, p in enumerate(lead)))
rng.shuffle(pairs)
(out / "slop2.txt").write_text("".join(f's-{i}\t"{a} {b}"~2\n' for i, (a, b) in enumerate(pairs[:1000])))
print(f"{len(fuzzy)} fuzzy words, {len(wild)} wildcards, {len(lead)} leading, {min(1000, len(pairs))} phrases",
      file=sys.stderr)
