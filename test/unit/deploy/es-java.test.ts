import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// Which Elasticsearch version and which Java scripts/es.sh picks (`es.sh plan`, which never
// installs anything), against stand-in Java homes whose bin/java only reports its version.
// PATH holds only the tools es.sh needs, so the machine's own Java is never seen.

const esSh = fileURLToPath(new URL('../../../scripts/es.sh', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cpd-es-java-'));
const tools = join(dir, 'tools');
mkdirSync(tools);
for (const tool of ['awk', 'cat', 'cut', 'dirname', 'head', 'id', 'readlink', 'realpath', 'sed', 'sort', 'stat', 'tac']) {
  const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(found, join(tools, tool));
}

/** A Java home whose `java -XshowSettings:properties -version` says it is `major`. */
function fakeJava(parent: string, name: string, major: number): string {
  const home = join(dir, parent, name);
  mkdirSync(join(home, 'bin'), { recursive: true });
  writeFileSync(join(home, 'bin', 'java'), `#!/bin/sh\necho "    java.specification.version = ${major}" >&2\n`);
  chmodSync(join(home, 'bin', 'java'), 0o755);
  return home;
}

let jvmDirs = 0;
/** A JVM directory holding the given homes, as /usr/lib/jvm would. */
function jvmDir(homes: Record<string, number>): string {
  const name = `jvm-${++jvmDirs}`;
  mkdirSync(join(dir, name));
  for (const [home, major] of Object.entries(homes)) fakeJava(name, home, major);
  return join(dir, name);
}

function plan(env: Record<string, string>): { code: number | null; out: string; err: string } {
  const r = spawnSync('/bin/bash', [esSh, 'plan'], {
    env: { PATH: tools, ES_CACHE_DIR: join(dir, 'cache'), ES_JVM_DIR: join(dir, 'none'), ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

after(() => rmSync(dir, { recursive: true, force: true }));

describe('es.sh picks the Elasticsearch version and the Java', () => {
  const both = jvmDir({ 'java-17-openjdk-amd64': 17, 'temurin-25-jdk-amd64': 25 });
  const only17 = jvmDir({ 'java-17-openjdk-amd64': 17 });
  const only25 = jvmDir({ 'temurin-25-jdk-amd64': 25 });

  const cases: [string, Record<string, string>, string][] = [
    ['9.5.4 on the newest Java when a Java 21+ is there', { ES_JVM_DIR: both }, `9.5.4 25 ${both}/temurin-25-jdk-amd64`],
    ['8.19.8 on Java 17 when that is all there is (stock Debian 12)', { ES_JVM_DIR: only17 }, `8.19.8 17 ${only17}/java-17-openjdk-amd64`],
    ['8.19.8 on the oldest Java that runs it for ES_VERSION=8', { ES_JVM_DIR: both, ES_VERSION: '8' }, `8.19.8 17 ${both}/java-17-openjdk-amd64`],
    ['8.19.8 on Java 25 for ES_VERSION=8 when no older Java is there', { ES_JVM_DIR: only25, ES_VERSION: '8' }, `8.19.8 25 ${only25}/temurin-25-jdk-amd64`],
    ['an exact ES_VERSION on a Java that runs it', { ES_JVM_DIR: both, ES_VERSION: '9.4.2' }, `9.4.2 25 ${both}/temurin-25-jdk-amd64`],
    ['ES_JAVA_HOME and no other Java', { ES_JVM_DIR: both, ES_JAVA_HOME: `${both}/java-17-openjdk-amd64` }, `8.19.8 17 ${both}/java-17-openjdk-amd64`],
  ];
  for (const [name, env, expected] of cases) {
    it(`runs ${name}`, () => {
      const r = plan(env);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, expected);
    });
  }

  it('finds the Java in JAVA_HOME and the one `java` on PATH leads to, outside the JVM directory', () => {
    const home = fakeJava('elsewhere', 'jdk-21', 21);
    assert.equal(plan({ JAVA_HOME: home }).out, `9.5.4 21 ${home}`);
    const bin = join(dir, 'bin-with-java');
    mkdirSync(bin);
    symlinkSync(join(home, 'bin', 'java'), join(bin, 'java'));
    assert.equal(plan({ PATH: `${tools}:${bin}` }).out, `9.5.4 21 ${home}`);
  });

  it('lists a Java reachable under two names once, by its real path', () => {
    const jvm = jvmDir({ 'java-17-openjdk-amd64': 17 });
    symlinkSync(join(jvm, 'java-17-openjdk-amd64'), join(jvm, 'java-1.17.0-openjdk-amd64'));
    assert.equal(plan({ ES_JVM_DIR: jvm }).out, `8.19.8 17 ${jvm}/java-17-openjdk-amd64`);
  });

  it('says what is missing when ES_VERSION needs a newer Java than the machine has', () => {
    const r = plan({ ES_JVM_DIR: only17, ES_VERSION: '9.5.4' });
    assert.equal(r.code, 3);
    assert.match(r.err, /no Java that can run Elasticsearch 9\.5\.4 \(ES_VERSION=9\.5\.4, Java 21\+\) was found/);
    assert.match(r.err, /found: Java 17 at .*java-17-openjdk-amd64/);
    assert.match(r.err, /unset ES_VERSION to run 8\.19\.8 on the Java found/);
  });

  it('says what to install when there is no Java at all, and installs nothing for plan', () => {
    const r = plan({});
    assert.equal(r.code, 3);
    assert.match(r.err, /no Java that can run Elasticsearch 9\.5\.4 \(Java 21\+\) or 8\.19\.8 \(Java 17\+\) was found .*\(found: none\)/);
    assert.match(r.err, /apt-get install openjdk-17-jre-headless/);
  });

  it('refuses an ES_JAVA_HOME too old for ES_VERSION, naming both', () => {
    const r = plan({ ES_JVM_DIR: both, ES_VERSION: '9', ES_JAVA_HOME: `${both}/java-17-openjdk-amd64` });
    assert.equal(r.code, 1);
    assert.match(r.err, /ES_JAVA_HOME=.* is Java 17, too old for Elasticsearch 9\.5\.4 \(ES_VERSION=9, Java 21\+\)/);
  });

  it('refuses an ES_VERSION that is neither a supported major nor a version', () => {
    const r = plan({ ES_JVM_DIR: both, ES_VERSION: '7' });
    assert.equal(r.code, 1);
    assert.match(r.err, /ES_VERSION must be empty, a major \(9 or 8\) or a version like 9\.5\.4, got '7'/);
  });
});
