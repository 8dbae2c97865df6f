import { ruleCollections } from '@trustgate/core';
import { rules } from '@trustgate/rules';
import { helpOption, type OptionSpec, optionHelp, parseCommandArgs } from './args.js';

const rulesOptions = {
  json: { type: 'boolean', help: 'Print the rules as JSON.' },
  help: helpOption,
} satisfies Record<string, OptionSpec>;

export function runRules(args: string[], io: { stdout: (s: string) => void }): number {
  const { values } = parseCommandArgs('rules', args, rulesOptions);
  if (values.help) {
    io.stdout(
      `Usage: trustgate rules [--json]\n\nLists every built-in rule.\n\n${optionHelp(rulesOptions)}\n`,
    );
    return 0;
  }
  const list = Object.values(rules)
    .map((r) => ({
      id: r.id,
      defaultLevel: r.meta.defaultLevel,
      description: r.meta.description,
      docs: r.meta.docs,
      collections: ruleCollections(r),
      securitySeverity: r.meta.securitySeverity,
      options: r.meta.options ?? null,
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  if (values.json) {
    io.stdout(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  let width = 0;
  for (const r of list) width = Math.max(width, r.id.length);
  for (const r of list) {
    io.stdout(
      `${r.id.padEnd(width)}  ${r.defaultLevel.padEnd(7)}  ${r.description}\n${' '.repeat(width + 11)}${r.docs}\n`,
    );
  }
  return 0;
}
