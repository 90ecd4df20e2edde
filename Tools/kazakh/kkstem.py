#!/usr/bin/env python3
"""The prototype of Saiga's Kazakh stemmer (Sources/Saiga/Analysis/KazakhStemmer.swift), on which its rules were
measured and chosen (docs/ANALYSIS.md, "Kazakh"). The Swift stemmer gives the same stem for every form of
../shared/testdata/paradigms/kk.tsv; Tests/SaigaTests/Resources/kazakh-stems holds 10,000 of them with this
prototype's stems. OPT holds the final configuration; the other values are the variants that were measured.

  python3 Tools/kazakh/kkstem.py "$(printf 'word\nword')"      # one stem per line
  python3 Tools/kazakh/evalkk.py                              # recall/merged on kk.tsv and two halves
"""
import sys

VOWELS = set("аәеёиоөуұүыіэюя")
BACK = set("аоұы")
FRONT = set("әеөүі")
VOICELESS = set("кқпстфхцчшщ")

# options (the figures in RULES.md were measured by flipping these)
OPT = {
    "minlen": 3,          # letters the stem keeps at least
    "needvowel": True,    # the stem keeps at least one vowel
    "harmony": False,     # suffix vowel must agree with the stem's last vowel
    "allomorph": True,   # л/д/т and н/д/т alternants must match the stem's last sound
    "mode": "pass",    # "pass": one pass over the slots; "fixpoint": repeat passes; "restart": back to slot 1 after each strip
    "shortposs": False,    # within possessives prefer -м/-ң/-ңыз/-мыз over -ым/-ың/-ыңыз/-ымыз (then -ы/-і goes next round)
    "dropfinal": True,    # finally drop a stem-final -ы/-і after a consonant (3rd-person possessive or stem vowel)
    "participles": False, # strip -ған/-ген/-қан/-кен (participle); measured: merged up, off
    "plural2": True,      # the plural slot may strip twice (Hunspell's doubled plurals)
    "predskipcase": True, # after a person ending only the locative is tried in the case slot (үйдемін)
    "dat_a": False,       # dative -а/-е after 1sg/2sg possessive (балама)
    "acc_n": False,       # accusative -н after 3rd-person possessive (үйін)
    "yfirst": True,      # prefer -йық/-йын/-ймын.. (vowel stem) over -айық/-айын/-амын.. (consonant stem)
    "deriv": False,       # strip common derivational suffixes
    "stan": True,         # -тан/-тен after с is the toponym suffix -стан (Қазақстан, Өзбекстан), not the ablative
}


def fr(s):
    """Front-vowel twin of a back suffix."""
    return s.translate(str.maketrans("аыұоғқ", "еіүөгк"))


def both(*xs):
    out = []
    for x in xs:
        out.append(x)
        f = fr(x)
        if f != x:
            out.append(f)
    return out


# condition codes on what precedes the suffix:
#   V vowel, C consonant, I ы/і (3rd-person possessive), P vowel + м/ң (1sg/2sg possessive after a vowel stem),
#   Y ы/і/у/ю? not used, '' anything
def S(cond, *xs):
    return [(x, cond) for x in both(*xs)]


# 1. predicate person endings and finite verb endings (tense + person)
SLOT_PRED = (
    S("", "мын", "бын", "пын", "сың", "сыз", "мыз", "быз", "пыз", "сыңдар", "сыздар")
    # present-future: -а/-е/-й + person
    + S("C", "амын", "асың", "асыз", "амыз", "ады", "асыңдар", "асыздар")
    + S("V", "ймын", "йсың", "йсыз", "ймыз", "йды", "йсыңдар", "йсыздар")
    # past: -ды/-ты + person
    + S("", "дым", "тым", "дың", "тың", "дық", "тық", "дыңыз", "тыңыз", "дыңдар", "тыңдар", "дыңыздар", "тыңыздар",
        "ды", "ты")
    # optative / imperative
    + S("C", "айын", "айық", "ыңыз", "ыңдар", "ыңыздар")
    + S("V", "йын", "йық", "ңыз", "ңдар", "ңыздар")
    + S("", "сын")
)
# 2. case (and -дағы, -нікі which follow case position)
SLOT_CASE = (
    S("", "ның", "дың", "тың")
    + S("", "ға", "қа")
    + S("I", "на") + S("P", "а")
    + S("", "ны", "ды", "ты") + S("I", "н")
    + S("", "да", "та") + S("I", "нда")
    + S("", "дан", "тан") + S("", "нан") + S("I", "ндан")
    + [(x, "") for x in ("мен", "менен", "бен", "бенен", "пен", "пенен")]
    + S("", "дағы", "тағы") + S("I", "ндағы")
    + [(x, "") for x in ("нікі", "дікі", "тікі")]
)
# 3. possessive
SLOT_POSS = (
    S("V", "м", "ң", "ңыз", "мыз", "сы")
    + S("C", "ым", "ың", "ыңыз", "ымыз", "ы")
)
# 4. plural
LOC = set(both("да", "та"))
SLOT_PLUR = S("", "лар", "дар", "тар")
# 5. non-finite verb forms: verbal noun, converb
SLOT_NONFIN = S("", "у") + [("ю", "")] + S("C", "ып")  # bare -п after a vowel dropped: кітап, көп
SLOT_PART = S("", "ған", "қан")
SLOT_DERIV = S("", "шы", "лық", "дық", "тық", "сыз", "лы", "ды", "ты")


