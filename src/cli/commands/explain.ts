import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { evaluate } from '../../rule/curl-proxy.js';
import { describeVerdict } from '../../rule/describe.js';
import { defaultProcessName, recordToInput } from '../../rule/explain-record.js';
import type { RuleInput, RuleOptions } from '../../rule/types.js';
import { collect } from '../collect.js';
import { configFor } from '../context.js';

interface ExplainFlags {
  mode?: string;
  jsonl?: boolean;
  json?: boolean;
  processName?: string;
  env?: string[];
}

/**
 * `explain '<command line>'` prints how the rule judges one command line (several words after
 * `--` are taken as the exact argv); `explain --jsonl` judges JSON lines from stdin, one output
 * line per input line, in order. Exit code 0 whatever the verdicts.
 */
export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description("show how the rule judges a command line, or JSON lines from stdin (--jsonl)")
    .argument('[command...]', "one quoted command line (split with shell rules), or after `--` the exact argv words")
    .option('--mode <mode>', 'argv or splunk (default: rule.mode of the configuration)')
    .option('--jsonl', 'read {"process_name","command_line","args","env_vars"} lines from stdin, write one verdict JSON line each')
    .option('--json', 'print the single verdict as JSON instead of words')
    .option('--process-name <name>', 'process name of the single command line (default: its program word)')
    .option('--env <NAME=value>', 'an environment variable the process had, repeatable', collect)
    .action(async (words: string[], flags: ExplainFlags, cmd: Command) => {
      const rule = configFor(cmd, { 'rule.mode': flags.mode }).rule;
      // explain wants every near-miss, so the fast path (same verdicts, less detail) is off.
      const options: RuleOptions = { mode: rule.mode, noproxyStarDisables: rule.noproxyStarDisables, fastPath: false };
      if (flags.jsonl === true) {
        if (words.length > 0 || flags.processName !== undefined || flags.env !== undefined) {
          throw new InputError('explain --jsonl reads stdin only: expected no command line, --process-name or --env');
        }
        await explainJsonl(process.stdin, process.stdout, options);
        return;
      }
      if (words.length === 0) throw new InputError("explain: expected a command line argument (e.g. explain 'curl -x socks5h://p:1080 https://a') or --jsonl");
      const input = singleInput(words, flags);
      const verdict = evaluate(input, options);
      const text = flags.json === true ? JSON.stringify(verdict) : describeVerdict(verdict).join('\n');
      process.stdout.write(`${text}\n`);
    });
}

function singleInput(words: readonly string[], flags: ExplainFlags): RuleInput {
  const args = words.length > 1 ? words : undefined;
  const commandLine = words.length === 1 ? words[0] : undefined;
  return {
    processName: flags.processName ?? defaultProcessName(args, commandLine),
    commandLine,
    args,
    envVars: flags.env,
  };
}

/** Counts of one `--jsonl` run. */
export interface JsonlSummary {
  lines: number;
  errors: number;
}

/**
 * Reads JSON lines and writes one JSON line per input line, in order: the verdict, or
 * `{"error": "line N: ..."}` for a line that is empty, not JSON or not a valid record, so
 * output line N always answers input line N. Waits for the output to drain when it is slow.
 */
export async function explainJsonl(input: NodeJS.ReadableStream, output: Writable, options: RuleOptions): Promise<JsonlSummary> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  const summary: JsonlSummary = { lines: 0, errors: 0 };
  for await (const line of lines) {
    summary.lines++;
    const answer = answerLine(line, summary.lines, options);
    if ('error' in answer) summary.errors++;
    if (!output.write(`${JSON.stringify(answer)}\n`)) await once(output, 'drain');
  }
  return summary;
}

function answerLine(line: string, lineNo: number, options: RuleOptions): object {
  if (line.trim() === '') return { error: `line ${lineNo}: empty line, expected a JSON object` };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    // V8's message may quote the line, credentials included: only the position is shown.
    const position = /position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    return { error: `line ${lineNo}: expected a JSON object, got invalid JSON${position === undefined ? '' : ` (at position ${position})`}` };
  }
  const record = recordToInput(value);
  if (!record.ok) return { error: `line ${lineNo}: ${record.error}` };
  return evaluate(record.input, options);
}
