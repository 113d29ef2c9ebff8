import type { estypes } from '@elastic/elasticsearch';

/**
 * The `argv` push-down: a filter that keeps every event argv mode can match (a proxy seen, or
 * an undecided match over a size limit) and drops what cannot. It mirrors src/rule/prefilter.ts
 * (`mayUseProxy`, the rule's own sound pre-check) as Elasticsearch conditions, always erring
 * wider: a process that may be curl (identity) AND something that may select a proxy
 * (evidence); OR anything Elasticsearch could not index whole (`_ignored`), which is where a
 * padded command line would otherwise hide. docs/rule.md "The argv push-down" has the proof.
 * Every condition is a term, wildcard or regexp query, so keyword and wildcard mappings alike
 * answer it.
 */
export function argvCandidates(): estypes.QueryDslQueryContainer {
  return { bool: { should: [notIndexedWhole, { bool: { filter: [identity, evidence] } }], minimum_should_match: 1 } };
}

const ci = (field: string, value: string): estypes.QueryDslQueryContainer => ({ wildcard: { [field]: { value, case_insensitive: true } } });
const cs = (field: string, value: string): estypes.QueryDslQueryContainer => ({ wildcard: { [field]: { value } } });
const termCi = (field: string, value: string): estypes.QueryDslQueryContainer => ({ term: { [field]: { value, case_insensitive: true } } });
const missing = (field: string): estypes.QueryDslQueryContainer => ({ bool: { must_not: [{ exists: { field } }] } });
const any = (...should: estypes.QueryDslQueryContainer[]): estypes.QueryDslQueryContainer => ({ bool: { should, minimum_should_match: 1 } });
const all = (...filter: estypes.QueryDslQueryContainer[]): estypes.QueryDslQueryContainer => ({ bool: { filter } });
const regexp = (field: string, value: string, caseInsensitive: boolean): estypes.QueryDslQueryContainer => ({
  regexp: { [field]: { value, flags: 'NONE', case_insensitive: caseInsensitive, max_determinized_states: 100_000 } },
});

/**
 * A value longer than the mapping's `ignore_above` (or malformed) is not indexed, so no
 * condition below could see it; Elasticsearch lists the field in `_ignored` instead. Every such
 * document is fetched, whatever its name: the classifier then reads it (cut at its own limits,
 * which makes a curl event an undecided match). A curl event with more arguments than the
 * normalizer reads (10,000) is fetched through `process.args_count` where the producer writes it.
 */
const notIndexedWhole = any({ exists: { field: '_ignored' } }, { range: { 'process.args_count': { gt: 1_000 } } });

/** Placeholders the normalizer reads as "no value" (docs/producers.md). */
const placeholders = ['(null)', '<unknown process>', '-', '/'];

/**
 * May this process be curl (or env running curl) once the normalizer has named it? The name
 * (any case), an executable whose path holds curl or env anywhere (so a path cut at a size
 * limit right after "curl" is kept), and, when the name says nothing (absent, or Sysmon's
 * "sysmon"), argv or the command line holding curl or env, or nothing to name it by at all.
 */
const identity = any(
  termCi('process.name', 'curl'),
  termCi('process.name', 'env'),
  ci('process.executable', '*curl*'),
  ci('process.executable', '*env*'),
  all(
    any(missing('process.name'), termCi('process.name', 'sysmon')),
    any(
      ci('process.args', '*curl*'),
      ci('process.args', '*env*'),
      ci('process.command_line', '*curl*'),
      ci('process.command_line', '*env*'),
      all(any(missing('process.executable'), { terms: { 'process.executable': placeholders } }), missing('process.args')),
    ),
  ),
);

/** Word separators of a recorded command line (prefilter.ts isSeparator): space, tab, newline, NUL. */
const sep = ' \t\n\u0000';

/**
 * Could argv, the environment or the command line select a proxy? `mayUseProxy`'s tests, each
 * widened to what one pattern can say: a short-option word with a lower-case x (argv words are
 * whole, so `-*x*`; on a line, a dash after a separator, then a word with an x), a long-option
 * word with pre/prox/sock in any case, a *_proxy / *_PROXY variable, env(1) as a word, and a
 * command line with quoting (which can move word boundaries) holding any of those letters.
 */
const evidence = any(
  cs('process.args', '-*x*'),
  ci('process.args', '--*pre*'),
  ci('process.args', '--*prox*'),
  ci('process.args', '--*sock*'),
  termCi('process.args', 'env'),
  ci('process.args', '*/env'),
  cs('process.env_vars', '*_proxy=*'),
  cs('process.env_vars', '*_PROXY=*'),
  regexp('process.command_line', `(.*[${sep}])?\\-([^${sep}\\-][^${sep}]*)?x.*`, false),
  regexp('process.command_line', `(.*[${sep}])?\\-\\-[^${sep}]*(pre|prox|sock).*`, true),
  cs('process.command_line', '*_proxy=*'),
  cs('process.command_line', '*_PROXY=*'),
  regexp('process.command_line', `(.*[${sep}/])?env([${sep}].*)?`, true),
  all(regexp('process.command_line', `.*[\\'\\"\\\\].*`, false), regexp('process.command_line', '.*(x|pre|prox|sock|_proxy=|env).*', true)),
);
