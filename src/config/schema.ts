import { z } from 'zod';

/**
 * The one configuration schema: types, defaults and documentation in one place.
 * Every key carries its unit in its name (`...Ms`, `...Bytes`); `describe()` texts feed
 * `curl-proxy-detector config docs` and the README table.
 */

const durationMs = (min: number) => z.number().int().min(min);

const suppressionSchema = z
  .object({
    reason: z.string().min(1).describe('Why this match is expected (shown in reports).'),
    proxyHost: z
      .string()
      .min(1)
      .optional()
      .describe('Proxy host name (case-insensitive) or IPv4/IPv6 CIDR, e.g. "proxy.corp" or "10.0.0.0/8".'),
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
          .regex(/^https?:\/\/[^\s]+$/, 'expected an http:// or https:// URL')
          .default('http://127.0.0.1:9200')
          .describe('Elasticsearch URL. Env ELASTICSEARCH_URL.'),
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
          .describe('SHA-256 fingerprint of the CA certificate. Env ELASTICSEARCH_CA_FINGERPRINT.'),
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
        keyPrefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, _ or -')
          .default('cpd')
          .describe('Prefix of every Redis key and BullMQ queue of this deployment. Env REDIS_KEY_PREFIX.'),
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
  })
  .strict();

/** The validated, frozen configuration every stage receives. */
export type Config = z.output<typeof configSchema>;
/** The shape accepted from files, environment and flags before defaults are applied. */
export type ConfigInput = z.input<typeof configSchema>;
/** One suppression entry (the analytic's filter macro, as data). */
export type Suppression = z.output<typeof suppressionSchema>;
