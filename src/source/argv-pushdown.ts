import type { estypes } from '@elastic/elasticsearch';
import { PROXY_SLOT_OPTIONS, findLongOption, findShortCode, takesValue } from '../rule/curl-options.js';

/**
 * The `argv` push-down: a filter that keeps every event argv mode can match (a proxy seen, or
 * an undecided match over a size limit) and as little else as Elasticsearch can tell cheaply.
 * A process that may be curl (or env(1) running it) AND either a command line the rule will
 * split itself (no argv, or Sysmon) OR an argv word, environment entry or wrapper that can
 * select a proxy; OR anything Elasticsearch could not index whole (`_ignored`).
 *
 * Cost decides the shape as much as precision (docs/performance.md "The argv push-down"):
 * Lucene answers a wildcard or regexp by walking the field's term dictionary, and only an
 * automaton with a fixed first character skips to its part of it. So every argv condition
 * starts with '-' (options are a few thousand terms among millions of URLs and paths),
 * leading wildcards are only used on small dictionaries (executables, captured environment),
 * and the command line, a dictionary of nearly one term per event, is never searched: a curl
 * process without argv is fetched whole and the rule's prefilter reads it.
 * Every condition is a term, prefix, wildcard, regexp or exists query, so keyword and
 * wildcard mappings alike answer it. docs/rule.md "The argv push-down" has the proof.
 */
export function argvCandidates(): estypes.QueryDslQueryContainer {
  return any(notIndexedWhole, all(mayBeCurl, any(readsCommandLine, mayBeEnv, argvMaySelectProxy)));
}

const NAME = 'process.name';
const EXE = 'process.executable';
const ARGS = 'process.args';

const missing = (field: string): estypes.QueryDslQueryContainer => ({ bool: { must_not: [{ exists: { field } }] } });
const any = (...should: estypes.QueryDslQueryContainer[]): estypes.QueryDslQueryContainer => ({ bool: { should, minimum_should_match: 1 } });
const all = (...filter: estypes.QueryDslQueryContainer[]): estypes.QueryDslQueryContainer => ({ bool: { filter } });
const termCi = (field: string, value: string): estypes.QueryDslQueryContainer => ({ term: { [field]: { value, case_insensitive: true } } });
const regexp = (field: string, value: string, caseInsensitive: boolean): estypes.QueryDslQueryContainer => ({
  regexp: { [field]: { value, flags: 'NONE', case_insensitive: caseInsensitive, max_determinized_states: 100_000 } },
});

/** A character as a Lucene regexp literal: letters and digits as they are, anything else escaped. */
const literal = (c: string): string => (/[A-Za-z0-9]/.test(c) ? c : `\\${c}`);
const literalText = (s: string): string => [...s].map(literal).join('');

/**
 * Events Elasticsearch could not index whole, fetched whatever their name or arguments: a
 * value longer than the mapping's `ignore_above` (or malformed) is not indexed, so no
 * condition could see it; Elasticsearch lists the field in `_ignored` instead. The classifier
 * then reads it (cut at its own limits, which makes a curl event an undecided match). A curl
 * event with more arguments than the normalizer reads (10,000) is fetched through
 * `process.args_count` where the producer writes it. Values the normalizer cuts at 4,096 bytes
 * but Elasticsearch indexes whole (a name, executable or environment entry) are not looked
 * for: a length automaton (`.{1024,}`) tripled the cost of every search, and no exec has such
 * a name or path (NAME_MAX 255, PATH_MAX 4,096 bytes), while a long proxy variable is fetched
 * by its name (docs/rule.md).
 */
const notIndexedWhole = any({ exists: { field: '_ignored' } }, { range: { 'process.args_count': { gt: 1_000 } } });

/** Values the normalizer reads as "no value": the empty string and producers' placeholders (docs/producers.md). */
const placeholders = ['', '(null)', '<unknown process>', '-', '/'];

/**
 * Sysmon for Linux, as src/normalize/source-kind.ts tells it (dataset, else the index name),
 * widened to any event named `sysmon`: the rule ignores its process.name and its
 * Windows-split process.args, and reads the command line instead.
 */
const sysmon = any(
  { prefix: { 'data_stream.dataset': 'sysmon_linux.' } },
  { prefix: { 'event.dataset': 'sysmon_linux.' } },
  { wildcard: { _index: { value: '*logs-sysmon_linux.*' } } },
  termCi(NAME, 'sysmon'),
);

