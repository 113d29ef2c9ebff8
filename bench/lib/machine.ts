import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { repoRoot } from './context.js';

/** Where and with what a bench ran. */
export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  loadAverage: number[];
  node: string;
  elasticsearch: string;
  elasticsearchHeapMiB: number | undefined;
  redis: string;
  clients: Record<string, string>;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

/** The machine, the service versions (asked from the services themselves) and the client libraries. */
export async function machineInfo(es: Client, redis: Redis): Promise<MachineInfo> {
  // This Elasticsearch distribution has no `GET /`; the node info carries the version and heap.
  const nodes = await es.nodes.info({ node_id: '_local', metric: ['jvm'] }).catch(() => undefined);
  const node = Object.values(nodes?.nodes ?? {})[0];
  const info = await redis.info('server').catch(() => '');
  return {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpuModel(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    elasticsearch: node?.version ?? 'unknown',
    elasticsearchHeapMiB: node?.jvm?.mem?.heap_max_in_bytes !== undefined ? Math.round(node.jvm.mem.heap_max_in_bytes / 2 ** 20) : undefined,
    redis: /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown',
    clients: Object.fromEntries(['@elastic/elasticsearch', 'bullmq', 'ioredis'].map((n) => [n, packageVersion(n)])),
  };
}
