import { DetectorError } from '../errors.js';

/**
 * Kibana refused or failed a request of `setup`. Retryable when Kibana was unreachable, busy
 * (429) or failing (5xx); not when it rejected the request or the objects (4xx, import errors),
 * which the same request will hit again. Messages never carry credentials.
 */
export class KibanaError extends DetectorError {
  readonly code = 'CPD_KIBANA_FAILED';
  readonly retryable: boolean;
  /** HTTP status of the failed response; undefined when no response arrived. */
  readonly status: number | undefined;

  constructor(message: string, options: { retryable: boolean; status?: number | undefined; cause?: unknown }) {
    super(`kibana: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
    this.status = options.status;
  }
}
