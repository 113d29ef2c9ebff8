/**
 * The rule's data contract: what the normalize stage hands in (RuleInput), what the rule hands
 * out (Verdict). Plain data, so a verdict can be logged, stored in a finding or printed by `explain`.
 */

/** `argv`: curl's real option grammar (default). `splunk`: the analytic's wildcard patterns, exactly. */
export type RuleMode = 'argv' | 'splunk';

/** One process event, in CIM terms, built by the normalize stage from one ECS event. */
export interface RuleInput {
  /** CIM process_name (ECS process.name, already fixed for Sysmon). */
  processName?: string | undefined;
  /** CIM process_path (ECS process.executable). */
  processPath?: string | undefined;
  /** CIM process (ECS process.command_line). */
  commandLine?: string | undefined;
  /** ECS process.args: the exact argv including argv[0], when the source has it. */
  args?: readonly string[] | undefined;
  /** ECS process.env_vars: "NAME=value" strings, when the source captured them. */
  envVars?: readonly string[] | undefined;
}

/** Proxy protocols curl accepts (`socks://` is reported as socks4, which is what curl makes of it). */
export type ProxyScheme = 'http' | 'https' | 'socks4' | 'socks4a' | 'socks5' | 'socks5h';

/** One proxy the process was told to use. */
export interface ProxyUse {
  /** As written: '-x', '--socks5-hostname', '--proxy=', 'env ALL_PROXY'; in splunk mode the pattern that hit, e.g. '*-x *'. */
  option: string;
  /** The option's canonical curl name ('--proxy', '--preproxy', ...), the variable name for env proxies, or the pattern. */
  canonical: string;
  /** The proxy value with credentials redacted (user:pass@ -> ***@); in splunk mode the text after the hit. */
  url: string;
  /** Null in splunk mode, and when undeterminable ({{var}} expansion). */
  scheme: ProxyScheme | null;
  host: string | null;
  /** The port curl connects to: the explicit one, else curl's default (1080, 443 for https://). */
  port: number | null;
  source: 'argv' | 'command_line' | 'env';
  /** Set when the option used a form only old curl accepts (an evasion of exact-name matching). */
  evasion: string | null;
  /** 1-based index of the transfer (`--next` part) the proxy belongs to. */
  segment: number;
  /**
   * Why curl refuses this proxy value (unsupported scheme, no host, bad port), or null. A refused
   * proxy still counts: trying to tunnel is the behaviour (T1090), even when curl then connects nowhere.
   */
  refused: string | null;
}

/** Where one URL of the command line goes, as curl decides it. */
export interface UrlRoute {
  /** 1-based transfer (--next part). */
  segment: number;
  /** As written, credentials redacted, shortened. */
  url: string;
  /** The host curl compares with no-proxy lists; null when it cannot be known. */
  host: string | null;
  /** unknown = cannot tell from the event; counts as proxied (conservative). */
  route: 'proxy' | 'direct' | 'unknown';
  /** The host:port curl connects to first for this URL (the pre-proxy when there is one), when route is 'proxy'. */
  firstHop: { option: string; host: string | null; port: number | null } | null;
  /** One sentence: which proxy and why, or why direct (e.g. "--noproxy example.com lists example.com"). */
  reason: string;
}

/** Something that looks proxy-related but does not make this process use a proxy, and why. */
export interface NearMiss {
  token: string;
  reason: string;
}

/** The rule's decision on one process event; it explains itself. */
export interface Verdict {
  match: boolean;
  mode: RuleMode;
  isCurl: boolean;
  proxies: ProxyUse[];
  /**
   * argv mode: each URL of the command line, in order, and where curl sends it (at most
   * MAX_ROUTES, then a note). Empty in splunk mode, for other processes, and when the fast path
   * decided (no proxy option or variable at all: every URL goes direct).
   */
  routes: UrlRoute[];
  nearMisses: NearMiss[];
  /** One plain sentence. */
  reason: string;
  /** Parser observations that are not near-misses (unbalanced quote, config file, unknown option, caps). */
  notes: string[];
}

/** How the rule runs; built from the `rule` config section. */
export interface RuleOptions {
  mode: RuleMode;
  /** argv mode: `--noproxy '*'` (or NO_PROXY=*) turns every proxy off, so the process is not a match. */
  noproxyStarDisables: boolean;
  /**
   * argv mode: skip the full parser when a cheap scan proves no proxy can be selected (default true).
   * The verdict is the same; only the near-miss detail of non-matches is shorter. `explain` turns it off.
   */
  fastPath?: boolean | undefined;
}
