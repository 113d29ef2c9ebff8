/**
 * Typed errors with stable codes. Each one says whether retrying can help, so callers
 * (BullMQ processors, the poller, the CLI) decide without parsing messages.
 */
export abstract class DetectorError extends Error {
  /** Stable machine-readable code, e.g. `CPD_CONFIG_INVALID`. */
  abstract readonly code: string;
  /** True when the same operation may succeed later (network, 429, cluster unavailable). */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad configuration: the process must stop with exit code 2. */
export class ConfigError extends DetectorError {
  readonly code = 'CPD_CONFIG_INVALID';
  readonly retryable = false;
  /** One line per problem, each naming the key, what was expected and what was given. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.problems = problems;
  }
}

/** Input that will never succeed, however often it is retried (bad CLI argument, bad record). */
export class InputError extends DetectorError {
  readonly code = 'CPD_INPUT_INVALID';
  readonly retryable = false;
}

/** A service (Elasticsearch, Redis) is unreachable or overloaded; the work is retried later. */
export class ServiceUnavailableError extends DetectorError {
  readonly code: string;
  readonly retryable = true;

  constructor(service: 'elasticsearch' | 'redis', message: string, options?: { cause?: unknown }) {
    super(`${service}: ${message}`, options);
    this.code = service === 'elasticsearch' ? 'CPD_ES_UNAVAILABLE' : 'CPD_REDIS_UNAVAILABLE';
  }
}

/** Exit codes of the CLI: 0 ok, 1 runtime failure, 2 bad configuration or usage. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;
