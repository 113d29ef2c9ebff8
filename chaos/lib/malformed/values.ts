import { shownCommandLine } from '../../../test/support/shown-command-line.js';
import { counted, notCounted, obj, type MalformedCase } from './case.js';

/** Wrong types and odd values in fields the analytic reads: times, pids, names, command lines. */
export const valueCases: readonly MalformedCase[] = [
  {
    name: 'no_timestamp',
    truth: 'no @timestamp: the event cannot be placed in a time bucket, so it is not counted (the product skips it as no_timestamp)',
    producer: 'defend',
    proxied: true,
    apply(doc) {
      delete doc['@timestamp'];
      return { expect: notCounted('no @timestamp') };
    },
  },
  {
    name: 'unparseable_timestamp',
    truth: '@timestamp "yesterday noon" (kept in _source by ignore_malformed): no usable time, not counted',
    producer: 'defend',
    proxied: true,
    apply(doc) {
      doc['@timestamp'] = 'yesterday noon';
      return { expect: notCounted('unparseable @timestamp') };
    },
  },
  {
    name: 'epoch_millis_timestamp',
    truth: '@timestamp as epoch milliseconds (a number): a valid date for Elasticsearch, counted at that time',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      doc['@timestamp'] = p.timeMs;
      return { expect: counted(p) };
    },
  },
  {
    name: 'pid_not_a_number',
    truth: 'process.pid "abc" (kept by ignore_malformed): grouped by the value as text, process_id "abc"',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      obj(doc, 'process').pid = 'abc';
      return { expect: counted(p, { process_id: 'abc' }) };
    },
  },
  {
    name: 'pid_numeric_string',
    truth: 'process.pid "4242" as a string: the same value as the number, so it joins the group of that process',
    producer: 'defend',
    proxied: true,
    recurring: true,
    apply(doc, p) {
      obj(doc, 'process').pid = String(p.pid);
      return { expect: counted(p) };
    },
  },
  {
    name: 'ppid_boolean',
    truth: 'process.parent.pid true: grouped by the value as text, parent_process_id "true"',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      obj(obj(doc, 'process'), 'parent').pid = true;
      return { expect: counted(p, { parent_process_id: 'true' }) };
    },
  },
  {
    name: 'user_number',
    truth: 'user.name 1000 (a number): grouped as the text "1000"',
    producer: 'auditd_manager',
    proxied: true,
    apply(doc, p) {
      obj(doc, 'user').name = 1000;
      return { expect: counted(p, { user: '1000' }) };
    },
  },
  {
    name: 'command_line_array',
    truth: 'process.command_line is an array: a split command line, its items joined with a space (docs/producers.md); counted once with it',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      const items = [p.argv.join(' '), '--trailing-junk'];
      obj(doc, 'process').command_line = items;
      return { expect: counted(p, { process: shownCommandLine(items.join(' ').split(' ')) }) };
    },
  },
  {
    name: 'command_line_object',
    truth: 'process.command_line is an object: Elasticsearch refuses the document (keyword field), so it does not exist',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      obj(doc, 'process').command_line = { value: p.argv.join(' ') };
      return { expect: notCounted('refused by Elasticsearch'), expectRejection: true };
    },
  },
  {
    name: 'command_line_missing',
    truth: 'no process.command_line but process.args: the command line is argv joined by spaces (as for Auditd), Defend argv[0] being the executable path',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      const process = obj(doc, 'process');
      delete process.command_line;
      return { expect: counted(p, { process: shownCommandLine(process.args as string[]) }) };
    },
  },
  {
    name: 'host_array',
    truth: 'host.name is an array of two names: both kept, sorted and joined with " | " so none is hidden (docs/producers.md); counted once',
    producer: 'auditd_manager',
    proxied: true,
    apply(doc, p) {
      const names = [`${p.host}-alias`, p.host];
      obj(doc, 'host').name = names;
      return { expect: counted(p, { dest: [...names].sort().join(' | ') }) };
    },
  },
];
