#!/usr/bin/env python3
"""The `auto` language rule, per word (docs/ANALYSIS.md, "Kazakh"). Saiga's own rule is `KazakhStemmer.endsLikeKazakh`.:
  Latin letters            -> English (Porter2)
  Cyrillic with a Kazakh-only letter (ә ғ қ ң ө ұ ү һ і) -> Kazakh stemmer
  other Cyrillic ending in an unambiguously Kazakh ending (KK_ENDINGS) -> Kazakh stemmer
  other Cyrillic           -> Russian Snowball
Needs PyStemmer (pip install PyStemmer) for Snowball Russian and English."""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import Stemmer  # PyStemmer
import kkstem

RU = Stemmer.Stemmer("russian")
EN = Stemmer.Stemmer("english")
KK_LETTERS = set("әғқңөұүһі")

# Kazakh endings written only with letters shared with Russian, that no Russian word form ends in:
# plural + case/possessive chains (never the bare plural: доллар, удар, гитар, дилер, мастер end so),
# the long instrumental -менен/-бенен/-пенен, 1pl -мыз, privative/2pl -сыз, 1sg -мын, present -йды.
KK_ENDINGS = (
    "ларда", "лардан", "ларды", "лармен", "ларменен", "ларым", "ларымыз",
    "дарда", "дардан", "дарды", "дармен", "дарменен", "дарым", "дарымыз",
    "тарда", "тардан", "тарды", "тармен", "тарменен", "тарым", "тарымыз",
    "лерде", "лерден", "лерге", "лермен", "лерменен",
    "дерде", "дерден", "дерге", "дермен", "дерменен",
    "терде", "терден", "терге", "термен", "терменен",
    "менен", "бенен", "пенен",
    "мыз", "сыз", "сыздар", "мын", "йды", "ыны", "ымен", "ыда", "ыдан", "ылар", "ыларда",
)
# "endings" (Saiga's rule); "russian": plain Snowball for Cyrillic without Kazakh letters; "russian-then-kazakh": the
# rule issue 14 proposed, Snowball first and the Kazakh stemmer wherever the Russian stem still ends in a Kazakh suffix.
MODE = os.environ.get("AUTO_MODE", "endings")
KAZAKH_SUFFIXES = sorted({s for slot in kkstem.SLOTS for s, _ in slot if len(s) >= 2}, key=len, reverse=True)


def is_kazakh(word):
    if set(word) & KK_LETTERS:
        return True
    return MODE == "endings" and word.endswith(KK_ENDINGS)


def stem(word):
    if any("a" <= ch <= "z" for ch in word):
        return EN.stemWord(word)
    if is_kazakh(word):
        return kkstem.stem(word)
    russian = RU.stemWord(word)
    if MODE == "russian-then-kazakh" and russian.endswith(tuple(KAZAKH_SUFFIXES)):
        return kkstem.stem(word)
    return russian


def main():
    words = " ".join(sys.argv[1:]).split("\n") if len(sys.argv) > 1 else sys.stdin.read().split("\n")
    out = [stem(w.strip().lower()) for w in words if w.strip()]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
