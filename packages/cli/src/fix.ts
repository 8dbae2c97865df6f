import path from 'node:path';
import { FileWriteError, RepositoryError, type RepositoryScan } from '@trustgate/collectors';
import { didYouMean, type RunResult, TrustgateError } from '@trustgate/core';
import {
  applyFixes,
  FIXABLE_RULES,
  type FileFix,
  type FixPlan,
  fileDiff,
  fileReplacements,
  planFixes,
  type TrustTarget,
} from '@trustgate/fix';
import { rules } from '@trustgate/rules';
import { helpOption, type OptionSpec, optionHelp, parseCommandArgs } from './args.js';

const fixOptions = {
  repo: { type: 'string', value: 'DIR', help: 'The repository to fix (default: the current folder).' },
  'dry-run': { type: 'boolean', help: 'Print a unified diff per file and write nothing (the default).' },
  write: { type: 'boolean', help: 'Apply the edits: every file is replaced whole, or none is.' },
  rule: {
    type: 'string',
    multiple: true,
    value: 'ID',
    help: `Fix the findings of this rule; repeat for more (rules with fixes: ${FIXABLE_RULES.join(', ')}).`,
  },
  format: {
    type: 'string',
    value: 'text|json',
    help: 'Output: text (diffs and checklist) or json. Default: text.',
  },
  help: helpOption,
} satisfies Record<string, OptionSpec>;

export const FIX_USAGE = `Usage: trustgate fix [--repo DIR] [--dry-run | --write] [--rule trusted-publishing…] [--format text|json]

Moves a repository's npm publishing to trusted publishing (OIDC): grants
id-token: write to each publishing job, takes the npm token out of it, and
makes it run npm 11.5.1 or later on Node 22.14 or later. GitHub Actions and
GitLab CI files are edited through the YAML document, so comments, order,
quoting and everything else stay as they are. Then it prints what to set up on
npmjs.com: the trusted publisher, with the values taken from the repository.

${optionHelp(fixOptions)}

A file that cannot be moved safely (a self-hosted runner, one token for two
registries, a reusable workflow, a part the YAML parser cannot reproduce) is
left untouched, and the reason is printed.

Exit codes: 0 every publishing step was fixed (or none needed it), 1 some were
left as they are or some files could not be read, 2 bad input, 3 a file could
not be written (none was).`;

export async function runFix(
  args: string[],
  io: { stdout: (s: string) => void; stderr: (s: string) => void },
): Promise<number> {
  const { values } = parseCommandArgs('fix', args, fixOptions);
  if (values.help) {
    io.stdout(`${FIX_USAGE}\n`);
    return 0;
  }
  if (values.write && values['dry-run'])
    throw new TrustgateError('E_ARGS', '--dry-run and --write contradict each other; give one.');
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw new TrustgateError('E_ARGS', `Unknown format "${format}" for trustgate fix; use text or json.`);
  for (const id of values.rule ?? []) {
    if ((FIXABLE_RULES as readonly string[]).includes(id)) continue;
    if (rules[id])
      throw new TrustgateError(
        'E_ARGS',
        `Rule "${id}" has no automatic fix; rules with fixes: ${FIXABLE_RULES.join(', ')}.`,
      );
    throw new TrustgateError(
      'E_ARGS',
      `Unknown rule "${id}" in --rule.${didYouMean(id, Object.keys(rules)) || ` Rules with fixes: ${FIXABLE_RULES.join(', ')}.`}`,
    );
  }
  const dir = values.repo ?? '.';
  let plan: FixPlan;
  try {
    plan = await planFixes(dir);
  } catch (error) {
    if (error instanceof RepositoryError) throw new TrustgateError('E_REPO', error.message);
    throw error;
  }
  const fixed = plan.files.filter((f) => f.status === 'fixed' && f.after !== f.before);
  const refused = plan.files.filter((f) => f.status === 'refused');
  if (values.write) {
    // Every file or none, through the path guard: nothing outside the repository is written.
    try {
      applyFixes(dir, fixed);
    } catch (error) {
      if (error instanceof FileWriteError)
        throw new TrustgateError('E_OUTPUT', error.message, { exitCode: 3 });
      throw error;
    }
  }

  if (format === 'json') io.stdout(`${JSON.stringify(jsonPlan(plan, values.write === true), null, 2)}\n`);
  else io.stdout(textPlan(plan, fixed, refused, values.write === true));
  // A file the scan could not read may hold a publish: not "all fixed".
  return refused.length > 0 || plan.unchecked.length > 0 ? 1 : 0;
}

