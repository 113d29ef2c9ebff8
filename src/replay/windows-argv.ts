/**
 * Splits a command line into argv with the Windows `CommandLineToArgv` rules, exactly as the
 * Sysmon for Linux integration's ingest pipeline builds `process.args` (its painless port of
 * Go's implementation): spaces and tabs separate words; double quotes group; 2n backslashes
 * before a quote become n and the quote toggles, 2n+1 become n and a literal quote; `""`
 * inside quotes is a literal quote ("prior to 2008" rule). Single quotes are NOT special,
 * which is why Linux command lines come out split differently from what the shell ran.
 */
export function commandLineToArgv(commandLine: string): string[] {
  const args: string[] = [];
  let i = 0;
  const n = commandLine.length;
  while (i < n) {
    const c = commandLine[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    let arg = '';
    let inQuote = false;
    let slashes = 0;
    for (; i < n; i++) {
      const ch = commandLine[i] as string;
      if ((ch === ' ' || ch === '\t') && !inQuote) {
        i++;
        break;
      }
      if (ch === '"') {
        arg += '\\'.repeat(Math.floor(slashes / 2));
        if (slashes % 2 === 0) {
          if (inQuote && commandLine[i + 1] === '"') {
            arg += '"';
            i++;
          }
          inQuote = !inQuote;
        } else {
          arg += '"';
        }
        slashes = 0;
        continue;
      }
      if (ch === '\\') {
        slashes++;
        continue;
      }
      arg += '\\'.repeat(slashes) + ch;
      slashes = 0;
    }
    args.push(arg + '\\'.repeat(slashes));
  }
  return args;
}
