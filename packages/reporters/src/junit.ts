import { type Finding, type Reporter, terminalSafe } from '@trustgate/core';
import { anchorOf, exceptionSummary, shown } from './anchor.js';

/**
 * JUnit XML: a test suite per rule, a test case per rule and subject. A finding
 * that counts is a failure; a waived one is skipped, with its exception; a rule
 * with no finding is one passing case, so that every rule that ran is visible.
 */
export const junit: Reporter = (result, options) => {
  const findings = shown(result, options.omitWaived);
  const byRule = new Map<string, Finding[]>();
  for (const r of result.rules) byRule.set(r.id, []);
  for (const f of findings) {
    const list = byRule.get(f.ruleId);
    if (list) list.push(f);
    else byRule.set(f.ruleId, [f]);
  }
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  for (const [ruleId, list] of byRule) {
    const cases: string[] = [];
    if (list.length === 0) {
      cases.push(`    <testcase classname="${x(ruleId)}" name="${x(ruleId)}"/>`);
    }
    let suiteFailures = 0;
    let suiteSkipped = 0;
    for (const f of list) {
      const at = anchorOf(f, result);
      const attrs = `classname="${x(ruleId)}" name="${x(f.subject)}" file="${x(at.file)}" line="${at.line}"`;
      if (f.exception) {
        suiteSkipped++;
        cases.push(
          `    <testcase ${attrs}>\n      <skipped message="${x(`Waived: ${exceptionSummary(f.exception)}`)}"/>\n    </testcase>`,
        );
      } else {
        suiteFailures++;
        const body = `${x(f.message)}\n${x(at.file)}:${at.line}${f.indeterminate ? '\n(indeterminate)' : ''}`;
        cases.push(
          `    <testcase ${attrs}>\n      <failure type="${f.level}" message="${x(f.message)}">${body}</failure>\n    </testcase>`,
        );
      }
    }
    const count = Math.max(1, list.length);
    tests += count;
    failures += suiteFailures;
    skipped += suiteSkipped;
    suites.push(
      `  <testsuite name="${x(ruleId)}" tests="${count}" failures="${suiteFailures}" errors="0" skipped="${suiteSkipped}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="trustgate" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}">\n${suites.join('\n')}\n</testsuites>\n`;
};

/**
 * XML-escape a value, with control and bidi characters shown as escapes (`\x1b`,
 * `\n`), as in every text output; drop what XML 1.0 still cannot carry (a lone
 * surrogate, U+FFFE, U+FFFF).
 */
function x(s: string): string {
  return terminalSafe(s)
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
