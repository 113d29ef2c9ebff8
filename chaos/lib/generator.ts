import { otherPrograms, parents, plainCurl, proxiedCurl } from './catalogue.js';
import { malformedCases, type CaseContext, type IngestedMode, type MalformedCase, type RawPatch } from './malformed/cases.js';
import { expectedGroup, producers, renderDoc, type Expectation, type ProcessStart, type Producer } from './process-start.js';
import { seeded, type Random } from '../../test/support/random.js';

/** Where an event comes from in the run. */
export type Origin = 'live' | 'late' | 'very_late' | 'history';

/** One document the generator made, with what a correct detector must make of it. */
export interface GeneratedEvent {
  id: string;
  index: string;
  producer: Producer;
  origin: Origin;
  /** Name of the malformed case, if any. */
  malformed: string | undefined;
  /** Built as curl through a proxy (before any malformation). */
  proxied: boolean;
  doc: Record<string, unknown>;
  raw: readonly RawPatch[];
  ingested: IngestedMode;
  /** What a correct implementation of the analytic makes of it, if Elasticsearch stores it. */
  expect: Expectation;
  /** Elasticsearch must refuse it (a stored copy would be a harness problem). */
  expectRejection: boolean;
}

/** Sizes and mix of the generated data. */
export interface GeneratorSpec {
  seed: number;
  hosts: number;
  users: number;
  /** Index of each producer's documents. */
  indexFor(producer: Producer): string;
  /** Share of process starts that are curl through a proxy. */
  proxiedRate: number;
  /** Share that are curl without a proxy (decoys). */
  plainCurlRate: number;
  /** Chance that a proxied start repeats a process already seen (same group, count > 1). */
  recurringRate: number;
  /** `source.maxCommandLineBytes` of the run. */
  maxCommandLineBytes: number;
  /** Malformed cases left out (to isolate a known failure). */
  skipCases: readonly string[];
}

interface Host {
  name: string;
  producer: Producer;
}

const producerWeights: readonly [Producer, number][] = [
  ['defend', 0.6],
  ['auditd_manager', 0.15],
  ['auditbeat', 0.1],
  ['sysmon_linux', 0.15],
];
const poolSize = 40;

/**
 * Deterministic ECS process starts for the chaos run: ordinary programs, curl decoys, curl
 * through a proxy (some repeating a process so groups count more than once), late events,
 * and the malformed cases. The expectation of each event comes from how it was built.
 */
export class EventGenerator {
  readonly #spec: GeneratorSpec;
  readonly #r: Random;
  readonly #hosts: Host[];
  readonly #users: string[];
  readonly #pools: Record<'live' | 'history', ProcessStart[]> = { live: [], history: [] };
  readonly #ctx: CaseContext;
  readonly #cases: readonly MalformedCase[];
  #seq = 0;

