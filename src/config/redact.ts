/** Keys whose values are secrets wherever they appear in config, logs or errors. */
const secretKey = /(password|apikey|api_key|secret|token|authorization)$/i;

/** True when a config key (last segment) names a secret. */
export function isSecretKey(key: string): boolean {
  const last = key.split('.').pop() ?? key;
  return secretKey.test(last);
}

/** Replaces the user-info part of a URL (`redis://:pw@host`, `http://u:p@h`) by `***`. */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/\s]*)@/i, (_m, scheme: string) => `${scheme}***@`);
}

/** Deep copy of a config-like value with secrets replaced, safe to print or log. */
export function redactConfig(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (key !== '' && isSecretKey(key)) return '***';
    return redactUrl(value);
  }
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactConfig(v, key === '' ? k : `${key}.${k}`);
    return out;
  }
  return value;
}
