import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ecsToCim, type NormalizeOptions, type Normalized, type ProcessEvent } from '../../../src/normalize/ecs-to-cim.js';
import { cimFields, defaultFieldMap, type CimField } from '../../../src/normalize/fields.js';
import type { ValueNote } from '../../../src/normalize/values.js';
import { loadHit, patchHit, type EcsFixture } from '../../fixtures/ecs/index.js';

/** The schema default of source.maxCommandLineBytes. */
const DEFAULTS: NormalizeOptions = { fieldMap: defaultFieldMap, maxCommandLineBytes: 1_048_576 };

function mustNormalize(result: Normalized): ProcessEvent {
  assert.ok(result.ok, `expected the event to be normalized, got skipped: ${JSON.stringify(result)}`);
  return result.event;
}

function sortedNotes(event: ProcessEvent): ValueNote[] {
  return [...event.notes].sort();
}

describe('ecsToCim maps each producer\'s process start to every CIM field', () => {
  const cases: [fixture: EcsFixture, expected: ProcessEvent][] = [
    [
      'defend-exec',
      {
        ref: { index: '.ds-logs-endpoint.events.process-default-2026.11.01-000001', id: 'dGVzdC1kZWZlbmQtZXhlYw' },
        time: Date.UTC(2026, 10, 1, 10, 15, 30, 123),
        ingested: Date.UTC(2026, 10, 1, 10, 15, 31),
        sourceKind: 'elastic_defend',
        cim: {
          dest: 'web-01',
          user: 'root',
          parent_process_name: 'bash',
          parent_process: '-bash',
          process_name: 'curl',
          process: 'curl -x socks5h://10.0.0.5:1080 https://example.com/payload',
          process_id: '4242',
          parent_process_path: '/usr/bin/bash',
          process_path: '/usr/bin/curl',
          parent_process_id: '2201',
        },
        args: ['curl', '-x', 'socks5h://10.0.0.5:1080', 'https://example.com/payload'],
        envVars: ['HOME=/root', 'LANG=C.UTF-8'],
        notes: [],
      },
    ],
    [
      'auditd-manager-executed',
      {
        ref: { index: '.ds-logs-auditd_manager.auditd-default-2026.11.01-000001', id: 'dGVzdC1hdWRpdGQtbWFuYWdlcg' },
        time: Date.UTC(2026, 10, 1, 10, 20, 0, 456),
        ingested: Date.UTC(2026, 10, 1, 10, 20, 2),
        sourceKind: 'auditd_manager',
        cim: {
          dest: 'app-02',
          user: 'alice',
          process_name: 'curl',
          // No process.command_line in Auditd Manager events: rebuilt from argv, quoted where the shell would need it.
          process: "curl -s -x http://proxy.corp:3128 -H 'User-Agent: x' https://example.org",
          process_id: '5150',
          process_path: '/usr/bin/curl',
          parent_process_id: '5100',
        },
        args: ['curl', '-s', '-x', 'http://proxy.corp:3128', '-H', 'User-Agent: x', 'https://example.org'],
        envVars: undefined,
        notes: [],
      },
    ],
    [
      'auditbeat-executed',
      {
        ref: { index: '.ds-auditbeat-8.15.3-2026.11.01-000001', id: 'dGVzdC1hdWRpdGJlYXQ' },
        time: Date.UTC(2026, 10, 1, 10, 25, 10, 789),
        ingested: undefined,
        sourceKind: 'auditbeat',
        cim: {
          dest: 'build-07',
          user: 'bob',
          process_name: 'curl',
          process: 'curl --socks5-hostname 127.0.0.1:9050 http://x.onion/',
          process_id: '7044',
          process_path: '/usr/bin/curl',
          parent_process_id: '7001',
        },
        args: ['curl', '--socks5-hostname', '127.0.0.1:9050', 'http://x.onion/'],
        envVars: undefined,
        notes: [],
      },
    ],
    [
      'sysmon-linux-event1',
      {
        ref: { index: '.ds-logs-sysmon_linux.log-default-2026.11.01-000001', id: 'dGVzdC1zeXNtb24tbGludXg' },
        time: Date.UTC(2026, 10, 1, 10, 30, 45),
        ingested: Date.UTC(2026, 10, 1, 10, 30, 47),
        sourceKind: 'sysmon_linux',
        cim: {
          dest: 'db-03',
          // user.name is absent (plain Linux user): read from <Data Name="User"> in event.original.
          user: 'root',
          // No process.parent.name in the event: the parent executable's basename.
          parent_process_name: 'bash',
          parent_process: '-bash',
          // process.name is "sysmon" (the syslog app name): the executable's basename is the truth.
          process_name: 'curl',
          process: 'curl --preproxy socks5://127.0.0.1:1080 -x http://10.1.1.1:3128 https://example.net',
          process_id: '1234',
          parent_process_path: '/usr/bin/bash',
          process_path: '/usr/bin/curl',
          parent_process_id: '900',
        },
        // The integration's process.args are split with Windows rules: not used as argv.
        args: undefined,
        envVars: undefined,
        notes: [],
      },
    ],
    [
      'sysmon-linux-event1-winlog-user',
      {
        ref: { index: '.ds-logs-sysmon_linux.log-default-2026.11.01-000001', id: 'dGVzdC1zeXNtb24td2lubG9nLXVzZXI' },
        time: Date.UTC(2026, 10, 1, 10, 31, 2),
        ingested: Date.UTC(2026, 10, 1, 10, 31, 4),
        sourceKind: 'sysmon_linux',
        cim: {
          dest: 'db-03',
          user: 'svc-backup',
          parent_process_name: 'sh',
          parent_process: '/bin/sh /opt/backup/run.sh',
          process_name: 'curl',
          process: '/usr/bin/curl -sS --socks4a 10.8.0.1:1080 https://updates.example.com/agent.sh',
          process_id: '1502',
          parent_process_path: '/bin/sh',
          process_path: '/usr/bin/curl',
          parent_process_id: '1500',
        },
        args: undefined,
        envVars: undefined,
        notes: [],
      },
    ],
    [
      'generic-ecs',
      {
        ref: { index: 'ecs-process-2026.11.01', id: 'dGVzdC1nZW5lcmljLWVjcw' },
        time: Date.UTC(2026, 10, 1, 10, 40),
        ingested: undefined,
        sourceKind: 'ecs',
        cim: {
          dest: 'edge-09',
          user: 'deploy',
          parent_process_name: 'python3',
          parent_process: 'python3 /srv/sync.py',
          original_file_name: 'curl.exe',
          process_name: 'curl',
          process: 'curl --proxy http://user:secret@proxy.corp:8080 https://example.com',
          process_id: '655',
          parent_process_path: '/usr/bin/python3',
          process_path: '/usr/local/bin/curl',
          parent_process_id: '610',
        },
        args: undefined,
        envVars: undefined,
        notes: [],
      },
    ],
    [
      'dotted-keys',
      {
        ref: { index: 'ecs-process-flat-2026.11.01', id: 'dGVzdC1kb3R0ZWQta2V5cw' },
        time: Date.UTC(2026, 10, 1, 10, 45),
        ingested: undefined,
        sourceKind: 'ecs',
        cim: {
          dest: 'flat-01',
          user: 'carol',
          parent_process_name: 'sh',
          process_name: 'curl',
          process: 'curl -x socks4://192.0.2.7:1080 http://example.com',
          process_id: '321',
          parent_process_path: '/bin/sh',
          process_path: '/usr/bin/curl',
          parent_process_id: '300',
        },
        args: undefined,
        envVars: undefined,
        notes: [],
      },
    ],
  ];
  for (const [fixture, expected] of cases) {
    it(`${fixture} gives the expected time, source kind, CIM fields, argv and env`, () => {
      assert.deepEqual(mustNormalize(ecsToCim(loadHit(fixture), DEFAULTS)), expected);
    });
  }

  it('every CIM field appears in at least one fixture, so the table above covers the whole mapping', () => {
    const seen = new Set<CimField>();
    for (const [, expected] of cases) for (const key of Object.keys(expected.cim)) seen.add(key as CimField);
    assert.deepEqual([...seen].sort(), [...cimFields].sort());
  });
});

