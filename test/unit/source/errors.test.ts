import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors } from '@elastic/elasticsearch';
import { InputError, ServiceUnavailableError } from '../../../src/errors.js';
import { lostSearchContext, toServiceError } from '../../../src/source/errors.js';

function responseError(statusCode: number, error: Record<string, unknown>): InstanceType<typeof errors.ResponseError> {
  return new errors.ResponseError({ statusCode, body: { error, status: statusCode }, headers: {}, warnings: null, meta: {} as never });
}

// Bodies as Elasticsearch 9.5.4 answered them when the node holding a point in time's shard
// contexts was killed (SIGKILL) in a three-node cluster, and as it answers an expired one.
const contextOnLostNode = {
  root_cause: [{ type: 'search_context_missing_nodes_exception', reason: 'Search context of type [pit] references nodes that have left the cluster: [CcBi7D]' }],
  type: 'search_context_missing_nodes_exception',
  reason: 'Search context of type [pit] references nodes that have left the cluster: [CcBi7D]',
};
const expiredContext = {
  root_cause: [{ type: 'search_context_missing_exception', reason: 'No search context found for id [42]' }],
  type: 'search_phase_execution_exception',
  reason: 'all shards failed',
  failed_shards: [{ shard: -1, index: null, reason: { type: 'search_context_missing_exception', reason: 'No search context found for id [42]' } }],
};
const shardOnLostNode = {
  root_cause: [{ type: 'no_shard_available_action_exception', reason: null }],
  type: 'search_phase_execution_exception',
  reason: 'all shards failed',
  failed_shards: [{ shard: 0, index: 'logs-x', node: null, reason: { type: 'no_shard_available_action_exception', reason: null } }],
};

describe('toServiceError tells a lost node or point in time (retry from a new one) from a bad request', () => {
  const cases: [string, unknown, typeof ServiceUnavailableError | typeof InputError][] = [
    ['a 404 whose point in time references a node that left the cluster', responseError(404, contextOnLostNode), ServiceUnavailableError],
    ['a 404 whose search contexts expired or were freed', responseError(404, expiredContext), ServiceUnavailableError],
    ['a 503 where every shard copy the point in time used is gone', responseError(503, shardOnLostNode), ServiceUnavailableError],
    ['a 503 no master while the cluster elects one', responseError(503, { type: 'cluster_block_exception', reason: 'blocked by: [SERVICE_UNAVAILABLE/2/no master]' }), ServiceUnavailableError],
    ['a 500 node disconnected mid-request', responseError(500, { type: 'node_disconnected_exception', reason: '[cpd-es-9281][127.0.0.1:9381][indices:data/read/search] disconnected' }), ServiceUnavailableError],
    ['a connection refused by the node the client talks to', new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9281'), ServiceUnavailableError],
    ['a 404 for a missing index, which no retry will create', responseError(404, { type: 'index_not_found_exception', reason: 'no such index [x]' }), InputError],
    ['a 400 for a malformed query', responseError(400, { type: 'parsing_exception', reason: 'unknown query [x]' }), InputError],
  ];
  for (const [name, err, expected] of cases) {
    it(`classifies ${name} as ${expected.name}`, () => {
      const classified = toServiceError(err, 'searching');
      assert.ok(classified instanceof expected, `${classified.constructor.name}: ${classified.message}`);
      assert.equal(classified.retryable, expected === ServiceUnavailableError);
    });
  }

  it('says in the message that the point in time was lost, for the operator reading the retry', () => {
    assert.match(toServiceError(responseError(404, contextOnLostNode), 'searching').message, /point in time was lost/);
  });
});

describe('lostSearchContext reads the error type, the root causes and the failed shards', () => {
  it('finds a missing context in any of the three places and nothing in other bodies', () => {
    assert.equal(lostSearchContext({ error: contextOnLostNode }), true);
    assert.equal(lostSearchContext({ error: expiredContext }), true);
    assert.equal(lostSearchContext({ error: { type: 'x', failed_shards: [{ reason: { type: 'search_context_missing_exception' } }] } }), true);
    assert.equal(lostSearchContext({ error: shardOnLostNode }), false);
    assert.equal(lostSearchContext({ error: 'a string' }), false);
    assert.equal(lostSearchContext(undefined), false);
    assert.equal(lostSearchContext('not json'), false);
  });
});
