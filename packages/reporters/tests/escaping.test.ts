/**
 * Issue #18 (17): raw escape sequences from file and job names reached text,
 * github and markdown output, and a newline in a file name made a text line
 * that starts with `::error` (a workflow command, in a CI log). Every text-like
 * output now shows control and bidi characters as escapes, through one
 * function (`terminalSafe`, core).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Finding, fingerprint, type RunResult, summarize, terminalSafe } from '@trustgate/core';
import { github, html, junit, markdown, reporters, text } from '@trustgate/reporters';
import { result } from './fixture.ts';

const ESC = '\x1b';
const hostile: Finding = {
  ruleId: 'trusted-publishing',
  level: 'error',
  subject: `workflow:a${ESC}[31mb`,
  message: `Job "x${ESC}[2J" publishes\n::error::pwned, \u202eevil\u202c and \x9b31m.`,
  location: { file: '.github/workflows/x\n::error::pwned.yml', line: 3, column: 5 },
  fingerprint: fingerprint('trusted-publishing', 'workflow:x'),
  helpUri: 'https://example.test/rules/trusted-publishing.md',
};
const run: RunResult = { ...result, findings: [hostile], summary: summarize([hostile]) };
const render = (r: (typeof reporters)[string], options = {}) => String(r(run, { color: false, ...options }));
/** Characters that must never reach a text-like output raw. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: they are what the test looks for.
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('terminalSafe', () => {
  it('shows C0, DEL, C1, line separators and bidi overrides as escapes, and leaves the rest', () => {
    assert.equal(
      terminalSafe(`a${ESC}[31m\n\r\t\x7f\x9b\u2028\u202e\u2066é…✔`),
      'a\\x1b[31m\\n\\r\\t\\x7f\\x9b\\u2028\\u202e\\u2066é…✔',
    );
    assert.equal(terminalSafe('plain'), 'plain');
  });
});

describe('issue #18 (17): control characters from the facts never reach a text-like output raw', () => {
  it('text: exact escaped lines, also with colour', () => {
    assert.equal(
      render(text),
      [
        'trusted-publishing  Require trusted publishing.',
        '  error    workflow:a\\x1b[31mb  Job "x\\x1b[2J" publishes\\n::error::pwned, \\u202eevil\\u202c and \\x9b31m.',
        '           at .github/workflows/x\\n::error::pwned.yml:3:5',
        '',
        '✖ 1 problem (1 error, 0 warnings, 0 notes).',
        '',
      ].join('\n'),
    );
    const coloured = String(text(run, { color: true }));
    // Without the reporter's own colours, the coloured text is the plain text: nothing else is raw.
    assert.equal(coloured.replace(new RegExp(`${ESC}\\[\\d+m`, 'g'), ''), render(text));
    assert.ok(coloured.includes(`${ESC}[31merror  ${ESC}[39m`));
  });

  it('github: one annotation line, the toolkit escapes on top', () => {
    assert.equal(
      render(github),
      '::error file=.github/workflows/x\\n%3A%3Aerror%3A%3Apwned.yml,line=3,col=5,title=trustgate trusted-publishing::Job "x\\x1b[2J" publishes\\n::error::pwned, \\u202eevil\\u202c and \\x9b31m. [workflow:a\\x1b[31mb]\n',
    );
  });

  it('markdown: the row keeps to one line', () => {
    const out = render(markdown);
    assert.ok(
      out.includes(
        '| ❌ error | [trusted-publishing](https://example.test/rules/trusted-publishing.md) | `workflow:a\\\\x1b[31mb` | Job "x\\\\x1b[2J" publishes\\\\n::error::pwned, \\\\u202eevil\\\\u202c and \\\\x9b31m. | `.github/workflows/x\\\\n::error::pwned.yml:3` |\n',
      ),
      out,
    );
  });

  it('junit and html: escaped inside their own escaping', () => {
    assert.ok(
      render(junit).includes(
        'name="workflow:a\\x1b[31mb" file=".github/workflows/x\\n::error::pwned.yml" line="3"',
      ),
    );
    assert.ok(render(html).includes('<code>.github/workflows/x\\n::error::pwned.yml:3</code>'));
  });

  it('no text-like output has a raw control character, or a line starting with "::" but its own annotations', () => {
    for (const name of ['text', 'github', 'markdown', 'junit', 'html']) {
      const out = render(reporters[name]!);
      assert.doesNotMatch(out, RAW, name);
      const commands = out.split('\n').filter((l) => l.trimStart().startsWith('::'));
      if (name === 'github')
        assert.deepEqual(
          commands.map((l) => l.slice(0, 13)),
          ['::error file='],
        );
      else assert.deepEqual(commands, [], name);
    }
  });

  it('the JSON outputs keep the exact value (JSON escapes it)', () => {
    const report = JSON.parse([...(reporters.json!(run, { color: false }) as Iterable<string>)].join(''));
    assert.equal(report.findings[0].message, hostile.message);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what JSON must escape.
    assert.doesNotMatch(render(reporters.sarif!), /[\u0000-\u0009\u000b-\u001f]/);
  });
});

describe('issue #18 (13): 150,000 findings through every reporter', () => {
  it('no spread of the findings into a call, no quadratic grouping', async () => {
    const many: Finding[] = [];
    for (let i = 0; i < 150_000; i++) {
      many.push({
        ruleId: 'trusted-publishing',
        level: i % 3 === 0 ? 'warning' : 'error',
        subject: `package:p${i}`,
        message: `Package p${i} has no trusted publisher.`,
        fingerprint: fingerprint('trusted-publishing', `package:p${i}`),
        helpUri: 'https://example.test/rules/trusted-publishing.md',
      });
    }
    const exceptions = Array.from({ length: 150_000 }, (_, i) => ({
      rule: 'trusted-publishing',
      subject: `package:p${i}`,
      reason: 'Legacy.',
      expires: `2027-01-${String((i % 28) + 1).padStart(2, '0')}`,
      state: 'active' as const,
    }));
    const big: RunResult = { ...result, findings: many, summary: summarize(many), exceptions };
    for (const [name, reporter] of Object.entries(reporters)) {
      const started = Date.now();
      const data = await reporter(big, { color: false });
      const size =
        typeof data === 'string' || data instanceof Uint8Array
          ? data.length
          : [...data].reduce((n, piece) => n + piece.length, 0);
      assert.ok(size > 0, name);
      assert.ok(Date.now() - started < 20_000, `${name} took ${Date.now() - started} ms`);
    }
  });
});