describe('ecsToCim keeps only real executions', () => {
  const cases: [name: string, fixture: EcsFixture, patch: Record<string, unknown>, expected: Normalized['ok'] | 'not_exec_action'][] = [
    ['skips an Elastic Defend fork, even one that carries curl\'s command line', 'defend-fork', {}, 'not_exec_action'],
    ['skips an Elastic Defend process start with any other action', 'defend-exec', { 'event.action': 'already_running' }, 'not_exec_action'],
    ['keeps an Elastic Defend exec whose action is missing', 'defend-exec', { 'event.action': undefined }, true],
    ['skips an Auditd Manager event that is not "executed"', 'auditd-manager-executed', { 'event.action': 'connected-to' }, 'not_exec_action'],
    ['keeps an Auditbeat system/process "process_started" event', 'auditbeat-executed', { 'event.action': 'process_started' }, true],
    ['skips an Auditbeat event that is not an execution', 'auditbeat-executed', { 'event.action': 'opened-file' }, 'not_exec_action'],
    ['keeps a Sysmon for Linux Event ID 1 although its action is "log"', 'sysmon-linux-event1', {}, true],
    ['keeps a generic ECS event whatever its action', 'generic-ecs', { 'event.action': 'anything' }, true],
    ['compares actions exactly, so "EXEC" is not Defend\'s "exec"', 'defend-exec', { 'event.action': 'EXEC' }, 'not_exec_action'],
    ['reads the action from an array', 'defend-exec', { 'event.action': ['exec'] }, true],
    // Elastic Defend 8.16+ consolidates a short-lived process into one event, in any order.
    ['keeps a Defend consolidated fork+exec+end event', 'defend-exec', { 'event.action': ['fork', 'exec', 'end'], 'event.type': ['start', 'end'] }, true],
    ['keeps a Defend consolidated exec+end event', 'defend-exec', { 'event.action': ['exec', 'end'], 'event.type': ['start', 'end'] }, true],
    ['keeps a Defend fork+exec event', 'defend-exec', { 'event.action': ['fork', 'exec'] }, true],
    ['keeps a Defend consolidated event whatever the order of its actions', 'defend-exec', { 'event.action': ['end', 'exec', 'fork'] }, true],
    ['skips a Defend end-only event of the same process', 'defend-exec', { 'event.action': ['end'], 'event.type': ['end'] }, 'not_exec_action'],
    ['skips a Defend fork+end event (the child never ran another program)', 'defend-exec', { 'event.action': ['fork', 'end'] }, 'not_exec_action'],
    ['skips a Defend fork-only event sent as an array', 'defend-fork', { 'event.action': ['fork'] }, 'not_exec_action'],
    ['keeps an Auditbeat quark "process_ran" (short-lived) event', 'auditbeat-executed', { 'event.action': 'process_ran', 'event.type': ['start', 'change', 'end'] }, true],
    ['keeps an Auditbeat quark "process_changed_image" (exec without fork) event', 'auditbeat-executed', { 'event.action': 'process_changed_image', 'event.type': ['change'] }, true],
    ['skips an Auditbeat "process_stopped" event that is only an exit', 'auditbeat-executed', { 'event.action': 'process_stopped', 'event.type': ['end'] }, 'not_exec_action'],
    ['keeps an Auditbeat quark "process_stopped" that also execed (event.type [change, end])', 'auditbeat-executed', { 'event.action': 'process_stopped', 'event.type': ['change', 'end'] }, true],
    ['skips an Auditbeat quark "process_ran" without an exec (fork and exit only)', 'auditbeat-executed', { 'event.action': 'process_ran', 'event.type': ['start', 'end'] }, 'not_exec_action'],
    ['keeps a CrowdStrike FDR ProcessRollup2', 'generic-ecs', { 'data_stream.dataset': 'crowdstrike.fdr', 'event.action': 'ProcessRollup2' }, true],
    ['skips a CrowdStrike FDR SyntheticProcessRollup2, as Elastic\'s rules do', 'generic-ecs', { 'data_stream.dataset': 'crowdstrike.fdr', 'event.action': 'SyntheticProcessRollup2' }, 'not_exec_action'],
    ['keeps a SentinelOne Cloud Funnel process creation (action ["start"])', 'generic-ecs', { 'data_stream.dataset': 'sentinel_one_cloud_funnel.event', 'event.action': ['start'] }, true],
    ['skips a Sysmon for Linux event whose code is not 1', 'sysmon-linux-event1', { 'event.code': '5' }, 'not_exec_action'],
    ['keeps a Sysmon for Linux event whose code 1 is a number', 'sysmon-linux-event1', { 'event.code': 1 }, true],
    ['keeps a Defend event whose action array holds no string at all', 'defend-exec', { 'event.action': [7, null] }, true],
  ];
  for (const [name, fixture, patch, expected] of cases) {
    it(name, () => {
      const result = ecsToCim(patchHit(fixture, patch), DEFAULTS);
      if (expected === true) assert.equal(result.ok, true, JSON.stringify(result));
      else assert.deepEqual(result, { ok: false, reason: expected });
    });
  }
});

