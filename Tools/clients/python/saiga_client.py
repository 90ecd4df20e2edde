#!/usr/bin/env python3
"""A Saiga client in standard-library Python, written from docs/PROTOCOL.md (protocol version 1).

    from saiga_client import SaigaClient
    with SaigaClient("127.0.0.1", 7700, token=None) as c:
        r = c.search("human rights", k=5)
        for hit in r["hits"]:
            print(hit["id"], hit["score"], hit["title"])
        c.write([{"id": "n1", "title": "New", "body": "a new document"}], delete_ids=["old"])

Command line (prints JSON):  saiga_client.py HOST:PORT search QUERY [--k N] [--exact-count] [--typos] [--token T]
                                [--filter EXPR]... [--sort FIELD[:asc|desc]]... [--facet SPEC]... [--after TOKEN]
                                [--fields a,b]  (typed as `saiga search --json` prints them) [--explain] [--profile]
                                [--fragments N] [--snippet-length N] [--pre-tag S] [--post-tag S]
                                [--fuzzy-prefix N] [--expansion-scoring constant|bm25]
                             saiga_client.py HOST:PORT suggest TEXT [--limit N] [--titles N]
                             saiga_client.py HOST:PORT get ID | stats | ping | commit
                             saiga_client.py HOST:PORT write '{"id": "a", "title": "T", "body": "text"}'...
                                [--delete ID]... [--delete-query QUERY]...  (one WRITE, answered once committed)
                             saiga_client.py HOST:PORT indexes | create NAME [SCHEMA_JSON] | drop NAME
                                | backup DEST [--copy]
                             Every command takes --index NAME on a server of several indexes (`saiga serve --data`).
"""
import json
import socket
import struct
import sys

PROTOCOL_VERSION = 1
HELLO, PING, SEARCH, GET, STATS, SUGGEST, WRITE, COMMIT = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08
CREATE_INDEX, DROP_INDEX, LIST_INDEXES, BACKUP = 0x09, 0x0A, 0x0B, 0x0C
HELLO_OK, PONG, RESULTS, DOCUMENT, STATS_RESULT, SUGGESTIONS, WRITTEN = 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87
INDEX_LIST, BACKED_UP, ERROR = 0x88, 0x89, 0xFF


class SaigaError(Exception):
    """An ERROR frame from the server: numeric code, message, and for invalid queries the column."""

    def __init__(self, code, message, column=None, rejected=()):
        super().__init__(f"error {code}: {message}")
        self.code, self.message, self.column = code, message, column
        # For code 18 (invalid document): [{"position", "id", "message"}] for each refused document of the WRITE.
        self.rejected = list(rejected)


# ---------------------------------------------------------------- fields: tag u16 | length u32 | value

def field(tag, value):
    return struct.pack(">HI", tag, len(value)) + value


def f_str(tag, s):
    return field(tag, s.encode("utf-8"))


def f_u32(tag, v):
    return field(tag, struct.pack(">I", v))


def f_f32(tag, v):
    return field(tag, struct.pack(">f", v))


def f_bool(tag, v):
    return field(tag, b"\x01" if v else b"\x00")


def parse_fields(payload):
    """[(tag, bytes)] in order; raises ValueError on a truncated field."""
    out, i = [], 0
    while i < len(payload):
        if len(payload) - i < 6:
            raise ValueError("truncated field header")
        tag, n = struct.unpack_from(">HI", payload, i)
        i += 6
        if n > len(payload) - i:
            raise ValueError("field longer than the payload")
        out.append((tag, payload[i:i + n]))
        i += n
    return out


def typed_value(payload):
    """A typed value of RESULTS (a sort key, a facet bucket) as Python: int, float, bool or str (dates in RFC
    3339); None for an empty field (a document without a value)."""
    if not payload:
        return None
    f = parse_fields(payload)
    kind = (first(f, 1, b"\0") or b"\0")[0]
    text = first(f, 2, b"").decode()
    if kind == 1:
        return int(text)
    if kind == 2:
        return float(text)
    if kind == 3:
        return text == "true"
    return text


