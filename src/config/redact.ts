/** Keys whose values are secrets wherever they appear in config, logs or errors. */
const secretKey = /(password|apikey|api_key|secret|token|authorization)$/i;

/** True when a config key (last segment) names a secret. */
export function isSecretKey(key: string): boolean {
  const last = key.split('.').pop() ?? key;
  return secretKey.test(last);
}

/**
 * Replaces the user-info part of a URL (`redis://:pw@host`, `http://u:p@h`) by `***`. The user
 * info runs to the last `@` of the URL, not the first: a password may hold `@` (and `/`, `?`,
 * `#`) unescaped, and showing a host too few beats showing part of a password.
 */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)(\S*)@/i, (_m, scheme: string) => `${scheme}***@`);
}

/** Deep copy of a config-like value with secrets replaced, safe to print or log. */
export function redactConfig(value: unknown, key = ''): unknown {
  // A secret key hides whatever it holds: a number or an object given for a password is still one.
  if (key !== '' && isSecretKey(key) && value !== undefined && value !== null) return '***';
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) defineKey(out, k, redactConfig(v, key === '' ? k : `${key}.${k}`));
    return out;
  }
  return value;
}

/** Sets an own property even for a key such as `__proto__`, which plain assignment would swallow. */
function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
