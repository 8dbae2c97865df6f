import type { WorkflowStep } from '@trustgate/core';
import {
  type Analysis,
  HIDDEN_TOKEN,
  inferredCommand,
  isNpmTokenVar,
  NPMJS,
  normalizeRegistry,
  PUBLISH_INTENT,
  type RepoContext,
  uniq,
} from './context.js';
import { classifyPublish, splitCommands, tokenWrites } from './shell.js';
import { parseCiFile, type Y } from './ynode.js';

/**
 * Find publishing steps in a CircleCI configuration: `run` steps of every job.
 * A job counts as OIDC when its commands use CircleCI's OIDC token
 * (`$CIRCLE_OIDC_TOKEN` or `_V2`); CircleCI issues it to jobs that run in a context.
 */
export function analyzeCircleci(file: string, text: string, repo: RepoContext): Analysis {
  const result: Analysis = { steps: [], npmrc: [], errors: [] };
  const root = parseCiFile(file, text, result.errors);
  if (!root) return result;
  for (const [jobId, , job] of root.get('jobs')?.entries() ?? []) {
    const runs = (job.get('steps')?.items() ?? [])
      .map((s) => s.get('run'))
      .filter((r): r is Y => r !== undefined)
      .map((r) => (r.isMap ? r.get('command') : r))
      .filter((r): r is Y => r?.str() !== undefined);
    const oidc = runs.some((r) => /CIRCLE_OIDC_TOKEN|circleci run oidc get/.test(r.str()!));
    const tokenEnv: string[] = [];
    const tokenSecrets: string[] = [];
    /** Where an npm credential enters the job: its environment, a token written at run time. */
    const credentials: number[] = [];
    for (const [name, key] of job.get('environment')?.entries() ?? [])
      if (isNpmTokenVar(name)) {
        tokenEnv.push(name);
        credentials.push(key.pos().line);
      }
    const stepsBefore = result.steps.length;
    let published = 0;
    for (const run of runs) {
      const body = run.str()!;
      for (const cmd of splitCommands(body)) {
        const line = run.source().startsWith('|')
          ? run.pos().line + 1 + cmd.line
          : run.lineOf(body.split('\n')[cmd.line] ?? '');
        for (const w of tokenWrites(cmd.text)) {
          if (w.value.kind === 'env') {
            tokenEnv.push(w.value.name);
            tokenSecrets.push(w.value.name);
          }
          credentials.push(line);
          result.npmrc.push({
            id: `${file}:${line}:${result.npmrc.length}`,
            file,
            registry: w.registry,
            key: w.key,
            value: w.value.kind === 'env' || w.value.kind === 'secret' ? 'env' : w.value.kind,
            ...(w.value.kind === 'env' ? { envVar: w.value.name } : {}),
            origin: { file, line, column: 1 },
          });
        }
        const pub = classifyPublish(cmd.words, repo.scriptsAt(''));
        if (!pub) continue;
        published++;
        const step: WorkflowStep = {
          id: `${file}#${jobId}/${published}`,
          file,
          provider: 'circleci',
          registry: pub.registry ? normalizeRegistry(pub.registry) : NPMJS,
          job: jobId,
          tool: pub.viaScript ? `${pub.tool} (npm script ${pub.viaScript})` : pub.tool,
          command: cmd.text,
          auth: { oidc, tokenSecrets: uniq(tokenSecrets), tokenEnv: uniq(tokenEnv) },
          provenance: pub.provenance ?? false,
          origin: { file, line, column: 1 },
        };
        result.steps.push(step);
      }
    }
    const intent = [jobId, ...runs.map((r) => r.str()!)].join('\n');
    if (result.steps.length === stepsBefore && credentials.length > 0 && PUBLISH_INTENT.test(intent)) {
      result.steps.push({
        id: `${file}#${jobId}/inferred`,
        file,
        provider: 'circleci',
        registry: NPMJS,
        job: jobId,
        tool: 'unknown',
        command: inferredCommand(uniq(tokenEnv)),
        inferred: true,
        auth: { oidc, tokenSecrets: uniq(tokenSecrets), tokenEnv: uniq(tokenEnv) },
        provenance: oidc ? null : false,
        origin: { file, line: Math.min(...credentials.slice(0, 1000)), column: 1 },
      });
    }
    // A job that publishes without fetching an OIDC token and shows no token can only use one
    // from a context or a project variable, which the file does not show.
    if (!oidc)
      for (const step of result.steps.slice(stepsBefore))
        if (step.auth.tokenEnv.length === 0 && step.auth.tokenSecrets.length === 0)
          step.auth.tokenEnv = [HIDDEN_TOKEN];
  }
  return result;
}
