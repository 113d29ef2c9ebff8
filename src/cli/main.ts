import { Command, CommanderError } from 'commander';
import { DetectorError, ExitCode, ConfigError } from '../errors.js';
import { collect } from './collect.js';
import { registerBackfill } from './commands/backfill.js';
import { registerConfig } from './commands/config.js';
import { registerDemo } from './commands/demo.js';
import { registerRun } from './commands/run.js';
import { registerStatus } from './commands/status.js';
import { registerExplain } from './commands/explain.js';
import { registerSetup } from './commands/setup.js';
import { registerReplay } from './commands/replay.js';

/** Builds the CLI. Commands are listed here explicitly: nothing registers itself at import time. */
export function buildProgram(): Command {
  const program = new Command('curl-proxy-detector')
    .description('Detect curl used through a SOCKS or HTTP proxy, from ECS process events in Elasticsearch.')
    .option('-c, --config <file>', 'YAML or JSON configuration file (env CPD_CONFIG)')
    .option('--es-url <url>', 'Elasticsearch URL (env ELASTICSEARCH_URL)')
    .option('--redis-url <url>', 'Redis URL with database number (env REDIS_URL)')
    .option('--log-level <level>', 'log level (env LOG_LEVEL)')
    .option('--set <key=value>', 'set any configuration key, repeatable (see `config docs`)', collect)
    .exitOverride();
  registerDemo(program);
  registerRun(program);
  registerBackfill(program);
  registerStatus(program);
  registerConfig(program);
  registerExplain(program);
  registerSetup(program);
  registerReplay(program);
  pointAtHelp(program, program.name());
  return program;
}

/**
 * After a usage error (unknown option or command, missing argument), commander prints its one
 * line (with a "Did you mean" suggestion when one is close) and then this hint naming the
 * command's own help, instead of the whole help text.
 */
function pointAtHelp(command: Command, path: string): void {
  command.showHelpAfterError(`(run '${path} --help' for usage)`).showSuggestionAfterError(true);
  for (const sub of command.commands) pointAtHelp(sub, `${path} ${sub.name()}`);
}

/** Runs the CLI and maps errors to exit codes: 2 for configuration and usage, 1 for the rest. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (and help); --help/--version end with code 0.
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof ConfigError) {
    for (const line of err.problems) process.stderr.write(`curl-proxy-detector: config error: ${line}\n`);
    return ExitCode.usage;
  }
  if (err instanceof DetectorError) {
    process.stderr.write(`curl-proxy-detector: ${err.message} [${err.code}]\n`);
    return err.retryable ? ExitCode.failure : ExitCode.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`curl-proxy-detector: ${message}\n`);
  if (process.env.LOG_LEVEL === 'debug' && err instanceof Error && err.stack !== undefined) process.stderr.write(`${err.stack}\n`);
  return ExitCode.failure;
}
