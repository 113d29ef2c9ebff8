import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smallOptions } from '../../chaos/lib/options.js';
import { formatReport } from '../../chaos/lib/report.js';
import { runChaos } from '../../chaos/lib/runner.js';

// The small chaos configuration (docs/chaos.md): its own Elasticsearch (CPD_CHAOS_ES_PORT,
// default 9270) and Redis (CPD_CHAOS_REDIS_PORT, default 6393), two worker processes from
// dist/ (the test runner builds it), a live stream with late and malformed events, a
// backfill, SIGKILLs, a Redis restart and an Elasticsearch outage. About 75 s on a quiet machine, 150-175 s on a loaded one.
// One Elasticsearch node: the loss of a node of a cluster is tested in CI by es-node-loss.test.ts
// (on both majors) and by the default `npm run chaos`, whose three-node cluster would add about
// a minute of boot and restarts here. One Redis, for the same reason: the Sentinel failover is
// tested in CI by redis-sentinel.test.ts and under every other fault by the default run, and each
// failover here would add about 20 s (the old master back as a linked replica) to a 90 s run.

describe('the small chaos run', () => {
  it('loses no event, duplicates no finding and gets every count, first and last time exact', { timeout: 420_000 }, async () => {
    const report = await runChaos(smallOptions({ log: () => undefined }));
    const why = formatReport(report);
    assert.equal(report.sourceDiscrepancies.length, 0, `the truth is doubtful:\n${why}`);
    assert.equal(report.findings.missing, 0, why);
    assert.equal(report.findings.extra, 0, why);
    assert.equal(report.findings.duplicated, 0, why);
    assert.equal(report.findings.wrongCount, 0, why);
    assert.equal(report.findings.wrongFirst, 0, why);
    assert.equal(report.findings.wrongLast, 0, why);
    assert.equal(report.findings.exact, report.findings.expected, why);
    assert.ok(report.findings.expected > 100, `too few findings to mean anything:\n${why}`);
    assert.ok(report.faults.length >= 5 && report.faults.every((f) => f.error === undefined && f.upAtMs !== undefined), `every fault was injected and recovered:\n${why}`);
    assert.equal(report.backfill.status, 'done', why);
    assert.ok(report.ok, why);
  });
});
