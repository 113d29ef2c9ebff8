import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@elastic/elasticsearch';

const run = promisify(execFile);
const esScript = fileURLToPath(new URL('../../scripts/es.sh', import.meta.url));

/** One shard copy as `_cat/shards` lists it. */
export interface ShardCopy {
  index: string;
  shard: string;
  primary: boolean;
  state: string;
  /** The node's index in the cluster (its HTTP port minus the first), undefined when unassigned. */
  node: number | undefined;
}

/**
 * A cluster of `nodes` Elasticsearch nodes started by scripts/es.sh (ES_NODES) on loopback: node
 * i answers HTTP on `firstPort + i` and is named `cpd-es-<port>`. For node-loss tests and chaos
 * runs; it inherits ES_VERSION and ES_JAVA_HOME from the environment like every node es.sh starts.
 */
export class EsCluster {
  constructor(
    readonly firstPort: number,
    readonly nodes = 3,
  ) {}

  /** HTTP URL of node `i`. */
  url(i: number): string {
    return `http://127.0.0.1:${this.firstPort + i}`;
  }

  /** The node name es.sh gives node `i` (allocation filters use it). */
  nodeName(i: number): string {
    return `cpd-es-${this.firstPort + i}`;
  }

  /**
   * Starts every node and waits until all have joined; `wipe` starts from empty data dirs, and
   * first stops nodes an earlier, interrupted run left (es.sh would otherwise reuse them as they are).
   */
  async start(wipe: boolean): Promise<void> {
    if (wipe) await this.stop();
    await this.#es(['start'], { ES_WIPE_DATA: wipe ? '1' : '0' });
  }

  /** Stops every node this script started (never throws: used in cleanup). */
  async stop(): Promise<void> {
    await this.#es(['stop']).catch(() => undefined);
  }

  /** SIGKILLs node `i`, as a crash would; resolves once the process is gone. */
  async kill(i: number): Promise<void> {
    await this.#es(['kill-node', String(i)]);
  }

  /** Starts node `i` again with its data; resolves once it has rejoined the cluster. */
  async startNode(i: number): Promise<void> {
    await this.#es(['start-node', String(i)]);
  }

  /** Every shard copy of the indices `pattern` matches, with the node that holds it. */
  async shards(client: Client, pattern: string): Promise<ShardCopy[]> {
    const rows = (await client.cat.shards({ index: pattern, format: 'json', h: ['index', 'shard', 'prirep', 'state', 'node'] })) as { index?: string; shard?: string; prirep?: string; state?: string; node?: string | null }[];
    return rows.map((r) => ({
      index: r.index ?? '',
      shard: r.shard ?? '',
      primary: r.prirep === 'p',
      state: r.state ?? '',
      node: this.#indexOfName(r.node ?? undefined),
    }));
  }

  /**
   * The node holding the most started primaries of `pattern` (ties: the lower index), or
   * undefined when none is started. `exclude` lists nodes not to choose.
   */
  async primaryHolder(client: Client, pattern: string, exclude: readonly number[] = []): Promise<number | undefined> {
    const counts = new Map<number, number>();
    for (const s of await this.shards(client, pattern)) {
      if (!s.primary || s.state !== 'STARTED' || s.node === undefined || exclude.includes(s.node)) continue;
      counts.set(s.node, (counts.get(s.node) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
  }

  /** Open search contexts (points in time, scrolls, searches in flight) per node index. */
  async openContexts(client: Client): Promise<Map<number, number>> {
    const stats = await client.nodes.stats({ metric: 'indices', index_metric: 'search' });
    const out = new Map<number, number>();
    for (const node of Object.values(stats.nodes)) {
      const i = this.#indexOfName(node.name);
      if (i !== undefined) out.set(i, node.indices?.search?.open_contexts ?? 0);
    }
    return out;
  }

  #indexOfName(name: string | undefined): number | undefined {
    const port = Number(/^cpd-es-(\d+)$/.exec(name ?? '')?.[1]);
    const i = port - this.firstPort;
    return Number.isInteger(i) && i >= 0 && i < this.nodes ? i : undefined;
  }

  async #es(args: string[], env: Record<string, string> = {}): Promise<void> {
    try {
      await run('bash', [esScript, ...args], { env: { ...process.env, ...env, ES_NODES: String(this.nodes), ES_PORT: String(this.firstPort), ES_TRANSPORT_PORT: String(this.firstPort + 100) }, maxBuffer: 16 * 1_048_576 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`es.sh ${args.join(' ')} (ES_NODES=${this.nodes}, ES_PORT=${this.firstPort}) failed: ${e.stderr ?? e.message}`);
    }
  }
}

/** A client on node `i` of the cluster, as tests use it. */
export function clusterClient(cluster: EsCluster, i = 0): Client {
  return new Client({ node: cluster.url(i), requestTimeout: 60_000 });
}
