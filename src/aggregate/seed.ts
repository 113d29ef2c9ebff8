import type { CimField } from '../normalize/fields.js';
import type { MatchMeta } from './classify.js';
import type { GroupEvent } from './group-store.js';
import { eventRefKey } from './group.js';

/**
 * Events a stored finding counted but did not list (its list is capped at
 * `aggregate.maxEventRefs`): they are carried as a number so the count never goes down.
 */
export function unlistedEventCount(doc: unknown): number {
  const f = (doc as { finding?: { count?: unknown } } | undefined)?.finding;
  if (f === undefined || typeof f.count !== 'number') return 0;
  // Exactly the refs seeding re-adds: the listed events plus the first and last event.
  const listed = new Set(seedEventsFromFinding(doc).map((e) => e.refKey));
  return Math.max(0, f.count - listed.size);
}

/**
 * Rebuilds a group's events from its stored finding, so a group whose Redis state expired or
 * was lost continues from what was written instead of restarting at zero. Pure.
 */
export function seedEventsFromFinding(doc: unknown): GroupEvent[] {
  const f = (doc as { finding?: Record<string, unknown> } | undefined)?.finding;
  if (f === undefined) return [];
  const out: GroupEvent[] = [];
  const ref = (e: unknown) => {
    const x = e as { index?: unknown; id?: unknown } | undefined;
    return typeof x?.index === 'string' && typeof x.id === 'string' ? eventRefKey({ index: x.index, id: x.id }) : undefined;
  };
  const firstRef = ref(f.first_event);
  const lastRef = ref(f.last_event);
  const start = typeof f.first_time === 'string' ? Date.parse(f.first_time) : NaN;
  const end = typeof f.last_time === 'string' ? Date.parse(f.last_time) : NaN;
  if (firstRef !== undefined && Number.isFinite(start)) out.push({ refKey: firstRef, time: start, metaJson: JSON.stringify(metaFromFinding(doc)) });
  if (lastRef !== undefined && Number.isFinite(end)) out.push({ refKey: lastRef, time: end, metaJson: '' });
  if (Array.isArray(f.events)) {
    for (const e of f.events) {
      const r = ref(e);
      if (r !== undefined) out.push({ refKey: r, time: '', metaJson: '' });
    }
  }
  return out;
}

/** The earliest event's metadata as the finding recorded it. */
export function metaFromFinding(doc: unknown): MatchMeta {
  const d = doc as {
    process?: { executable?: string; pe?: { original_file_name?: string }; parent?: { executable?: string; command_line?: string } };
    finding?: { group?: Record<string, string>; mode?: string; reason?: string; source_kind?: string; proxies?: MatchMeta['proxies'] };
  };
  const cim: Partial<Record<CimField, string>> = { ...(d.finding?.group ?? {}) };
  if (d.process?.executable !== undefined) cim.process_path = d.process.executable;
  if (d.process?.parent?.executable !== undefined) cim.parent_process_path = d.process.parent.executable;
  if (d.process?.parent?.command_line !== undefined) cim.parent_process = d.process.parent.command_line;
  if (d.process?.pe?.original_file_name !== undefined) cim.original_file_name = d.process.pe.original_file_name;
  return {
    cim,
    sourceKind: d.finding?.source_kind ?? 'ecs',
    mode: d.finding?.mode === 'splunk' ? 'splunk' : 'argv',
    reason: d.finding?.reason ?? '',
    proxies: (d.finding?.proxies ?? []).map((p) => ({
      option: p.option,
      canonical: p.canonical,
      url: p.url,
      scheme: p.scheme ?? null,
      host: p.host ?? null,
      port: p.port ?? null,
      source: p.source,
      evasion: p.evasion ?? null,
      refused: p.refused ?? null,
    })),
  };
}
