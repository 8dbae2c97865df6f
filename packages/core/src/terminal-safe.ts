/**
 * Text that is safe to show on a terminal, in a CI log or in a Markdown file:
 * every control character (C0, DEL, C1), the Unicode line and paragraph
 * separators and the bidirectional overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069) are shown as escapes: `\n`, `\r`, `\t`, `\x1b`, `\u202e`. So a
 * value from a file (a file name, a job name, a message) can neither start a
 * line of its own (such as a `::error::` workflow command), nor send escape
 * sequences to a terminal, nor reorder what is shown around it.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `s` with control and bidirectional-override characters shown as escapes. */
export function terminalSafe(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}
