package cpd.esshim;

import java.util.Map;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * Test-only plugin for the secured node of scripts/es.sh (ES_SECURITY=1).
 *
 * The integ-test distribution has x-pack-security but not the analysis-common module, and the
 * mapping of the .security index analyses user e-mails with four of its components. Without
 * them that index cannot be created, so native users, native roles and API keys all fail with
 * "Unknown filter type [pattern_capture]". This registers the same four names on top of the
 * Lucene classes analysis-common uses (lucene-analysis-common ships in lib/). They only affect
 * how the .security index tokenises e-mail addresses, never how security decides anything.
 * It compiles against 8.19 and 9.x alike; es.sh builds it for the Java that runs the node.
 */
public class SecurityIndexAnalysis extends Plugin implements AnalysisPlugin {
  @Override
  public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
    return Map.of(
        "pattern_capture", (indexSettings, env, name, settings) -> {
          boolean preserveOriginal = settings.getAsBoolean("preserve_original", true);
          Pattern[] patterns = settings.getAsList("patterns").stream().map(Pattern::compile).toArray(Pattern[]::new);
          return filter(name, in -> new PatternCaptureGroupTokenFilter(in, preserveOriginal, patterns));
        },
        "lowercase", (indexSettings, env, name, settings) -> filter(name, LowerCaseFilter::new),
        // analysis-common's `unique` drops repeated tokens anywhere; same-position duplicates,
        // all the capture patterns above produce, are what matters here.
        "unique", (indexSettings, env, name, settings) -> filter(name, RemoveDuplicatesTokenFilter::new));
  }

  @Override
  public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
    return Map.of(
        "uax_url_email", (indexSettings, env, name, settings) -> TokenizerFactory.newFactory(name, UAX29URLEmailTokenizer::new));
  }

  // The interface itself, not AbstractTokenFilterFactory: that class's constructor differs
  // between 8.x (name, settings) and 9.x (name), the interface's two methods do not.
  private static TokenFilterFactory filter(String name, java.util.function.UnaryOperator<TokenStream> wrap) {
    return new TokenFilterFactory() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public TokenStream create(TokenStream in) {
        return wrap.apply(in);
      }
    };
  }
}
