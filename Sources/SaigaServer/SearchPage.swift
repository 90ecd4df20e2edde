import Saiga
import SaigaWire

/// The search page `saiga serve --http` serves at `/`: a search box, hits with highlighted snippets, facets that
/// filter when clicked, and paging, over `GET /search`. One static HTML file with its script; its searches ask for
/// the index's facets (`auto_facets=1`: keyword, boolean and date fields with columns). It carries no data and names
/// no field, so it is served without a token; a server with tokens asks for one on the page (kept for the browser
/// tab only) and sends it as `Authorization: Bearer`.
///
/// Safety: hits are rendered with `textContent` only; snippets are asked for with control characters as
/// highlight tags (`pre=%01&post=%02`), the text is escaped and only those marks become `<mark>`, so a document's
/// own markup never reaches the page as HTML.
enum SearchPage {
    /// The facet specs the page asks for on `schema`: keyword and boolean fields with a column (their 10 most
    /// frequent values) and date fields by year.
    static func facets(_ schema: Schema) -> [String] {
        var specs: [String] = []
        for f in schema.fields where f.column {
            switch f.type {
            case .keyword, .boolean: specs.append(f.name)
            case .date: specs.append(f.name + ":year")
            default: continue
            }
        }
        return Array(specs.prefix(6))
    }

    /// The page, with its configuration (whether a token is needed, the index named in its URL) as JSON. It names
    /// no field: its searches ask for the index's facets (`auto_facets=1`), so it shows only what a token may read.
    static func html(needsToken: Bool, index: String?) -> String {
        var config = "{\"needsToken\":\(needsToken)"
        if let index { config += ",\"index\":" + JSONText.quoted(index) }
        config += "}"
        // Inside <script>, "<" may open "</script>" or "<!--": written as the escape JSON reads back.
        config = config.replacing("<", with: "\\u003c")
        return template.replacing("@@CONFIG@@", with: config)
    }

