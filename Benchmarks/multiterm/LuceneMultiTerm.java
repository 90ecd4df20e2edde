// Lucene's side of the multi-term benchmark (issue 13): fuzzy words, wildcards and sloppy phrases on the benchmark
// corpus, timed as ../shared/bench/peers times queries (one thread, warm-up passes first). Lucene 9.9.1 from the
// Anserini fat jar that ../shared/bench/peers/setup fetches; `run` compiles and drives it.
//
//   java LuceneMultiTerm index CORPUS.jsonl INDEX_DIR
//   java LuceneMultiTerm query INDEX_DIR QUERIES.txt WARMUP RUN_OUT
//
// The index holds one field, body = title + "\n" + contents, analysed as Saiga's default analyzer does: Unicode
// words (StandardTokenizer), lower case, the Snowball English (Porter2) stemmer, no stop words. Queries (one per
// line, "qid TAB query") go through the classic QueryParser with leading wildcards allowed. Output: one JSON line
// (p50/p95/p99/mean ms, queries, errors), and RUN_OUT as a TREC run of the top 10 (doc ids with spaces get '_').

import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.*;
import org.apache.lucene.store.FSDirectory;
import org.tartarus.snowball.ext.EnglishStemmer;

public class LuceneMultiTerm {
  static Analyzer analyzer() {
    return new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String field) {
        StandardTokenizer source = new StandardTokenizer();
        TokenStream s = new LowerCaseFilter(source);
        s = new SnowballFilter(s, new EnglishStemmer());
        return new TokenStreamComponents(source, s);
      }

      @Override
      protected TokenStream normalize(String field, TokenStream in) {
        return new LowerCaseFilter(in);
      }
    };
  }

  /** The string value of "key" in a flat JSON object line (enough for the corpus: strings with escapes). */
  static String field(String line, String key) {
    int k = line.indexOf("\"" + key + "\"");
    if (k < 0) return "";
    int i = line.indexOf('"', line.indexOf(':', k + key.length() + 2) + 1);
    StringBuilder b = new StringBuilder();
    for (i = i + 1; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') break;
      if (c == '\\') {
        char e = line.charAt(++i);
        switch (e) {
          case 'n': b.append('\n'); break;
          case 't': b.append('\t'); break;
          case 'r': b.append('\r'); break;
          case 'b': b.append('\b'); break;
          case 'f': b.append('\f'); break;
          case 'u': b.append((char) Integer.parseInt(line.substring(i + 1, i + 5), 16)); i += 4; break;
          default: b.append(e);
        }
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  public static void main(String[] args) throws Exception {
    if (args[0].equals("index")) {
      IndexWriterConfig cfg = new IndexWriterConfig(analyzer());
      cfg.setRAMBufferSizeMB(512);
      try (FSDirectory d = FSDirectory.open(Paths.get(args[2]));
          IndexWriter w = new IndexWriter(d, cfg);
          BufferedReader r = Files.newBufferedReader(Paths.get(args[1]), StandardCharsets.UTF_8)) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.isBlank()) continue;
          Document doc = new Document();
          doc.add(new StringField("id", field(line, "id"), Field.Store.YES));
          String title = field(line, "title"), contents = field(line, "contents");
          doc.add(new TextField("body", title.isEmpty() ? contents : title + "\n" + contents, Field.Store.NO));
          w.addDocument(doc);
        }
        w.forceMerge(1);
      }
      System.out.println("{\"indexed\": true}");
      return;
    }
    int warmup = Integer.parseInt(args[3]);
    List<String[]> queries = new ArrayList<>();
    for (String line : Files.readAllLines(Paths.get(args[2]), StandardCharsets.UTF_8)) {
      if (line.isBlank()) continue;
      int tab = line.indexOf('\t');
      queries.add(new String[] {line.substring(0, tab), line.substring(tab + 1)});
    }
    try (FSDirectory d = FSDirectory.open(Paths.get(args[1])); DirectoryReader reader = DirectoryReader.open(d)) {
      IndexSearcher searcher = new IndexSearcher(reader);
      searcher.setQueryCache(null);
      QueryParser parser = new QueryParser("body", analyzer());
      parser.setAllowLeadingWildcard(true);
      int errors = 0;
      for (int pass = 0; pass < warmup; pass++) {
        for (String[] q : queries) {
          try {
            searcher.search(parser.parse(q[1]), 10);
          } catch (Exception e) {
          }
        }
      }
      long[] wall = new long[queries.size()];
      StringBuilder run = new StringBuilder();
      for (int n = 0; n < queries.size(); n++) {
        String[] q = queries.get(n);
        long t0 = System.nanoTime();
        TopDocs top;
        try {
          top = searcher.search(parser.parse(q[1]), 10);
        } catch (Exception e) {
          errors++;
          wall[n] = System.nanoTime() - t0;
          continue;
        }
        wall[n] = System.nanoTime() - t0;
        int rank = 1;
        for (ScoreDoc sd : top.scoreDocs) {
          String id = searcher.storedFields().document(sd.doc).get("id").replaceAll("\\s", "_");
          run.append(q[0]).append(" Q0 ").append(id).append(' ').append(rank++).append(' ').append(sd.score)
              .append(" lucene\n");
        }
      }
      Files.writeString(Paths.get(args[4]), run.toString());
      long[] sorted = wall.clone();
      Arrays.sort(sorted);
      double mean = Arrays.stream(wall).average().orElse(0) / 1e6;
      System.out.printf(Locale.ROOT,
          "{\"queries\": %d, \"errors\": %d, \"p50_ms\": %.4f, \"p95_ms\": %.4f, \"p99_ms\": %.4f, \"mean_ms\": %.4f}%n",
          sorted.length, errors, pct(sorted, 50), pct(sorted, 95), pct(sorted, 99), mean);
    }
  }

  /** Nearest-rank percentile in ms, as ../shared/bench/peers computes it. */
  static double pct(long[] sorted, int p) {
    if (sorted.length == 0) return 0;
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)] / 1e6;
  }
}