def explanation(payload, depth=0):
    """A score's explanation (RESULTS hit field 8): {"value", "description", "details": [...]}."""
    if depth > 32:
        raise SaigaError(0, "explanation nests too deep")
    f = parse_fields(payload)
    return {"value": f32(first(f, 1, b"\0" * 4)), "description": first(f, 2, b"").decode(),
            "details": [explanation(v, depth + 1) for t, v in f if t == 3]}


def profile_clause(payload, depth=0):
    if depth > 32:
        raise SaigaError(0, "profile nests too deep")
    f = parse_fields(payload)
    return {"description": first(f, 1, b"").decode(), "ms": u64(first(f, 2, bytes(8))) / 1e6,
            "next_doc": u64(first(f, 3, bytes(8))), "advance": u64(first(f, 4, bytes(8))),
            "matches": u64(first(f, 5, bytes(8))), "scored": u64(first(f, 6, bytes(8))),
            "children": [profile_clause(v, depth + 1) for t, v in f if t == 7]}


def parse_profile(payload):
    f = parse_fields(payload)
    root = first(f, 1)
    return {"matches": u64(first(f, 2, bytes(8))), "segments": u32(first(f, 5, bytes(4))),
            "profiled_ms": u64(first(f, 3, bytes(8))) / 1e3, "search_ms": u64(first(f, 4, bytes(8))) / 1e3,
            "root": profile_clause(root) if root is not None else None}


def first(fields, tag, default=None):
    for t, v in fields:
        if t == tag:
            return v
    return default


def u64(b):
    return struct.unpack(">Q", b)[0]


def u32(b):
    return struct.unpack(">I", b)[0]


def f32(b):
    return struct.unpack(">f", b)[0]


# ---------------------------------------------------------------- client