    private static let template = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Saiga search</title>
        <style>
          :root { --fg: #1d2430; --muted: #5d6878; --accent: #a4541a; --line: #e3e6ea; }
          * { box-sizing: border-box; }
          body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
          header { padding: 18px 24px; border-bottom: 1px solid var(--line); display: flex; gap: 16px; align-items: center; }
          header h1 { font-size: 20px; margin: 0; color: var(--accent); letter-spacing: .02em; }
          form { display: flex; gap: 8px; flex: 1; max-width: 760px; }
          #q { flex: 1; padding: 9px 12px; font-size: 16px; border: 1px solid #c5cad1; border-radius: 6px; }
          button { padding: 8px 14px; font-size: 15px; border: 1px solid #c5cad1; border-radius: 6px; background: #f6f7f8; cursor: pointer; }
          button:disabled { opacity: .45; cursor: default; }
          main { display: grid; grid-template-columns: 240px 1fr; gap: 28px; padding: 20px 24px; max-width: 1200px; }
          aside h3 { font-size: 13px; text-transform: uppercase; color: var(--muted); margin: 18px 0 6px; }
          .bucket { display: flex; justify-content: space-between; width: 100%; border: 0; background: none;
                    padding: 3px 6px; text-align: left; border-radius: 4px; font-size: 14px; }
          .bucket:hover { background: #f1f2f4; }
          .bucket .count { color: var(--muted); }
          #filters { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 10px; }
          .chip { font-size: 13px; padding: 2px 10px; border-radius: 12px; background: #f4e7dc; border: 1px solid #e0c4ad; }
          #status { color: var(--muted); font-size: 14px; margin-bottom: 8px; }
          #error { color: #a11; font-size: 14px; white-space: pre-wrap; }
          .hit { padding: 12px 0; border-bottom: 1px solid var(--line); }
          .hit .title { font-size: 17px; font-weight: 600; }
          .hit .id { font-size: 12px; color: var(--muted); }
          .hit .snippet { margin-top: 4px; color: #333b47; }
          mark { background: #ffe58f; color: inherit; padding: 0 1px; }
          #pager { display: flex; gap: 10px; align-items: center; margin-top: 16px; }
          #token-box { display: none; gap: 6px; }
          @media (max-width: 720px) { main { grid-template-columns: 1fr; } }
        </style>
        </head>
        <body>
        <header>
          <h1>Saiga</h1>
          <form id="search" role="search">
            <input id="q" name="q" type="search" placeholder="Search…" autocomplete="off" autofocus>
            <button id="go" type="submit">Search</button>
          </form>
          <span id="token-box"><input id="token" type="password" placeholder="token" size="12"></span>
        </header>
        <main>
          <aside id="facets"></aside>
          <section>
            <div id="filters"></div>
            <div id="status"></div>
            <div id="error"></div>
            <div id="hits"></div>
            <div id="pager">
              <button id="prev" type="button" disabled>‹ Previous</button>
              <span id="page"></span>
              <button id="next" type="button" disabled>Next ›</button>
            </div>
          </section>
        </main>
        <script id="config" type="application/json">@@CONFIG@@</script>
        <script>
        "use strict";
        const config = JSON.parse(document.getElementById("config").textContent);
        const pageSize = 10;
        const state = { q: "", offset: 0, filters: [] };
        const $ = (id) => document.getElementById(id);
        if (config.needsToken) {
          $("token-box").style.display = "flex";
          $("token").value = sessionStorage.getItem("saiga-token") || "";
        }

        function el(tag, cls, text) {
          const e = document.createElement(tag);
          if (cls) e.className = cls;
          if (text !== undefined) e.textContent = text;
          return e;
        }

        // The snippet comes with \u0001 and \u0002 around matched words: everything else is text.
        function highlighted(snippet) {
          const out = el("div", "snippet");
          let mark = null;
          let buffer = "";
          const flush = () => { if (buffer) { (mark || out).appendChild(document.createTextNode(buffer)); buffer = ""; } };
          for (const ch of snippet) {
            if (ch === "\u0001") { flush(); mark = document.createElement("mark"); }
            else if (ch === "\u0002") { flush(); if (mark) { out.appendChild(mark); mark = null; } }
            else buffer += ch;
          }
          flush();
          if (mark) out.appendChild(mark);
          return out;
        }

        async function run() {
          const p = new URLSearchParams({ q: state.q || "*:*", k: String(pageSize), offset: String(state.offset), pre: "\u0001", post: "\u0002" });
          for (const f of state.filters) p.append("filter", f.filter);
          p.set("auto_facets", "1");
          if (config.index) p.set("index", config.index);
          const headers = {};
          const token = config.needsToken ? $("token").value : "";
          if (token) { headers["Authorization"] = "Bearer " + token; sessionStorage.setItem("saiga-token", token); }
          $("error").textContent = "";
          $("status").textContent = "Searching…";
          let answer;
          try {
            const response = await fetch("/search?" + p.toString(), { headers });
            answer = await response.json().catch(() => ({ error: String(response.status), message: response.statusText }));
            if (!response.ok) throw answer;
          } catch (e) {
            $("status").textContent = "";
            $("error").textContent = (e.message || String(e)) + (e.column ? " (column " + e.column + ")" : "");
            $("hits").replaceChildren();
            document.body.dataset.state = "error";
            return;
          }
          render(answer);
        }

        function render(r) {
          const hits = $("hits");
          hits.replaceChildren();
          for (const h of r.hits) {
            const d = el("article", "hit");
            d.dataset.id = h.id;
            d.appendChild(el("div", "title", h.title || h.id));
            d.appendChild(el("div", "id", h.id));
            if (h.snippet) d.appendChild(highlighted(h.snippet));
            hits.appendChild(d);
          }
          const last = Math.min(state.offset + r.hits.length, r.total);
          $("status").textContent = r.total === 0 ? "No results."
            : `${state.offset + 1}–${last} of ${r.total}${r.total_exact ? "" : "+"} results (${r.took_ms} ms)`;
          $("status").dataset.total = String(r.total);
          $("prev").disabled = state.offset === 0;
          $("next").disabled = last >= r.total;
          $("page").textContent = r.total ? "page " + (Math.floor(state.offset / pageSize) + 1) : "";
          const facets = $("facets");
          facets.replaceChildren();
          for (const f of r.facets) {
            if (!f.buckets.length) continue;
            facets.appendChild(el("h3", null, f.field));
            for (const b of f.buckets) {
              const button = el("button", "bucket");
              button.type = "button";
              button.dataset.filter = b.filter;
              button.dataset.count = String(b.count);
              button.appendChild(el("span", "label", b.label));
              button.appendChild(el("span", "count", String(b.count)));
              button.addEventListener("click", () => {
                state.filters.push({ label: f.field + ": " + b.label, filter: b.filter });
                state.offset = 0;
                run();
              });
              facets.appendChild(button);
            }
          }
          const filters = $("filters");
          filters.replaceChildren();
          state.filters.forEach((f, i) => {
            const chip = el("button", "chip", f.label + " ×");
            chip.type = "button";
            chip.addEventListener("click", () => { state.filters.splice(i, 1); state.offset = 0; run(); });
            filters.appendChild(chip);
          });
          document.body.dataset.state = "done";
          document.body.dataset.offset = String(state.offset);
        }

        $("search").addEventListener("submit", (e) => {
          e.preventDefault();
          state.q = $("q").value.trim();
          state.offset = 0;
          run();
        });
        $("prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - pageSize); run(); });
        $("next").addEventListener("click", () => { state.offset += pageSize; run(); });
        const initial = new URLSearchParams(location.search).get("q");
        if (initial) { $("q").value = initial; state.q = initial; run(); }
        </script>
        </body>
        </html>
        """#
}
