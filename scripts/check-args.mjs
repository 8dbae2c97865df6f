/**
 * `trustgate check` argument lists, as the benchmark and the CI scripts run the
 * bin: one policy, one facts file, and outputs (`json=FILE`, `html=FILE`…).
 */

/** The bin, relative to the repository root. */
export const BIN = 'packages/cli/bin/trustgate.js';

/** The bundled example org. */
export const EXAMPLE = { policy: 'examples/acme/trustgate.yaml', facts: 'examples/acme/facts.json' };

export function checkArgs(policy, facts, ...formats) {
  return ['check', '--policy', policy, '--facts', facts, ...formats.flatMap((f) => ['--format', f])];
}
