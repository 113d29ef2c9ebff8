import { NO_PROXY_REASON, decideArgv } from './argv-verdict.js';
import { equalsIgnoreCase, hasArgs, nameKind, readInvocation } from './invocation.js';
import { mayUseProxy } from './prefilter.js';
import { shorten } from './proxy-url.js';
import { evaluateSplunk } from './splunk-analytic.js';
import type { RuleInput, RuleOptions, Verdict } from './types.js';

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
  return options.mode === 'splunk' ? evaluateSplunk(input) : evaluateArgv(input, options);
}

function evaluateArgv(input: RuleInput, options: RuleOptions): Verdict {
  const fast = options.fastPath !== false;
  const kind = nameKind(input);
  if (kind === 'other') return notCurl(describeProcess(input), []);
  if (fast && kind === 'curl' && !mayUseProxy(input)) {
    return { match: false, mode: 'argv', isCurl: true, proxies: [], nearMisses: [], reason: NO_PROXY_REASON, notes: [] };
  }
  if (fast && kind === 'env' && !mentionsCurl(input)) return notCurl(describeProcess(input), []);

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

function notCurl(what: string, notes: string[]): Verdict {
  return {
    match: false,
    mode: 'argv',
    isCurl: false,
    proxies: [],
    nearMisses: [],
    reason: `Not the curl process: ${what}; a shell or script that starts curl is judged on curl's own process event.`,
    notes,
  };
}

function describeProcess(input: RuleInput): string {
  const name = input.processName ?? input.processPath ?? '';
  return `process "${shorten(name, 80)}" is not curl`;
}

function mentionsCurl(input: RuleInput): boolean {
  if (hasArgs(input)) return input.args.some((word) => word.toLowerCase().includes('curl'));
  return (input.commandLine ?? '').toLowerCase().includes('curl');
}

