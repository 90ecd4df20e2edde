// Lucene's own scores for a small corpus and a list of queries: the fixture that Saiga's scoring tests compare
// against (Tests/SaigaTests/Resources/lucene-reference.tsv). Run by `Benchmarks/lucene-reference/run`, with Lucene
// 9.9.1 from ../shared/bench/peers (its `setup` fetches the jar).
//
// Input: DOCS.tsv (id TAB text, one per line) and QUERIES.txt (one query per line, Lucene's classic syntax on the
// field "body"). Analysis: StandardAnalyzer without stop words (lower-cased words), which Saiga's analyzer matches
// on plain ASCII words with stemming and stop words off. Similarity: BM25 (k1 1.2, b 0.75), the default.
// Output on stdout, per query and hit (top 50): query number TAB id TAB score as Float.floatToIntBits in hex.

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

public class LuceneReference {
  public static void main(String[] args) throws Exception {
    StandardAnalyzer analyzer = new StandardAnalyzer(CharArraySet.EMPTY_SET);
    ByteBuffersDirectory dir = new ByteBuffersDirectory();
    IndexWriterConfig config = new IndexWriterConfig(analyzer);
    try (IndexWriter writer = new IndexWriter(dir, config)) {
      for (String line : Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8)) {
        int tab = line.indexOf('\t');
        Document d = new Document();
        d.add(new StringField("id", line.substring(0, tab), Field.Store.YES));
        d.add(new TextField("body", line.substring(tab + 1), Field.Store.NO));
        writer.addDocument(d);
      }
      writer.forceMerge(1);
    }
    try (DirectoryReader reader = DirectoryReader.open(dir)) {
      IndexSearcher searcher = new IndexSearcher(reader);
      searcher.setQueryCache(null);
      List<String> queries = Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8);
      StringBuilder out = new StringBuilder();
      for (int q = 0; q < queries.size(); q++) {
        QueryParser parser = new QueryParser("body", analyzer);
        Query query = parser.parse(queries.get(q));
        TopDocs top = searcher.search(query, 50);
        for (ScoreDoc sd : top.scoreDocs) {
          String id = searcher.storedFields().document(sd.doc).get("id");
          out.append(q).append('\t').append(id).append('\t')
              .append(Integer.toHexString(Float.floatToIntBits(sd.score))).append('\n');
        }
      }
      System.out.print(out);
    }
  }
}
