/**
 * Megabyte-sized hostile command lines for the per-event text paths that are not the verdict
 * (redaction, reasons, explain), shared by test/unit/rule/redact-linear.test.ts (operation
 * counts) and bench/rule-scaling.bench.ts (CPU time). Each is one unit repeated to a size:
 * repeated and glued options, glued values, quotes, backslashes, many '=' ':' '@', runs of
 * '-', nested scripts and env(1) wrappers. The first ones are the lines that took minutes.
 */

/** A hostile line family: `make(size)` is about `size` characters (whole units). */
export interface HostileLine {
  name: string;
  make: (size: number) => string;
}

/** prefix + unit repeated + suffix, about `size` characters. */
export function fill(size: number, prefix: string, unit: string, suffix = ''): string {
  const room = Math.max(0, size - prefix.length - suffix.length);
  return `${prefix}${unit.repeat(Math.max(1, Math.floor(room / unit.length)))}${suffix}`;
}

const unit = (name: string, prefix: string, repeated: string, suffix = ''): HostileLine => ({ name, make: (size) => fill(size, prefix, repeated, suffix) });

export const HOSTILE_LINES: readonly HostileLine[] = [
  // A regular expression over the line backtracked over every run of dashes: 338 s for 1 MB.
  unit("'--proxy' glued", 'curl ', '--proxy'),
  unit('dashes', 'curl ', '-'),
  unit("'--pas' glued", 'curl ', '--pas'),
  unit("'--proxyhttp://u:p@h:1 ' (glued values)", 'curl ', '--proxyhttp://u:p@h:1 '),
  unit("'--proxy=http://u:p@h:1' glued", 'curl ', '--proxy=http://u:p@h:1'),
  unit("'-sSxhttp://u:p@h:1 ' (clusters)", 'curl ', '-sSxhttp://u:p@h:1 '),
  unit("'-Uu:p ' (proxy users)", 'curl ', '-Uu:p '),
  unit("' -aaaa' (clusters without a value)", 'curl', ' -aaaa'),
  unit("'@'", 'curl -x ', '@'),
  unit("':'", 'curl -x ', ':'),
  unit("'='", 'curl --proxy', '='),
  unit("'http://a@'", 'curl ', 'http://a@'),
  unit("'://' without '@'", 'curl ', 'http://'),
  unit('alternating quotes', 'curl ', `'"`),
  unit('backslashes in double quotes', 'curl -x "', '\\\\'),
  unit("sh -c ' nested", '', "sh -c '"),
  unit('sh -c " nested', '', 'sh -c "'),
  unit('blanks in a quoted value', 'curl -d "', 'a b '),
  unit("env -S '...' nested", 'env ', "-S 'env -S "),
  unit('NAME=value words', '', 'A=b ', 'curl -x p https://a'),
  unit('proxy variables with user info', '', 'http_proxy=u:p@h ', 'curl https://a'),
  unit('authorization headers', 'curl ', "-H 'Authorization: x' "),
  unit("a header of ';'", 'curl -H ', ';'),
  unit("cookie 'a=b;'", 'curl -b ', 'a=b;'),
  unit('NUL-separated words', 'curl', '\0-x\0p'),
  unit('upper-case secret names', '', 'API_TOKEN_KEY=v '),
];
