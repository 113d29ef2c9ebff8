/**
 * The command line a finding shows for one the generators wrote: the product hides
 * credentials (docs/security.md), so the truth hides them too. Written for the generators' own
 * credential forms only (`-U user:pw`, `scheme://user:pw@host`), without any of the product's
 * code, so the comparison still checks the product against an independent expectation.
 */
export function shownCommandLine(argv: readonly string[]): string {
  return argv
    .map((word, i) => {
      if (i > 0 && (argv[i - 1] === '-U' || argv[i - 1] === '-u')) return word.replace(/:.*$/, ':***');
      return word.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^@/]*@/, '$1***@');
    })
    .join(' ');
}
