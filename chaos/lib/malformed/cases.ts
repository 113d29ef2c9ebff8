import type { MalformedCase } from './case.js';
import { encodingCases } from './encoding.js';
import { shapeCases } from './shape.js';
import { valueCases } from './values.js';

export type { CaseContext, IngestedMode, Malformation, MalformedCase, RawPatch } from './case.js';

/**
 * Every malformed case; each is emitted a few times per run, in the live stream and in
 * history. Each case's `truth` is the ground truth for it (docs/chaos.md lists them).
 */
export const malformedCases: readonly MalformedCase[] = [...valueCases, ...encodingCases, ...shapeCases];