def build():
    slots = [SLOT_PRED, SLOT_CASE, SLOT_POSS, SLOT_PLUR, SLOT_NONFIN]
    if OPT["participles"]:
        slots.append(SLOT_PART)
    if OPT["deriv"]:
        slots.append(SLOT_DERIV)
    # longest suffix first within a slot
    drop = set()
    if not OPT["dat_a"]:
        drop |= {("а", "P"), ("е", "P")}
    if not OPT["acc_n"]:
        drop |= {("н", "I")}
    out = []
    for s in slots:
        s = [e for e in set(s) if e not in drop]
        if OPT["yfirst"]:
            # a suffix starting with й sorts as if it were one letter longer than the а/е one it competes with
            s = sorted(s, key=lambda e: -(len(e[0]) + (1.5 if e[0][0] == "й" else 0)))
        else:
            s = sorted(s, key=lambda e: -len(e[0]))
        if OPT["shortposs"] and s is not None and any(x == "ымыз" for x, _ in s):
            s = sorted(set(s), key=lambda e: -len(e[0].lstrip("ыі")))
        out.append(s)
    return out


SLOTS = build()


def last_vowel(s):
    for ch in reversed(s):
        if ch in VOWELS:
            return ch
    return None


def ok_stem(stem):
    if len(stem) < OPT["minlen"]:
        return False
    if OPT["needvowel"] and not any(ch in VOWELS for ch in stem):
        return False
    return True


def cond_ok(stem, suf, cond):
    c = stem[-1]
    if OPT["stan"] and suf in ("тан", "тен") and c == "с":
        return False
    if cond == "V" and c not in VOWELS:
        return False
    if cond == "C" and c in VOWELS:
        return False
    if cond == "I" and c not in "ыі":
        return False
    if cond == "P" and not (c in "мң" and len(stem) > 1 and stem[-2] in VOWELS):
        return False
    if OPT["harmony"]:
        sv = last_vowel(suf)
        lv = last_vowel(stem)
        if sv in BACK and lv in FRONT or sv in FRONT and lv in BACK:
            if suf not in ("мен", "менен", "бен", "бенен", "пен", "пенен"):
                return False
    if OPT["allomorph"] and cond == "":
        h = suf[0]
        if h in "тқкп" and c not in VOICELESS and c not in "бвгд":
            return False              # voiceless-initial alternant only after a voiceless consonant
        if h in "дғгб" and c in VOICELESS:
            return False              # voiced alternant never after a voiceless consonant
        if h == "л" and c not in VOWELS and c not in "руйю":
            return False              # -лар/-лер after vowels and р, й, у
        if suf in NVOWEL and c not in VOWELS and c not in "мнң":
            return False              # -ның/-ны/-нан after vowels (and м, н, ң)
        if suf in DCONS and c in VOWELS:
            return False              # -дың/-ды/-дар only after consonants
    return True


NVOWEL = set(both("ның", "ны", "нан"))
DCONS = set(both("дар"))


def strip_once(w, used=None):
    skip_case = False
    for i, slot in enumerate(SLOTS):
        if used is not None and i in used:
            continue
        if i == 1 and skip_case:
            slot = [e for e in slot if e[0] in LOC]
        reps = 2 if (i == 3 and OPT["plural2"]) else 1
        for _ in range(reps):
            hit = False
            for suf, cond in slot:
                if w.endswith(suf) and len(w) > len(suf):
                    stem = w[: -len(suf)]
                    if ok_stem(stem) and cond_ok(stem, suf, cond):
                        w = stem
                        hit = True
                        if i == 0 and OPT["predskipcase"]:
                            skip_case = True
                        if OPT["mode"] == "restart":
                            return w
                        if OPT["mode"] == "once":
                            used.add(i)
                            return w
                        break
            if not hit:
                break
    return w


ALT = {"г": "к", "ғ": "қ", "б": "п"}


def stem(word):
    w = word
    used = set() if OPT["mode"] == "once" else None
    while True:
        n = strip_once(w, used)
        if n == w or OPT["mode"] == "pass":
            w = n
            break
        w = n
    if OPT["dropfinal"] and len(w) > 2 and w[-1] in "ыі" and w[-2] not in VOWELS and ok_stem(w[:-1]):
        w = w[:-1]
    if w and w[-1] in ALT and len(w) > 1:
        w = w[:-1] + ALT[w[-1]]
    return w


def main():
    words = " ".join(sys.argv[1:]).split("\n") if len(sys.argv) > 1 else sys.stdin.read().split("\n")
    out = []
    for w in words:
        w = w.strip()
        if w:
            out.append(stem(w.lower()))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