describe('ecsToCim repairs what each producer is known to send', () => {
  it('reads the parent pid from process.ppid when process.parent.pid is missing (older Auditbeat)', () => {
    const event = mustNormalize(ecsToCim(patchHit('auditbeat-executed', { 'process.parent': undefined, 'process.ppid': 1200 }), DEFAULTS));
    assert.equal(event.cim.parent_process_id, '1200');
  });

  it('prefers process.parent.pid over process.ppid when both are there', () => {
    const event = mustNormalize(ecsToCim(patchHit('auditbeat-executed', { 'process.parent.pid': 1300, 'process.ppid': 1200 }), DEFAULTS));
    assert.equal(event.cim.parent_process_id, '1300');
  });

  it('treats a Sysmon "(null)" image as missing and names the process after the command line\'s first word', () => {
    const event = mustNormalize(ecsToCim(patchHit('sysmon-linux-event1', { 'process.executable': '(null)' }), DEFAULTS));
    assert.equal(event.cim.process_path, undefined);
    assert.equal(event.cim.process_name, 'curl');
  });

  it('never takes Sysmon\'s "sysmon" for the process name: with neither image nor command line the event is skipped', () => {
    const hit = patchHit('sysmon-linux-event1', { 'process.executable': '(null)', 'process.command_line': undefined });
    assert.equal((hit.source as { process: { name: string } }).process.name, 'sysmon');
    assert.deepEqual(ecsToCim(hit, DEFAULTS), { ok: false, reason: 'no_process_fields' });
  });

  it('picks, from a process.name array, the name that agrees with the executable', () => {
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'process.name': ['sh', 'curl'] }), DEFAULTS));
    assert.equal(event.cim.process_name, 'curl');
  });

  it('keeps every name of a process.name array that the executable does not settle', () => {
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'process.name': ['sh', 'wget'] }), DEFAULTS));
    assert.equal(event.cim.process_name, 'sh | wget');
  });
});

