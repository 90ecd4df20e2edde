#!/usr/bin/env python3
"""Generate Sources/Saiga/Analysis/UnicodeTables.generated.swift.

Usage:  python3 Tools/unicode/gen-unicode-tables.py [--output PATH] [--dump PATH] [--stats]

Standard library only: the Unicode data comes from Python's `unicodedata` module, so the
Unicode version of the tables is the one of the Python that runs this script (it is recorded
in the generated file). Regenerating with another Python may change the tables.

For every scalar value 0...0x10FFFF the script computes
  * a word-break class (see WordClass in UnicodeTables.swift; numbering must match), and
  * a folded form (a string of scalars, possibly empty),
and packs both into a two-stage table:

    stage1[cp >> SHIFT]                       -> block number (UInt16)
    stage2[block << SHIFT | cp & (BLOCK - 1)] -> value index  (UInt16)
    values[index]                             -> UInt32 value

A value is  class (bits 0-3) | kind (bits 4-5) | payload (bits 6-31):
  kind 0: payload is a signed scalar delta; the fold is the single scalar cp + delta
          (delta 0 = identity).
  kind 1: payload is offset (bits 6-24) | length (bits 25-31) of the UTF-8 fold in `pool`
          (length 0 = the scalar folds away).
  kind 2: Hangul syllable, folded to its conjoining jamo (NFD) algorithmically (UAX #15),
          which keeps 11,172 decompositions out of the pool.

The arrays are embedded in the Swift source as base64 string literals (not array literals,
which the Swift type checker is slow on). stage1 and stage2 are first run-length encoded as
(value, count) pairs of varints in which numbers < 0x80 take one byte and others two (values
are numbered by frequency, so nearly all take one byte).

FOLDING RULES (the Swift doc comment of `UnicodeTables.fold` summarises these):
  1. Separators fold to themselves (the tokenizer never asks), except surrogate code points,
     which have no UTF-8 form and fold to U+FFFD.
  2. Apostrophes (U+0027, U+2019, U+02BC, U+FF07, U+055A) fold to ASCII "'".
  3. The other joiners (midLetter, midNumLet, midNum, connector) fold to their NFKD form when
     that is a single scalar of the same class (U+FF0E -> ".", U+037E -> ";", U+FF3F -> "_"),
     else to themselves.
  4. Format controls (Cf, e.g. soft hyphen, ZWJ, ZWNJ, bidi marks, BOM), default-ignorable
     marks (variation selectors, CGJ, Mongolian FVS, Hangul fillers) and the Armenian in-word
     emphasis/exclamation/question marks fold to nothing (class mark, 0 bytes).
  5. Ideographs fold to their canonical decomposition (NFD): Han, Tangut, Nushu, Yi,... are
     themselves, CJK compatibility ideographs become the unified ideograph they are canonically
     equivalent to, and voiced Hiragana decompose (が -> か + U+3099) so that precomposed and
     decomposed input fold alike. No compatibility decomposition (ゟ stays ゟ).
  6. Letters, digits and marks: repeat (full case folding = str.casefold(), then NFKD) until
     stable, replace the SPECIAL_FOLDS letters below, then drop the diacritic marks
     (U+0300-036F, U+1AB0-1AFF, U+1DC0-1DFF, U+20D0-20FF, U+FE20-FE2F) and default-ignorable
     scalars. Marks of other scripts (Devanagari, Arabic, Hebrew points, kana voicing marks)
     are kept. If the result contains a scalar that is not a letter, digit, mark or ideograph
     (e.g. ½ -> 1⁄2, ⑴ -> (1), ŀ -> l·), or is empty for a non-mark, do the same with NFD
     instead of NFKD; if that fails too, the fold is the scalar's simple lowercase
     (the casefold if it is a single scalar, else the scalar itself).
     Hangul syllables thus decompose to conjoining jamo (see KEEP_HANGUL_SYLLABLES).

The script checks, and refuses to write the tables otherwise, that: only marks fold to
nothing; folds of letters/digits/marks/ideographs contain only such scalars; folding is
idempotent (folding each scalar of a fold gives the fold again); joiners fold to one scalar of
their own class; ASCII folds to its lowercase.
"""

import argparse
import base64
import os
import sys
import unicodedata

