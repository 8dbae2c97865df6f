/**
 * The SARIF reporter against GitHub code scanning's ingestion rules, one test
 * each. (The SARIF 2.1.0 JSON Schema and Microsoft's multitool run in CI from
 * scripts/sarif-check.ts, since the schema lives in ../shared.)
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fingerprint, type RunResult, summarize } from '@trustgate/core';
import { createSarif, sarif } from '@trustgate/reporters';
import { clean, result } from './fixture.ts';

// biome-ignore lint/suspicious/noExplicitAny: SARIF is checked structurally here.
type Log = any;
const log = (r: RunResult, omitWaived = false): Log =>
  JSON.parse(String(sarif(r, { color: false, omitWaived })));

describe('SARIF for GitHub code scanning', () => {
  const out = log(result);
  const run = out.runs[0];

  it('matches its golden file', () => {
    const text = String(sarif(result, { color: false }));
    const golden = new URL('golden/report.sarif', import.meta.url);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'));
  });

  it('is SARIF 2.1.0 with exactly one run, identified as trustgate/', () => {
    assert.equal(out.version, '2.1.0');
    assert.equal(out.runs.length, 1);
    assert.deepEqual(run.automationDetails, { id: 'trustgate/' });
    assert.equal(run.tool.driver.name, 'trustgate');
  });

  it('gives every result exactly one physical location: repo-relative, no scheme, startLine >= 1', () => {
    assert.equal(run.results.length, result.findings.length);
    for (const r of run.results) {
      assert.equal(r.locations.length, 1);
      const loc = r.locations[0].physicalLocation;
      assert.ok(loc, 'a physical location, not only a logical one');
      assert.doesNotMatch(loc.artifactLocation.uri, /^([a-z][a-z0-9+.-]*:|\/|\.\.)/i);
      assert.ok(Number.isInteger(loc.region.startLine) && loc.region.startLine >= 1);
    }
  });

  it('anchors findings that are not about a file: package.json, the policy line, else the policy file', () => {
    const where = run.results.map((r: Log) => [
      r.properties.subject,
      r.locations[0].physicalLocation.artifactLocation.uri,
      r.locations[0].physicalLocation.region.startLine,
      r.locations[0].logicalLocations[0].fullyQualifiedName,
    ]);
    assert.deepEqual(where, [
      [
        'token:3c1665365d1de0a2e3c32031f7b9a7e4',
        'trustgate.yaml',
        7,
        'token:3c1665365d1de0a2e3c32031f7b9a7e4',
      ],
      ['token:1e6492a7', 'trustgate.yaml', 1, 'token:1e6492a7'],
      ['token:3ebd5523', 'trustgate.yaml', 1, 'token:3ebd5523'],
      ['package:@acme/legacy', 'packages/legacy/package.json', 1, 'package:@acme/legacy'],
      [
        'workflow:.github/workflows/legacy-publish.yml#release/4',
        '.github/workflows/legacy-publish.yml',
        24,
        'workflow:.github/workflows/legacy-publish.yml#release/4',
      ],
      ['account:carol', 'trustgate.yaml', 11, 'account:carol'],
    ]);
  });

  it('describes every rule from its metadata, with a numeric security-severity string', () => {
    for (const rule of run.tool.driver.rules) {
      assert.ok(rule.shortDescription.text && rule.fullDescription.text);
      assert.ok(rule.help.text && rule.help.markdown);
      assert.match(rule.helpUri, /^https:\/\//);
      assert.match(rule.properties['security-severity'], /^\d+\.\d$/);
      assert.ok(rule.properties.tags.includes('security') && rule.properties.tags.length <= 20);
      assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration.level));
      assert.equal(typeof rule.properties.precision, 'string');
    }
    assert.deepEqual(
      run.results.map((r: Log) => run.tool.driver.rules[r.ruleIndex].id),
      run.results.map((r: Log) => r.ruleId),
    );
  });

  it('gives each result a distinct primaryLocationLineHash from its stable fingerprint', () => {
    const hashes = run.results.map((r: Log) => r.partialFingerprints.primaryLocationLineHash);
    assert.equal(
      new Set(hashes).size,
      hashes.length,
      'findings anchored to one line keep distinct identities',
    );
    assert.equal(
      hashes[0],
      `${fingerprint('no-classic-tokens', 'token:3c1665365d1de0a2e3c32031f7b9a7e4')}:1`,
    );
  });

  it('shows a waived finding as an external suppression, and can leave it out', () => {
    const waived = run.results.filter((r: Log) => r.suppressions);
    assert.deepEqual(
      waived.map((r: Log) => r.suppressions),
      [
        [
          {
            kind: 'external',
            status: 'accepted',
            justification: 'Release bot until it moves to trusted publishing. (SEC-412; until 2027-01-31)',
          },
        ],
      ],
    );
    const omitted = log(result, true).runs[0].results;
    assert.equal(omitted.length, result.findings.length - 1);
    assert.ok(omitted.every((r: Log) => !r.suppressions));
  });

  it('still writes a run with no results, so that fixed alerts close', () => {
    const empty = log(clean).runs;
    assert.equal(empty.length, 1);
    assert.deepEqual(empty[0].results, []);
    assert.deepEqual(empty[0].automationDetails, { id: 'trustgate/' });
  });

  it('keeps the most severe results within the results-per-run limit, and says so', () => {
    const warnings: string[] = [];
    const many = structuredClone(result);
    many.findings = Array.from({ length: 30 }, (_, i) => ({
      ...result.findings[5]!,
      level: i % 3 === 0 ? ('error' as const) : ('note' as const),
      subject: `account:user-${i}`,
      fingerprint: fingerprint('webauthn-2fa', `account:user-${i}`),
    }));
    many.summary = summarize(many.findings);
    const small = JSON.parse(
      String(
        createSarif({ resultsPerRun: 10, gzipBytes: 10_000_000 })(many, {
          color: false,
          warn: (m) => warnings.push(m),
        }),
      ),
    );
    const levels = small.runs[0].results.map((r: Log) => r.level);
    assert.deepEqual(levels, [...Array(10).fill('error')]);
    assert.deepEqual(warnings, [
      "30 findings exceed code scanning's 10 results per run; the 10 most severe are in the SARIF.",
    ]);
    assert.equal(small.runs[0].invocations[0].toolExecutionNotifications[0].message.text, warnings[0]);
  });

  it('keeps the most severe results within the compressed size limit, and says so', () => {
    const warnings: string[] = [];
    const big = structuredClone(result);
    big.findings = Array.from({ length: 400 }, (_, i) => ({
      ...result.findings[5]!,
      level: i < 50 ? ('error' as const) : ('warning' as const),
      message: `Finding ${i} ${Array.from({ length: 8 }, (_, k) => fingerprint(String(i), String(k))).join(' ')}.`,
      subject: `account:user-${i}`,
      fingerprint: fingerprint('webauthn-2fa', `account:user-${i}`),
    }));
    big.summary = summarize(big.findings);
    const limited = createSarif({ resultsPerRun: 25_000, gzipBytes: 30_000 })(big, {
      color: false,
      warn: (m) => warnings.push(m),
    });
    const results = JSON.parse(String(limited)).runs[0].results;
    assert.ok(results.length >= 50 && results.length < 400, `${results.length} results kept`);
    assert.ok(results.slice(0, 50).every((r: Log) => r.level === 'error'));
    assert.match(
      warnings[0]!,
      /^The SARIF would exceed code scanning's 29 KiB compressed upload; the \d+ most severe of 400 results are in it\.$/,
    );
  });
});