describe('ecsToCim skips events it cannot evaluate, with a reason', () => {
  const cases: [name: string, fixture: EcsFixture, patch: Record<string, unknown>, reason: 'no_timestamp' | 'no_process_fields'][] = [
    ['an event without @timestamp', 'defend-exec', { '@timestamp': undefined }, 'no_timestamp'],
    ['an event whose @timestamp is not a date', 'defend-exec', { '@timestamp': 'yesterday' }, 'no_timestamp'],
    ['an event whose @timestamp is an object', 'defend-exec', { '@timestamp': { date: '2026-11-01' } }, 'no_timestamp'],
    ['an event without any process field', 'defend-exec', { process: undefined }, 'no_process_fields'],
    ['an event whose process object holds only pids', 'auditbeat-executed', { process: { pid: 1, parent: { pid: 2 } } }, 'no_process_fields'],
    ['an event whose process fields are all empty strings', 'generic-ecs', { process: { name: '', command_line: '', executable: '' } }, 'no_process_fields'],
    ['an event whose process is a string instead of an object', 'generic-ecs', { process: 'curl -x p:1' }, 'no_process_fields'],
  ];
  for (const [name, fixture, patch, reason] of cases) {
    it(`skips ${name} as ${reason}`, () => {
      assert.deepEqual(ecsToCim(patchHit(fixture, patch), DEFAULTS), { ok: false, reason });
    });
  }

  it('checks the timestamp before the action, so a fork without @timestamp counts as no_timestamp', () => {
    assert.deepEqual(ecsToCim(patchHit('defend-fork', { '@timestamp': undefined }), DEFAULTS), { ok: false, reason: 'no_timestamp' });
  });

  it('returns a skip instead of throwing for a hit whose _source is not an object', () => {
    for (const source of [null, undefined, 'text', 42, []]) {
      assert.deepEqual(ecsToCim({ index: 'x', id: 'y', source }, DEFAULTS), { ok: false, reason: 'no_timestamp' });
    }
  });
});

