import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactConfig, redactUrl } from '../../../src/config/redact.js';

describe('redactUrl hides the user info of a URL', () => {
  const cases: [name: string, input: string, expected: string][] = [
    ['user and password', 'http://elastic:changeme@es:9200', 'http://***@es:9200'],
    ['a password only (Redis)', 'redis://:hunter2@127.0.0.1:6379/0', 'redis://***@127.0.0.1:6379/0'],
    ['a password holding @', 'https://u:p@ss@w0rd@es.example:9200/', 'https://***@es.example:9200/'],
    ['a password holding / ? and #', 'https://u:a/b?c#d@es.example:9200', 'https://***@es.example:9200'],
    ['a percent-encoded password', 'https://u:p%40ss@es:9200', 'https://***@es:9200'],
    ['nothing without user info', 'https://es.example:9200/prefix', 'https://es.example:9200/prefix'],
    ['nothing in a string that is not a URL', 'user@example.com', 'user@example.com'],
    ['only the first URL-like word (user info ends at whitespace)', 'http://u:pw@h x@y', 'http://***@h x@y'],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.equal(redactUrl(input), expected));
});

describe('redactConfig makes a config safe to print', () => {
  it('hides every value under a secret key, whatever its type', () => {
    const shown = redactConfig({
      elasticsearch: { url: 'https://u:pw@es:9200', password: 12345, apiKey: { id: 'i', api_key: 'k' }, username: 'elastic' },
      kibana: { password: ['a', 'b'], apiKey: true, token: null },
    });
    assert.deepEqual(shown, {
      elasticsearch: { url: 'https://***@es:9200', password: '***', apiKey: '***', username: 'elastic' },
      kibana: { password: '***', apiKey: '***', token: null },
    });
  });

  it('keeps a key named __proto__ as a key of the copy', () => {
    const input = JSON.parse('{"__proto__": {"password": "x"}}') as unknown;
    const shown = redactConfig(input) as Record<string, unknown>;
    assert.deepEqual(Object.keys(shown), ['__proto__']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(shown, '__proto__')?.value, { password: '***' });
    assert.equal(Object.getPrototypeOf(shown), Object.prototype);
  });
});