/**
 * May the normalizer name this process curl or env (nameKind)? process.name curl or env (any
 * case); an executable whose basename is curl or env (any case); or, when neither says anything (no name, a placeholder, or
 * Sysmon's; no executable or a placeholder), the program word of argv or the command line
 * decides, and those few events are fetched whole. Executables are a small dictionary (one
 * term per installed program), so a regexp over it costs little.
 */
const mayBeCurl = any(
  regexp(NAME, 'curl|env', true),
  regexp(EXE, '(.*/)?(curl|env)', true),
  all(any(missing(NAME), { terms: { [NAME]: placeholders } }, sysmon), any(missing(EXE), { terms: { [EXE]: placeholders } })),
);

/** The rule reads the command line (split with shell rules) when argv is absent, and always for Sysmon. */
const readsCommandLine = any(missing(ARGS), sysmon);

/**
 * env(1) processes (by name or executable) are fetched whole: their proxy can sit in a
 * NAME=value word or a -S string whose only fixed part is in the middle (`*_proxy=*`), and a
 * leading wildcard over all arguments costs more than these events do.
 */
const mayBeEnv = any(termCi(NAME, 'env'), regexp(EXE, '(.*/)?env', true));

/** Short letters that are on/off flags: a cluster goes on past them (curl-args.ts `short`). */
const flagLetters = (() => {
  let letters = '';
  for (let code = 0x21; code < 0x7f; code++) {
    const spec = findShortCode(code);
    if (spec !== undefined && !takesValue(spec)) letters += String.fromCharCode(code);
  }
  return letters;
})();

/** argv[0] spellings of env(1) that argvMaySelectProxy looks for (docs/rule.md): the word and where distributions install it. */
const envPaths = ['env', '/usr/bin/env', '/bin/env', '/usr/local/bin/env', '/usr/sbin/env', '/sbin/env', './env'];

/** The options whose value is a proxy: the proxy slot (-x and the --socks* family) and --preproxy. */
const proxyOptionNames = [...PROXY_SLOT_OPTIONS.keys(), 'preproxy'];

/**
 * Every name argv mode reads as a proxy option: the exact names and each prefix curl < 8.6.0
 * took as a unique abbreviation of one (findLongOption, the rule's own lookup), longest first.
 */
const proxySpellings = (() => {
  const out = new Set<string>();
  for (const name of proxyOptionNames) {
    for (let end = 1; end <= name.length; end++) {
      const found = findLongOption(name.slice(0, end));
      if (found.found && proxyOptionNames.includes(found.spec.name)) out.add(name.slice(0, end));
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
})();

/**
 * Could an argv word select a proxy (curl-args.ts walk)? Every condition starts with '-', so
 * Elasticsearch reads only the option-like terms of the dictionary:
 * - a short cluster reaching x through flag letters only (`-x`, `-sSLx`, `-xhost:1`: a letter
 *   that takes a value ends the cluster);
 * - a long proxy option, `--expand-` or not, in any case and any unique abbreviation (curl
 *   < 8.6.0), or with `=value` under its exact name (no curl accepts both);
 * - a proxy variable in the captured environment (`*_proxy`/`*_PROXY` names: a leading
 *   wildcard, but Elastic Defend captures only the variables its policy lists);
 * - argv[0] env while the name says curl, which the rule reads as env(1) running curl: the
 *   word env or a usual path to it, as exact terms. Any path ending in /env would need a leading
 *   wildcard over every argument term, the slowest condition measured (docs/performance.md);
 *   env itself records its own exec with its own name, fetched by `mayBeEnv`, so only a
 *   forged argv[0] on curl's own exec is left out, and curl does not read such words as env.
 * `-K`/`--config` needs no condition of its own: a config file only makes the environment's
 * proxies apply to URLs the event does not show, and those proxies are fetched above.
 */
const argvMaySelectProxy = any(
  regexp(ARGS, `-[${[...flagLetters].map(literal).join('')}]*x.*`, false),
  regexp(ARGS, `--(expand-)?(${proxySpellings.map(literalText).join('|')})`, true),
  regexp(ARGS, `--(expand-)?(${proxyOptionNames.map(literalText).join('|')})=.*`, false),
  regexp('process.env_vars', '[^=]*_(proxy|PROXY)=.*', false),
  regexp(ARGS, envPaths.map(literalText).join('|'), true),
);
