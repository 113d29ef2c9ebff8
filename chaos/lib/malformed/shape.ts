import { counted, notCounted, obj, type MalformedCase } from './case.js';
import { MISSING } from '../process-start.js';

/** Missing, null and oddly shaped fields, actions that are not executions, and ingest times. */
export const shapeCases: readonly MalformedCase[] = [
  {
    name: 'missing_user',
    truth: 'no user.name: the by-field is left out of the finding',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      delete doc.user;
      return { expect: counted(p, { user: MISSING }) };
    },
  },
  {
    name: 'null_values',
    truth: 'user.name, process.parent.name and process.parent.executable null: user and parent name are left out',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      obj(doc, 'user').name = null;
      obj(obj(doc, 'process'), 'parent').name = null;
      obj(obj(doc, 'process'), 'parent').executable = null;
      return { expect: counted(p, { user: MISSING, parent_process_name: MISSING }) };
    },
  },
  {
    name: 'missing_host',
    truth: 'no host object at all: dest is left out',
    producer: 'auditbeat',
    proxied: true,
    apply(doc, p) {
      delete doc.host;
      return { expect: counted(p, { dest: MISSING }) };
    },
  },
  {
    name: 'missing_parent',
    truth: 'no process.parent: parent name and parent pid are left out',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      delete obj(doc, 'process').parent;
      return { expect: counted(p, { parent_process_name: MISSING, parent_process_id: MISSING }) };
    },
  },
  {
    name: 'process_name_upper_case',
    truth: 'process.name "CURL": still curl (names compare case-insensitively), grouped under the recorded name "CURL"',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      obj(doc, 'process').name = 'CURL';
      return { expect: counted(p, { process_name: 'CURL' }) };
    },
  },
  {
    name: 'no_process_name',
    truth: 'no process.name, executable /usr/bin/curl: the name is the executable basename, curl',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      delete obj(doc, 'process').name;
      return { expect: counted(p) };
    },
  },
  {
    name: 'dotted_keys',
    truth: 'the process object written as dotted keys ("process.args": [...], "process.pid": ...) instead of an object: the same fields, counted normally',
    producer: 'auditd_manager',
    proxied: true,
    apply(doc, p) {
      const process = obj(doc, 'process');
      delete doc.process;
      for (const [k, v] of Object.entries(process)) doc[`process.${k}`] = v;
      return { expect: counted(p) };
    },
  },
  {
    name: 'fork_not_exec',
    truth: 'Elastic Defend event.action "fork" with a proxied command line: a fork is not an execution, not counted',
    producer: 'defend',
    proxied: true,
    apply(doc) {
      obj(doc, 'event').action = 'fork';
      return { expect: notCounted('not an execution') };
    },
  },
  {
    name: 'malformed_ingested',
    truth: 'event.ingested "soon" (ignored by Elasticsearch): the live poller falls back to @timestamp; counted',
    producer: 'defend',
    proxied: true,
    apply(doc, p) {
      obj(doc, 'event').ingested = 'soon';
      return { expect: counted(p), ingested: 'keep' };
    },
  },
  {
    name: 'missing_ingested',
    truth: 'no event.ingested: the live poller falls back to @timestamp; counted',
    producer: 'sysmon_linux',
    proxied: true,
    apply: (_doc, p) => ({ expect: counted(p), ingested: 'omit' }),
  },
  {
    name: 'process_not_an_object',
    truth: 'process: "garbage" where ECS has an object: Elasticsearch refuses the document',
    producer: 'defend',
    proxied: false,
    apply(doc) {
      doc.process = 'garbage';
      return { expect: notCounted('refused by Elasticsearch'), expectRejection: true };
    },
  },
  {
    name: 'no_process_fields',
    truth: 'a process start with no process fields at all: nothing to evaluate, not counted (skipped as no_process_fields)',
    producer: 'auditbeat',
    proxied: false,
    apply(doc) {
      delete doc.process;
      return { expect: notCounted('no process fields') };
    },
  },
];
