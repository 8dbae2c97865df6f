/** A position in a file, 1-based. */
export interface SourcePosition {
  file: string;
  line?: number;
  column?: number;
}

/** One problem with an input, as a person should read it. */
export interface Diagnostic extends SourcePosition {
  /** Dotted path of the offending key (`rules.token-max-age.options.maxDays`), when there is one. */
  path?: string;
  message: string;
}

export { terminalSafe } from './terminal-safe.js';

/** Exit codes, as DESIGN.md fixes them. */
export const ExitCode = {
  ok: 0,
  findings: 1,
  badInput: 2,
  internal: 3,
} as const;

/**
 * An error whose message is fit for a person: no stack trace is printed for it.
 * `exitCode` is 2 for bad input and 3 for internal failures.
 */
export class TrustgateError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly diagnostics: Diagnostic[];

  constructor(
    code: string,
    message: string,
    options: { exitCode?: number; diagnostics?: Diagnostic[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrustgateError';
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.badInput;
    this.diagnostics = options.diagnostics ?? [];
  }
}

/** Bad input that can be pointed at: one or more diagnostics. */
export class InputError extends TrustgateError {
  constructor(code: string, diagnostics: Diagnostic[]) {
    super(code, diagnostics.map(formatDiagnostic).join('\n'), { diagnostics });
    this.name = 'InputError';
  }
}

/** `file:line:column: path: message` */
export function formatDiagnostic(d: Diagnostic): string {
  let where = d.file;
  if (d.line !== undefined) {
    where += `:${d.line}`;
    if (d.column !== undefined) where += `:${d.column}`;
  }
  return d.path ? `${where}: ${d.path}: ${d.message}` : `${where}: ${d.message}`;
}

/** Dotted key path for messages: `rules.token-max-age.options`, `exceptions[0].expires`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** The nearest candidate by edit distance, if it is close enough to be a likely typo. */
export function suggest(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = input.toLowerCase();
  const list = [...candidates];
  // A clipped word ("warn" for "warning") is a likely typo whatever its distance.
  const prefixed = lower.length >= 3 ? list.filter((c) => c.toLowerCase().startsWith(lower)) : [];
  if (prefixed.length === 1) return prefixed[0];
  for (const candidate of list) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(input.length, best.length) / 3));
  return bestDistance <= limit ? best : undefined;
}

/** "Did you mean "x"?" or an empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const s = suggest(input, candidates);
  return s === undefined ? '' : ` Did you mean "${s}"?`;
}

function editDistance(a: string, b: string): number {
  // Damerau-Levenshtein (optimal string alignment): a swapped pair counts once.
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  for (let i = 0; i < rows; i++) d[i]![0] = i;
  for (let j = 0; j < cols; j++) d[0]![j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** A one-line description of an unexpected error, never with a stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] || error.name;
  return String(error);
}

/** Why a file could not be read, for "Cannot read …: <why>.": missing, a directory, or otherwise unreadable. */
export function whyUnreadable(error: unknown): string {
  // The input reader (read-input.ts) says why itself: not a regular file, over its size limit, …
  const reason = (error as { reason?: unknown } | undefined)?.reason;
  if (typeof reason === 'string') return reason;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'the file does not exist';
  return code === 'EISDIR' ? 'it is a directory' : 'it cannot be read';
}