  constructor(spec: GeneratorSpec) {
    this.#spec = spec;
    this.#r = seeded(spec.seed);
    const r = this.#r;
    const roles = ['web', 'db', 'ci', 'build', 'app', 'k8s', 'bastion', 'dev'];
    // The first hosts cover every producer, so each malformed case finds a host of its producer.
    this.#hosts = Array.from({ length: Math.max(spec.hosts, producers.length) }, (_, i) => ({
      name: `${roles[i % roles.length] ?? 'h'}-${String(i).padStart(3, '0')}.chaos.internal`,
      producer: i < producers.length ? (producers[i] as Producer) : weighted(r, producerWeights),
    }));
    const named = ['root', 'www-data', 'ubuntu', 'deploy', 'jenkins', 'mallory'];
    this.#users = Array.from({ length: spec.users }, (_, i) => named[i] ?? `user${i}`);
    this.#ctx = { r, maxCommandLineBytes: spec.maxCommandLineBytes };
    const unknown = spec.skipCases.filter((n) => !malformedCases.some((c) => c.name === n));
    if (unknown.length > 0) throw new Error(`skipCases: expected names of malformed cases (${malformedCases.map((c) => c.name).join(', ')}), got ${unknown.join(', ')}`);
    this.#cases = malformedCases.filter((c) => !spec.skipCases.includes(c.name));
  }

  /** The malformed cases this generator emits. */
  get cases(): readonly MalformedCase[] {
    return this.#cases;
  }

  /** One ordinary event (any kind, by the configured mix) at `timeMs`. */
  onTime(origin: 'live' | 'history', timeMs: number): GeneratedEvent {
    const roll = this.#r.next();
    const s = this.#spec;
    if (roll < s.proxiedRate) return this.#proxied(origin, origin, timeMs);
    return this.#benign(origin, timeMs, roll < s.proxiedRate + s.plainCurlRate);
  }

  /** A late event: @timestamp `agoMs` before now, ingested now; often a process seen before. */
  late(nowMs: number, agoMs: number): GeneratedEvent {
    if (this.#r.chance(0.5)) return this.#proxied('late', 'live', nowMs - agoMs);
    return this.#benign('late', nowMs - agoMs, this.#r.chance(0.3));
  }

  /** A very late event: @timestamp inside the historical range, ingested now. */
  veryLate(timeMs: number): GeneratedEvent {
    if (this.#r.chance(0.6)) return this.#proxied('very_late', 'history', timeMs);
    return this.#benign('very_late', timeMs, true);
  }

  /** One event of a malformed case at `timeMs`. */
  malformed(c: MalformedCase, origin: 'live' | 'history', timeMs: number): GeneratedEvent {
    const r = this.#r;
    let p: ProcessStart;
    const pool = this.#pools[origin].filter((x) => x.producer === c.producer);
    if (c.recurring === true && pool.length > 0) p = { ...r.pick(pool), timeMs };
    else p = c.proxied ? this.#fresh(timeMs, 'proxied', c.producer) : this.#fresh(timeMs, 'other', c.producer);
    if (c.prepare !== undefined) p = c.prepare(p, this.#ctx);
    const doc = renderDoc(p);
    const m = c.apply(doc, p, this.#ctx);
    return this.#event(origin, p, doc, c.proxied, m.expect, { malformed: c.name, raw: m.raw ?? [], ingested: m.ingested, expectRejection: m.expectRejection === true });
  }

  #proxied(origin: Origin, poolName: 'live' | 'history', timeMs: number): GeneratedEvent {
    const r = this.#r;
    const pool = this.#pools[poolName];
    let p: ProcessStart;
    if (pool.length > 0 && r.chance(this.#spec.recurringRate)) p = { ...r.pick(pool), timeMs };
    else {
      p = this.#fresh(timeMs, 'proxied');
      if (pool.length < poolSize) pool.push(p);
      else pool[r.int(0, poolSize - 1)] = p;
    }
    return this.#event(origin, p, renderDoc(p), true, { counted: true, group: expectedGroup(p), timeMs: p.timeMs });
  }

  #benign(origin: Origin, timeMs: number, curl: boolean): GeneratedEvent {
    const p = this.#fresh(timeMs, curl ? 'plain' : 'other');
    return this.#event(origin, p, renderDoc(p), false, { counted: false, why: curl ? 'curl without a proxy' : 'not curl' });
  }

  #fresh(timeMs: number, kind: 'proxied' | 'plain' | 'other', producer?: Producer): ProcessStart {
    const r = this.#r;
    const hosts = producer === undefined ? this.#hosts : this.#hosts.filter((h) => h.producer === producer);
    const host = r.pick(hosts);
    const argv = kind === 'proxied' ? r.pick(proxiedCurl)(r) : kind === 'plain' ? r.pick(plainCurl)(r) : r.pick(otherPrograms)(r);
    const program = argv[0] ?? 'unknown';
    return {
      producer: host.producer,
      host: host.name,
      user: r.pick(this.#users),
      parent: r.pick(parents),
      argv,
      executable: program.startsWith('/') ? program : `/usr/bin/${program}`,
      pid: r.int(300, 4_194_303),
      ppid: r.int(2, 4_194_303),
      timeMs,
    };
  }

  #event(
    origin: Origin,
    p: ProcessStart,
    doc: Record<string, unknown>,
    proxied: boolean,
    expect: Expectation,
    extra: { malformed?: string; raw?: readonly RawPatch[]; ingested?: IngestedMode | undefined; expectRejection?: boolean } = {},
  ): GeneratedEvent {
    let ingested: IngestedMode = extra.ingested ?? 'stamp';
    if (origin === 'history' && extra.ingested === undefined) {
      // Historical data was ingested shortly after it happened, long before the run.
      (doc.event as Record<string, unknown>).ingested = new Date(p.timeMs + this.#r.int(1_000, 30_000)).toISOString();
      ingested = 'keep';
    }
    this.#seq += 1;
    return {
      id: `${origin}-${String(this.#seq).padStart(7, '0')}`,
      index: this.#spec.indexFor(p.producer),
      producer: p.producer,
      origin,
      malformed: extra.malformed,
      proxied,
      doc,
      raw: extra.raw ?? [],
      ingested,
      expect,
      expectRejection: extra.expectRejection ?? false,
    };
  }
}

function weighted<K>(r: Random, weights: readonly [K, number][]): K {
  let x = r.next() * weights.reduce((s, [, w]) => s + w, 0);
  for (const [k, w] of weights) {
    x -= w;
    if (x < 0) return k;
  }
  return (weights[weights.length - 1] as [K, number])[0];
}
