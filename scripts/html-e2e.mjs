/**
 * The HTML report in a real browser (Debian's Chromium, driven by playwright-core):
 * the cards show the numbers of the JSON report for the same run, filtering the
 * findings table works, and the page logs no console error. It also saves the
 * screenshot the README shows. Needs a build and /usr/bin/chromium.
 *
 *   node scripts/html-e2e.mjs [--screenshot docs/html-report.png]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { BIN, checkArgs, EXAMPLE } from './check-args.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(ROOT, '.tmp/e2e');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const args = process.argv.slice(2);
const shot = args.includes('--screenshot')
  ? path.resolve(ROOT, args[args.indexOf('--screenshot') + 1])
  : undefined;
mkdirSync(OUT, { recursive: true });
if (!existsSync(CHROMIUM)) {
  console.error(`html-e2e: no Chromium at ${CHROMIUM}; install Debian's chromium package.`);
  process.exit(2);
}

const run = spawnSync(
  process.execPath,
  [BIN, ...checkArgs(EXAMPLE.policy, EXAMPLE.facts, `html=${OUT}/report.html`, `json=${OUT}/report.json`)],
  { cwd: ROOT, encoding: 'utf8' },
);
if (run.status !== 1) throw new Error(`check exited ${run.status}: ${run.stderr}`);
const report = JSON.parse(readFileSync(`${OUT}/report.json`, 'utf8'));

let failures = 0;
const expect = (ok, what) => {
  console.log(`${ok ? 'ok' : 'FAIL'}: ${what}`);
  if (!ok) failures++;
};

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (err) => errors.push(String(err)));
  const requests = [];
  page.on('request', (r) => !r.url().startsWith('file:') && requests.push(r.url()));
  await page.goto(pathToFileURL(`${OUT}/report.html`).href);

  const card = async (id) => (await page.locator(`[data-card="${id}"] .value`).textContent())?.trim();
  expect(
    (await card('errors')) === String(report.summary.error),
    `the errors card shows ${report.summary.error}`,
  );
  expect(
    (await card('warnings')) === String(report.summary.warning),
    `the warnings card shows ${report.summary.warning}`,
  );
  expect(
    (await card('waived')) === String(report.summary.waived),
    `the waived card shows ${report.summary.waived}`,
  );
  expect(
    (await card('indeterminate')) === String(report.summary.indeterminate),
    `the indeterminate card shows ${report.summary.indeterminate}`,
  );

  const rows = page.locator('#findings tbody tr');
  expect(
    (await rows.count()) === report.findings.length,
    `the table has a row per finding (${report.findings.length})`,
  );
  await page.selectOption('#f-rule', 'webauthn-2fa');
  const want = report.findings.filter((f) => f.ruleId === 'webauthn-2fa').length;
  expect(
    (await page.locator('#findings tbody tr:not([hidden])').count()) === want,
    `filtering by rule shows its ${want} findings`,
  );
  expect(
    (await page.locator('#f-count').textContent()) === `${want} of ${report.findings.length} shown`,
    'the filter says how many are shown',
  );
  await page.selectOption('#f-rule', '');
  await page.selectOption('#f-level', 'waived');
  expect(
    (await page.locator('#findings tbody tr:not([hidden])').count()) === report.summary.waived,
    'filtering by level shows the waived finding',
  );
  await page.selectOption('#f-level', '');
  expect(errors.length === 0, `no console errors${errors.length ? `: ${errors.join('; ')}` : ''}`);
  expect(requests.length === 0, `no network requests${requests.length ? `: ${requests.join(', ')}` : ''}`);
  if (shot) {
    await page.screenshot({ path: shot, fullPage: false });
    console.log(`screenshot: ${path.relative(ROOT, shot)}`);
  }
} finally {
  await browser.close();
}
console.log(failures ? `html-e2e: ${failures} check(s) failed.` : 'html-e2e: every check passed.');
process.exit(failures ? 1 : 0);
