import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import {
  argvOf,
  dependenciesOf,
  environmentOf,
  interpolate,
  mountsOf,
  readCompose,
  repoRoot,
  type ComposeService,
} from './compose-file.js';

// Docker cannot run on the CI machine, so docker-compose.yml is checked as an artefact: it
// parses, and everything it references (build contexts, mounted files, services, the worker's
// config) exists and holds together.

const compose = readCompose(join(repoRoot, 'docker-compose.yml'));
const services = compose.resolved.services;

/** Runs once and exits; the worker waits for it to complete successfully. */
const ONE_SHOT = 'setup';
/** Services without a health check, and why; nothing may wait for them to become healthy. */
const NO_HEALTHCHECK: Readonly<Record<string, string>> = {
  'otel-collector': 'the collector image has no shell or HTTP client to probe with',
};
/** Repository paths compose relies on that other work has not delivered yet. */
/** Paths a test may mark as not there yet (none now: the samples arrived with the demo). */
const ARRIVING_LATER: Readonly<Record<string, string>> = {};
const SAMPLE_FILE = 'samples/sample-events.ndjson';
/** The worker image's working directory (Dockerfile WORKDIR), where relative CLI paths resolve. */
const IMAGE_WORKDIR = '/app';

function service(name: string): ComposeService {
  const s = services[name];
  assert.ok(s !== undefined, `expected a service named ${name} in docker-compose.yml`);
  return s;
}

