/**
 * curl's `--variable` / `--expand-<option>` (8.3.0+), as far as the event can tell: a
 * `{{name}}` is known when `--variable name=content` or `--variable %ENVNAME` (with the
 * event's environment) defined it earlier. Files, stdin and functions (`{{name:trim}}`) are
 * unknowable from the event, so such a value expands to null ("unknown").
 */
/** Longest expansion worked out (characters); curl's own limit on expanded content is larger than any proxy value. */
export const MAX_EXPANDED_LENGTH = 1_048_576;

export class CurlVariables {
  private readonly values = new Map<string, string | null>();

  constructor(private readonly env: ReadonlyMap<string, string>) {}

  /** Records one `--variable` argument. */
  define(spec: string): void {
    const eq = spec.indexOf('=');
    const at = spec.indexOf('@');
    if (spec.startsWith('%')) {
      const end = eq >= 0 ? eq : at >= 0 ? at : spec.length;
      const name = spec.slice(1, end);
      // Unset and without a default: the env snapshot may be incomplete, so the value is unknown.
      this.values.set(name, this.env.get(name) ?? (eq >= 0 && (at < 0 || eq < at) ? spec.slice(eq + 1) : null));
      return;
    }
    if (eq > 0 && (at < 0 || eq < at)) this.values.set(spec.slice(0, eq), spec.slice(eq + 1));
    else if (at > 0) this.values.set(spec.slice(0, at), null);
  }

  /**
   * Expands every {{name}}; null when any of them cannot be known, or when the result would pass
   * {@link MAX_EXPANDED_LENGTH} (a few hundred kilobytes of arguments can ask for gigabytes: such a
   * value is a proxy whose target is unknown, never an error). `\{{` stays literal.
   */
  expand(value: string): string | null {
    if (!value.includes('{{')) return value;
    let out = '';
    let pos = 0;
    for (;;) {
      if (out.length > MAX_EXPANDED_LENGTH) return null;
      const open = value.indexOf('{{', pos);
      if (open < 0) return out.length + value.length - pos > MAX_EXPANDED_LENGTH ? null : out + value.slice(pos);
      if (open > 0 && value[open - 1] === '\\') {
        out += `${value.slice(pos, open - 1)}{{`;
        pos = open + 2;
        continue;
      }
      const close = value.indexOf('}}', open + 2);
      if (close < 0) return out + value.slice(pos);
      const known = this.values.get(value.slice(open + 2, close));
      if (known === undefined || known === null) return null;
      if (out.length + (open - pos) + known.length > MAX_EXPANDED_LENGTH) return null;
      out += value.slice(pos, open) + known;
      pos = close + 2;
    }
  }
}
