import type { MatchMeta } from '../../../src/aggregate/classify.js';
import type { GroupState } from '../../../src/aggregate/group-store.js';
import { MISSING, type GroupValues } from '../../../src/aggregate/group.js';
import type { FindingInput } from '../../../src/sink/encode.js';

/**
 * Group states as the aggregation hands them to the sink, shared by the encode, template and
 * seed tests. DEFEND is the group of test/fixtures/ecs/defend-exec.json after three events.
 */

export const HOUR = 3_600_000;
export const DEFEND_INDEX = '.ds-logs-endpoint.events.process-default-2026.11.01-000001';
export const DEFEND_BUCKET = Date.UTC(2026, 10, 1, 10);
export const DEFEND_FIRST_MS = Date.UTC(2026, 10, 1, 10, 15, 30, 123);
export const DEFEND_LAST_MS = Date.UTC(2026, 10, 1, 10, 48, 2, 5);
/** When the sink writes the finding (its `event.ingested`). */
export const DEFEND_WRITTEN_MS = Date.UTC(2026, 10, 1, 10, 48, 3, 250);

export const DEFEND_GROUP: GroupValues = {
  dest: 'web-01',
  user: 'root',
  parent_process_name: 'bash',
  process_name: 'curl',
  process: 'curl -x socks5h://10.0.0.5:1080 https://example.com/payload',
  process_id: '4242',
  parent_process_id: '2201',
};

export const DEFEND_META: MatchMeta = {
  cim: { ...DEFEND_GROUP, parent_process: '-bash', parent_process_path: '/usr/bin/bash', process_path: '/usr/bin/curl' },
  sourceKind: 'elastic_defend',
  mode: 'argv',
  reason: 'curl uses a proxy: -x socks5h://10.0.0.5:1080.',
  proxies: [{ option: '-x', canonical: '--proxy', url: 'socks5h://10.0.0.5:1080', scheme: 'socks5h', host: '10.0.0.5', port: 1080, source: 'argv', evasion: null, refused: null }],
};

export const DEFEND_REFS = [`${DEFEND_INDEX}|dGVzdC1kZWZlbmQtZXhlYw`, `${DEFEND_INDEX}|ZXZlbnQtMg`, `${DEFEND_INDEX}|ZXZlbnQtMw`] as const;

export const DEFEND_STATE: GroupState = {
  findingId: 'b054b3e5befedf368ff76e559f9676fc364b1d68',
  count: 3,
  firstMs: DEFEND_FIRST_MS,
  lastMs: DEFEND_LAST_MS,
  meta: DEFEND_META,
  seeded: false,
  index: undefined,
  firstRef: DEFEND_REFS[0],
  lastRef: DEFEND_REFS[2],
  writtenCount: undefined,
};

export const DEFEND_INPUT: FindingInput = {
  state: DEFEND_STATE,
  group: DEFEND_GROUP,
  bucketStartMs: DEFEND_BUCKET,
  bucketMs: HOUR,
  eventRefs: DEFEND_REFS,
  maxEventRefs: 1_000,
  ingestedMs: DEFEND_WRITTEN_MS,
};

/** Every optional field filled: original file name, a proxy with an evasion, ids with '|'. */
export const FULL_INPUT: FindingInput = {
  state: {
    findingId: 'f'.repeat(40),
    count: 2,
    firstMs: Date.UTC(2026, 10, 1, 10, 40),
    lastMs: Date.UTC(2026, 10, 1, 10, 41),
    meta: {
      cim: {
        dest: 'edge-09',
        user: 'deploy',
        parent_process_name: 'python3',
        parent_process: 'python3 /srv/sync.py',
        original_file_name: 'curl.exe',
        process_name: 'curl',
        process: 'curl --socks5-host 127.0.0.1:9050 https://example.com',
        process_id: '655',
        parent_process_path: '/usr/bin/python3',
        process_path: '/usr/local/bin/curl',
        parent_process_id: '610',
      },
      sourceKind: 'ecs',
      mode: 'argv',
      reason: 'curl uses a proxy: --socks5-host 127.0.0.1:9050.',
      proxies: [
        { option: '--socks5-host', canonical: '--socks5-hostname', url: '127.0.0.1:9050', scheme: 'socks5h', host: '127.0.0.1', port: 9050, source: 'argv', evasion: 'abbreviated option name', refused: null },
        { option: '-x', canonical: '--proxy', url: 'ftp://10.0.0.9:21', scheme: null, host: '10.0.0.9', port: 21, source: 'argv', evasion: null, refused: 'curl rejects the unsupported proxy scheme ftp://' },
      ],
    },
    seeded: true,
    index: 'curl-proxy-findings-000001',
    firstRef: 'ecs-process-2026.11.01|a|1',
    lastRef: 'ecs-process-2026.11.01|b|2',
    writtenCount: undefined,
  },
  group: {
    dest: 'edge-09',
    user: 'deploy',
    parent_process_name: 'python3',
    process_name: 'curl',
    process: 'curl --socks5-host 127.0.0.1:9050 https://example.com',
    process_id: '655',
    parent_process_id: '610',
  },
  bucketStartMs: Date.UTC(2026, 10, 1, 10),
  bucketMs: HOUR,
  eventRefs: ['ecs-process-2026.11.01|a|1', 'ecs-process-2026.11.01|b|2'],
  maxEventRefs: 1_000,
  ingestedMs: Date.UTC(2026, 10, 1, 10, 41, 1),
};

/** A splunk-mode match: its proxies have no scheme, host or port. */
export const SPLUNK_INPUT: FindingInput = {
  ...DEFEND_INPUT,
  state: {
    ...DEFEND_STATE,
    meta: {
      ...DEFEND_META,
      mode: 'splunk',
      reason: 'process_name is curl and the command line matches the analytic\'s patterns "*-x *", "*socks5h://*".',
      proxies: [
        { option: '*-x *', canonical: '*-x *', url: 'socks5h://10.0.0.5:1080', scheme: null, host: null, port: null, source: 'command_line', evasion: null, refused: null },
        { option: '*socks5h://*', canonical: '*socks5h://*', url: 'socks5h://10.0.0.5:1080', scheme: null, host: null, port: null, source: 'command_line', evasion: null, refused: null },
      ],
    },
  },
};

/** A group with every by-field missing and no metadata (state rebuilt from refs only). */
export const BARE_INPUT: FindingInput = {
  state: { findingId: '0'.repeat(40), count: 1, firstMs: 0, lastMs: 0, meta: undefined, seeded: false, index: undefined, firstRef: 'i|x', lastRef: 'i|x', writtenCount: undefined },
  group: {
    dest: MISSING,
    user: MISSING,
    parent_process_name: MISSING,
    process_name: MISSING,
    process: MISSING,
    process_id: MISSING,
    parent_process_id: MISSING,
  },
  bucketStartMs: 0,
  bucketMs: HOUR,
  eventRefs: ['i|x'],
  maxEventRefs: 1_000,
  ingestedMs: 1_000,
};
