/**
 * Environment variables and the config keys they set. Kept as data so the README, the
 * loader and the tests read the same table.
 */
export const envKeys: Readonly<Record<string, string>> = {
  ELASTICSEARCH_URL: 'elasticsearch.url',
  ELASTICSEARCH_API_KEY: 'elasticsearch.apiKey',
  ELASTICSEARCH_USERNAME: 'elasticsearch.username',
  ELASTICSEARCH_PASSWORD: 'elasticsearch.password',
  ELASTICSEARCH_CA_FILE: 'elasticsearch.caFile',
  ELASTICSEARCH_CA_FINGERPRINT: 'elasticsearch.caFingerprint',
  REDIS_URL: 'redis.url',
  REDIS_KEY_PREFIX: 'redis.keyPrefix',
  REDIS_CA_FILE: 'redis.caFile',
  REDIS_SENTINELS: 'redis.sentinels',
  REDIS_SENTINEL_NAME: 'redis.sentinelName',
  REDIS_SENTINEL_PASSWORD: 'redis.sentinelPassword',
  REDIS_CLUSTER_NODES: 'redis.clusterNodes',
  LOG_LEVEL: 'log.level',
  HEALTH_PORT: 'health.port',
  CPD_RULE_MODE: 'rule.mode',
  CPD_SOURCE_INDEX_PATTERNS: 'source.indexPatterns',
  CPD_FINDINGS_ALIAS: 'sink.findingsAlias',
  KIBANA_URL: 'kibana.url',
  KIBANA_USERNAME: 'kibana.username',
  KIBANA_PASSWORD: 'kibana.password',
  KIBANA_API_KEY: 'kibana.apiKey',
};

/** Environment variable naming the config file when `--config` is not given. */
export const configFileEnv = 'CPD_CONFIG';

/** Generic form for any key: `CPD__SOURCE__PAGE_SIZE=500` sets `source.pageSize`. */
export const genericEnvPrefix = 'CPD__';

/** `PAGE_SIZE` -> `pageSize`; used for the generic `CPD__A__B_C` form. */
export function envSegmentToKey(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Reads the environment into dotted-key assignments, remembering which variable set each. */
export function readEnv(env: NodeJS.ProcessEnv): { key: string; value: string; source: string }[] {
  const out: { key: string; value: string; source: string }[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || raw === '') continue;
    // Own keys only: a variable named `constructor` or `toString` is no config key.
    const mapped = Object.hasOwn(envKeys, name) ? envKeys[name] : undefined;
    if (mapped !== undefined) {
      out.push({ key: mapped, value: raw, source: `environment ${name}` });
    } else if (name.startsWith(genericEnvPrefix)) {
      const key = name.slice(genericEnvPrefix.length).split('__').map(envSegmentToKey).join('.');
      out.push({ key, value: raw, source: `environment ${name}` });
    }
  }
  return out;
}
