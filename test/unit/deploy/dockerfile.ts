import { readFileSync } from 'node:fs';

/** One instruction of a Dockerfile, continuation lines joined. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** One build stage: its FROM (with ARG defaults substituted) and its instructions. */
export interface Stage {
  name: string | undefined;
  base: string;
  instructions: Instruction[];
}

/** A COPY or ADD instruction's sources, destination and flags (`--from=build` -> from: 'build'). */
export interface CopySpec {
  sources: string[];
  destination: string;
  flags: Map<string, string>;
  line: number;
}

/** Splits a Dockerfile into instructions: joins `\` continuations, drops comments and blank lines. */
export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending !== '' && line.trimStart().startsWith('#')) return; // comments inside a continuation
    if (pending === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const match = /^(\S+)\s*(.*)$/s.exec(full);
    if (match !== null) out.push({ keyword: (match[1] ?? '').toUpperCase(), args: (match[2] ?? '').trim(), line: startLine });
  });
  return out;
}

/** Groups instructions into stages; `${ARG}` in FROM takes the default of a global ARG. */
export function parseStages(text: string): Stage[] {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of parseInstructions(text)) {
    if (ins.keyword === 'FROM') {
      const [image = '', as, name] = ins.args.split(/\s+/).filter((t) => !t.startsWith('--'));
      const base = image.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a?: string, b?: string) => globalArgs.get(a ?? b ?? '') ?? '');
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, base, instructions: [] });
      continue;
    }
    const current = stages[stages.length - 1];
    if (current === undefined) {
      if (ins.keyword === 'ARG') {
        const [key = '', value = ''] = ins.args.split('=', 2);
        globalArgs.set(key.trim(), value.trim().replace(/^"(.*)"$/, '$1'));
      }
      continue;
    }
    current.instructions.push(ins);
  }
  return stages;
}

/** Parses the arguments of COPY/ADD, both the shell form and the JSON-array form. */
export function parseCopy(ins: Instruction): CopySpec {
  const flags = new Map<string, string>();
  let rest = ins.args;
  for (let m = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest); m !== null; m = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest)) {
    flags.set(m[1] ?? '', m[2] ?? '');
    rest = rest.slice(m[0].length);
  }
  const tokens = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/).filter((t) => t !== '');
  if (tokens.length < 2) throw new Error(`line ${ins.line}: expected COPY <src>... <dest>, got "${ins.args}"`);
  return { sources: tokens.slice(0, -1), destination: tokens[tokens.length - 1] ?? '', flags, line: ins.line };
}

/** The JSON-array (exec) form of ENTRYPOINT/CMD, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
}

/** Reads a .dockerignore into a predicate: does the build context leave this path out? */
export function readDockerignore(path: string): (relativePath: string) => boolean {
  return dockerignoreMatcher(readFileSync(path, 'utf8'));
}

/**
 * Docker's rules, simplified to what a small .dockerignore uses: patterns are relative to the
 * context root, `*` and `?` stay within one path segment, `**` spans segments, a pattern that
 * matches a directory excludes everything under it, `!` re-includes, and the last match wins.
 */
export function dockerignoreMatcher(text: string): (relativePath: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, regex: globToRegExp(pattern) };
    });
  return (relativePath) => {
    const segments = relativePath.replace(/^\.\//, '').replace(/\/+$/, '').split('/');
    const candidates = segments.map((_s, i) => segments.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((c) => rule.regex.test(c))) excluded = !rule.negate;
    }
    return excluded;
  };
}

function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more whole directories; a trailing `**` matches anything.
      if (pattern[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i++;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
