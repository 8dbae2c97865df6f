import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createAjv, reportText } from '@trustgate/core';
import { json, text } from '@trustgate/reporters';
import { clean, result } from './fixture.ts';

const golden = (name: string) => new URL(`golden/${name}`, import.meta.url);

/** Compares with a committed golden file; UPDATE_GOLDEN=1 rewrites it (then review the diff). */
function matchGolden(actual: string, name: string): void {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden(name), actual);
  assert.equal(actual, readFileSync(golden(name), 'utf8'));
}

describe('text reporter', () => {
  it('groups by rule, shows locations and exceptions, and ends with a summary (plain)', async () => {
    matchGolden(String(await text(result, { color: false })), 'text.txt');
  });

  it('says so when there is nothing to report', async () => {
    assert.equal(await text(clean, { color: false }), '✔ No problems.\n');
  });

  it('colours only when asked', async () => {
    const plain = String(await text(result, { color: false }));
    const coloured = String(await text(result, { color: true }));
    const ESC = String.fromCharCode(27);
    assert.ok(!plain.includes(ESC));
    assert.ok(coloured.includes(`${ESC}[31merror  ${ESC}[39m`));
    assert.equal(coloured.replaceAll(new RegExp(`${ESC}\\[\\d+m`, 'g'), ''), plain);
  });
});

describe('json reporter', () => {
  const schema = JSON.parse(readFileSync(new URL('../schemas/report.schema.json', import.meta.url), 'utf8'));
  const validate = createAjv().compile(schema);

  it('writes { version, tool, policy, summary, findings } valid against its schema', async () => {
    const out = String(reportText(await json(result, { color: false })));
    matchGolden(out, 'report.json');
    const parsed = JSON.parse(out);
    assert.deepEqual(Object.keys(parsed), ['version', 'tool', 'policy', 'summary', 'findings']);
    assert.ok(validate(parsed), JSON.stringify(validate.errors));
  });

  it('gives, in pieces, exactly the text of JSON.stringify(report, null, 2)', async () => {
    const many = {
      ...result,
      findings: Array.from({ length: 4501 }, (_, i) => ({
        ...result.findings[i % result.findings.length]!,
        subject: `token:t${i}`,
      })),
    };
    const drifted = {
      ...result,
      drift: {
        baseline: 'old.json',
        new: 1,
        unchanged: 2,
        fixed: [{ ruleId: 'r', subject: 's:1', message: 'm', fingerprint: 'f' }],
        expiredSince: [],
      },
    };
    for (const r of [result, clean, many, drifted]) {
      const data = await json(r, { color: false });
      assert.equal(typeof data === 'string', false, 'the JSON report comes in pieces');
      const pieces = [...(data as Iterable<string>)];
      const { version, tool, policy, summary, findings, drift } = r;
      assert.equal(
        pieces.join(''),
        `${JSON.stringify({ version, tool, policy, summary, findings, ...(drift ? { drift } : {}) }, null, 2)}\n`,
      );
      if (r === many) assert.ok(pieces.length >= 5, 'a large report is several pieces');
    }
  });

  it('the schema rejects a report with a bad finding', async () => {
    const bad = JSON.parse(String(reportText(await json(clean, { color: false }))));
    bad.findings.push({ ruleId: 'x', level: 'fatal', message: 'm', subject: 'nokind', fingerprint: 'zz' });
    assert.equal(validate(bad), false);
    assert.deepEqual(
      validate.errors?.map((e) => `${e.instancePath} ${e.keyword}`),
      ['/findings/0/level enum', '/findings/0/subject pattern', '/findings/0/fingerprint pattern'],
    );
  });
});
