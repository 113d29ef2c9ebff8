import { errors } from '@elastic/elasticsearch';
import { DetectorError, InputError, ServiceUnavailableError } from '../errors.js';

/**
 * Classifies an Elasticsearch client failure: connection problems, timeouts, 429, 5xx and a
 * point in time lost with a node (404) are transient (retry later); other 4xx responses are
 * errors in our request (do not retry).
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
    // A 404 for the point in time itself: its contexts lived on a node that left the cluster, or
    // it expired. The data is still there (on the promoted replicas): a new point in time reads it.
    if (status === 404 && lostSearchContext(err.body)) {
      return new ServiceUnavailableError('elasticsearch', `${doing}: the point in time was lost (a node left the cluster or it expired): HTTP 404 ${reason}`, { cause: err });
    }
    return new InputError(`elasticsearch: ${doing}: HTTP ${status} ${reason}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ServiceUnavailableError('elasticsearch', `${doing}: ${message}`, { cause: err });
}

/** Error types that say a search context (a point in time's shard readers) is gone, not the index. */
const lostContextTypes = new Set(['search_context_missing_exception', 'search_context_missing_nodes_exception']);

/**
 * True when an Elasticsearch error body says a point in time's search contexts are gone: its
 * own type, a root cause or a failed shard's reason names a missing search context. Used only
 * for 404s, which otherwise mean a request that will never succeed.
 */
export function lostSearchContext(body: unknown): boolean {
  const e = (body as { error?: ErrorBody } | undefined)?.error;
  if (e === undefined || typeof e !== 'object') return false;
  const types = [e.type, ...(e.root_cause ?? []).map((c) => c?.type), ...(e.failed_shards ?? []).map((f) => f?.reason?.type)];
  return types.some((t) => typeof t === 'string' && lostContextTypes.has(t));
}

interface ErrorBody {
  type?: string;
  root_cause?: ({ type?: string } | undefined)[];
  failed_shards?: ({ reason?: { type?: string } } | undefined)[];
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
