import type { Reporter } from '@trustgate/core';

/** `{ version, tool, policy, summary, findings }`, described by `schemas/report.schema.json`. */
export const json: Reporter = (result) => {
  const { version, tool, policy, summary, findings, drift } = result;
  return `${JSON.stringify({ version, tool, policy, summary, findings, ...(drift ? { drift } : {}) }, null, 2)}\n`;
};
