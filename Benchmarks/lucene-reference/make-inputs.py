#!/usr/bin/env python3
"""Writes the corpus and queries of the Lucene scoring fixture (Tests/SaigaTests/Resources/lucene-docs.tsv and
lucene-queries.txt), seeded, so that `run` regenerates the same fixture. Words from a small vocabulary with a
skewed distribution, so that phrases, repeats and sloppy matches occur often."""
import random
import sys
from pathlib import Path

root = Path(__file__).resolve().parents[2]
res = root / "Tests" / "SaigaTests" / "Resources"
rng = random.Random(20261205)
vocab = ["steppe", "saiga", "horse", "river", "eagle", "yurt", "wind", "salt", "lake", "road", "tea", "song"]


def word():
    return vocab[min(int(len(vocab) * rng.random() ** 2.5), len(vocab) - 1)]


docs = []
for i in range(400):
    words = []
    for _ in range(rng.randint(1, 60 if i % 5 else 200)):
        words.append(word())
        if rng.random() < 0.1:
            words.append(words[-1])
    docs.append(f"d{i}\t{' '.join(words)}")
(res / "lucene-docs.tsv").write_text("\n".join(docs) + "\n")

queries = []
for _ in range(40):  # sloppy phrases of two and three words, repeats included
    n = rng.choice([2, 2, 3])
    ws = [word() for _ in range(n)]
    queries.append(f'"{" ".join(ws)}"~{rng.randint(1, 6)}')
for _ in range(10):
    w = word()
    queries.append(f'"{w} {word()} {w}"~{rng.randint(1, 5)}')
    queries.append(f'"{w} {w}"~{rng.randint(1, 4)}')
for _ in range(30):  # boosts on words, phrases and groups, nested
    a, b, c = word(), word(), word()
    queries.append(rng.choice([
        f"{a}^2 {b}",
        f"{a}^0.5 {b}^3.7 {c}",
        f'"{a} {b}"^3 {c}',
        f"({a} {b})^0.5 {c}",
        f"(({a}^2 {b})^3 {c})^1.5",
        f'"{a} {b}"~2^2.5 {c}^0.25',
        f"+{a}^4 {b} -{c}",
        f'"{a} {b}"^0 {c}',
    ]))
def typo(w):
    c = list(w)
    i = rng.randrange(len(c))
    k = rng.randrange(4)
    if k == 0:
        c[i] = rng.choice("aeiouxyz")
    elif k == 1:
        del c[i]
    elif k == 2 and i + 1 < len(c):
        c[i], c[i + 1] = c[i + 1], c[i]
    else:
        c.insert(i, rng.choice("aeiou"))
    return "".join(c)


for _ in range(30):  # fuzzy words: Lucene's blended top-terms scoring
    w = rng.choice(vocab + ["ea", "te", "salts", "lakes"])
    queries.append(rng.choice([f"{typo(w)}~1", f"{typo(typo(w))}~2", f"{typo(w)}~", f"{w}~1 {typo(word())}~2^3",
                               f"({typo(w)}~1 {word()})^2"]))
(res / "lucene-queries.txt").write_text("\n".join(queries) + "\n")
print(f"{len(docs)} documents, {len(queries)} queries", file=sys.stderr)
