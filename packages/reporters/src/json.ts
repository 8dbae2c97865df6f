import type { Reporter } from '@trustgate/core';

/** Findings serialised per piece: the pieces stay small, and one call serialises many. */
const BATCH = 2000;

/**
 * `{ version, tool, policy, summary, findings }`, described by
 * `schemas/report.schema.json`: the same text as `JSON.stringify(report, null, 2)`,
 * produced in pieces of a few thousand findings, so that a large org's report
 * is written as it is made instead of being held whole (at a million tokens,
 * that took most of the writing time).
 */
export const json: Reporter = (result) => pieces(result);

function* pieces(result: Parameters<Reporter>[0]): Generator<string> {
  const { version, tool, policy, summary, findings, drift } = result;
  const head = JSON.stringify({ version, tool, policy, summary }, null, 2);
  yield `${head.slice(0, -2)},\n  "findings": [`;
  for (let i = 0; i < findings.length; i += BATCH) {
    // Inside `{ "x": [ … ] }` each finding is indented as in the whole report; keep the array's body.
    const part = JSON.stringify({ x: findings.slice(i, i + BATCH) }, null, 2);
    // The separator goes on its own: joined to the slice, the slice would be copied before it is written.
    yield i === 0 ? '\n' : ',\n';
    yield part.slice('{\n  "x": [\n'.length, -'\n  ]\n}'.length);
  }
  yield findings.length > 0 ? '\n  ]' : ']';
  if (drift) yield `,\n  "drift": ${JSON.stringify(drift, null, 2).replaceAll('\n', '\n  ')}`;
  yield '\n}\n';
}
