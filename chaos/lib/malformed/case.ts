import { expectedGroup, type Expectation, type GroupValues, type ProcessStart, type Producer } from '../process-start.js';
import type { Random } from '../../../test/support/random.js';

/** Bytes spliced into the serialized document where `token` stands (invalid UTF-8 cannot be a JS string). */
export interface RawPatch {
  token: string;
  bytes: Buffer;
}

/** How the indexer treats `event.ingested` for a document. */
export type IngestedMode = 'stamp' | 'omit' | 'keep';

/** A malformed variant applied to a rendered document. */
export interface Malformation {
  raw?: RawPatch[];
  expect: Expectation;
  ingested?: IngestedMode;
  /** Elasticsearch is expected to refuse the document (400); being stored is a harness problem. */
  expectRejection?: boolean;
}

/** What a case may need besides the event. */
export interface CaseContext {
  r: Random;
  /** `source.maxCommandLineBytes` of the run: the documented cut of longer command lines. */
  maxCommandLineBytes: number;
}

/**
 * One kind of malformed event. `truth` says in one sentence what a correct implementation
 * of the analytic does with it; `expect` in `apply` is that sentence as data.
 */
export interface MalformedCase {
  name: string;
  truth: string;
  producer: Producer;
  /** Start from a proxied curl (true) or from an ordinary program (false). */
  proxied: boolean;
  /** Reuse a process already seen in the run (so the variant must land in its group). */
  recurring?: boolean;
  /** Changes the process before it is rendered (e.g. a 1 MB argument). */
  prepare?(p: ProcessStart, ctx: CaseContext): ProcessStart;
  apply(doc: Record<string, unknown>, p: ProcessStart, ctx: CaseContext): Malformation;
}

/** A document as the producers render it. */
export type Doc = Record<string, unknown>;

/** The object under `key` (the producers' shapes guarantee it). */
export const obj = (doc: Doc, key: string): Doc => doc[key] as Doc;

/** Counted in the group of the well-formed event, with some by-fields changed. */
export const counted = (p: ProcessStart, patch: Partial<GroupValues> = {}): Expectation => ({
  counted: true,
  group: { ...expectedGroup(p), ...patch },
  timeMs: p.timeMs,
});

/** Not counted, and why. */
export const notCounted = (why: string): Expectation => ({ counted: false, why });
