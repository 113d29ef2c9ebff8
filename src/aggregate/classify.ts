import type { Config, Suppression } from '../config/schema.js';
import { createNormalizer, type NormalizeOptions, type ProcessEvent, type SkipReason, type SourceHit } from '../normalize/ecs-to-cim.js';
import type { CimField } from '../normalize/fields.js';
import { evaluate } from '../rule/curl-proxy.js';
import { nameKind } from '../rule/process-identity.js';
import { redactCommandLine, redactText } from '../rule/redact.js';
import { RULE_METADATA } from '../rule/metadata.js';
import { findSuppression } from '../rule/suppress.js';
import type { ProxyUse, RuleInput, RuleOptions, Verdict } from '../rule/types.js';
import { fitString, type ValueNote } from '../normalize/values.js';
import { bucketStart, eventRefKey, findingId, groupValues, type GroupValues } from './group.js';

/** What a finding keeps about the event that opened its group (the earliest one). */
export interface MatchMeta {
  cim: Partial<Record<CimField, string>>;
  sourceKind: string;
  mode: Verdict['mode'];
  reason: string;
  /** `refused` is absent in metadata written before it existed. */
  proxies: (Pick<ProxyUse, 'option' | 'canonical' | 'url' | 'scheme' | 'host' | 'port' | 'source' | 'evasion'> & { refused?: string | null })[];
}

/** One matching event, ready for aggregation. */
export interface Match {
  findingId: string;
  bucketStartMs: number;
  group: GroupValues;
  refKey: string;
  time: number;
  meta: MatchMeta;
  /** Decided by the limits policy (an event read in part or cut) or because the rule failed, not by a proxy seen. */
  undecided: boolean;
}

/** The outcome for one hit; every hit lands in exactly one of these. */
export type Classified =
  | { kind: 'skipped'; reason: SkipReason }
  | { kind: 'no_match' }
  | { kind: 'suppressed'; suppression: Suppression }
  | { kind: 'match'; match: Match }
  /** Classifying threw (a bug): counted and reported with the event's reference, never fatal to the window. */
  | { kind: 'failed'; error: string };

/** The pure per-hit part of the pipeline: normalize -> rule -> suppressions -> group. */
export interface Classifier {
  /** Total: never throws, whatever the hit holds. */
  classify(hit: SourceHit): Classified;
}

/** Builds the classifier from config once; `classify` is then allocation-light and pure. */
export function createClassifier(config: Pick<Config, 'rule' | 'aggregate' | 'source'> & { sink?: Pick<Config['sink'], 'redactCredentials'> }, fieldMap: NormalizeOptions['fieldMap']): Classifier {
  const normalizer = createNormalizer({ fieldMap, maxCommandLineBytes: config.source.maxCommandLineBytes });
  const ruleOptions: RuleOptions = { mode: config.rule.mode, noproxyStarDisables: config.rule.noproxyStarDisables };
  const { suppressions } = config.rule;
  const { bucketMs } = config.aggregate;
  // Splunk-mode findings get their own ids, so both modes can write to one index side by side.
  const idNamespace = config.rule.mode === 'splunk' ? `${RULE_METADATA.id}/splunk` : RULE_METADATA.id;
  const redactLine = config.sink?.redactCredentials === false ? (line: string) => line : redactCommandLine;

  const classifyOne = (hit: SourceHit): Classified => {
    const first = normalizer.ruleView(hit);
    if (!first.ok) return { kind: 'skipped', reason: first.reason };
    const view = first.view;
    const input: RuleInput = { processName: view.processName, processPath: view.processPath, commandLine: view.commandLine, args: view.args, envVars: view.envVars };
    let verdict: Verdict;
    try {
      verdict = evaluate(input, ruleOptions);
    } catch (err) {
      // The rule is total by design; if it ever throws, a process that may be curl is a match
      // (an input must never be a way to hide a proxy), anything else is not this analytic's.
      if (nameKind(input) === 'other') return { kind: 'no_match' };
      verdict = undecided(`the rule could not decide (${describeError(err)})`, ruleOptions.mode);
    }
    if (!verdict.match) {
      // Decided on what fits: a cut command line or a document read in part cannot prove that
      // curl used no proxy, so padding an event past a limit never hides one.
      const over = overLimit(hit, view.notes);
      if (over === null || !(verdict.isCurl || nameKind(input) === 'unknown')) return { kind: 'no_match' };
      verdict = undecided(over, ruleOptions.mode);
    }
    // Only matches need the other CIM fields (most hits stop above).
    const event = normalizer.complete(view);
    const suppression = findSuppression(
      verdict,
      { dest: event.cim.dest, user: event.cim.user, parentProcessName: event.cim.parent_process_name, commandLine: event.cim.process },
      suppressions,
    );
    if (suppression !== undefined) return { kind: 'suppressed', suppression };
    return { kind: 'match', match: toMatch(event, verdict, bucketMs, idNamespace, redactLine) };
  };

  return {
    classify(hit) {
      try {
        return classifyOne(hit);
      } catch (err) {
        return { kind: 'failed', error: describeError(err) };
      }
    },
  };
}

