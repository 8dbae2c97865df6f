import { parseArgs } from 'node:util';
import { didYouMean, TrustgateError } from '@trustgate/core';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** For help: the value's name and what the option does. */
  value?: string;
  help: string;
}

/** `--help`, which every command takes. */
export const helpOption = { type: 'boolean', short: 'h', help: 'Show this help.' } as const;

/** `--plugins`, for the commands that load policies; `help` says it for that command. */
export function pluginsOption(help: string) {
  return { type: 'string', value: 'all|none|LIST', help } as const;
}

/** Parse a command's arguments; any mistake is an exit-2 error that lists what is valid. */
export function parseCommandArgs<T extends Record<string, OptionSpec>>(
  command: string,
  args: string[],
  spec: T,
  positionals = 0,
): {
  values: {
    [K in keyof T]?: T[K]['multiple'] extends true
      ? string[]
      : T[K]['type'] extends 'boolean'
        ? boolean
        : string;
  };
  positionals: string[];
} {
  const options = Object.fromEntries(
    Object.entries(spec).map(([name, o]) => [
      name,
      { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) },
    ]),
  );
  const names = Object.keys(spec).map((n) => `--${n}`);
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
    if (parsed.positionals.length > positionals) {
      throw new TrustgateError(
        'E_ARGS',
        `trustgate ${command} takes at most ${positionals} argument(s); got "${parsed.positionals[positionals]}".`,
      );
    }
    return parsed as never;
  } catch (error) {
    if (error instanceof TrustgateError) throw error;
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(message)?.[1] ?? '?';
      throw new TrustgateError(
        'E_ARGS',
        `Unknown option ${flag} for trustgate ${command}.${didYouMean(flag, names) || ` Valid options: ${names.join(', ')}.`}`,
      );
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      // Node says "Option '-o, --output <value>' argument missing": name the option as --output (-o).
      const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
      const long = /--[\w-]+/.exec(quoted)?.[0];
      const short = /(?:^|\s)(-\w)\b/.exec(quoted)?.[1];
      const name = long ?? short;
      const o = name ? spec[name.replace(/^-+/, '')] : undefined;
      const flag = long && short ? `${long} (${short})` : (name ?? 'an option');
      throw new TrustgateError(
        'E_ARGS',
        `Option ${flag} of trustgate ${command} needs a value${o?.value ? ` (${long ?? short} ${o.value})` : ''}.`,
      );
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const arg = /'([^']+)'/.exec(message)?.[1] ?? '?';
      throw new TrustgateError('E_ARGS', `trustgate ${command} takes no arguments; got "${arg}".`);
    }
    throw new TrustgateError('E_ARGS', `Invalid arguments for trustgate ${command}.`);
  }
}

/** Help text for a command's options. */
export function optionHelp(spec: Record<string, OptionSpec>): string {
  const rows = Object.entries(spec).map(
    ([name, o]) => [`--${name}${o.value ? ` ${o.value}` : ''}`, o.help] as const,
  );
  let width = 0;
  for (const [left] of rows) width = Math.max(width, left.length);
  return rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`).join('\n');
}
