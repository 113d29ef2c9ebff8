import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './compose-file.js';
import {
  dockerignoreMatcher,
  execForm,
  parseCopy,
  parseInstructions,
  parseStages,
  readDockerignore,
  type Instruction,
  type Stage,
} from './dockerfile.js';

// The image cannot be built on the CI machine (no Docker engine); these checks catch what would
// break `docker build`: missing COPY sources, sources the .dockerignore hides, a runtime install
// that would run the `prepare` build without TypeScript, and an entry point that is not the CLI.

const stages = parseStages(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
const ignored = readDockerignore(join(repoRoot, '.dockerignore'));
const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };

function finalStage(): Stage {
  const last = stages[stages.length - 1];
  assert.ok(last !== undefined, 'the Dockerfile has no FROM');
  return last;
}

function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

function lastOf(stage: Stage, keyword: string): Instruction {
  const found = all(stage, keyword).pop();
  assert.ok(found !== undefined, `the ${stage.name ?? 'final'} stage has no ${keyword}`);
  return found;
}

describe('Dockerfile', () => {
  it('has a build stage and a final runtime stage, both on a Node 20 image', () => {
    assert.ok(stages.length >= 2, `expected a multi-stage build, got ${stages.length} stage(s)`);
    assert.ok(stages.some((s) => s.name === 'build'), 'expected a stage named build');
    for (const s of stages) assert.match(s.base, /^node:20([.-]|$)/, `stage ${s.name ?? '?'} is based on ${s.base}`);
  });

  it('copies only sources that exist in the repository and that .dockerignore lets into the context', () => {
    const copies = stages.flatMap((s) => [...all(s, 'COPY'), ...all(s, 'ADD')].map(parseCopy)).filter((c) => !c.flags.has('from'));
    assert.ok(copies.length > 0, 'expected COPY instructions');
    for (const copy of copies) {
      for (const source of copy.sources) {
        assert.ok(existsSync(join(repoRoot, source)), `line ${copy.line}: COPY source ${source} does not exist`);
        assert.equal(ignored(source), false, `line ${copy.line}: COPY source ${source} is excluded by .dockerignore`);
      }
    }
  });

  it('copies into the runtime stage the compiled dist/ and every folder the CLI reads at run time', () => {
    const copies = all(finalStage(), 'COPY').map(parseCopy);
    const fromBuild = copies.filter((c) => c.flags.get('from') === 'build').flatMap((c) => c.sources);
    assert.ok(fromBuild.some((s) => /^\/app\/dist\/?$/.test(s)), `expected COPY --from=build /app/dist, got ${fromBuild.join(', ')}`);
    const fromContext = copies.filter((c) => !c.flags.has('from')).flatMap((c) => c.sources.map((s) => s.replace(/\/$/, '')));
    for (const needed of ['package.json', 'bin', 'config', 'mappings']) {
      assert.ok(fromContext.includes(needed), `the runtime stage does not copy ${needed}`);
    }
  });

  it('compiles with both tsconfig files the build extends from', () => {
    const build = stages.find((s) => s.name === 'build');
    assert.ok(build !== undefined);
    const sources = all(build, 'COPY').map(parseCopy).flatMap((c) => c.sources);
    const buildConfig = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.build.json'), 'utf8')) as { extends?: string };
    for (const needed of ['tsconfig.build.json', buildConfig.extends?.replace(/^\.\//, '') ?? 'tsconfig.build.json', 'src']) {
      assert.ok(sources.includes(needed), `the build stage does not copy ${needed}`);
    }
    assert.ok(all(build, 'RUN').some((r) => /\bnpm run build\b/.test(r.args)), 'the build stage never runs npm run build');
  });

  it('installs production dependencies in the runtime stage without running the prepare build', () => {
    const installs = all(finalStage(), 'RUN').filter((r) => /\bnpm (ci|install)\b/.test(r.args));
    assert.equal(installs.length, 1, 'expected exactly one npm install in the runtime stage');
    const [install] = installs;
    assert.match(install?.args ?? '', /\bnpm ci\b/);
    assert.match(install?.args ?? '', /--omit=dev\b/);
    assert.match(install?.args ?? '', /--ignore-scripts\b/);
  });

  it('runs as a non-root user', () => {
    const user = lastOf(finalStage(), 'USER').args.split(':')[0];
    assert.ok(user !== 'root' && user !== '0', `the image runs as ${String(user)}`);
  });

  it('starts the package bin script, with run as the default command', () => {
    const entrypoint = execForm(lastOf(finalStage(), 'ENTRYPOINT').args);
    const bin = packageJson.bin['curl-proxy-detector'];
    assert.deepEqual(entrypoint, ['node', bin]);
    assert.ok(existsSync(join(repoRoot, bin ?? '')), `bin script ${String(bin)} does not exist`);
    assert.deepEqual(execForm(lastOf(finalStage(), 'CMD').args), ['run']);
  });

  it('probes the worker health endpoint in its HEALTHCHECK', () => {
    const healthcheck = lastOf(finalStage(), 'HEALTHCHECK').args;
    assert.match(healthcheck, /\/healthz/);
    assert.match(healthcheck, /HEALTH_PORT/);
  });
});

describe('.dockerignore', () => {
  it('keeps host build output, dependencies, caches, history and benchmark results out of the build context', () => {
    for (const path of ['node_modules', 'node_modules/yaml/package.json', 'dist', 'dist/cli/main.js', '.cache', '.git', 'bench/results']) {
      assert.equal(ignored(path), true, `${path} is sent to the Docker build context`);
    }
  });
});

describe('Dockerfile parsing helpers', () => {
  it('joins continuation lines and skips comments', () => {
    const ins = parseInstructions('# c\nFROM node:20 AS build\nRUN a \\\n  # inside\n  && b\n\nCMD ["x"]\n');
    assert.deepEqual(ins.map((i) => [i.keyword, i.args, i.line]), [
      ['FROM', 'node:20 AS build', 2],
      ['RUN', 'a    && b', 3],
      ['CMD', '["x"]', 7],
    ]);
  });

  it('substitutes global ARG defaults into FROM and names stages', () => {
    const parsed = parseStages('ARG IMG=node:20-slim\nFROM ${IMG} AS build\nRUN x\nFROM $IMG\nUSER node\n');
    assert.deepEqual(parsed.map((s) => [s.name, s.base, s.instructions.length]), [
      ['build', 'node:20-slim', 1],
      [undefined, 'node:20-slim', 1],
    ]);
  });

  it('reads COPY flags, sources and destination in shell and JSON form', () => {
    const shell = parseCopy({ keyword: 'COPY', args: '--from=build --chown=node:node /app/dist a b ./dist/', line: 1 });
    assert.deepEqual([shell.flags.get('from'), shell.flags.get('chown'), shell.sources, shell.destination], ['build', 'node:node', ['/app/dist', 'a', 'b'], './dist/']);
    const json = parseCopy({ keyword: 'COPY', args: '--link ["my file", "/dst/"]', line: 2 });
    assert.deepEqual([json.flags.has('link'), json.sources, json.destination], [true, ['my file'], '/dst/']);
  });

  const ignoreCases: { rules: string; path: string; expected: boolean }[] = [
    { rules: 'node_modules', path: 'node_modules/a/b.js', expected: true },
    { rules: 'node_modules', path: 'src/node_modules', expected: false },
    { rules: '/dist/', path: 'dist', expected: true },
    { rules: '*.log', path: 'a.log', expected: true },
    { rules: '*.log', path: 'logs/a.log', expected: false },
    { rules: '**/*.log', path: 'logs/a.log', expected: true },
    { rules: '**/*.log', path: 'a.log', expected: true },
    { rules: 'bench\n!bench/keep', path: 'bench/keep', expected: false },
    { rules: 'bench\n!bench/keep', path: 'bench/other', expected: true },
    { rules: '# node_modules', path: 'node_modules', expected: false },
  ];
  for (const { rules, path, expected } of ignoreCases) {
    it(`${expected ? 'excludes' : 'keeps'} ${path} under the rules ${JSON.stringify(rules)}`, () => {
      assert.equal(dockerignoreMatcher(rules)(path), expected);
    });
  }
});