# ---------------------------------------------------------------------------------------------
# Word classes (numbering must match `WordClass` in UnicodeTables.swift)
SEPARATOR, LETTER, DIGIT, MARK, IDEOGRAPH, APOSTROPHE, MID_LETTER, MID_NUM_LET, MID_NUM, CONNECTOR = range(10)
CLASS_NAMES = ["separator", "letter", "digit", "mark", "ideograph", "apostrophe",
               "midLetter", "midNumLet", "midNum", "connector"]
WORD_CLASSES = {LETTER, DIGIT, MARK, IDEOGRAPH}

# Options (judgement calls, see the report / doc comments).
FOLD_DECIMAL_DIGITS_TO_ASCII = False   # True: ٣ -> 3, ३ -> 3 (like Lucene's DecimalDigitFilter)
KEEP_HANGUL_SYLLABLES = False          # True: 한 stays 한 instead of decomposing to jamo ᄒ ᅡ ᆫ

# Explicit classes, checked before the general-category rules.
CLASS_OVERRIDES = {}
for cp in (0x0027, 0x2019, 0x02BC, 0xFF07, 0x055A):
    CLASS_OVERRIDES[cp] = APOSTROPHE        # FF07 fullwidth, 055A Armenian apostrophe
# UAX #29 MidLetter minus the colons (':' U+FE13 U+FE55 U+FF1A are separators here).
for cp in (0x00B7, 0x0387, 0x055F, 0x05F4, 0x2027):
    CLASS_OVERRIDES[cp] = MID_LETTER
# UAX #29 MidNumLet minus the apostrophes (U+2019, U+FF07).
for cp in (0x002E, 0x2018, 0x2024, 0xFE52, 0xFF0E):
    CLASS_OVERRIDES[cp] = MID_NUM_LET
# UAX #29 MidNum.
for cp in (0x002C, 0x003B, 0x037E, 0x0589, 0x060C, 0x060D, 0x066C, 0x07F8, 0x2044,
           0xFE10, 0xFE14, 0xFE50, 0xFE54, 0xFF0C, 0xFF1B):
    CLASS_OVERRIDES[cp] = MID_NUM
CLASS_OVERRIDES[0x200B] = SEPARATOR   # ZERO WIDTH SPACE: Cf, but an explicit word boundary
CLASS_OVERRIDES[0x05F3] = LETTER      # HEBREW PUNCTUATION GERESH: ALetter in UAX #29
CLASS_OVERRIDES[0x066B] = DIGIT       # ARABIC DECIMAL SEPARATOR: Numeric in UAX #29
# Armenian emphasis, exclamation and question marks sit on the stressed vowel inside the word
# (ALetter in UAX #29): here they are marks that fold away.
ARMENIAN_IN_WORD_MARKS = (0x055B, 0x055C, 0x055E)
for cp in ARMENIAN_IN_WORD_MARKS:
    CLASS_OVERRIDES[cp] = MARK
for cp in (0xFF9E, 0xFF9F):           # halfwidth kana voiced marks (Lm): Extend in UAX #29
    CLASS_OVERRIDES[cp] = MARK

# Default_Ignorable_Code_Point (DerivedCoreProperties.txt; not in `unicodedata`).
DEFAULT_IGNORABLE = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
]

# Scripts where every scalar is a word (one token per scalar). Only scalars whose general
# category is L* or Nl inside these ranges become ideographs (radicals, symbols stay symbols).
IDEOGRAPH_RANGES = [
    (0x3005, 0x3007),   # 々 〆 〇
    (0x3021, 0x3029),   # Hangzhou numerals
    (0x3038, 0x303C),   # 〸 〹 〺 〻 〼
    (0x3041, 0x309F),   # Hiragana (3099-309C are Mn/Sk, so they are marks/separators)
    (0x3400, 0x4DBF),   # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),   # CJK Unified Ideographs
    (0xA000, 0xA48F),   # Yi Syllables (written without spaces)
    (0xF900, 0xFAFF),   # CJK Compatibility Ideographs
    (0x16FE0, 0x16FE1), # Tangut and Nushu iteration marks
    (0x16FE3, 0x16FE3), # Old Chinese iteration mark
    (0x17000, 0x18AFF), # Tangut, Tangut Components
    (0x18B00, 0x18CFF), # Khitan Small Script
    (0x18D00, 0x18D8F), # Tangut Supplement
    (0x1B001, 0x1B11F), # Hiragana in Kana Supplement / Extended-A (hentaigana)
    (0x1B132, 0x1B132), # small Hiragana ko
    (0x1B150, 0x1B152), # small Hiragana
    (0x1B170, 0x1B2FF), # Nushu
    (0x20000, 0x3FFFF), # SIP and TIP: CJK extensions B.. and compatibility supplement
]

