import type { estypes } from '@elastic/elasticsearch';
import { execActionsWithChangeType, legacyExecActions } from '../normalize/exec-test.js';
import { auxiliaryPaths, cimFields, type CimField } from '../normalize/fields.js';
import { argvCandidates } from './argv-pushdown.js';

/** Which clock a range is on: live polls by ingest time, backfills by event time. */
export type TimeBasis = 'ingested' | 'event';

/** A half-open time range [fromMs, toMs) on one basis. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
  basis: TimeBasis;
}

/** How much filtering Elasticsearch does before hits reach the rule. */
export type Pushdown = 'argv' | 'names' | 'none';

/**
 * Process names worth sending to the rule. `sysmon` is there because the Sysmon for Linux
 * integration names every process after the syslog app (the real name comes from the
 * executable); `env` because `env https_proxy=... curl` is recorded as env's exec of curl.
 */
export const candidateProcessNames = ['curl', 'sysmon', 'env'] as const;

/**
 * The search query for one range: process executions (see execFilter), the time range (ingest time with a
 * fallback to @timestamp for documents that lack it), and optionally the candidate names.
 */
export function buildRangeQuery(range: TimeRange, liveTimeField: string, pushdown: Pushdown): estypes.QueryDslQueryContainer {
  const bounds = { gte: range.fromMs, lt: range.toMs, format: 'epoch_millis' };
  const timeFilter: estypes.QueryDslQueryContainer =
    range.basis === 'event'
      ? { range: { '@timestamp': bounds } }
      : {
          bool: {
            should: [
              { range: { [liveTimeField]: bounds } },
              { bool: { must_not: [{ exists: { field: liveTimeField } }], filter: [{ range: { '@timestamp': bounds } }] } },
            ],
            minimum_should_match: 1,
          },
        };
  const filter: estypes.QueryDslQueryContainer[] = [execFilter, timeFilter];
  if (pushdown === 'names') {
    filter.push({
      bool: {
        should: [
          ...candidateProcessNames.map((name) => ({ term: { 'process.name': { value: name, case_insensitive: true } } })),
          // No name at all: the normalizer derives it from the executable or argv[0].
          { bool: { must_not: [{ exists: { field: 'process.name' } }] } },
        ],
        minimum_should_match: 1,
      },
    });
  }
  if (pushdown === 'argv') filter.push(argvCandidates());
  return { bool: { filter } };
}

/**
 * Every exec of every producer (src/normalize/exec-test.ts) and as little else as the index
 * can tell: process starts, except Elastic Defend's fork-only events (a fork that is not also
 * an exec runs the parent's program); execs whose event.type is `change` instead of start
 * (Auditbeat quark: process_changed_image, process_stopped); and Auditbeat 7.x documents,
 * written before event.category existed. End-only events are not starts. The normalizer
 * makes the exact decision per producer; this only has to be a superset of it.
 */
const execFilter: estypes.QueryDslQueryContainer = {
  bool: {
    should: [
      {
        bool: {
          filter: [{ term: { 'event.category': 'process' } }, { term: { 'event.type': 'start' } }],
          must_not: [{ bool: { filter: [{ term: { 'event.action': 'fork' } }], must_not: [{ term: { 'event.action': 'exec' } }] } }],
        },
      },
      {
        bool: {
          filter: [{ term: { 'event.category': 'process' } }, { term: { 'event.type': 'change' } }, { terms: { 'event.action': [...execActionsWithChangeType] } }],
        },
      },
      { bool: { filter: [{ terms: { 'event.action': [...legacyExecActions] } }], must_not: [{ exists: { field: 'event.category' } }] } },
    ],
    minimum_should_match: 1,
  },
};

/** `_source` paths to fetch: everything the normalizer may read, nothing else. */
export function sourceIncludes(fieldMap: Readonly<Record<CimField, readonly string[]>>): string[] {
  const paths = new Set<string>(auxiliaryPaths);
  for (const field of cimFields) for (const p of fieldMap[field]) paths.add(p);
  return [...paths];
}

/** Fields that may be as large as the attacker wants: left out when a document is too large to read whole. */
const largeFields = new Set(['process.command_line', 'process.parent.command_line', 'process.args', 'process.env_vars', 'event.original', 'message', 'process.title']);

/** `_source` paths read from a document too large to read whole: everything but command lines, argv, environment and raw text. */
export function smallSourceIncludes(fieldMap: Readonly<Record<CimField, readonly string[]>>): string[] {
  return sourceIncludes(fieldMap).filter((p) => !largeFields.has(p));
}
