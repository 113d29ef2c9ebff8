import type { Config, Suppression } from '../config/schema.js';
import { createNormalizer, type NormalizeOptions, type ProcessEvent, type SkipReason, type SourceHit } from '../normalize/ecs-to-cim.js';
import type { CimField } from '../normalize/fields.js';
import { evaluate } from '../rule/curl-proxy.js';
import { RULE_METADATA } from '../rule/metadata.js';
import { findSuppression } from '../rule/suppress.js';
import type { ProxyUse, RuleOptions, Verdict } from '../rule/types.js';
import { bucketStart, eventRefKey, findingId, groupValues, type GroupValues } from './group.js';

/** What a finding keeps about the event that opened its group (the earliest one). */
export interface MatchMeta {
  cim: Partial<Record<CimField, string>>;
  sourceKind: string;
  mode: Verdict['mode'];
  reason: string;
  proxies: Pick<ProxyUse, 'option' | 'canonical' | 'url' | 'scheme' | 'host' | 'port' | 'source' | 'evasion'>[];
}

/** One matching event, ready for aggregation. */
export interface Match {
  findingId: string;
  bucketStartMs: number;
  group: GroupValues;
  refKey: string;
  time: number;
  meta: MatchMeta;
}

/** The outcome for one hit; every hit lands in exactly one of these. */
export type Classified =
  | { kind: 'skipped'; reason: SkipReason }
  | { kind: 'no_match' }
  | { kind: 'suppressed'; suppression: Suppression }
  | { kind: 'match'; match: Match };

/** The pure per-hit part of the pipeline: normalize -> rule -> suppressions -> group. */
export interface Classifier {
  classify(hit: SourceHit): Classified;
}

/** Builds the classifier from config once; `classify` is then allocation-light and pure. */
export function createClassifier(config: Pick<Config, 'rule' | 'aggregate' | 'source'>, fieldMap: NormalizeOptions['fieldMap']): Classifier {
  const normalizer = createNormalizer({ fieldMap, maxCommandLineBytes: config.source.maxCommandLineBytes });
  const ruleOptions: RuleOptions = { mode: config.rule.mode, noproxyStarDisables: config.rule.noproxyStarDisables };
  const { suppressions } = config.rule;
  const { bucketMs } = config.aggregate;
  // Splunk-mode findings get their own ids, so both modes can write to one index side by side.
  const idNamespace = config.rule.mode === 'splunk' ? `${RULE_METADATA.id}/splunk` : RULE_METADATA.id;
  return {
    classify(hit) {
      const first = normalizer.ruleView(hit);
      if (!first.ok) return { kind: 'skipped', reason: first.reason };
      const view = first.view;
      const verdict = evaluate({ processName: view.processName, processPath: view.processPath, commandLine: view.commandLine, args: view.args, envVars: view.envVars }, ruleOptions);
      if (!verdict.match) return { kind: 'no_match' };
      // Only matches need the other CIM fields (most hits stop above).
      const event = normalizer.complete(view);
      const suppression = findSuppression(
        verdict,
        { dest: event.cim.dest, user: event.cim.user, parentProcessName: event.cim.parent_process_name, commandLine: event.cim.process },
        suppressions,
      );
      if (suppression !== undefined) return { kind: 'suppressed', suppression };
      return { kind: 'match', match: toMatch(event, verdict, bucketMs, idNamespace) };
    },
  };
}

function toMatch(event: ProcessEvent, verdict: Verdict, bucketMs: number, idNamespace: string): Match {
  const group = groupValues(event.cim);
  const start = bucketStart(event.time, bucketMs);
  return {
    findingId: findingId(idNamespace, group, start, bucketMs),
    bucketStartMs: start,
    group,
    refKey: eventRefKey(event.ref),
    time: event.time,
    meta: {
      cim: event.cim,
      sourceKind: event.sourceKind,
      mode: verdict.mode,
      reason: verdict.reason,
      proxies: verdict.proxies.map((p) => ({ option: p.option, canonical: p.canonical, url: p.url, scheme: p.scheme, host: p.host, port: p.port, source: p.source, evasion: p.evasion })),
    },
  };
}
