import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { errors } from '@elastic/elasticsearch';
import { createElasticsearchClient, splitUrlCredentials } from '../../../src/clients/elasticsearch.js';
import { loadConfig } from '../../../src/config/load.js';

// Credentials written into elasticsearch.url log the client in, and appear nowhere else: not in
// the span attribute url.full the client's transport records, not in an error's metadata.

describe('credentials in elasticsearch.url', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let server: Server;
  let port: number;
  const authorizations: string[] = [];
  let status = 200;

  before(async () => {
    provider.register();
    server = createServer((req, res) => {
      authorizations.push(req.headers.authorization ?? '');
      res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(status === 200 ? JSON.stringify({ version: { number: '8.19.0' } }) : JSON.stringify({ error: { type: 'security_exception', reason: 'nope' }, status }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => {
    exporter.reset();
    authorizations.length = 0;
    status = 200;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  const client = (url: string, flags: Record<string, unknown> = {}) =>
    createElasticsearchClient(loadConfig({ env: {}, defaultsDir: '/nonexistent', flags: { 'elasticsearch.url': url, 'elasticsearch.maxRetries': 0, ...flags } }).elasticsearch);

  it('logs in with them and keeps them out of the url.full span attribute', async () => {
    const es = client(`http://elastic:p%40ss%2Fw0rd@127.0.0.1:${port}`);
    try {
      assert.equal((await es.info()).version.number, '8.19.0');
    } finally {
      await es.close();
    }
    assert.deepEqual(authorizations, [`Basic ${Buffer.from('elastic:p@ss/w0rd').toString('base64')}`]);
    const spans = exporter.getFinishedSpans();
    assert.ok(spans.length > 0, 'the client recorded no span');
    const urls = spans.map((s) => s.attributes['url.full']);
    assert.deepEqual(urls, [`http://127.0.0.1:${port}/`]);
    for (const s of spans) assert.doesNotMatch(JSON.stringify(s.attributes), /elastic:|w0rd|p%40ss/);
  });

  it('keeps them out of the metadata of an error', async () => {
    status = 401;
    const es = client(`http://elastic:hunter2@127.0.0.1:${port}`);
    try {
      const err = await es.info().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof errors.ResponseError, String(err));
      assert.equal(String(err.meta.meta.connection?.url), `http://127.0.0.1:${port}/`);
      // What a logger may print of it: the inspected error and its metadata.
      assert.doesNotMatch(inspect(err, { depth: 12 }), /hunter2/);
      assert.doesNotMatch(JSON.stringify(err.meta), /hunter2/);
    } finally {
      await es.close();
    }
  });

  it('gives way to elasticsearch.username and elasticsearch.password, which are stripped all the same', async () => {
    const es = client(`http://url-user:url-pw@127.0.0.1:${port}`, { 'elasticsearch.username': 'cfg-user', 'elasticsearch.password': 'cfg-pw' });
    try {
      await es.info();
    } finally {
      await es.close();
    }
    assert.deepEqual(authorizations, [`Basic ${Buffer.from('cfg-user:cfg-pw').toString('base64')}`]);
    assert.doesNotMatch(String(exporter.getFinishedSpans()[0]?.attributes['url.full']), /url-user|url-pw/);
  });
});

describe('splitUrlCredentials', () => {
  const cases: [input: string, expected: ReturnType<typeof splitUrlCredentials>][] = [
    ['https://es.example:9200', { url: 'https://es.example:9200' }],
    ['https://u:p%40ss@es.example:9200/prefix', { url: 'https://es.example:9200/prefix', username: 'u', password: 'p@ss' }],
    ['https://u@es.example:9200', { url: 'https://es.example:9200/', username: 'u', password: '' }],
    ['https://:only-pw@es.example:9200', { url: 'https://es.example:9200/' }],
    ['https://u:%zz@es.example', { url: 'https://es.example/', username: 'u', password: '%zz' }],
  ];
  for (const [input, expected] of cases) it(`splits ${input.replace(/\/\/.*@/, '//…@')}`, () => assert.deepEqual(splitUrlCredentials(input), expected));
});
