import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Reporter } from '@trustgate/core';
import { github, gitlab, html, junit, markdown } from '@trustgate/reporters';
import { clean, result } from './fixture.ts';

function matchGolden(actual: string, name: string): void {
  const file = new URL(`golden/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'));
}

const render = (r: Reporter, omitWaived = false) => String(r(result, { color: false, omitWaived }));

describe('junit reporter', () => {
  it('a suite per rule, a case per subject; waived findings are skipped', () =>
    matchGolden(render(junit), 'junit.xml'));
  it('a rule with no findings is one passing case', () => {
    assert.match(
      String(junit(clean, { color: false })),
      /<testsuite name="webauthn-2fa" tests="1" failures="0" errors="0" skipped="0">\n {4}<testcase classname="webauthn-2fa" name="webauthn-2fa"\/>/,
    );
  });
});

describe('markdown reporter', () => {
  it('a summary table and the findings, waived ones folded away', () =>
    matchGolden(render(markdown), 'report.md'));
  it('escapes table cells, and shows a newline as an escape', () => {
    const odd = structuredClone(result);
    odd.findings = [{ ...result.findings[4]!, message: 'a | b <script>\nc' }];
    assert.match(String(markdown(odd, { color: false })), /a \\\| b &lt;script&gt;\\\\nc/);
  });
});

describe('github reporter', () => {
  it('one workflow command per finding that counts, escaped as the toolkit does', () =>
    matchGolden(render(github), 'github.txt'));
  it('writes nothing when there is nothing to annotate', () =>
    assert.equal(String(github(clean, { color: false })), ''));
});

describe('gitlab reporter', () => {
  it('Code Quality issues with unique fingerprints and one location each', () => {
    const out = render(gitlab);
    matchGolden(out, 'gl-code-quality.json');
    const issues = JSON.parse(out) as {
      fingerprint: string;
      location: { path: string; lines: { begin: number } };
    }[];
    assert.equal(new Set(issues.map((i) => i.fingerprint)).size, issues.length);
    assert.ok(issues.every((i) => i.location.path && i.location.lines.begin >= 1));
    assert.equal(issues.length, result.findings.length - 1, 'waived findings are left out by default');
  });
});

describe('html reporter', () => {
  it('one self-contained page: cards, charts, tables (checked in a real browser by scripts/html-e2e.mjs)', () => {
    const out = render(html);
    matchGolden(out, 'report.html');
    assert.doesNotMatch(
      out,
      /<(script|link|img)[^>]+(src|href)=["']https?:/i,
      'nothing is loaded from the network',
    );
    assert.match(
      out,
      /<li class="card" data-card="errors"><span class="value">3<\/span><span class="label">Errors<\/span><\/li>/,
    );
    assert.match(out, /<li class="card" data-card="tp-packages"><span class="value">1 of 2 \(50%\)<\/span>/);
    assert.match(out, /aria-label="Accounts by 2FA: WebAuthn 2, TOTP 1, No 2FA 1, Unknown 1"/);
    assert.match(out, /SEC-412 \(active, 2027-01-31\)/);
  });

  it('escapes everything it prints', () => {
    const odd = structuredClone(result);
    odd.findings = [{ ...result.findings[4]!, message: '<img src=x onerror=alert(1)>' }];
    const out = String(html(odd, { color: false }));
    assert.ok(out.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!out.includes('<img src=x'));
  });

  it('stack overflow from spreading: 150k exceptions on the expiry chart', () => {
    const many = { ...result, findings: [] };
    many.exceptions = Array.from({ length: 150_000 }, (_, i) => ({
      ...result.exceptions[1]!,
      subject: `token:t${i}`,
      expires: i === 0 ? '2030-06-30' : '2027-01-31',
    }));
    const out = String(html(many, { color: false }));
    assert.match(out, /2030-06-30/);
  });
});

describe('html colours', () => {
  /** WCAG 2 contrast ratio of a #rrggbb colour against white. */
  const contrast = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    const l = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    return 1.05 / (l + 0.05);
  };

  it('text colours reach 4.5:1 on white, and chart marks 3:1', () => {
    const out = render(html);
    const vars = Object.fromEntries(
      [...out.matchAll(/--([a-z]+):(#[0-9a-f]{6})/g)].map((m) => [m[1]!, m[2]!]),
    );
    for (const name of ['fg', 'muted', 'bad', 'warn', 'good', 'accent']) {
      assert.ok(
        contrast(vars[name]!) >= 4.5,
        `--${name} ${vars[name]} is ${contrast(vars[name]!).toFixed(2)}:1`,
      );
    }
    const marks = [...out.matchAll(/\.(?:bar|bar-[a-z]+|dot-[a-z]+)\{fill:(#[0-9a-f]{6})\}/g)].map(
      (m) => m[1]!,
    );
    assert.ok(marks.length >= 3);
    for (const hex of marks) assert.ok(contrast(hex) >= 3, `${hex} is ${contrast(hex).toFixed(2)}:1`);
  });
});
