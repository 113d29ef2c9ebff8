import { errors } from '@elastic/elasticsearch';
import { DetectorError, InputError, ServiceUnavailableError } from '../errors.js';

/**
 * Classifies an Elasticsearch client failure: connection problems, timeouts, 429 and 5xx are
 * transient (retry later); other 4xx responses are errors in our request (do not retry).
 */
export function toServiceError(err: unknown, doing: string): DetectorError {
  if (err instanceof DetectorError) return err;
  if (err instanceof errors.ConnectionError && isCertificateProblem(err.message)) {
    // A certificate that does not verify will not verify on the next try: the operator must act.
    return new InputError(`elasticsearch: ${doing}: TLS verification failed (${err.message}); check elasticsearch.caFile / elasticsearch.caFingerprint`, { cause: err });
  }
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError) {
    return new ServiceUnavailableError('elasticsearch', `${doing}: ${err.message}`, { cause: err });
  }
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    const reason = responseReason(err);
    if (status === 429 || status >= 500) return new ServiceUnavailableError('elasticsearch', `${doing}: HTTP ${status} ${reason}`, { cause: err });
    return new InputError(`elasticsearch: ${doing}: HTTP ${status} ${reason}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ServiceUnavailableError('elasticsearch', `${doing}: ${message}`, { cause: err });
}

const certificateProblems = /certificate|fingerprint|self[- ]signed|unable to verify|altname|CERT_|DEPTH_ZERO/i;

/** True for TLS verification failures (untrusted or mismatched certificates, pin mismatch). */
export function isCertificateProblem(message: string): boolean {
  return certificateProblems.test(message);
}

function responseReason(err: InstanceType<typeof errors.ResponseError>): string {
  const body = err.body as { error?: { type?: string; reason?: string; root_cause?: { reason?: string }[] } } | undefined;
  const e = body?.error;
  return [e?.type, e?.root_cause?.[0]?.reason ?? e?.reason].filter((x) => x !== undefined).join(': ') || err.message;
}