DIACRITIC_BLOCKS = [(0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                    (0xFE20, 0xFE2F)]

# Letters without a decomposition that a search user expects to fold. Applied after case
# folding and decomposition (so keys are lowercase, and ǿ -> ø + U+0301 -> o works too).
SPECIAL_FOLDS = {
    "ø": "o",   # Ø ø  (and ǿ)
    "đ": "d",   # Đ đ  (Croatian, Vietnamese)
    "ð": "d",   # Ð ð  (Icelandic eth)
    "ł": "l",   # Ł ł
    "ħ": "h",   # Ħ ħ  (Maltese)
    "ı": "i",   # dotless i (Turkish); İ already folds to i via casefold + diacritic removal
    "ŀ": "l",   # Ŀ ŀ  (Catalan; NFKD would give l + U+00B7)
    "ŧ": "t",   # Ŧ ŧ  (Sami)
    "þ": "th",  # Þ þ
    "æ": "ae",  # Æ æ  (and ǽ ǣ)
    "œ": "oe",  # Œ œ
    "ŋ": "n",   # Ŋ ŋ  (Sami, African languages; as Lucene's ASCIIFoldingFilter)
    "ƒ": "f",   # Ƒ ƒ
    "ɨ": "i",   # Ɨ ɨ
    "ʉ": "u",   # Ʉ ʉ
    "ƀ": "b",   # Ƀ ƀ
    "ƶ": "z",   # Ƶ ƶ
    "ǥ": "g",   # Ǥ ǥ  (Sami)
    "ȼ": "c",   # Ȼ ȼ
    "ɇ": "e",   # Ɇ ɇ
    "ɉ": "j",   # Ɉ ɉ
    "ɍ": "r",   # Ɍ ɍ
    "ɏ": "y",   # Ɏ ɏ
    "ƚ": "l",   # Ƚ ƚ
    "ȷ": "j",   # dotless j
}

# Letters whose diacritic is part of the letter in their language, kept whole after decomposition: Cyrillic
# short i is a letter of its own in Russian and Kazakh (мой and мои are different words), unlike ё, which Russian
# writes as е and Snowball folds to е. Analysis version 1 folded й to и; Analyzer restores that for its indexes.
KEPT_LETTERS = {
    "\u0438\u0306": "\u0439",  # и + combining breve -> й (from Й й)
}

APOSTROPHE_FOLD = "'"
REPLACEMENT = "\uFFFD"

# Table layout
SHIFT = 7


def in_ranges(cp, ranges):
    for lo, hi in ranges:
        if lo <= cp <= hi:
            return True
    return False


def build_set(ranges):
    s = set()
    for lo, hi in ranges:
        s.update(range(lo, hi + 1))
    return s


DI_SET = build_set(DEFAULT_IGNORABLE)
IDEO_SET = build_set(IDEOGRAPH_RANGES)
DIACRITIC_SET = build_set(DIACRITIC_BLOCKS)

_class_cache = {}


def classify(cp):
    c = _class_cache.get(cp)
    if c is None:
        c = _classify(cp)
        _class_cache[cp] = c
    return c


def _classify(cp):
    if cp in CLASS_OVERRIDES:
        return CLASS_OVERRIDES[cp]
    cat = unicodedata.category(chr(cp))
    if cat in ("Cn", "Co", "Cs", "Cc") or cat[0] == "Z":
        return SEPARATOR
    if cat == "Cf" or cp in DI_SET:
        return MARK
    if cat[0] == "M":
        return MARK
    if cat == "Pc":
        return CONNECTOR
    if cat[0] in "PS":
        return SEPARATOR
    if cat in ("Nd", "No"):
        return DIGIT
    if cat[0] == "L" or cat == "Nl":
        return IDEOGRAPH if cp in IDEO_SET else LETTER
    raise AssertionError(f"unhandled category {cat} for U+{cp:04X}")


def _pipeline(ch, form, cls):
    s = ch
    for _ in range(10):
        t = unicodedata.normalize(form, s.casefold())
        if t == s:
            break
        s = t
    else:
        raise AssertionError(f"casefold/{form} does not converge for U+{ord(ch):04X}")
    s = "".join(SPECIAL_FOLDS.get(c, c) for c in s)
    for decomposed, letter in KEPT_LETTERS.items():
        s = s.replace(decomposed, letter)
    s = "".join(c for c in s if ord(c) not in DIACRITIC_SET and ord(c) not in DI_SET)
    if not s and cls != MARK:
        return None
    if any(classify(ord(c)) not in WORD_CLASSES for c in s):
        return None
    return s


def fold(cp):
    ch = chr(cp)
    cls = classify(cp)
    if 0xD800 <= cp <= 0xDFFF:
        return REPLACEMENT   # a surrogate has no UTF-8 form
    if cls == SEPARATOR:
        return ch
    if cls == APOSTROPHE:
        return APOSTROPHE_FOLD
    if cls in (MID_LETTER, MID_NUM_LET, MID_NUM, CONNECTOR):
        t = unicodedata.normalize("NFKD", ch)
        if len(t) == 1 and classify(ord(t)) == cls:
            return t
        return ch
    if cls == MARK and (unicodedata.category(ch) == "Cf" or cp in DI_SET
                        or cp in ARMENIAN_IN_WORD_MARKS):
        return ""
    if cls == IDEOGRAPH:
        return unicodedata.normalize("NFD", ch)
    if KEEP_HANGUL_SYLLABLES and 0xAC00 <= cp <= 0xD7A3:
        return ch
    if FOLD_DECIMAL_DIGITS_TO_ASCII and unicodedata.category(ch) == "Nd":
        return str(unicodedata.decimal(ch))
    for form in ("NFKD", "NFD"):
        r = _pipeline(ch, form, cls)
        if r is not None:
            if FOLD_DECIMAL_DIGITS_TO_ASCII:
                r = "".join(str(unicodedata.decimal(c)) if unicodedata.category(c) == "Nd" else c
                            for c in r)
            return r
    cf = ch.casefold()
    if len(cf) == 1:
        return cf
    lo = ch.lower()
    if len(lo) == 1:
        return lo
    return ch


# ---------------------------------------------------------------------------------------------

def compute():
    classes = []
    folds = []
    for cp in range(0x110000):
        classes.append(classify(cp))
        folds.append(fold(cp))
    return classes, folds


def check(classes, folds):
    """Invariants the Swift side and the tokenizer rely on. Returns a list of problems."""
    problems = []
    fold_of = lambda s: "".join(folds[ord(c)] for c in s)
    for cp in range(0x110000):
        cls, f = classes[cp], folds[cp]
        if 0xD800 <= cp <= 0xDFFF:
            if cls != SEPARATOR or f != REPLACEMENT:
                problems.append(f"U+{cp:04X}: surrogate not separator folding to U+FFFD")
            continue
        if not f and cls != MARK:
            problems.append(f"U+{cp:04X}: empty fold for class {CLASS_NAMES[cls]}")
        if cls in WORD_CLASSES:
            bad = [c for c in f if classes[ord(c)] not in WORD_CLASSES]
            if bad:
                problems.append(f"U+{cp:04X}: fold contains non-word scalars {bad!r}")
            # idempotence: folding the fold changes nothing
            if fold_of(f) != f:
                problems.append(f"U+{cp:04X} {chr(cp)!r}: fold {f!r} is not stable ({fold_of(f)!r})")
        elif cls != SEPARATOR:
            if len(f) != 1 or classes[ord(f)] != cls or folds[ord(f)] != f:
                problems.append(f"U+{cp:04X}: joiner fold {f!r} is not a stable scalar of its class")
    # ASCII sanity
    for cp in range(0x80):
        ch = chr(cp)
        expected = ch.lower() if ch.isalpha() else ("'" if ch == "'" else ch)
        if folds[cp] != expected:
            problems.append(f"ASCII U+{cp:04X}: fold {folds[cp]!r}")
    return problems


def is_decomposed_hangul(cp, f):
    return 0xAC00 <= cp <= 0xD7A3 and len(f) > 1 and f == unicodedata.normalize("NFD", chr(cp))


def encode_value(cp, cls, f):
    # returns a (class, kind, payload) key; pool offsets are resolved later
    if is_decomposed_hangul(cp, f):
        return (cls, 2, 0)
    if len(f) == 1 and not 0xD800 <= cp <= 0xDFFF:   # surrogates share one pool entry
        delta = ord(f) - cp
        return (cls, 0, delta)
    return (cls, 1, f)


def build_tables(classes, folds):
    keys = [encode_value(cp, classes[cp], folds[cp]) for cp in range(0x110000)]
    # number values by frequency (most frequent first -> one-byte varints in stage2)
    freq = {}
    for k in keys:
        freq[k] = freq.get(k, 0) + 1
    ordered = sorted(freq, key=lambda k: (-freq[k], repr(k)))
    index = {k: i for i, k in enumerate(ordered)}
    # UTF-8 pool for multi-scalar / empty folds, deduplicated, longest first so that shorter
    # strings can reuse a substring of a longer one
    pool = bytearray()
    pool_off = {}
    multi = sorted({k[2] for k in ordered if k[1] == 1}, key=lambda s: (-len(s.encode()), s))
    for s in multi:
        b = s.encode("utf-8")
        at = pool.find(b) if b else 0
        if at < 0:
            at = len(pool)
            pool += b
        pool_off[s] = at
    assert len(pool) < (1 << 19)
    values = []
    for cls, kind, payload in ordered:
        if kind == 0:
            assert -(1 << 25) <= payload < (1 << 25)
            v = cls | (0 << 4) | ((payload & 0x3FFFFFF) << 6)
        elif kind == 1:
            b = payload.encode("utf-8")
            assert len(b) < 128
            v = cls | (1 << 4) | (pool_off[payload] << 6) | (len(b) << 25)
        else:
            v = cls | (2 << 4)
        values.append(v)
    assert len(values) < 0x8000
    # two-stage table
    block = 1 << SHIFT
    blocks = {}
    stage1 = []
    stage2 = []
    for start in range(0, 0x110000, block):
        b = tuple(index[keys[cp]] for cp in range(start, start + block))
        n = blocks.get(b)
        if n is None:
            n = len(blocks)
            blocks[b] = n
            stage2.extend(b)
        stage1.append(n)
    assert len(blocks) < 0x10000
    return stage1, stage2, values, bytes(pool)


def varint_bytes(seq):
    out = bytearray()
    for v in seq:
        if v < 0x80:
            out.append(v)
        else:
            assert v < 0x8000
            out.append(0x80 | (v >> 8))
            out.append(v & 0xFF)
    return bytes(out)


def run_length_varints(seq):
    """(value, run length) pairs, both as varint15 (see varint_bytes)."""
    out = []
    prev, n = None, 0
    for v in seq:
        if v == prev and n < 0x7FFF:
            n += 1
        else:
            if prev is not None:
                out += [prev, n]
            prev, n = v, 1
    out += [prev, n]
    return varint_bytes(out)


def le_bytes(seq, width):
    out = bytearray()
    for v in seq:
        out += v.to_bytes(width, "little")
    return bytes(out)


def swift_base64_literal(data, indent="        "):
    text = base64.b64encode(data).decode("ascii")
    width = 116
    lines = [text[i:i + width] for i in range(0, len(text), width)] or [""]
    body = "\n".join(indent + line for line in lines)
    return '"""\n' + body + "\n" + indent + '"""'


def emit_swift(stage1, stage2, values, pool, max_fold_bytes, stats):
    s1 = run_length_varints(stage1)
    s2 = run_length_varints(stage2)
    vals = le_bytes(values, 4)
    out = []
    w = out.append
    w("// UnicodeTables.generated.swift")
    w("//")
    w("// generated by Tools/unicode/gen-unicode-tables.py, do not edit.")
    w(f"// Unicode version: {unicodedata.unidata_version} (Python {sys.version.split()[0]} unicodedata.unidata_version)")
    w("//")
    w("// Two-stage table, see UnicodeTables.swift and the generator for the layout.")
    for line in stats:
        w("// " + line)
    w("")
    w("@usableFromInline")
    w("internal enum UnicodeTableData {")
    w(f"    /// Unicode version of the data (Python's `unicodedata.unidata_version`).")
    w(f"    static let unicodeVersion: StaticString = \"{unicodedata.unidata_version}\"")
    w(f"    /// log2 of the stage-2 block size.")
    w(f"    @inlinable static var shift: UInt32 {{ {SHIFT} }}")
    w(f"    /// The longest fold, in UTF-8 bytes.")
    w(f"    @usableFromInline static let maxFoldedBytes: Int = {max_fold_bytes}")
    w(f"    static let stage1Count = {len(stage1)}")
    w(f"    static let stage2Count = {len(stage2)}")
    w(f"    static let valueCount = {len(values)}")
    w(f"    static let poolCount = {len(pool)}")
    w("")
    w(f"    /// stage1: {len(stage1)} block numbers, run-length encoded (see `stage2Base64`), base64.")
    w(f"    static let stage1Base64: StaticString = {swift_base64_literal(s1)}")
    w("")
    w(f"    /// values: {len(values)} x UInt32, little endian, base64.")
    w(f"    static let valuesBase64: StaticString = {swift_base64_literal(vals)}")
    w("")
    w(f"    /// pool: {len(pool)} bytes of UTF-8, base64.")
    w(f"    static let poolBase64: StaticString = {swift_base64_literal(pool)}")
    w("")
    w(f"    /// stage2: {len(stage2)} value indices, run-length encoded as (value, count) pairs of varints")
    w(f"    /// (< 0x80: one byte; else two bytes, big endian, high bit of the first set); base64.")
    w(f"    static let stage2Base64: StaticString = {swift_base64_literal(s2)}")
    w("}")
    w("")
    return "\n".join(out)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.normpath(os.path.join(
        here, "..", "..", "Sources", "Saiga", "Analysis", "UnicodeTables.generated.swift"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--output", default=default_out)
    ap.add_argument("--dump", help="also write 'cp class foldhex' lines for all scalars (for testing)")
    ap.add_argument("--stats", action="store_true", help="print table statistics")
    args = ap.parse_args()

    classes, folds = compute()
    problems = check(classes, folds)
    if problems:
        for p in problems[:50]:
            print("problem:", p, file=sys.stderr)
        print(f"{len(problems)} problems", file=sys.stderr)
        sys.exit(1)

    stage1, stage2, values, pool = build_tables(classes, folds)
    max_fold_bytes = max(len(f.encode("utf-8", "surrogatepass")) for f in folds)
    widest = [f"U+{cp:04X}" for cp in range(0x110000)
              if len(folds[cp].encode("utf-8", "surrogatepass")) == max_fold_bytes]
    s2bytes = len(run_length_varints(stage2))
    stats = [
        f"stage1 {len(stage1)} entries, stage2 {len(stage2)} entries "
        f"({len(stage2) >> SHIFT} blocks of {1 << SHIFT}), values {len(values)}, pool {len(pool)} bytes",
        f"decoded size {len(stage1) * 2 + len(stage2) * 2 + len(values) * 4 + len(pool)} bytes; "
        f"maxFoldedBytes {max_fold_bytes} ({', '.join(widest[:4])}{', ...' if len(widest) > 4 else ''})",
    ]
    src = emit_swift(stage1, stage2, values, pool, max_fold_bytes, stats)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as fh:
        fh.write(src)
    print(f"wrote {args.output} ({len(src.encode())} bytes, Unicode {unicodedata.unidata_version})")
    if args.stats:
        for line in stats:
            print(line)
        print(f"stage2 encoded bytes {s2bytes}")
        counts = [0] * 10
        for c in classes:
            counts[c] += 1
        print("class counts:", {CLASS_NAMES[i]: counts[i] for i in range(10)})
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as fh:
            for cp in range(0x110000):
                f = folds[cp].encode("utf-8", "surrogatepass").hex()
                fh.write(f"{cp:X} {classes[cp]} {f}\n")


if __name__ == "__main__":
    main()
