import path from 'node:path';

/**
 * Whether a specifier in `plugins:`, `extends:` or `--format` names a file: it
 * starts with `./` or `../` (`.\` or `..\` on Windows), or it is absolute.
 * Anything else is a package, resolved like a Node import: `rules/acme.mjs` is
 * the file `acme.mjs` of a package named `rules`, never a path. The CLI loads
 * by this rule, and the GitHub Action's plugin guard
 * reads policies by it (packages/cli/src/policy-files.ts), so the two cannot disagree on what a name means.
 */
export function isPathSpecifier(spec: string): boolean {
  return (
    spec.startsWith('./') ||
    spec.startsWith('../') ||
    path.isAbsolute(spec) ||
    (process.platform === 'win32' && (spec.startsWith('.\\') || spec.startsWith('..\\')))
  );
}
