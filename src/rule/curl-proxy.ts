import { NO_PROXY_REASON, decideArgv } from './argv-verdict.js';
import { readInvocation } from './invocation.js';
import { mayUseProxy } from './prefilter.js';
import { equalsIgnoreCase, mentionsCurl, nameKind, surelyNotCurl, type NameKind } from './process-identity.js';
import { shorten } from './proxy-url.js';
import { evaluateSplunk } from './splunk-analytic.js';
import type { RuleInput, RuleOptions, Verdict } from './types.js';
import { deepFreeze } from '../freeze.js';

/**
 * The fast path's verdicts are shared, frozen instances: nearly every event gets one, and
 * the common case then allocates nothing. Verdicts are data: callers never modify them.
 */
const FAST_NOT_CURL: Verdict = frozenVerdict(false, "Not the curl process: a shell or script that starts curl is judged on curl's own process event.");
const FAST_NO_PROXY: Verdict = frozenVerdict(true, NO_PROXY_REASON);

function frozenVerdict(isCurl: boolean, reason: string): Verdict {
  return deepFreeze<Verdict>({ match: false, mode: 'argv', isCurl, proxies: [], routes: [], nearMisses: [], reason, notes: [] });
}

/**
 * The rule: did this process use curl through a proxy? Pure, total (never throws) and
 * linear in the size of the event.
 *
 * splunk mode reproduces the analytic (splunk-analytic.ts). argv mode reads curl's own
 * grammar: the process is curl when process.name is curl (any case) or the executable's
 * basename is curl (or env(1) running curl, which becomes curl in the same process); a shell
 * whose command line merely contains a curl command is not the curl process.
 */
export function evaluate(input: RuleInput, options: RuleOptions): Verdict {
  if (options.mode === 'splunk') return evaluateSplunk(input);
  // Nearly every event ends here, so this function stays small enough to be inlined.
  if (options.fastPath !== false && surelyNotCurl(input)) return FAST_NOT_CURL;
  const kind = nameKind(input);
  if (kind === 'other' && options.fastPath !== false) return FAST_NOT_CURL;
  return evaluateArgv(input, options, kind);
}

function evaluateArgv(input: RuleInput, options: RuleOptions, kind: NameKind): Verdict {
  const fast = options.fastPath !== false;
  if (kind === 'other') return fast ? FAST_NOT_CURL : notCurl(describeProcess(input), []);
  if (fast && kind === 'curl' && !mayUseProxy(input)) return FAST_NO_PROXY;
  if (fast && kind === 'env' && !mentionsCurl(input)) return notCurl(null, []);

  const invocation = readInvocation(input);
  // Without a name or path, the program word decides (a pasted command line in `explain`).
  const programIsCurl = kind === 'unknown' && invocation.program !== null && equalsIgnoreCase(invocation.program, 'curl');
  if (kind !== 'curl' && !invocation.viaEnv && !programIsCurl) {
    const what =
      kind === 'env'
        ? `env runs ${invocation.program === null ? 'nothing it accepts' : `"${shorten(invocation.program, 80)}"`}, not curl`
        : `the program is ${invocation.program === null ? 'unknown' : `"${shorten(invocation.program, 80)}"`}, not curl`;
    return notCurl(what, invocation.notes);
  }
  return decideArgv(invocation, options);
}

function notCurl(what: string | null, notes: string[]): Verdict {
  if (what === null) return FAST_NOT_CURL;
  const reason = `Not the curl process: ${what}; a shell or script that starts curl is judged on curl's own process event.`;
  return { match: false, mode: 'argv', isCurl: false, proxies: [], routes: [], nearMisses: [], reason, notes };
}

function describeProcess(input: RuleInput): string {
  const name = input.processName ?? input.processPath ?? '';
  return `process "${shorten(name, 80)}" is not curl`;
}

