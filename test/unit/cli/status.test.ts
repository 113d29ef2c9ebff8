import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelled } from '../../../src/cli/commands/status.js';

describe('status text', () => {
  it('starts every labelled value in one column, two spaces after the longest label', () => {
    const lines = labelled([
      ['live cursor', '2026-12-04T20:00:00.000Z'],
      ['leader', 'none'],
      ['backfill queue', 'waiting 0, active 0'],
      ['backfills', ''],
      '  bf-0123456789ab done run 2 chunks 3/3 findings 4',
      ['recent errors', 'none'],
    ]);
    assert.deepEqual(lines, [
      'live cursor     2026-12-04T20:00:00.000Z',
      'leader          none',
      'backfill queue  waiting 0, active 0',
      'backfills',
      '  bf-0123456789ab done run 2 chunks 3/3 findings 4',
      'recent errors   none',
    ]);
    const columns = new Set(lines.filter((l) => !l.startsWith(' ') && l.includes('  ')).map((l) => /^\S+(?: \S+)* {2,}/.exec(l)?.[0].length));
    assert.equal(columns.size, 1);
  });
});