class SaigaClient:
    def __init__(self, host, port, token=None, timeout=30.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.max_frame = 0
        self.next_id = 1
        hello = f_u32(1, PROTOCOL_VERSION) + (f_str(2, token) if token else b"") + f_str(3, "saiga_client.py")
        typ, _, payload = self._roundtrip(HELLO, hello, request_id=0)
        if typ != HELLO_OK:
            raise SaigaError(0, "expected HELLO_OK")
        f = parse_fields(payload)
        self.server = first(f, 2, b"").decode()
        self.max_frame = u32(first(f, 3, b"\0\0\0\0"))
        # Requests the server takes in flight on this connection (64 when it does not say).
        self.max_in_flight = u32(first(f, 5, b"\0\0\0\x40"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    # frame: length u32 | type u8 | flags u8 | request id u32 | payload
    def _send(self, typ, payload, request_id):
        self.sock.sendall(struct.pack(">IBBI", 6 + len(payload), typ, 0, request_id) + payload)

    def _read_frame(self):
        while True:
            if len(self.buf) >= 4:
                (length,) = struct.unpack_from(">I", self.buf)
                if length < 6 or (self.max_frame and length > self.max_frame):
                    raise SaigaError(0, "bad frame length %d from the server" % length)
                if len(self.buf) >= 4 + length:
                    frame, self.buf = self.buf[4:4 + length], self.buf[4 + length:]
                    typ, _flags, rid = struct.unpack_from(">BBI", frame)
                    return typ, rid, frame[6:]
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.buf += chunk

    def _roundtrip(self, typ, payload, request_id=None):
        if request_id is None:
            # Ids run 1 ... 2^32 - 1: 0 marks errors that concern no request.
            request_id = self.next_id
            self.next_id = self.next_id % 0xFFFFFFFF + 1
        self._send(typ, payload, request_id)
        while True:
            rtyp, rid, rpayload = self._read_frame()
            if rtyp == ERROR and (rid == request_id or rid == 0):
                f = parse_fields(rpayload)
                code = struct.unpack(">H", first(f, 1, b"\0\0"))[0]
                col = first(f, 3)
                rejected = []
                for t, v in f:
                    if t == 4:
                        r = parse_fields(v)
                        rid_ = first(r, 2)
                        rejected.append({"position": u32(first(r, 1, bytes(4))),
                                         "id": rid_.decode() if rid_ is not None else None,
                                         "message": first(r, 3, b"").decode("utf-8", "replace")})
                raise SaigaError(code, first(f, 2, b"").decode("utf-8", "replace"), u32(col) if col else None,
                                 rejected)
            if rid == request_id:
                return rtyp, rid, rpayload

    def ping(self, data=b""):
        typ, _, payload = self._roundtrip(PING, field(1, data) if data else b"")
        return first(parse_fields(payload), 1, b"")

    def search(self, query, k=10, offset=0, fields=(), snippets=True, k1=None, b=None, syntax=0, exact_count=False,
               filters=(), sort=(), facets=(), after=None, boosts=(), typos=False, explain=False, fragments=None,
               snippet_length=None, pre_tag=None, post_tag=None, profile=False, fuzzy_prefix=None,
               expansion_scoring=None, index=None):
        """Runs a query. `filters` are query-syntax strings (every one must hold, none scores), `sort` keys such as
        "date:desc" or "_score", `facets` specs such as "source", "date:year" or "price:0,10,100", `after` the
        "next" cursor of a previous sorted page, `boosts` field boosts such as "title^3". Hits of a sorted search carry "sort" (their key values); the answer
        has "facets" ({spec: {"field", "buckets": [{"label", "count", "value", "to"}], "other"}}) and "next", and
        "did_you_mean" when the query found few matches and a corrected spelling finds more. `fragments`,
        `snippet_length`, `pre_tag` and `post_tag` shape snippets; hits then also carry "title_highlight".
        `expansion_scoring` is "constant" (the server's default: a prefix, wildcard or regular expression scores its
        boost) or "bm25" (the BM25 scores of up to 1,024 of its terms summed)."""
        p = f_str(1, query) + f_u32(2, k)
        if offset:
            p += f_u32(3, offset)
        for name in fields:
            p += f_str(4, name)
        p += f_bool(5, snippets)
        if k1 is not None:
            p += f_f32(6, k1)
        if b is not None:
            p += f_f32(7, b)
        if syntax:
            p += field(8, bytes([syntax]))
        if exact_count:
            p += f_bool(9, True)
        for x in filters:
            p += f_str(10, x)
        for x in sort:
            p += f_str(11, x)
        for x in facets:
            p += f_str(12, x)
        if after is not None:
            p += f_str(13, after)
        for x in boosts:
            p += f_str(14, x)
        if typos:
            p += f_bool(15, True)  # words of 5+ letters also match one typo away (9+: two); exact matches first
        if explain:
            p += f_bool(16, True)  # each hit carries the explanation of its score
        if fragments is not None:
            p += f_u32(17, fragments)
        if snippet_length is not None:
            p += f_u32(18, snippet_length)
        if pre_tag is not None:
            p += f_str(19, pre_tag)
        if post_tag is not None:
            p += f_str(20, post_tag)
        if profile:
            p += f_bool(21, True)  # the answer carries the query's profile (time and documents per clause)
        if fuzzy_prefix is not None:
            p += f_u32(22, fuzzy_prefix)  # the first N characters of fuzzy words must match as typed
        if expansion_scoring is not None:
            modes = {"constant": 0, "bm25": 1}
            if expansion_scoring not in modes:
                raise ValueError("expansion_scoring must be 'constant' or 'bm25'")
            p += field(23, bytes([modes[expansion_scoring]]))
        if index is not None:
            p += f_str(24, index)  # on a server of several indexes (absent: its default)
        typ, _, payload = self._roundtrip(SEARCH, p)
        if typ != RESULTS:
            raise SaigaError(0, "expected RESULTS")
        f = parse_fields(payload)
        hits = []
        for tag, value in f:
            if tag != 4:
                continue
            h = parse_fields(value)
            hit = {"id": first(h, 1, b"").decode(), "score": f32(first(h, 2, b"\0\0\0\0")),
                   "title": first(h, 3, b"").decode()}
            snip = first(h, 4)
            hit["snippet"] = snip.decode() if snip is not None else None
            title_highlight = first(h, 9)
            if title_highlight is not None:
                hit["title_highlight"] = title_highlight.decode()
            stored = {}
            for t, v in h:
                if t == 5:
                    kv = parse_fields(v)
                    stored[first(kv, 1, b"").decode()] = first(kv, 2, b"").decode()
            if stored:
                hit["fields"] = stored
            sort_values = [typed_value(v) for t, v in h if t == 6]
            if sort_values:
                hit["sort"] = sort_values
            values = {}
            for t, v in h:
                if t == 7:
                    nv = parse_fields(v)
                    values.setdefault(first(nv, 1, b"").decode(), []).append(typed_value(first(nv, 2, b"")))
            if values:
                hit["values"] = values  # the requested stored fields typed, one entry per value
            expl = first(h, 8)
            if expl is not None:
                hit["explanation"] = explanation(expl)
            hits.append(hit)
        result = {"total": u64(first(f, 1, b"\0" * 8)), "total_exact": first(f, 5) != b"\x01",
                  "took_us": u64(first(f, 2, b"\0" * 8)), "hits": hits}
        facet_results = {}
        for tag, value in f:
            if tag != 6:
                continue
            ff = parse_fields(value)
            buckets = []
            for t, v in ff:
                if t == 4:
                    bf = parse_fields(v)
                    bucket = {"label": first(bf, 1, b"").decode(), "count": u64(first(bf, 2, b"\0" * 8))}
                    if first(bf, 3) is not None:
                        bucket["value"] = typed_value(first(bf, 3))
                    if first(bf, 4) is not None:
                        bucket["to"] = typed_value(first(bf, 4))
                    buckets.append(bucket)
            other = first(ff, 3)
            facet_results[first(ff, 1, b"").decode()] = {"field": first(ff, 2, b"").decode(), "buckets": buckets,
                                                         "other": u64(other) if other is not None else 0}
        if facet_results:
            result["facets"] = facet_results
        nxt = first(f, 7)
        if nxt is not None:
            result["next"] = nxt.decode()
        better = first(f, 8)
        if better is not None:
            result["did_you_mean"] = better.decode()  # a corrected query, when this one found few matches
        prof = first(f, 9)
        if prof is not None:
            result["profile"] = parse_profile(prof)
        return result

    def get(self, doc_id, index=None):
        typ, _, payload = self._roundtrip(GET, f_str(1, doc_id) + (f_str(2, index) if index is not None else b""))
        f = parse_fields(payload)
        if first(f, 1, b"\0") != b"\x01":
            return None
        doc = {"id": first(f, 2, b"").decode(), "title": first(f, 3, b"").decode(), "body": first(f, 4, b"").decode()}
        for t, v in f:
            if t == 5:
                kv = parse_fields(v)
                doc.setdefault("fields", {})[first(kv, 1, b"").decode()] = first(kv, 2, b"").decode()
        return doc

    def stats(self, index=None):
        typ, _, payload = self._roundtrip(STATS, f_str(1, index) if index is not None else b"")
        f = parse_fields(payload)
        return {"docs": u64(first(f, 1)), "segments": u32(first(f, 2)), "terms": u64(first(f, 3)),
                "postings": u64(first(f, 4)), "bytes": u64(first(f, 5)), "generation": u64(first(f, 6))}

    def suggest(self, text, limit=5, titles=0, index=None):
        """Completions of the last word of `text` (and, with titles > 0, matching titles)."""
        p = f_str(1, text) + f_u32(2, limit) + f_u32(3, titles) + (f_str(4, index) if index is not None else b"")
        typ, _, payload = self._roundtrip(SUGGEST, p)
        out = {"completions": [], "titles": []}
        for t, v in parse_fields(payload):
            kv = parse_fields(v) if t in (1, 2) else None
            if t == 1:
                out["completions"].append({"text": first(kv, 1, b"").decode(), "word": first(kv, 2, b"").decode(),
                                           "frequency": u64(first(kv, 3, bytes(8)))})
            elif t == 2:
                out["titles"].append({"id": first(kv, 1, b"").decode(), "title": first(kv, 2, b"").decode(),
                                      "score": f32(first(kv, 3, bytes(4)))})
        return out

    def write(self, documents=(), delete_ids=(), delete_queries=(), index=None):
        """Applies one batch all or nothing and returns once it is committed and visible: `documents` are dicts
        (or JSON strings) with "id", "title", "body" and the schema's fields; deletes by id and by query come first.
        A refused document raises SaigaError code 18 with `.rejected`; code 19 means retry later."""
        payload = b""
        for d in documents:
            payload += f_str(1, d if isinstance(d, str) else json.dumps(d, ensure_ascii=False))
        for i in delete_ids:
            payload += f_str(2, i)
        for q in delete_queries:
            payload += f_str(3, q)
        if index is not None:
            payload += f_str(4, index)
        typ, _, payload = self._roundtrip(WRITE, payload)
        return self._written(payload)

    def commit(self, index=None):
        """Waits until every write the server received before it is committed; returns the newest generation."""
        typ, _, payload = self._roundtrip(COMMIT, f_str(1, index) if index is not None else b"")
        return self._written(payload)

    # ------------------------------------------------------------ indexes and backups (admin tokens)

    def list_indexes(self):
        """The indexes the token may read: [{"name", "documents", "generation", "segments", "bytes", "default"}]."""
        typ, _, payload = self._roundtrip(LIST_INDEXES, b"")
        return self._index_list(payload)

    def create_index(self, name, schema=None):
        """Creates an empty index (a server started with --data); `schema` is a `saiga schema` file's JSON (a dict or
        a string)."""
        p = f_str(1, name)
        if schema is not None:
            p += f_str(2, schema if isinstance(schema, str) else json.dumps(schema))
        typ, _, payload = self._roundtrip(CREATE_INDEX, p)
        return self._index_list(payload)[0]

    def drop_index(self, name):
        """Stops serving an index and deletes it; returns the indexes left."""
        typ, _, payload = self._roundtrip(DROP_INDEX, f_str(1, name))
        return self._index_list(payload)

    def backup(self, destination, index=None, copy=False):
        """A verified copy of the newest commit in `destination`, a new directory inside the server's --backup-dir
        (a relative path)."""
        p = (f_str(1, index) if index is not None else b"") + f_str(2, destination) + (f_bool(3, True) if copy else b"")
        typ, _, payload = self._roundtrip(BACKUP, p)
        f = parse_fields(payload)
        return {"generation": u64(first(f, 1)), "files": u32(first(f, 2, bytes(4))), "bytes": u64(first(f, 3, bytes(8))),
                "linked": u32(first(f, 4, bytes(4))), "us": u64(first(f, 5, bytes(8)))}

    @staticmethod
    def _index_list(payload):
        out = []
        for t, v in parse_fields(payload):
            if t != 1:
                continue
            n = parse_fields(v)
            out.append({"name": first(n, 1, b"").decode(), "documents": u64(first(n, 2, bytes(8))),
                        "generation": u64(first(n, 3, bytes(8))), "segments": u32(first(n, 4, bytes(4))),
                        "bytes": u64(first(n, 5, bytes(8))), "default": first(n, 6, b"\0") == b"\x01"})
        return out

    @staticmethod
    def _written(payload):
        f = parse_fields(payload)
        return {"generation": u64(first(f, 1)), "added": u64(first(f, 2, bytes(8))),
                "replaced": u64(first(f, 3, bytes(8))), "deleted": u64(first(f, 4, bytes(8))),
                "commit_us": u64(first(f, 5, bytes(8))), "shared_with": u32(first(f, 6, bytes(4))),
                "documents": u64(first(f, 7, bytes(8)))}


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 64
    host, _, port = argv[1].rpartition(":")
    args, opts, i = [], {}, 3
    while i < len(argv):
        if argv[i] in ("--k", "--token", "--after", "--fields", "--limit", "--titles", "--fragments", "--index",
                       "--snippet-length", "--pre-tag", "--post-tag", "--expansion-scoring", "--fuzzy-prefix") \
                and i + 1 < len(argv):
            opts[argv[i][2:]] = argv[i + 1]
            i += 2
        elif argv[i] in ("--filter", "--sort", "--facet", "--delete", "--delete-query") and i + 1 < len(argv):
            opts.setdefault(argv[i][2:], []).append(argv[i + 1])
            i += 2
        elif argv[i] in ("--exact-count", "--typos", "--explain", "--profile", "--copy"):
            opts[argv[i][2:]] = True
            i += 1
        else:
            args.append(argv[i])
            i += 1
    try:
        with SaigaClient(host.strip("[]"), int(port), token=opts.get("token")) as c:
            cmd = argv[2]
            if cmd == "search":
                r = c.search(" ".join(args), k=int(opts.get("k", 10)), exact_count=opts.get("exact-count", False),
                             filters=opts.get("filter", ()), sort=opts.get("sort", ()), facets=opts.get("facet", ()),
                             after=opts.get("after"), typos=opts.get("typos", False),
                             explain=opts.get("explain", False),
                             fragments=int(opts["fragments"]) if "fragments" in opts else None,
                             snippet_length=int(opts["snippet-length"]) if "snippet-length" in opts else None,
                             pre_tag=opts.get("pre-tag"), post_tag=opts.get("post-tag"),
                             profile=opts.get("profile", False),
                             fuzzy_prefix=int(opts["fuzzy-prefix"]) if "fuzzy-prefix" in opts else None,
                             expansion_scoring=opts.get("expansion-scoring"), index=opts.get("index"),
                             fields=[f for f in opts.get("fields", "").split(",") if f])
                out = {"total": r["total"], "hits": []}
                for h in r["hits"]:
                    hit = {"id": h["id"], "score": h["score"], "title": h["title"], "snippet": h["snippet"]}
                    if "title_highlight" in h:
                        hit["title_highlight"] = h["title_highlight"]
                    if "sort" in h:
                        hit["sort"] = h["sort"]
                    if "values" in h:
                        hit["fields"] = {k: v[0] if len(v) == 1 else v for k, v in h["values"].items()}
                    if "explanation" in h:
                        hit["explanation"] = h["explanation"]
                    out["hits"].append(hit)
                if not r["total_exact"]:
                    out["total_exact"] = False  # as `saiga search --json`: only when the total is a lower bound
                for key in ("facets", "next", "did_you_mean", "profile"):
                    if key in r:
                        out[key] = r[key]
            elif cmd == "get":
                out = c.get(args[0], index=opts.get("index"))
            elif cmd == "stats":
                out = c.stats(index=opts.get("index"))
            elif cmd == "suggest":
                out = c.suggest(" ".join(args), limit=int(opts.get("limit", 5)), titles=int(opts.get("titles", 0)),
                                index=opts.get("index"))
            elif cmd == "write":
                # Each argument is one JSON document; --delete ID and --delete-query Q may repeat.
                try:
                    out = c.write([json.loads(a) for a in args], opts.get("delete", ()), opts.get("delete-query", ()),
                                  index=opts.get("index"))
                except SaigaError as e:
                    if e.rejected:
                        print(json.dumps({"error": e.code, "message": e.message, "rejected": e.rejected}))
                        return 1
                    raise
            elif cmd == "commit":
                out = c.commit(index=opts.get("index"))
            elif cmd == "indexes":
                out = c.list_indexes()
            elif cmd == "create":
                out = c.create_index(args[0], args[1] if len(args) > 1 else None)
            elif cmd == "drop":
                out = c.drop_index(args[0])
            elif cmd == "backup":
                out = c.backup(args[0], index=opts.get("index"), copy=opts.get("copy", False))
            elif cmd == "ping":
                out = {"pong": c.ping(b"x").decode()}
            else:
                print(f"unknown command {cmd}", file=sys.stderr)
                return 64
    except SaigaError as e:
        print(json.dumps({"error": e.code, "message": e.message, "column": e.column}))
        return 1
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
