import { z } from 'zod';
import { cimFields, defaultFieldMap, type CimField } from '../normalize/fields.js';

/**
 * The one configuration schema: types, defaults and documentation in one place.
 * Every key carries its unit in its name (`...Ms`, `...Bytes`); `describe()` texts feed
 * `curl-proxy-detector config docs` and the README table.
 */

const durationMs = (min: number) => z.number().int().min(min);
/** `host:port`, the host a name, an IPv4 address or a bracketed IPv6 address. */
const hostPort = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, 'expected host:port, e.g. 10.0.0.5:26379 or [::1]:26379');

/** The database number of a `redis://` URL (its path; 0 when there is none). */
export function redisUrlDatabase(url: string): number {
  // After the last `@`: a password may hold `/` unescaped (as redactUrl assumes too).
  const rest = url.replace(/^rediss?:\/\//, '');
  const hostAndPath = rest.slice(rest.lastIndexOf('@') + 1);
  const slash = hostAndPath.indexOf('/');
  const path = slash < 0 ? '' : (hostAndPath.slice(slash + 1).split(/[?#]/)[0] ?? '');
  return path === '' ? 0 : Number(path);
}
/** An Elasticsearch time value as ILM accepts it, e.g. `30d`, `12h`, `90m`. */
const ilmAge = /^\d+(d|h|m|s|ms)$/;

const suppressionSchema = z
  .object({
    reason: z.string().min(1).describe('Why this match is expected (shown in reports).'),
    proxyHost: z
      .string()
      .min(1)
      .optional()
      .describe('Proxy host name (case-insensitive) or IPv4/IPv6 CIDR, e.g. "proxy.corp" or "10.0.0.0/8"; applies when it covers every proxy of the match (argv mode only).'),
    host: z.string().min(1).optional().describe('Endpoint (CIM dest / host.name), case-insensitive.'),
    user: z.string().min(1).optional().describe('User name, case-insensitive.'),
    parentProcessName: z.string().min(1).optional().describe('Parent process name, case-insensitive.'),
    commandLine: z
      .string()
      .min(1)
      .optional()
      .describe('Command-line pattern with * wildcards (Splunk style, case-insensitive).'),
  })
  .strict()
  .refine(
    (s) =>
      s.proxyHost !== undefined ||
      s.host !== undefined ||
      s.user !== undefined ||
      s.parentProcessName !== undefined ||
      s.commandLine !== undefined,
    { message: 'a suppression needs at least one of proxyHost, host, user, parentProcessName, commandLine' },
  );

export const configSchema = z
  .object({
    elasticsearch: z
      .object({
        url: z
          .string()
          .regex(/^https?:\/\/[^\s]+$/, { message: 'expected an http:// or https:// URL', abort: true })
          .refine((url) => URL.canParse(url), 'expected a URL that parses')
          .default('http://127.0.0.1:9200')
          .describe('Elasticsearch URL. User info (`https://user:pw@host`) is used as basic auth when elasticsearch.username and elasticsearch.apiKey are not set, and never kept in the URL the client reports in traces. Env ELASTICSEARCH_URL.'),
        apiKey: z
          .string()
          .min(1)
          .optional()
          .describe('API key (base64 "id:key" encoded form). Env ELASTICSEARCH_API_KEY.'),
        username: z.string().min(1).optional().describe('Basic-auth user. Env ELASTICSEARCH_USERNAME.'),
        password: z.string().min(1).optional().describe('Basic-auth password. Env ELASTICSEARCH_PASSWORD.'),
        caFile: z
          .string()
          .min(1)
          .optional()
          .describe('PEM file of the CA that signed the cluster certificate. Env ELASTICSEARCH_CA_FILE.'),
        caFingerprint: z
          .string()
          .regex(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, 'expected a SHA-256 fingerprint (64 hex digits, colons optional)')
          .optional()
          .describe('SHA-256 fingerprint of the CA certificate (https:// only). Without caFile that CA is the only one trusted: the server must present it in its chain, and the chain and host name are verified against it. Env ELASTICSEARCH_CA_FINGERPRINT.'),
        requestTimeoutMs: durationMs(100).default(30_000).describe('Timeout of one Elasticsearch request.'),
        maxRetries: z.number().int().min(0).max(20).default(3).describe('Client retries on connection errors.'),
      })
      .strict()
      .prefault({}),
    redis: z
      .object({
        url: z
          .string()
          .regex(/^rediss?:\/\/[^\s]*$/, 'expected a redis:// or rediss:// URL')
          .default('redis://127.0.0.1:6379/0')
          .describe('Redis URL including the database number, e.g. redis://:pw@host:6379/2. Env REDIS_URL.'),
        caFile: z
          .string()
          .min(1)
          .optional()
          .describe('PEM file of the CA that signed the Redis server certificate (rediss:// URLs). Env REDIS_CA_FILE.'),
        keyPrefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, _ or -')
          .default('cpd')
          .describe('Prefix of every Redis key and BullMQ queue of this deployment. Env REDIS_KEY_PREFIX.'),
        sentinels: z
          .array(hostPort)
          .min(1)
          .optional()
          .describe('Redis Sentinel addresses (host:port, at least one; give all of them). The master is asked from them by redis.sentinelName; redis.url then gives only the user, password, database and TLS (rediss://) of the master, its host and port are ignored. Env REDIS_SENTINELS (comma-separated).'),
        sentinelName: z
          .string()
          .regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ., _ or -')
          .optional()
          .describe('Name of the master the sentinels monitor (`sentinel monitor <name> ...`); required with redis.sentinels. Env REDIS_SENTINEL_NAME.'),
        sentinelPassword: z
          .string()
          .min(1)
          .optional()
          .describe('Password of the sentinels themselves (their requirepass), when they have one; the master\'s password comes from redis.url. Env REDIS_SENTINEL_PASSWORD.'),
        clusterNodes: z
          .array(hostPort)
          .min(1)
          .optional()
          .describe('Redis Cluster seed nodes (host:port, one is enough, several survive a node loss at start-up); redis.url then gives only the user, password and TLS, and its database must be 0. Our keys and BullMQ queues are hash-tagged so each multi-key operation stays in one slot. Env REDIS_CLUSTER_NODES (comma-separated).'),
        waitReplicas: z
          .number()
          .int()
          .min(0)
          .max(16)
          .default(0)
          .describe('Before findings are written, wait until this many replicas hold the aggregation state (Redis WAIT); a window whose state did not reach them in redis.waitTimeoutMs fails and is retried. 0 turns it off. With Sentinel and two or more replicas, 1 makes sure a failover never loses state a finding was written from. Not with redis.clusterNodes.'),
        waitTimeoutMs: durationMs(10)
          .default(2_000)
          .describe('How long one redis.waitReplicas wait may take before the window is retried.'),
      })
      .strict()
      .superRefine((r, ctx) => {
        const problem = (path: string, message: string, input: unknown) => ctx.addIssue({ code: 'custom', path: [path], message, input });
        if (r.sentinels !== undefined && r.clusterNodes !== undefined) problem('clusterNodes', 'expected either redis.sentinels or redis.clusterNodes, not both', r.clusterNodes);
        if (r.sentinels !== undefined && r.sentinelName === undefined) problem('sentinelName', 'expected the master name the sentinels monitor with redis.sentinels', undefined);
        if (r.sentinels === undefined && r.sentinelName !== undefined) problem('sentinels', 'expected the sentinel addresses with redis.sentinelName', undefined);
        if (r.sentinels === undefined && r.sentinelPassword !== undefined) problem('sentinels', 'expected the sentinel addresses with redis.sentinelPassword', undefined);
        if (r.clusterNodes !== undefined) {
          if (redisUrlDatabase(r.url) !== 0) problem('url', 'expected database 0 (or none) in the URL with redis.clusterNodes: a Redis Cluster has only database 0', r.url);
          if (r.waitReplicas > 0) problem('waitReplicas', 'expected 0 with redis.clusterNodes (WAIT is per node; a cluster acknowledges writes per shard)', r.waitReplicas);
        }
      })
      .prefault({}),
    source: z
      .object({
        indexPatterns: z
          .array(z.string().min(1))
          .min(1)
          .default([
            'logs-endpoint.events.process-*',
            'logs-auditd_manager.auditd-*',
            'auditbeat-*',
            'logs-sysmon_linux.log-*',
            'logs-crowdstrike.fdr-*',
            'logs-sentinel_one_cloud_funnel.*',
          ])
          .describe('Index patterns holding ECS process-start events (Elastic Defend, Auditd Manager, Auditbeat, Sysmon for Linux, CrowdStrike FDR, SentinelOne Cloud Funnel; docs/producers.md). Missing indices are not an error. Env CPD_SOURCE_INDEX_PATTERNS (comma-separated).'),
        liveTimeField: z
          .string()
          .min(1)
          .default('event.ingested')
          .describe('Field the live poller windows on; events without it fall back to @timestamp.'),
        pushdown: z
          .enum(['auto', 'argv', 'names', 'none'])
          .default('auto')
          .describe('"auto": argv with rule.mode argv, names with rule.mode splunk (whose patterns the argv push-down does not fetch), none when normalize.fields moves process_name or process_path (which the push-downs search at their ECS paths; argv and names are then refused). "argv" (argv mode only): ask Elasticsearch only for processes that may be curl and show something that may select a proxy in argv, environment or command line, or a value too long to index (a superset of argv mode\'s matches, docs/rule.md); "names": only candidate process names (curl, env, and sysmon whose name field is wrong); "none": scan every process start and decide locally.'),
        pageSize: z.number().int().min(10).max(10_000).default(2_000).describe('Hits per search page.'),
        maxResponseBytes: z
          .number()
          .int()
          .min(65_536)
          .max(500_000_000)
          .default(67_108_864)
          .describe('Largest search response read at once. A larger page is asked again with fewer hits; a single document over it is read without its command line and environment and, when it is curl, counted as a match flagged over the limit (docs/security.md).'),
        pitKeepAlive: z.string().regex(/^\d+[smh]$/, 'expected a duration such as 2m').default('2m').describe('Point-in-time keep-alive between pages.'),
        maxCommandLineBytes: z
          .number()
          .int()
          .min(1024)
          .default(1_048_576)
          .describe('Longer command lines are cut to this length (counted as a note, never skipped).'),
      })
      .strict()
      .prefault({}),
    live: z
      .object({
        pollIntervalMs: durationMs(100).default(1_000).describe('Time from the start of one poll of Elasticsearch to the start of the next.'),
        queryDelayMs: durationMs(0).default(1_500).describe('Windows end this long before now, so documents are refreshed and searchable.'),
        overlapMs: durationMs(0).default(10_000).describe('Each window also re-reads this much before the cursor (idempotent), for documents that became searchable late.'),
        maxWindowMs: durationMs(1_000).default(900_000).describe('Catch-up after a gap is split into windows of at most this length.'),
        initialLookbackMs: durationMs(0).default(3_600_000).describe('Where a fresh deployment (no cursor yet) starts: this long before now.'),
        windowsInFlight: z.number().int().min(1).max(64).default(4).describe('Catch-up windows queued at once (shared by all workers).'),
      })
      .strict()
      .prefault({}),
    normalize: z
      .object({
        fields: z
          .partialRecord(z.enum(cimFields), z.array(z.string().min(1)).min(1))
          .default({})
          .describe('Overrides of the ECS paths read for a CIM field, tried in order, e.g. {dest: [host.hostname, host.name]}. Defaults: see README.'),
      })
      .strict()
      .prefault({}),
    rule: z
      .object({
        mode: z
          .enum(['argv', 'splunk'])
          .default('argv')
          .describe('"argv": curl\'s real option grammar (default). "splunk": the analytic\'s patterns, exactly.'),
        noproxyStarDisables: z
          .boolean()
          .default(true)
          .describe('argv mode: --noproxy "*" turns every proxy off, so the process is not a match (reported as a near-miss).'),
        suppressions: z
          .array(suppressionSchema)
          .default([])
          .describe('The analytic\'s filter macro: matches to suppress (counted and reported, never dropped silently).'),
      })
      .strict()
      .prefault({}),
    aggregate: z
      .object({
        bucketMs: durationMs(60_000).default(3_600_000).describe('Fixed UTC time bucket of the count/firstTime/lastTime aggregation (the tstats span).'),
        allowedLatenessMs: durationMs(0)
          .default(7_200_000)
          .describe('Redis keeps a bucket\'s state this long after the bucket ends; later events are merged from the stored finding instead.'),
        maxEventRefs: z.number().int().min(1).max(100_000).default(1_000).describe('Source event references kept per finding.'),
      })
      .strict()
      .prefault({}),
    sink: z
      .object({
        findingsAlias: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a lower-case Elasticsearch index or alias name')
          .default('curl-proxy-findings')
          .describe('Write alias (or index) of the findings.'),
        refresh: z.enum(['false', 'wait_for', 'true']).default('true').describe('Refresh policy of live finding writes: "true" makes a finding searchable at once (findings are rare, so this is cheap).'),
        backfillRefresh: z
          .enum(['false', 'wait_for', 'true'])
          .default('false')
          .describe("Refresh policy of backfill finding writes: with \"false\" they become searchable at the findings index's refresh interval (1 s by default) instead of forcing a refresh per chunk (docs/performance.md)."),
        bulkMaxRetries: z.number().int().min(0).max(20).default(5).describe('Retries of items rejected with 429 or 5xx.'),
        redactCredentials: z
          .boolean()
          .default(true)
          .describe('Hide credentials (URL user info, -U/-u/--proxy-user values, authorization headers, tokens, proxy and secret environment variables) in the command lines stored in findings and Redis; the finding id still hashes the raw command line (docs/security.md). Proxy URLs and logs are always redacted.'),
        ilmPolicy: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a lower-case ILM policy name')
          .default('curl-proxy-findings')
          .describe('ILM policy `setup` installs and attaches to the findings indices where the cluster has ILM (ignored where it has not).'),
        rolloverMaxAge: z
          .string()
          .regex(ilmAge, 'expected an Elasticsearch time value such as 30d or 12h')
          .default('30d')
          .describe('ILM hot phase: the write index rolls over once it is this old.'),
        rolloverMaxPrimaryShardSize: z
          .string()
          .regex(/^\d+(b|kb|mb|gb|tb|pb)$/, 'expected an Elasticsearch byte size such as 50gb')
          .default('50gb')
          .describe('ILM hot phase: the write index rolls over once a primary shard is this large.'),
        deleteAfter: z
          .string()
          .regex(/^(\d+(d|h|m|s|ms)|never)$/, 'expected an Elasticsearch time value such as 365d, or "never"')
          .default('365d')
          .describe('ILM delete phase: a findings index is deleted this long after it rolled over; "never" keeps findings forever.'),
      })
      .strict()
      .prefault({}),
    kibana: z
      .object({
        url: z
          .string()
          .regex(/^https?:\/\/[^\s@]+$/, 'expected an http:// or https:// URL without credentials (use kibana.username/password or kibana.apiKey)')
          .optional()
          .describe('Kibana URL; `setup` imports the data view, saved search and dashboard there. No URL, no import. Env KIBANA_URL.'),
        apiKey: z
          .string()
          .min(1)
          .optional()
          .describe('Kibana API key (base64 "id:key" encoded form); wins over username/password. Env KIBANA_API_KEY.'),
        username: z.string().min(1).optional().describe('Kibana basic-auth user. Env KIBANA_USERNAME.'),
        password: z.string().min(1).optional().describe('Kibana basic-auth password. Env KIBANA_PASSWORD.'),
        space: z
          .string()
          .regex(/^[a-z0-9_-]+$/, 'expected a Kibana space id (lower-case letters, digits, _ and -)')
          .optional()
          .describe('Kibana space to import into; the default space when not set.'),
        caFile: z.string().min(1).optional().describe('PEM file of the CA that signed the Kibana certificate.'),
      })
      .strict()
      .prefault({}),
    worker: z
      .object({
        liveConcurrency: z.number().int().min(1).max(64).default(2).describe('Live window jobs one worker process runs at once.'),
        backfillConcurrency: z.number().int().min(1).max(64).default(2).describe('Backfill chunk jobs one worker process runs at once.'),
        jobAttempts: z.number().int().min(1).max(100).default(8).describe('Attempts of a job before it is marked failed (exponential backoff).'),
        backoffMs: durationMs(10).default(1_000).describe('First retry delay; doubles at each attempt.'),
        shutdownTimeoutMs: durationMs(100).default(30_000).describe('SIGTERM drains in-flight jobs for at most this long, then exits.'),
        leaderLeaseMs: durationMs(1_000).default(15_000).describe('Lease of the worker that schedules live windows; another takes over when it lapses.'),
        backfillRetryIntervalMs: durationMs(1_000)
          .default(30_000)
          .describe('How often a worker re-queues backfill chunks that failed all their attempts (e.g. during a long outage).'),
        lockDurationMs: durationMs(1_000)
          .default(30_000)
          .describe('BullMQ job lock: a job of a crashed worker is taken over by another after about this long.'),
      })
      .strict()
      .prefault({}),
    backfill: z
      .object({
        chunkMs: durationMs(1_000)
          .default(3_600_000)
          .describe('A backfill range is split into chunks of this length (aligned on its multiples), the smallest unit of work; backfill.chunkCandidates joins neighbours into one chunk job.'),
        chunkCandidates: z
          .number()
          .int()
          .min(0)
          .default(20_000)
          .describe('Consecutive chunks are joined into one chunk job while Elasticsearch counts at most this many candidates (hits of source.pushdown) in them, so a push-down that returns few hits is not paid for in per-job costs; counted once per run when the backfill is created (docs/performance.md). A run of more than 1,000 candidates is still cut into at least worker.backfillConcurrency jobs, so they run side by side. 0: one job per chunk.'),
        maxChunks: z
          .number()
          .int()
          .min(1)
          .default(10_000)
          .describe('A backfill of more chunks than this is refused before anything is queued (10,000 one-hour chunks are about 14 months); raise it, or `backfill --max-chunks`, for a longer range.'),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info')
          .describe('Log level. Env LOG_LEVEL.'),
        pretty: z
          .enum(['auto', 'always', 'never'])
          .default('auto')
          .describe('Human-readable logs: auto = when stderr is a TTY; otherwise ECS JSON lines.'),
      })
      .strict()
      .prefault({}),
    telemetry: z
      .object({
        prometheusPort: z
          .number()
          .int()
          .min(0)
          .max(65_535)
          .optional()
          .describe('Serve Prometheus metrics at http://<prometheusHost>:<port>/metrics while `run` runs (off when unset; 0 picks a free port, logged). OTLP export is set with the standard OTEL_* variables instead.'),
        prometheusHost: z
          .string()
          .min(1)
          .default('127.0.0.1')
          .describe('Interface of the Prometheus endpoint; 0.0.0.0 to be scraped from another host, container or pod.'),
        shutdownTimeoutMs: durationMs(100).default(5_000).describe('At exit, pending spans and metrics are flushed for at most this long.'),
      })
      .strict()
      .prefault({}),
    health: z
      .object({
        enabled: z.boolean().default(true).describe('Serve /healthz (alive) and /readyz (Elasticsearch, Redis, live cursor) while `run` runs.'),
        port: z
          .number()
          .int()
          .min(0)
          .max(65_535)
          .default(8080)
          .describe('Port of the health endpoints; the Docker HEALTHCHECK probes 8080 (or HEALTH_PORT). 0 picks a free port (logged).'),
        host: z
          .string()
          .min(1)
          .default('0.0.0.0')
          .describe('Interface of the health endpoints: 0.0.0.0 so Kubernetes probes (sent to the pod IP) reach them; 127.0.0.1 to keep them local.'),
        checkTimeoutMs: durationMs(100).default(2_000).describe('Each readiness check (Elasticsearch, Redis, cursor) fails after this long.'),
        cursorStallAfterMs: durationMs(1_000)
          .default(300_000)
          .describe('/readyz fails when the live cursor is more than this far behind now and has not moved for this long (only in a process that polls live).'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Splunk mode matches the analytic's patterns anywhere in the command line; the argv
    // push-down fetches only what curl's own grammar reads as a proxy, so it would lose matches.
    if (c.source.pushdown === 'argv' && c.rule.mode === 'splunk') {
      ctx.addIssue({ code: 'custom', path: ['source', 'pushdown'], message: 'expected "auto", "names" or "none" with rule.mode "splunk" (the argv push-down does not fetch every event splunk mode matches)', input: c.source.pushdown });
    }
    // A push-down searches the default ECS paths; with the name or executable read from
    // elsewhere, an event could match through the override while the query leaves it out.
    if (c.source.pushdown === 'argv' || c.source.pushdown === 'names') {
      const moved = pushdownFieldsOverridden(c.source.pushdown, c.normalize.fields);
      if (moved.length > 0) {
        const list = moved.map((f) => `normalize.fields.${f}`).join(' and ');
        const paths = moved.map((f) => defaultFieldMap[f].join(', ')).join(' and ');
        ctx.addIssue({
          code: 'custom',
          path: ['source', 'pushdown'],
          message: `expected "auto" or "none" while ${list} is set (the ${c.source.pushdown} push-down searches ${paths} only, so it would not fetch an event whose override says curl)`,
          input: c.source.pushdown,
        });
      }
    }
  })
  .transform((c) => ({ ...c, source: { ...c.source, pushdown: resolvePushdown(c.source.pushdown, c.rule.mode, c.normalize.fields) } }));

/** The CIM fields whose default ECS paths each push-down searches (src/source/query.ts, src/source/argv-pushdown.ts). */
const pushdownReads: Readonly<Record<'argv' | 'names', readonly CimField[]>> = {
  names: ['process_name'],
  argv: ['process_name', 'process_path'],
};

/** The fields a push-down searches that `normalize.fields` reads from other paths than the defaults. */
export function pushdownFieldsOverridden(pushdown: 'argv' | 'names', fields: Partial<Record<CimField, readonly string[]>>): CimField[] {
  return pushdownReads[pushdown].filter((f) => {
    const paths = fields[f];
    const defaults = defaultFieldMap[f];
    return paths !== undefined && (paths.length !== defaults.length || paths.some((p, i) => p !== defaults[i]));
  });
}

/**
 * The push-down `auto` stands for: the precise argv one where the rule reads argv, names for
 * the splunk patterns, and none when `normalize.fields` moves a field that push-down searches.
 */
export function resolvePushdown(
  pushdown: 'auto' | 'argv' | 'names' | 'none',
  mode: 'argv' | 'splunk',
  fields: Partial<Record<CimField, readonly string[]>> = {},
): 'argv' | 'names' | 'none' {
  if (pushdown !== 'auto') return pushdown;
  const chosen = mode === 'argv' ? 'argv' : 'names';
  return pushdownFieldsOverridden(chosen, fields).length > 0 ? 'none' : chosen;
}

/** The validated, frozen configuration every stage receives. */
export type Config = z.output<typeof configSchema>;
/** The shape accepted from files, environment and flags before defaults are applied. */
export type ConfigInput = z.input<typeof configSchema>;
/** One suppression entry (the analytic's filter macro, as data). */
export type Suppression = z.output<typeof suppressionSchema>;
