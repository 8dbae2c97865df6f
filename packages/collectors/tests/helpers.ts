import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { scanRepository } from '@trustgate/collectors';
import type { Facts, WorkflowStep } from '@trustgate/core';

/** A repository on disk holding these files; removed after the test file. */
export function repoWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-repo-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return dir;
}

export async function scan(files: Record<string, string>): Promise<Facts> {
  return scanRepository(repoWith(files), { now: new Date('2026-11-28T00:00:00Z'), target: 'test' });
}

/** The parts of a step most tests pin. */
export function brief(s: WorkflowStep) {
  return {
    job: s.job,
    tool: s.tool,
    line: s.origin.line,
    registry: s.registry,
    oidc: s.auth.oidc,
    tokenSecrets: s.auth.tokenSecrets,
    tokenEnv: s.auth.tokenEnv,
    provenance: s.provenance,
  };
}

export const NPMJS = 'https://registry.npmjs.org/';