describe('ecsToCim matches on what exists when fields are odd', () => {
  it('reads an epoch-milliseconds @timestamp and event.ingested', () => {
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { '@timestamp': 1_793_527_200_000, 'event.ingested': 1_793_527_201_000 }), DEFAULTS));
    assert.equal(event.time, 1_793_527_200_000);
    assert.equal(event.ingested, 1_793_527_201_000);
  });

  it('leaves ingested undefined when event.ingested is not a date', () => {
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'event.ingested': 'soon' }), DEFAULTS));
    assert.equal(event.ingested, undefined);
  });

  it('reads a pid written as a string', () => {
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'process.pid': '4242', 'process.parent.pid': '2201' }), DEFAULTS));
    assert.equal(event.cim.process_id, '4242');
    assert.equal(event.cim.parent_process_id, '2201');
    assert.deepEqual(event.notes, []);
  });

  it('reads a pid held in a one-element array', () => {
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'process.pid': [4242] }), DEFAULTS));
    assert.equal(event.cim.process_id, '4242');
    assert.deepEqual(event.notes, []);
  });

  it('takes the command line out of a one-element array without a note', () => {
    const line = 'curl -x socks5h://10.0.0.5:1080 https://example.com/payload';
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'process.command_line': [line] }), DEFAULTS));
    assert.equal(event.cim.process, line);
    assert.deepEqual(event.notes, []);
  });

  it('reads a command line split into an array as its words in order, and notes the join', () => {
    const event = mustNormalize(
      ecsToCim(patchHit('defend-exec', { 'process.command_line': ['curl', '-x', 'socks5h://10.0.0.5:1080', 'https://example.com/payload'] }), DEFAULTS),
    );
    assert.equal(event.cim.process, 'curl -x socks5h://10.0.0.5:1080 https://example.com/payload');
    assert.deepEqual(sortedNotes(event), ['array_joined']);
  });

  it('rebuilds the command line from argv when command_line is an empty string', () => {
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'process.command_line': '' }), DEFAULTS));
    assert.equal(event.cim.process, 'curl -x socks5h://10.0.0.5:1080 https://example.com/payload');
  });

  it('derives the process name from argv[0] when only argv is present', () => {
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { process: { args: ['/usr/bin/curl', '-x', 'p:1', 'https://a'] } }), DEFAULTS));
    assert.equal(event.cim.process_name, 'curl');
    assert.equal(event.cim.process, '/usr/bin/curl -x p:1 https://a');
    assert.equal(event.cim.process_path, undefined);
  });

  it('derives the process name from the executable when process.name is absent', () => {
    const event = mustNormalize(ecsToCim(patchHit('generic-ecs', { 'process.name': undefined }), DEFAULTS));
    assert.equal(event.cim.process_name, 'curl');
  });

  it('keeps a producer\'s own process.name over the executable\'s basename (outside Sysmon)', () => {
    const event = mustNormalize(ecsToCim(patchHit('generic-ecs', { 'process.name': 'curl-wrapper' }), DEFAULTS));
    assert.equal(event.cim.process_name, 'curl-wrapper');
  });

  it('derives the parent name from the parent executable when process.parent.name is absent', () => {
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'process.parent.name': undefined }), DEFAULTS));
    assert.equal(event.cim.parent_process_name, 'bash');
  });

  it('cuts a command line longer than maxCommandLineBytes and notes it', () => {
    const line = `curl -x http://10.0.0.5:3128 https://example.com/?q=${'a'.repeat(5_000)}`;
    const args = ['curl', '-x', 'http://10.0.0.5:3128', `https://example.com/?q=${'a'.repeat(5_000)}`];
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'process.command_line': line, 'process.args': args }), { ...DEFAULTS, maxCommandLineBytes: 1_024 }));
    assert.equal(event.cim.process, line.slice(0, 1_024));
    assert.equal(event.args?.[3]?.length, 1_024, 'argv items are cut to the same limit');
    assert.equal(event.args?.[2], 'http://10.0.0.5:3128', 'short argv items are untouched');
    assert.deepEqual(sortedNotes(event), ['truncated']);
  });

  it('cuts the parent command line to maxCommandLineBytes as well', () => {
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'process.parent.command_line': `bash -c ${'b'.repeat(3_000)}` }), { ...DEFAULTS, maxCommandLineBytes: 1_024 }));
    assert.equal(event.cim.parent_process?.length, 1_024);
    assert.deepEqual(sortedNotes(event), ['truncated']);
  });

  it('cuts other fields at 4096 characters whatever maxCommandLineBytes is', () => {
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'host.name': 'h'.repeat(5_000) }), DEFAULTS));
    assert.equal(event.cim.dest, 'h'.repeat(4_096));
    assert.deepEqual(sortedNotes(event), ['truncated']);
  });

  it('cuts a command line rebuilt from long argv and notes it', () => {
    const args = ['curl', '-x', 'http://proxy.corp:3128', `https://example.org/${'z'.repeat(2_000)}`];
    const event = mustNormalize(ecsToCim(patchHit('auditd-manager-executed', { 'process.args': args }), { ...DEFAULTS, maxCommandLineBytes: 1_024 }));
    assert.equal(event.cim.process?.length, 1_024);
    assert.ok(event.cim.process?.startsWith('curl -x http://proxy.corp:3128 https://example.org/zzz'));
    assert.deepEqual(sortedNotes(event), ['truncated']);
  });

  it('repairs ill-formed UTF-16 in the command line, argv and user name and notes it', () => {
    const event = mustNormalize(
      ecsToCim(
        patchHit('defend-exec', {
          'process.command_line': 'curl -x socks5h://10.0.0.5:1080 https://example.com/\uD800',
          'process.args': ['curl', '-x', 'socks5h://10.0.0.5:1080', 'https://example.com/\uD800'],
          'user.name': 'ro\uDC00ot',
        }),
        DEFAULTS,
      ),
    );
    assert.equal(event.cim.process, 'curl -x socks5h://10.0.0.5:1080 https://example.com/\uFFFD');
    assert.equal(event.args?.[3], 'https://example.com/\uFFFD');
    assert.equal(event.cim.user, 'ro\uFFFDot');
    assert.deepEqual(sortedNotes(event), ['ill_formed_unicode']);
    for (const value of Object.values(event.cim)) assert.ok(value.isWellFormed());
  });

  it('reports each note once however many fields needed it', () => {
    const event = mustNormalize(
      ecsToCim(patchHit('defend-exec', { 'host.name': ['web-01', 'web-01.corp'], 'user.name': ['root', 'admin'], 'process.pid': true }), DEFAULTS),
    );
    assert.equal(event.cim.dest, 'web-01 | web-01.corp', 'both host names, sorted: neither is hidden');
    assert.equal(event.cim.user, 'admin | root');
    assert.equal(event.cim.process_id, 'true');
    assert.deepEqual(sortedNotes(event), ['array_joined', 'non_string_coerced']);
  });

  it('ignores non-string env vars and keeps the rest', () => {
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'process.env_vars': ['HTTPS_PROXY=http://p:3128', 7, null] }), DEFAULTS));
    assert.deepEqual(event.envVars, ['HTTPS_PROXY=http://p:3128']);
  });

  // Regression (fixed; src/normalize/ecs-to-cim.ts, the `max` passed to asString, and values.ts asString's
  // `s.length > maxLength`): maxCommandLineBytes is compared with the UTF-16 length, not the
  // UTF-8 byte size. A 1,024-character line of 3-byte characters is 3,072 bytes and is kept
  // whole with no 'truncated' note, although the config key promises a byte limit.
  it('cuts a command line of multi-byte characters to maxCommandLineBytes UTF-8 bytes', () => {
    const line = `curl -x http://p:3128 https://example.com/${'€'.repeat(2_000)}`;
    const event = mustNormalize(ecsToCim(patchHit('defend-exec', { 'process.command_line': line }), { ...DEFAULTS, maxCommandLineBytes: 1_024 }));
    assert.ok(Buffer.byteLength(event.cim.process ?? '', 'utf8') <= 1_024, `got ${Buffer.byteLength(event.cim.process ?? '', 'utf8')} bytes`);
    assert.ok(event.notes.includes('truncated'));
  });
});

