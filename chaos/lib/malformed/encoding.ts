import { shownCommandLine } from '../../../test/support/shown-command-line.js';
import { cutAscii, replaceLoneSurrogates } from '../unicode.js';
import type { ProcessStart } from '../process-start.js';
import { counted, notCounted, obj, type MalformedCase } from './case.js';

/** A proxied curl whose command line is `totalBytes` long: the proxy first, then a huge header. */
const padTo = (p: ProcessStart, totalBytes: number): ProcessStart => {
  const head = ['curl', '-x', 'http://p.corp:3128', '-H'];
  const tail = ['https://big.example/upload'];
  const fixed = [...head, 'X-Pad:', ...tail].join(' ').length;
  return { ...p, argv: [...head, `X-Pad:${'A'.repeat(totalBytes - fixed)}`, ...tail] };
};

/** Huge command lines, unpaired surrogates, and bytes that are not UTF-8. */
export const encodingCases: readonly MalformedCase[] = [
  {
    name: 'command_line_1mb',
    truth: 'a 1,000,000-byte command line (proxy first, then a huge header): counted, grouped by the whole line',
    producer: 'defend',
    proxied: true,
    prepare: (p) => padTo(p, 1_000_000),
    apply: (_doc, p) => ({ expect: counted(p) }),
  },
  {
    name: 'command_line_over_limit',
    truth: 'a 1,500,000-byte command line: counted, grouped by its first source.maxCommandLineBytes bytes (the documented cut)',
    producer: 'defend',
    proxied: true,
    prepare: (p) => padTo(p, 1_500_000),
    apply: (_doc, p, ctx) => ({ expect: counted(p, { process: shownCommandLine(cutAscii(p.argv.join(' '), ctx.maxCommandLineBytes).split(' ')) }) }),
  },
  {
    name: 'lone_surrogate_user',
    truth: 'user.name with an unpaired surrogate (\\ud800 in the JSON): counted, the surrogate read as U+FFFD',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      const user = `${p.user}\ud800x`;
      obj(doc, 'user').name = user;
      return { expect: counted(p, { user: replaceLoneSurrogates(user) }) };
    },
  },
  {
    name: 'lone_surrogate_command_line',
    truth: 'an unpaired low surrogate in the URL of command line and argv: counted, grouped by the line with U+FFFD',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      const process = obj(doc, 'process');
      const line = `${p.argv.join(' ')}/\udc00`;
      process.command_line = line;
      const args = process.args as string[];
      args[args.length - 1] = `${args[args.length - 1] ?? ''}/\udc00`;
      return { expect: counted(p, { process: shownCommandLine(replaceLoneSurrogates(line).split(' ')) }) };
    },
  },
  {
    name: 'surrogate_pair_user',
    truth: 'user.name with a well-formed emoji (a surrogate pair): counted, unchanged (control case)',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      const user = `${p.user}\u{1f600}`;
      obj(doc, 'user').name = user;
      return { expect: counted(p, { user }) };
    },
  },
  {
    name: 'cesu8_in_read_field',
    truth:
      'process.parent.executable (a keyword the detector reads but does not group by) holding ED A0 80, a surrogate encoded as UTF-8: ' +
      'Elasticsearch stores the event; it is counted as if clean, and it must not hide any other event',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      obj(obj(doc, 'process'), 'parent').executable = `/usr/bin/${p.parent}@@RAW-CESU@@`;
      return { raw: [{ token: '@@RAW-CESU@@', bytes: Buffer.from([0xed, 0xa0, 0x80]) }], expect: counted(p) };
    },
  },
  {
    name: 'invalid_utf8_user',
    truth: 'user.name with the byte FF (never valid UTF-8): Elasticsearch refuses the document, so it does not exist',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      obj(doc, 'user').name = `${p.user}@@RAW-FF@@`;
      return { raw: [{ token: '@@RAW-FF@@', bytes: Buffer.from([0xff]) }], expect: notCounted('refused by Elasticsearch'), expectRejection: true };
    },
  },
  {
    name: 'truncated_utf8_command_line',
    truth: 'a command line ending in half a UTF-8 character (E2 82): Elasticsearch refuses the document',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      obj(doc, 'process').command_line = `${p.argv.join(' ')}@@RAW-TRUNC@@`;
      return { raw: [{ token: '@@RAW-TRUNC@@', bytes: Buffer.from([0xe2, 0x82]) }], expect: notCounted('refused by Elasticsearch'), expectRejection: true };
    },
  },
  {
    name: 'invalid_utf8_elsewhere',
    truth: 'overlong (C0 AF) and CESU-8 bytes in process.working_directory, a field the analytic does not read: counted as if clean',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      obj(doc, 'process').working_directory = '/tmp/@@RAW-OVERLONG@@/@@RAW-CESU@@';
      return {
        raw: [
          { token: '@@RAW-OVERLONG@@', bytes: Buffer.from([0xc0, 0xaf]) },
          { token: '@@RAW-CESU@@', bytes: Buffer.from([0xed, 0xb0, 0x80]) },
        ],
        expect: counted(p),
      };
    },
  },
];
