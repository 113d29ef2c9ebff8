import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { readCompose, repoRoot } from './compose-file.js';
import { execForm, parseStages } from './dockerfile.js';

// The image's HEALTHCHECK and the worker's compose health check are small Node scripts; they are
// run here for real against a local server, since a probe that never passes (a syntax error, a
// HEALTHCHECK whose JSON does not parse and silently becomes a shell command) would only show
// up as an unhealthy container.

const run = promisify(execFile);

/** The probe of the image: the exec-form command after HEALTHCHECK's options. */
function imageProbe(): string[] {
  const stage = parseStages(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')).pop();
  const healthcheck = stage?.instructions.filter((i) => i.keyword === 'HEALTHCHECK').pop();
  assert.ok(healthcheck !== undefined, 'the final stage has no HEALTHCHECK');
  const command = /(?:^|\s)CMD\s+(.*)$/s.exec(healthcheck.args)?.[1] ?? '';
  const argv = execForm(command);
  assert.ok(argv !== undefined, `HEALTHCHECK CMD is not a valid JSON exec form: ${command}`);
  return argv;
}

/** The probe compose gives the worker (healthcheck.test without the leading CMD). */
function workerProbe(): string[] {
  const test = readCompose(join(repoRoot, 'docker-compose.yml')).resolved.services['worker']?.healthcheck?.test;
  assert.ok(Array.isArray(test) && test[0] === 'CMD', `expected the worker health check in exec form ["CMD", ...], got ${JSON.stringify(test)}`);
  return test.slice(1);
}

/** Runs a probe with HEALTH_PORT set; resolves to its exit code. */
async function exitCodeOf(argv: string[], port: number): Promise<number> {
  const [file = '', ...args] = argv;
  try {
    await run(file === 'node' ? process.execPath : file, args, { env: { ...process.env, HEALTH_PORT: String(port) }, timeout: 10_000 });
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'number' ? code : -1;
  }
}

describe('the container health probes', () => {
  let status = 200;
  const paths: string[] = [];
  let server: Server;
  let port = 0;

  before(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = req.url === '/healthz' ? status : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const [name, probe] of [['image HEALTHCHECK', imageProbe], ['worker compose health check', workerProbe]] as const) {
    it(`${name} passes when /healthz on HEALTH_PORT answers 200`, async () => {
      status = 200;
      paths.length = 0;
      assert.equal(await exitCodeOf(probe(), port), 0);
      assert.deepEqual(paths, ['/healthz']);
    });

    it(`${name} fails when /healthz answers 503`, async () => {
      status = 503;
      assert.equal(await exitCodeOf(probe(), port), 1);
    });

    it(`${name} fails when nothing listens on HEALTH_PORT`, async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const freePort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      assert.equal(await exitCodeOf(probe(), freePort), 1);
    });
  }
});