describe('ecsToCim rebuilds a command line from argv the way a POSIX shell would read it back', () => {
  const cases: [args: string[], expected: string][] = [
    [['curl', '-x', 'p:1', 'https://a'], 'curl -x p:1 https://a'],
    [['curl', '-H', 'User-Agent: x'], "curl -H 'User-Agent: x'"],
    [['curl', ''], "curl ''"],
    [['curl', "it's"], "curl 'it'\\''s'"],
    [['curl', '-d', '{"a":1}'], `curl -d '{"a":1}'`],
    [['curl', '$HOME'], "curl '$HOME'"],
    [['curl', 'a\\b'], "curl 'a\\b'"],
    [['curl', '`id`'], "curl '`id`'"],
    [['curl', 'tab\there'], "curl 'tab\there'"],
    [['curl', 'new\nline'], "curl 'new\nline'"],
  ];
  for (const [args, expected] of cases) {
    it(`${JSON.stringify(args)} becomes ${JSON.stringify(expected)}`, () => {
      const event = mustNormalize(ecsToCim(patchHit('auditd-manager-executed', { 'process.args': args }), DEFAULTS));
      assert.equal(event.cim.process, expected);
    });
  }
});

describe('ecsToCim fixes Sysmon for Linux events', () => {
  const rawUser = (original: string | undefined, extra: Record<string, unknown> = {}) =>
    patchHit('sysmon-linux-event1', { 'event.original': original, ...extra });
  const cases: [name: string, patch: () => ReturnType<typeof patchHit>, expected: string | undefined][] = [
    ['keeps user.name when the integration set it (DOMAIN\\user values)', () => rawUser('<Data Name="User">CORP\\alice</Data>', { 'user.name': 'alice' }), 'alice'],
    ['reads a single-quoted Name=\'User\' attribute', () => rawUser("<Data Name='User'>postgres</Data>"), 'postgres'],
    ['strips a domain from the raw user', () => rawUser('<Data Name="User">CORP\\alice</Data>'), 'alice'],
    ['decodes XML entities in the raw user', () => rawUser('<Data Name="User">a&amp;b</Data>'), 'a&b'],
    ['trims spaces around the raw user', () => rawUser('<Data Name="User">  root </Data>'), 'root'],
    ['treats "-" as no user', () => rawUser('<Data Name="User">-</Data>'), undefined],
    ['treats an empty User element as no user', () => rawUser('<Data Name="User"></Data>'), undefined],
    ['reads a User value that runs to the end of a cut-off record', () => rawUser('<Data Name="User">root'), 'root'],
    ['finds no user in a record without a User element', () => rawUser('<Data Name="ParentUser">root</Data>'), undefined],
    ['finds no user when event.original is absent', () => rawUser(undefined), undefined],
    [
      'prefers winlog.event_data.User over event.original',
      () => rawUser('<Data Name="User">root</Data>', { 'winlog.event_data.User': 'svc' }),
      'svc',
    ],
    ['strips a domain from winlog.event_data.User', () => patchHit('sysmon-linux-event1-winlog-user', { 'winlog.event_data.User': 'CORP\\svc-backup' }), 'svc-backup'],
  ];
  for (const [name, make, expected] of cases) {
    it(`user: ${name}`, () => {
      assert.equal(mustNormalize(ecsToCim(make(), DEFAULTS)).cim.user, expected);
    });
  }

  it('does not read a raw user for other producers', () => {
    const hit = patchHit('generic-ecs', { 'user.name': undefined, 'event.original': '<Data Name="User">root</Data>', 'winlog.event_data.User': 'root' });
    assert.equal(mustNormalize(ecsToCim(hit, DEFAULTS)).cim.user, undefined);
  });

  it('replaces process.name "sysmon" with the executable\'s basename', () => {
    const event = mustNormalize(ecsToCim(patchHit('sysmon-linux-event1', { 'process.executable': '/opt/tools/curl' }), DEFAULTS));
    assert.equal(event.cim.process_name, 'curl');
  });

  it('keeps a parent name the integration did set', () => {
    const event = mustNormalize(ecsToCim(patchHit('sysmon-linux-event1', { 'process.parent.name': 'zsh' }), DEFAULTS));
    assert.equal(event.cim.parent_process_name, 'zsh');
  });

  it('uses host.name, not winlog.computer_name, when both exist', () => {
    const event = mustNormalize(ecsToCim(patchHit('sysmon-linux-event1', { 'host.name': 'db-03.corp', 'winlog.computer_name': 'db-03' }), DEFAULTS));
    assert.equal(event.cim.dest, 'db-03.corp');
  });

  it('falls back to winlog.computer_name for dest when host fields are absent', () => {
    const event = mustNormalize(ecsToCim(patchHit('sysmon-linux-event1', { host: undefined }), DEFAULTS));
    assert.equal(event.cim.dest, 'db-03');
  });
});

