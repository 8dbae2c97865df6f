import type { WorkflowStep } from '@trustgate/core';

/** A publishing step without OIDC, or with a token: what trusted-publishing fails on npmjs. */
export function needsOidc(step: WorkflowStep): boolean {
  return !step.auth.oidc || step.auth.tokenSecrets.length > 0 || step.auth.tokenEnv.length > 0;
}