function jsonPlan(plan: FixPlan, written: boolean) {
  return {
    written,
    repository: plan.repository,
    files: plan.files.map((f) => ({
      file: f.file,
      provider: f.provider,
      status: f.status,
      steps: f.steps,
      reasons: f.reasons,
      notes: f.notes,
      diff: fileDiff(f),
    })),
    trustedPublishers: publishers(
      plan,
      plan.files.flatMap((f) => f.trust),
    ),
    unchecked: plan.unchecked,
  };
}

/** What the scan could not read, one line each: publishing steps there were not looked at. */
function uncheckedLines(plan: FixPlan): string[] {
  if (plan.unchecked.length === 0) return [];
  return [
    '',
    'Not checked (the scan could not read these, so publishing steps in them were not looked at):',
    ...plan.unchecked.map((e) => `  - ${e.entity ? `${e.entity.replace(/^file:/, '')}: ` : ''}${e.message}`),
  ];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function textPlan(plan: FixPlan, fixed: FileFix[], refused: FileFix[], written: boolean): string {
  const out: string[] = [];
  if (plan.files.length === 0) {
    if (plan.unchecked.length > 0)
      return `${[
        'trustgate fix: no publishing step needs moving to trusted publishing in the files that could be read.',
        ...uncheckedLines(plan),
      ].join('\n')}\n`;
    return 'trustgate fix: no publishing step needs moving to trusted publishing; nothing to do.\n';
  }
  if (!written) for (const f of fixed) out.push(fileDiff(f).trimEnd());
  if (fixed.length > 0) {
    if (out.length > 0) out.push('');
    out.push(
      written
        ? `trustgate fix: wrote ${plural(fixed.length, 'file')}.`
        : `trustgate fix: ${plural(fixed.length, 'file')} would change (dry run: nothing was written; apply with --write).`,
    );
    for (const f of fixed)
      out.push(
        `  ${f.file}: ${f.trust.map((t) => `job "${t.job}"`).join(', ')} (${plural(f.steps.length, 'publishing step')})`,
      );
    const notes = fixed.flatMap((f) => f.notes);
    if (notes.length > 0) {
      out.push('', 'Review before merging:');
      for (const n of notes) out.push(`  - ${n}`);
    }
    out.push(
      '',
      ...checklist(
        plan,
        fixed.flatMap((f) => f.trust),
      ),
    );
  }
  if (refused.length > 0) {
    out.push('', 'Not fixed (these files were left as they are):');
    for (const f of refused) for (const r of f.reasons) out.push(`  - ${r}`);
  }
  for (const line of uncheckedLines(plan)) out.push(line);
  return `${out.join('\n').replace(/^\n+/, '')}\n`;
}

interface Publisher {
  provider: 'github' | 'gitlab';
  /** The jobs this one configuration serves (same file, environment and packages). */
  jobs: string[];
  file: string;
  fields: [string, string][];
  packages: string[];
  commands: string[];
  secrets: string[];
}

function publisher(t: TrustTarget, plan: FixPlan): Publisher {
  const repo = plan.repository;
  const known = repo && repo.host === t.provider ? repo.path : null;
  const unknown = `(unknown: ${repo ? `${repo.from} is not on ${t.provider === 'github' ? 'github.com' : 'gitlab.com'}` : 'no git remote "origin" and no "repository" in package.json'})`;
  const owner = known ? known.split('/').slice(0, -1).join('/') : unknown;
  const name = known ? known.split('/').pop()! : unknown;
  const env = t.environment ?? '';
  const fields: [string, string][] =
    t.provider === 'github'
      ? [
          ['Publisher', 'GitHub Actions'],
          ['Organization or user', owner],
          ['Repository', name],
          ['Workflow filename', path.posix.basename(t.file)],
          ['Environment name', env || '(leave empty: no environment is named)'],
        ]
      : [
          ['Publisher', 'GitLab CI/CD'],
          ['Namespace', owner],
          ['Project name', name],
          ['Top-level CI file path', t.file],
          ['Environment', env || '(leave empty: no environment is named)'],
        ];
  const flag = t.provider === 'github' ? '--repository' : '--project';
  const commands = t.packages.map(
    (p) =>
      `npm trust ${t.provider} ${p} ${flag} ${known ?? '<owner>/<repository>'} --file ${t.provider === 'github' ? path.posix.basename(t.file) : t.file}${env ? ` --environment ${env}` : ''}`,
  );
  return {
    provider: t.provider,
    jobs: [t.job],
    file: t.file,
    fields,
    packages: t.packages,
    commands,
    secrets: t.secrets,
  };
}

/**
 * The trusted publishers to configure: jobs of one workflow file with the same
 * environment and packages share one configuration on the registry.
 */
function publishers(plan: FixPlan, targets: TrustTarget[]): Publisher[] {
  const byKey = new Map<string, Publisher>();
  for (const t of targets) {
    const key = JSON.stringify([t.provider, t.file, t.environment, t.packages]);
    const seen = byKey.get(key);
    if (seen) {
      seen.jobs.push(t.job);
      seen.secrets = [...new Set([...seen.secrets, ...t.secrets])];
    } else byKey.set(key, publisher(t, plan));
  }
  return [...byKey.values()];
}

/** What to set up on the registry, with the values from the repository. */
function checklist(plan: FixPlan, targets: TrustTarget[]): string[] {
  const out = [
    'On npmjs.com (each package → Settings → Trusted publisher), or with `npm trust` (npm 11.10 or later):',
  ];
  const all = publishers(plan, targets);
  for (const p of all) {
    out.push(
      `  ${p.jobs.length === 1 ? 'Job' : 'Jobs'} ${p.jobs.map((j) => `"${j}"`).join(', ')} in ${p.file}:`,
    );
    const width = p.fields.reduce((w, [k]) => Math.max(w, k.length), 'Packages'.length) + 1;
    for (const [k, v] of p.fields) out.push(`    ${`${k}:`.padEnd(width)} ${v}`);
    out.push(
      `    ${'Packages:'.padEnd(width)} ${p.packages.join(', ') || '(none found in package.json: use the names these jobs publish)'}`,
    );
    for (const c of p.commands) out.push(`    $ ${c}`);
  }
  const several = [...new Set(all.flatMap((p) => p.packages))].filter(
    (pkg) => all.filter((p) => p.packages.includes(pkg)).length > 1,
  );
  if (several.length > 0)
    out.push(
      `  ${several.join(', ')} ${several.length === 1 ? 'is' : 'are'} published by more than one workflow or environment: add a trusted publisher for each of them.`,
    );
  const secrets = [...new Set(targets.flatMap((t) => t.secrets))];
  const packages = [...new Set(targets.flatMap((t) => t.packages))];
  out.push('  After the first publish through OIDC:');
  if (secrets.length > 0)
    out.push(
      `    - delete the ${secrets.length === 1 ? 'secret' : 'secrets'} ${secrets.join(', ')} (${targets.some((t) => t.provider === 'github') ? 'GitHub: Settings → Secrets and variables → Actions' : 'GitLab: Settings → CI/CD → Variables'}) and revoke the npm token behind ${secrets.length === 1 ? 'it' : 'them'};`,
    );
  out.push(
    `    - set each package to "Require two-factor authentication and disallow tokens"${packages.length ? `: ${packages.map((p) => `npm access set mfa=publish ${p}`).join('; ')}` : ' (npm access set mfa=publish PACKAGE)'}.`,
  );
  return out;
}

/**
 * Attach to each trusted-publishing (and publish-provenance) finding of a workflow step the edits
 * `trustgate fix` would make to its file, for SARIF `fixes` (and JSON).
 */
export async function attachFixes(result: RunResult, dir: string, scan: RepositoryScan): Promise<void> {
  // Trusted publishing gives provenance too: the same edit resolves publish-provenance for the step.
  const wanted = result.findings.filter(
    (f) =>
      (f.ruleId === 'trusted-publishing' || f.ruleId === 'publish-provenance') &&
      f.subject.startsWith('workflow:') &&
      !f.indeterminate,
  );
  if (wanted.length === 0) return;
  const plan = await planFixes(dir, { scan });
  for (const f of wanted) {
    const step = f.subject.slice('workflow:'.length);
    const file = plan.files.find((x) => x.status === 'fixed' && x.steps.includes(step));
    if (!file) continue;
    f.fix = {
      description: `Move ${file.file} to trusted publishing (trustgate fix): id-token: write, no npm token, npm 11.5.1 or later.`,
      changes: [{ file: file.file, replacements: fileReplacements(file) }],
    };
  }
}
