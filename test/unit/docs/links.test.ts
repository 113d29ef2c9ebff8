import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const documents = [
  'README.md',
  'BENCHMARKS.md',
  ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
].filter((f) => existsSync(join(root, f)));

/** Relative link targets of a Markdown text (`[text](target)`), without their #fragment. */
export function relativeLinks(markdown: string): string[] {
  const code = /```[\s\S]*?```/g;
  const text = markdown.replace(code, '');
  const links: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    links.push(target.split('#')[0]!);
  }
  return links;
}

describe('documentation links', () => {
  it('finds the links it checks (the control: README links docs/deployment.md)', () => {
    assert.ok(relativeLinks(readFileSync(join(root, 'README.md'), 'utf8')).includes('docs/deployment.md'));
    assert.deepEqual(relativeLinks('[a](x.md#y) [b](https://e.x/) [c](#z) ```\n[d](nope.md)\n```'), ['x.md']);
  });

  for (const doc of documents) {
    it(`${doc}: every relative link leads to a file of the repository`, () => {
      const missing = relativeLinks(readFileSync(join(root, doc), 'utf8')).filter(
        (target) => !existsSync(resolve(root, dirname(doc), target)),
      );
      assert.deepEqual(missing, [], `${doc} links to missing files`);
    });
  }
});
