import { ecsFormat } from '@elastic/ecs-pino-format';
import { pino, type Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { redactText } from '../rule/redact.js';

export type { Logger } from 'pino';

/**
 * The process logger: ECS JSON lines on stderr (so stdout stays for command output), or
 * human-readable lines when stderr is a TTY. Secrets are redacted by path as a second line of
 * defence; the code never logs the config's credentials in the first place.
 */
export function createLogger(log: Config['log'], name = 'curl-proxy-detector'): Logger {
  const pretty = log.pretty === 'always' || (log.pretty === 'auto' && process.stderr.isTTY === true);
  const redact = {
    paths: ['password', 'apiKey', '*.password', '*.apiKey', 'headers.authorization', '*.headers.authorization'],
    censor: '***',
  };
  if (pretty) {
    return pino({
      name,
      level: log.level,
      redact,
      // pino's default error serializer copies every enumerable property: an Elasticsearch
      // client error carries the request it failed on (a bulk of findings) in `meta`.
      serializers: { err: safeError, error: safeError },
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ name, level: log.level, redact, ...ecsFormat({ convertErr: true }) }, pino.destination(2));
}

/** An error as a log shows it: type, message and stack with URL credentials hidden, nothing else of it. */
export function safeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out: Record<string, unknown> = { type: err.name, message: redactText(err.message) };
  if (err.stack !== undefined) out.stack = redactText(err.stack);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  return out;
}

/** A logger that drops everything, for library callers and tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