function repoPath(hostPath: string): string {
  return posix.normalize(hostPath).replace(/^\.\//, '');
}

describe('docker-compose.yml', () => {
  it('is a Compose-spec file without the obsolete top-level version key', () => {
    assert.equal('version' in compose.raw, false);
  });

  it('defines Elasticsearch, Kibana, Redis, the one-shot setup and the worker, and a collector behind the otel profile', () => {
    for (const name of ['elasticsearch', 'kibana', 'redis', 'setup', 'worker', 'otel-collector']) service(name);
    assert.deepEqual(service('otel-collector').profiles, ['otel']);
    for (const name of ['elasticsearch', 'kibana', 'redis', 'setup', 'worker']) {
      assert.equal(service(name).profiles, undefined, `${name} must start with a plain "docker compose up"`);
    }
  });

  it('builds the worker and setup images from build contexts and Dockerfiles that exist in the repository', () => {
    const built = Object.entries(services).filter(([, s]) => s.build !== undefined);
    assert.deepEqual(built.map(([name]) => name).sort(), ['setup', 'worker']);
    for (const [name, s] of built) {
      const build = typeof s.build === 'string' ? { context: s.build } : (s.build ?? {});
      const context = join(repoRoot, build.context ?? '.');
      assert.ok(existsSync(context) && statSync(context).isDirectory(), `${name}: build context ${build.context} is not a directory`);
      const dockerfile = join(context, build.dockerfile ?? 'Dockerfile');
      assert.ok(existsSync(dockerfile), `${name}: Dockerfile ${dockerfile} does not exist`);
    }
    assert.equal(service('setup').image, service('worker').image, 'setup and worker must run the same image');
  });

  describe('every host path bind-mounted into a container exists in the repository', () => {
    const binds = Object.entries(services).flatMap(([name, s]) =>
      mountsOf(s).filter((m) => m.type === 'bind').map((m) => ({ name, ...m })),
    );
    it('finds the bind mounts to check', () => {
      assert.ok(binds.length >= 3, `expected the worker config, the sample data and the collector config to be mounted, got ${binds.length}`);
    });
    for (const { name, source, target } of binds) {
      const path = repoPath(source);
      const todo = ARRIVING_LATER[path];
      it(`${name} mounts ${source} at ${target}, and ${source} exists`, todo === undefined ? {} : { todo }, () => {
        assert.ok(source.startsWith('./'), `${name}: bind mount ${source} must be relative to the repository (./...)`);
        assert.ok(existsSync(join(repoRoot, path)), `${name}: ${source} does not exist in the repository`);
      });
    }
  });

  it('declares every named volume a service mounts at the top level', () => {
    const declared = new Set(Object.keys(compose.resolved.volumes ?? {}));
    const used = Object.values(services).flatMap((s) => mountsOf(s).filter((m) => m.type === 'volume').map((m) => m.source));
    assert.ok(used.includes('es-data') && used.includes('redis-data'), `expected named volumes for Elasticsearch and Redis data, got ${used.join(', ')}`);
    for (const v of used) assert.ok(declared.has(v), `volume ${v} is used but not declared under volumes:`);
  });

  it('makes services depend only on services it defines, waiting for health only where a health check exists', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [target, condition] of dependenciesOf(s)) {
        const dep = services[target];
        assert.ok(dep !== undefined, `${name} depends on ${target}, which is not defined`);
        assert.equal(dep.profiles, undefined, `${name} depends on ${target}, which only starts with a profile`);
        if (condition === 'service_healthy') {
          assert.ok(hasHealthcheck(dep), `${name} waits for ${target} to be healthy, but ${target} has no health check`);
        }
        if (condition === 'service_completed_successfully') {
          assert.equal(target, ONE_SHOT, `${name} waits for ${target} to complete, but only ${ONE_SHOT} is a one-shot`);
        }
      }
    }
  });

  it('gives every long-running service a health check command', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === ONE_SHOT || NO_HEALTHCHECK[name] !== undefined) continue;
      assert.ok(hasHealthcheck(s), `${name} has no health check (healthcheck.test with CMD or CMD-SHELL)`);
    }
  });

  it('runs setup once: no restart, and the image health check turned off since it serves no /healthz', () => {
    const setup = service(ONE_SHOT);
    assert.equal(setup.restart, 'no');
    assert.equal(setup.healthcheck?.disable, true);
  });

  it('starts Redis with AOF persistence and the noeviction policy BullMQ requires', () => {
    const argv = argvOf(service('redis').command);
    assert.equal(argv[0], 'redis-server');
    assert.equal(argv[argv.indexOf('--appendonly') + 1], 'yes', `expected --appendonly yes, got ${argv.join(' ')}`);
    assert.equal(argv[argv.indexOf('--maxmemory-policy') + 1], 'noeviction', `expected --maxmemory-policy noeviction, got ${argv.join(' ')}`);
    assert.ok(mountsOf(service('redis')).some((m) => m.type === 'volume' && m.target === '/data'), 'Redis must keep its AOF on a volume at /data');
  });

  it('runs Elasticsearch and Kibana from the same 9.x release by default', () => {
    const tag = (s: ComposeService, repo: string): string => {
      const image = s.image ?? '';
      assert.ok(image.startsWith(`${repo}:`), `expected image ${repo}:<version>, got ${image}`);
      return image.slice(repo.length + 1);
    };
    const es = tag(service('elasticsearch'), 'docker.elastic.co/elasticsearch/elasticsearch');
    const kibana = tag(service('kibana'), 'docker.elastic.co/kibana/kibana');
    assert.match(es, /^9\.\d+\.\d+$/);
    assert.equal(kibana, es);
  });

  it('lets STACK_VERSION move Elasticsearch and Kibana together', () => {
    const moved = readCompose(join(repoRoot, 'docker-compose.yml'), { STACK_VERSION: '9.9.9' }).resolved.services;
    assert.equal(moved['elasticsearch']?.image, 'docker.elastic.co/elasticsearch/elasticsearch:9.9.9');
    assert.equal(moved['kibana']?.image, 'docker.elastic.co/kibana/kibana:9.9.9');
  });

  it('publishes every port through an overridable ${VAR:-default} host port', () => {
    const pattern = /^(?:(?:\$\{[A-Z][A-Z0-9_]*:-[^}]+\}|[0-9.]+):)?\$\{([A-Z][A-Z0-9_]*):-(\d+)\}:(\d+)(?:\/(?:tcp|udp))?$/;
    const published = new Map<string, string>();
    for (const [name, s] of Object.entries(compose.raw.services)) {
      for (const port of s.ports ?? []) {
        assert.equal(typeof port, 'string', `${name}: port ${JSON.stringify(port)} must be a "\${VAR:-default}:container" string`);
        const m = pattern.exec(String(port));
        assert.ok(m !== null, `${name}: port ${String(port)} does not take its host port from \${VAR:-default}`);
        const [, variable = '', hostDefault = ''] = m;
        const clash = published.get(hostDefault);
        assert.equal(clash, undefined, `${name} and ${clash ?? ''} both publish host port ${hostDefault} by default`);
        published.set(hostDefault, `${name} (${variable})`);
      }
    }
    assert.equal(published.get('9200'), 'elasticsearch (ES_PORT)');
    assert.equal(published.get('5601'), 'kibana (KIBANA_PORT)');
    assert.equal(published.get('6379'), 'redis (REDIS_PORT)');
  });

  it('binds published ports to loopback by default, since Elasticsearch security is off', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const port of s.ports ?? []) {
        assert.match(String(port), /^127\.0\.0\.1:/, `${name}: ${String(port)} would be reachable from the network`);
      }
    }
  });

  it('runs the worker with the run command, the compose network addresses and the mounted config file', () => {
    const worker = service('worker');
    assert.deepEqual(argvOf(worker.command), ['run']);
    const env = environmentOf(worker);
    assert.equal(env.get('ELASTICSEARCH_URL'), 'http://elasticsearch:9200');
    assert.equal(env.get('REDIS_URL'), 'redis://redis:6379/0');
    const configPath = env.get('CPD_CONFIG');
    const mount = mountsOf(worker).find((m) => m.target === configPath);
    assert.ok(mount !== undefined, `CPD_CONFIG=${String(configPath)} is not a file mounted into the worker`);
    assert.equal(repoPath(mount.source), 'config/docker.yaml');
    for (const dep of ['elasticsearch', 'redis']) assert.equal(dependenciesOf(worker).get(dep), 'service_healthy');
    assert.equal(dependenciesOf(worker).get(ONE_SHOT), 'service_completed_successfully');
  });

  it('has setup install the templates and Kibana objects, then replay the bundled sample shifted to now', () => {
    const setup = service(ONE_SHOT);
    const script = [...argvOf(setup.entrypoint), ...argvOf(setup.command)].join(' ');
    assert.match(script, /bin\/curl-proxy-detector\.js setup --kibana-url http:\/\/kibana:5601/);
    assert.match(script, new RegExp(`bin/curl-proxy-detector\\.js replay ${SAMPLE_FILE.replace(/\./g, '\\.')} --shift-to-now`));
    assert.ok(script.indexOf(' setup ') < script.indexOf(' replay '), 'setup must run before replay');
    assert.equal(dependenciesOf(setup).get('kibana'), 'service_healthy');
    assert.equal(dependenciesOf(setup).get('elasticsearch'), 'service_healthy');
  });

  it('gives setup the sample file through a bind mount of the repository', () => {
    const inContainer = posix.join(IMAGE_WORKDIR, SAMPLE_FILE);
    const mount = mountsOf(service(ONE_SHOT)).find((m) => m.type === 'bind' && inContainer.startsWith(`${m.target}/`));
    assert.ok(mount !== undefined, `no bind mount of setup provides ${inContainer}`);
    assert.equal(posix.join(repoPath(mount.source), posix.relative(mount.target, inContainer)), SAMPLE_FILE);
  });

  it(`finds the sample events setup replays at ${SAMPLE_FILE}`, () => {
    assert.ok(existsSync(join(repoRoot, SAMPLE_FILE)), `${SAMPLE_FILE} does not exist`);
  });
});