describe('ecsToCim follows the configured field map', () => {
  it('reads dest from host.hostname first when the config lists it first', () => {
    const fieldMap = { ...defaultFieldMap, dest: ['host.hostname', 'host.name'] };
    const event = mustNormalize(ecsToCim(loadHit('generic-ecs'), { ...DEFAULTS, fieldMap }));
    assert.equal(event.cim.dest, 'edge-09.corp.example');
  });

  it('falls through to the next path when the first is absent', () => {
    const fieldMap = { ...defaultFieldMap, dest: ['observer.hostname', 'host.hostname'] };
    const event = mustNormalize(ecsToCim(loadHit('generic-ecs'), { ...DEFAULTS, fieldMap }));
    assert.equal(event.cim.dest, 'edge-09.corp.example');
  });

  it('falls through to the next path when the first holds an empty string', () => {
    const fieldMap = { ...defaultFieldMap, user: ['user.effective.name', 'user.name'] };
    const event = mustNormalize(ecsToCim(patchHit('generic-ecs', { 'user.effective.name': '' }), { ...DEFAULTS, fieldMap }));
    assert.equal(event.cim.user, 'deploy');
  });

  it('reads the command line from process.title when the config says so', () => {
    const fieldMap = { ...defaultFieldMap, process: ['process.command_line', 'process.title'] };
    const event = mustNormalize(ecsToCim(loadHit('auditbeat-executed'), { ...DEFAULTS, fieldMap }));
    assert.equal(event.cim.process, 'curl --socks5-hostname 127.0.0.1:9050 http://x.onion/');
  });

  it('leaves a CIM field empty when the config maps it to nothing', () => {
    const fieldMap = { ...defaultFieldMap, user: [] };
    const event = mustNormalize(ecsToCim(loadHit('defend-exec'), { ...DEFAULTS, fieldMap }));
    assert.equal(event.cim.user, undefined);
  });
});

describe('ecsToCim with Sysmon for Linux arguments', () => {
  it('ignores the Windows-split process.args so quoting follows the POSIX command line', () => {
    // The integration would split `--noproxy '*'` into the word `'*'` (quotes kept).
    const hit = patchHit('sysmon-linux-event1', {
      'process.command_line': "curl --noproxy '*' -x http://p:3128 https://a",
      'process.args': ['curl', '--noproxy', "'*'", '-x', 'http://p:3128', 'https://a'],
    });
    const event = mustNormalize(ecsToCim(hit, DEFAULTS));
    assert.equal(event.args, undefined);
    assert.equal(event.cim.process, "curl --noproxy '*' -x http://p:3128 https://a");
  });
});
