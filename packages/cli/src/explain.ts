import path from 'node:path';
import { type EffectivePolicy, loadPolicy, type SetBy, terminalSafe } from '@trustgate/core';
import { helpOption, type OptionSpec, optionHelp, parseCommandArgs, pluginsOption } from './args.js';
import { defaultPolicy } from './check.js';
import { PRESET_DIR, policyLoadOptions } from './setup.js';

const explainOptions = {
  policy: { type: 'string', value: 'FILE', help: 'The policy (default: as for check).' },
  json: { type: 'boolean', help: 'Print the effective policy as JSON.' },
  plugins: pluginsOption('Which plugins the policy may load (as for check).'),
  help: helpOption,
} satisfies Record<string, OptionSpec>;

/** A file as people know it: a shipped preset by its name, others as given. */
function where(setBy: SetBy | undefined): string {
  if (!setBy) return '(default)';
  return `${label(setBy.file)}:${setBy.line}:${setBy.column}`;
}

function label(file: string): string {
  const abs = path.resolve(file);
  return abs.startsWith(PRESET_DIR) ? `trustgate:${path.basename(abs, '.yaml')}` : file;
}

/** The effective policy as plain data, with who set what. */
export function explainData(policy: EffectivePolicy) {
  return {
    name: policy.name,
    file: policy.file,
    layers: policy.layers.map(label),
    plugins: policy.plugins.map((p) => ({ name: p.name, spec: p.spec, setBy: where(p.setBy) })),
    settings: {
      expiryWarningDays: {
        value: policy.settings.expiryWarningDays,
        setBy: where(policy.settings.expiryWarningDaysSetBy),
      },
      ...(policy.settings.maxExceptionDays !== undefined
        ? {
            maxExceptionDays: {
              value: policy.settings.maxExceptionDays,
              setBy: where(policy.settings.maxExceptionDaysSetBy),
            },
          }
        : {}),
    },
    rules: policy.rules.map((r) => {
      const optionKeys = Object.keys(r.options).sort();
      return {
        id: r.id,
        level: { value: r.level, setBy: where(r.setBy.level) },
        onIndeterminate: { value: r.onIndeterminate, setBy: where(r.setBy.onIndeterminate) },
        locked: r.locked ? where(r.setBy.locked) : false,
        // allowed: any layer may waive it; locked: only the locking policy and what it extends.
        ...(r.exceptions ? { exceptions: { value: r.exceptions, setBy: where(r.setBy.exceptions) } } : {}),
        ...(r.setBy.defined ? { declaredAt: where(r.setBy.defined) } : {}),
        options: Object.fromEntries(
          optionKeys.map((k) => [k, { value: r.options[k], setBy: where(r.setBy.options[k]) }]),
        ),
      };
    }),
    overrides: policy.overrides.map((o) => ({
      ...(o.packages ? { packages: o.packages } : {}),
      ...(o.subjects ? { subjects: o.subjects } : {}),
      rules: o.rules,
      setBy: where(o.setBy),
    })),
    exceptions: policy.exceptions.map((e) => ({
      rule: e.rule,
      subject: e.subject,
      reason: e.reason,
      ...(e.ticket ? { ticket: e.ticket } : {}),
      ...(e.owner ? { owner: e.owner } : {}),
      expires: e.expires,
      setBy: where(e.setBy),
    })),
  };
}

export async function runExplain(args: string[], io: { stdout: (s: string) => void }): Promise<number> {
  const { values } = parseCommandArgs('explain', args, explainOptions);
  if (values.help) {
    io.stdout(
      `Usage: trustgate explain [--policy FILE] [--json]\n\nShows the effective policy after every extends, and which file and line set each value.\n\n${optionHelp(explainOptions)}\n`,
    );
    return 0;
  }
  const cwd = process.cwd();
  const policy = await loadPolicy(
    values.policy ?? defaultPolicy(cwd, undefined, false),
    policyLoadOptions(cwd, values.plugins),
  );
  const data = explainData(policy);
  if (values.json) {
    io.stdout(`${JSON.stringify(data, null, 2)}\n`);
    return 0;
  }
  const out: string[] = [];
  out.push(`Policy ${data.name} (${data.file})`, '', 'Layers, base first:');
  for (const [i, l] of data.layers.entries()) out.push(`  ${i + 1}. ${l}`);
  if (data.plugins.length) {
    out.push('', 'Plugins:');
    for (const p of data.plugins) out.push(`  ${p.name}  ${p.spec}  ${p.setBy}`);
  }
  out.push('', 'Rules:');
  for (const r of data.rules) {
    const rows: [string, string, string][] = [
      ['level', r.level.value, r.level.setBy],
      ['onIndeterminate', r.onIndeterminate.value, r.onIndeterminate.setBy],
      ...(r.exceptions
        ? [
            [
              'exceptions',
              r.exceptions.value === 'allowed' ? 'allowed' : 'locking policy only',
              r.exceptions.setBy,
            ] as [string, string, string],
          ]
        : []),
      ...Object.entries(r.options).map(([k, v]): [string, string, string] => [
        `options.${k}`,
        JSON.stringify(v.value),
        v.setBy,
      ]),
    ];
    out.push(
      `  ${r.id}${r.locked ? `  (locked at ${r.locked})` : ''}${r.declaredAt ? `  (declared at ${r.declaredAt})` : ''}`,
    );
    // Loops, not Math.max(...rows): a rule's options may have more keys than a call takes arguments.
    let w1 = 0;
    let w2 = 0;
    for (const [a, b] of rows) {
      w1 = Math.max(w1, a.length);
      w2 = Math.max(w2, b.length);
    }
    for (const [k, v, s] of rows) out.push(`    ${k.padEnd(w1)}  ${v.padEnd(w2)}  ${s}`);
  }
  if (data.overrides.length) {
    out.push('', 'Overrides (later wins):');
    for (const o of data.overrides) {
      const target = [
        o.packages ? `packages ${o.packages.join(', ')}` : '',
        o.subjects ? `subjects ${o.subjects.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      const rules = Object.entries(o.rules)
        .map(([id, level]) => `${id} → ${level}`)
        .join(', ');
      out.push(`  ${target}: ${rules}  ${o.setBy}`);
    }
  }
  if (data.exceptions.length) {
    out.push('', 'Exceptions:');
    for (const e of data.exceptions) {
      const who = [e.ticket, e.owner].filter(Boolean).join(', ');
      out.push(
        `  ${e.rule} on ${e.subject} until ${e.expires}${who ? ` (${who})` : ''}: ${e.reason}  ${e.setBy}`,
      );
    }
  }
  out.push('', 'Settings:');
  const settings = Object.entries(data.settings).map(([k, v]): [string, string, string] => [
    k,
    String(v.value),
    v.setBy,
  ]);
  let s1 = 0;
  let s2 = 0;
  for (const [a, b] of settings) {
    s1 = Math.max(s1, a.length);
    s2 = Math.max(s2, b.length);
  }
  for (const [k, v, s] of settings) out.push(`  ${k.padEnd(s1)}  ${v.padEnd(s2)}  ${s}`);
  // The policy's values (names, reasons, globs) are shown terminal-safe, one line each.
  io.stdout(`${out.map(terminalSafe).join('\n')}\n`);
  return 0;
}