describe('the worker configuration used by docker-compose.yml', () => {
  const configFile = join(repoRoot, 'config', 'docker.yaml');

  it('passes the configuration loader on its own', () => {
    assert.doesNotThrow(() => loadConfig({ configFile, env: {} }));
  });

  for (const name of ['worker', ONE_SHOT]) {
    it(`passes the loader with the environment compose gives the ${name} service`, () => {
      const env: Record<string, string> = {};
      for (const [k, v] of environmentOf(service(name))) if (v !== undefined) env[k] = v;
      assert.equal(env['CPD_CONFIG'], `${IMAGE_WORKDIR}/config/docker.yaml`);
      // The container path does not exist here: point the loader at the repository's copy.
      const config = loadConfig({ configFile, env: { ...env, CPD_CONFIG: configFile } });
      assert.equal(config.elasticsearch.url, 'http://elasticsearch:9200');
      if (name === 'worker') assert.equal(config.redis.url, 'redis://redis:6379/0');
    });
  }
});

describe('interpolate', () => {
  const cases: { text: string; env: Record<string, string>; expected: string }[] = [
    { text: '${ES_PORT:-9200}:9200', env: {}, expected: '9200:9200' },
    { text: '${ES_PORT:-9200}:9200', env: { ES_PORT: '9299' }, expected: '9299:9200' },
    { text: '${ES_PORT:-9200}', env: { ES_PORT: '' }, expected: '9200' },
    { text: '${ES_PORT-9200}', env: { ES_PORT: '' }, expected: '' },
    { text: 'a $$HOME b', env: { HOME: '/root' }, expected: 'a $HOME b' },
    { text: '$NAME-x', env: { NAME: 'n' }, expected: 'n-x' },
    { text: '-Xms${ES_HEAP:-1g} -Xmx${ES_HEAP:-1g}', env: { ES_HEAP: '2g' }, expected: '-Xms2g -Xmx2g' },
  ];
  for (const { text, env, expected } of cases) {
    it(`turns ${JSON.stringify(text)} with ${JSON.stringify(env)} into ${JSON.stringify(expected)}`, () => {
      assert.equal(interpolate(text, env), expected);
    });
  }

  it('refuses a required variable that is unset', () => {
    assert.throws(() => interpolate('${PASSWORD:?set a password}', {}), /PASSWORD is required/);
  });
});

function hasHealthcheck(s: ComposeService): boolean {
  const test = s.healthcheck?.test;
  if (s.healthcheck?.disable === true || test === undefined) return false;
  const argv = Array.isArray(test) ? test : ['CMD-SHELL', test];
  return (argv[0] === 'CMD' || argv[0] === 'CMD-SHELL') && argv.length > 1 && (argv[1] ?? '').trim() !== '';
}