/** Why the event could only be read in part, or null when it was read whole. */
function overLimit(hit: SourceHit, notes: ReadonlySet<ValueNote>): string | null {
  if (hit.partial === true) return 'the document is larger than source.maxResponseBytes, so only its small fields were read';
  if (notes.has('truncated')) return 'its command line, arguments or environment were cut at a size limit';
  return null;
}

/** A match decided by the limits policy instead of by reading every argument. */
function undecided(why: string, mode: RuleOptions['mode']): Verdict {
  return {
    match: true,
    mode,
    isCurl: true,
    proxies: [],
    routes: [],
    nearMisses: [],
    reason: `Counted as a match without a proxy shown: ${why}; in doubt a curl process is a match, so no size can hide a proxy.`,
    notes: [OVER_LIMIT_NOTE],
  };
}


/** The note that marks a verdict decided by the limits policy or a failed rule. */
const OVER_LIMIT_NOTE = 'undecided: counted as a match in doubt';

/** An error as one short line (name and message, cut), for counters and logs. */
function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Longest value of a CIM field kept in a match's metadata (Redis, then the finding); the group keeps the whole command line. */
const maxMetaValueBytes = 32_768;

/** The CIM fields a finding reads from the metadata; the group's own fields come from the group. */
const metaFields = ['parent_process', 'original_file_name', 'parent_process_path', 'process_path'] as const satisfies readonly CimField[];

function toMatch(event: ProcessEvent, verdict: Verdict, bucketMs: number, idNamespace: string, redactLine: (line: string) => string): Match {
  const group = groupValues(event.cim);
  const start = bucketStart(event.time, bucketMs);
  const cim: Partial<Record<CimField, string>> = {};
  for (const field of metaFields) {
    const value = event.cim[field];
    if (value !== undefined) cim[field] = fitString(field === 'parent_process' ? redactLine(value) : value, maxMetaValueBytes);
  }
  return {
    // The id hashes the command line as it was, so two secrets never share a finding;
    // everything stored or shown carries it with credentials hidden (src/rule/redact.ts).
    findingId: findingId(idNamespace, group, start, bucketMs),
    bucketStartMs: start,
    group: { ...group, process: redactLine(group.process) },
    refKey: eventRefKey(event.ref),
    time: event.time,
    undecided: verdict.notes.includes(OVER_LIMIT_NOTE),
    meta: {
      cim,
      sourceKind: event.sourceKind,
      mode: verdict.mode,
      reason: redactText(verdict.reason),
      proxies: verdict.proxies.map((p) => ({ option: p.option, canonical: p.canonical, url: p.url, scheme: p.scheme, host: p.host, port: p.port, source: p.source, evasion: p.evasion, refused: p.refused })),
    },
  };
}
