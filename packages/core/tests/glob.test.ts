/**
 * Globs from policies (`glob.ts`): no glob can make a run hang, ordinary globs
 * keep micromatch's meaning, and matching loads no more than it needs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkFacts, compileGlob, evaluate, globProblem, loadPolicy, MAX_GLOB_LENGTH } from '@trustgate/core';
import { demoRegistry, errorOf, tempDir } from './helpers.ts';

type Micromatch = typeof import('micromatch');
const micromatch = createRequire(import.meta.url)('micromatch') as Micromatch;
const reference = (glob: string) => micromatch.matcher(glob, { dot: true, windows: false });

const PATHOLOGICAL = '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b';

/** A seeded generator (mulberry32) of whole numbers below n, so that a failure can be replayed. */
function seeded(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

function timed<T>(f: () => T): [T, number] {
  const started = performance.now();
  const value = f();
  return [value, performance.now() - started];
}

describe('globs', () => {
  it('the glob that takes micromatch seconds at 30 characters takes milliseconds at 100,000', () => {
    const [match, compileMs] = timed(() => compileGlob(PATHOLOGICAL));
    assert.ok(compileMs < 1000, `compiling took ${compileMs} ms`);
    for (const [subject, expected] of [
      ['a'.repeat(30), false],
      ['a'.repeat(100_000), false],
      [`${'a'.repeat(100_000)}c`, false],
      [`${'ab'.repeat(50_000)}c`, false],
      [`${'a'.repeat(100_000)}b`, true],
      [`${'a'.repeat(15)}b`, true],
      [`${'a'.repeat(14)}b`, false],
      [`x${'a'.repeat(15)}/b`, false],
    ] as const) {
      const [result, ms] = timed(() => match(subject));
      assert.equal(result, expected, `${subject.length} characters`);
      assert.ok(ms < 250, `${subject.length} characters took ${ms} ms`);
    }
  });

  it('the longest glob allowed, all wildcards, against a long subject, stays bounded', () => {
    const glob = `${'*a'.repeat((MAX_GLOB_LENGTH - 2) / 2)}*b`;
    assert.equal(glob.length, MAX_GLOB_LENGTH);
    const match = compileGlob(glob);
    const [result, ms] = timed(() => match(`${'a'.repeat(5000)}b`));
    assert.equal(result, true);
    assert.ok(ms < 3000, `took ${ms} ms`);
  });

  it('ordinary globs keep their meaning', () => {
    const cases: [string, string, boolean][] = [
      ['@acme/legacy-*', '@acme/legacy-web', true],
      ['@acme/legacy-*', '@acme/legacy-', true],
      ['@acme/legacy-*', '@acme/web', false],
      ['@acme/legacy-*', '@acme/legacy-web/x', false],
      ['token:9f2c*', 'token:9f2c0123abcd', true],
      ['token:9f2c*', 'token:9f2', false],
      ['token:9f2c*', 'token:a9f2c', false],
      ['account:bot-*', 'account:bot-release', true],
      ['account:bot-*', 'account:alice', false],
      ['account:bot-*', 'account:.bot-x', false],
      ['account:*', 'account:.hidden', true], // dot: true
      ['**', 'package:@acme/x', true],
      ['**', 'account:alice', true],
      ['package:**', 'package:@acme/x', false], // `**` spans slashes only as a whole segment
      ['package:**', 'package:web', true],
      ['package:@acme/**', 'package:@acme/x', true],
      ['package:@acme/*', 'package:@acme/x', true],
      ['package:@acme/*', 'package:@other/x', false],
      ['*', 'package:@acme/x', false], // `*` does not cross a slash
      ['{account:alice,account:bob}', 'account:bob', true],
      ['{account:alice,account:bob}', 'account:carol', false],
      ['token:{a,b}*', 'token:b12', true],
      ['token:{a,b}*', 'token:c12', false],
      ['account:{1..3}', 'account:2', true],
      ['!account:bot-*', 'account:alice', true],
      ['!account:bot-*', 'account:bot-1', false],
      ['token:??', 'token:ab', true],
      ['token:??', 'token:abc', false],
      ['token:[a-f]*', 'token:e1', true],
      ['token:[a-f]*', 'token:z1', false],
      ['account:@(alice|bob)', 'account:bob', true],
      ['account:+(a)', 'account:aaa', true],
      ['token:\\*', 'token:*', true],
      ['token:\\*', 'token:x', false],
      ['package:@acme/x', 'package:@acme/x', true],
      ['package:@acme/x', 'package:@acme/x/', false],
      ['package:@acme/x', 'package:@acme/xy', false],
      [PATHOLOGICAL, 'xaaaaaaaaaaaaaaab', true],
      [PATHOLOGICAL, 'xaaaaaaaaaaaaab', false],
    ];
    for (const [glob, subject, expected] of cases) {
      assert.equal(compileGlob(glob)(subject), expected, `${glob} on ${subject}`);
      assert.equal(reference(glob)(subject), expected, `micromatch: ${glob} on ${subject}`);
    }
  });

  it('agrees with micromatch on random globs and subjects, except on path segments subjects do not have', () => {
    const random = seeded(18);
    const pick = (list: readonly string[]) => list[random(list.length)]!;
    const parts = [
      ...['a', 'b', 'x', '-', ':', '@', '/', '.', ',', 'token:', 'package:@acme/'],
      ...['*', '**', '?', '[ab]', '[a-c]', '[!a]', '{a,b}', '{a,b{c,d}}', '{,a}', '{1..3}'],
      ...[
        '@(a|b)',
        '+(a|b)',
        '*(a|b)',
        '?(a|b)',
        '!',
        '\\*',
        '\\s',
        '\\p',
        '(',
        ')',
        '|',
        '+',
        '[',
        '{',
        '}',
      ],
    ];
    const chars = ['a', 'b', 'x', '-', ':', '@', '/', '.', ',', 'é', ' ', 'p', '\u00a0', '(', '\n', '😀'];
    let compared = 0;
    let refused = 0;
    const differences: string[] = [];
    for (let i = 0; i < 2000; i++) {
      let glob = '';
      for (let j = random(6); j >= 0; j--) glob += pick(parts);
      let match: (s: string) => boolean;
      try {
        match = compileGlob(glob);
      } catch {
        refused++;
        continue;
      }
      const expected = reference(glob);
      for (let k = 0; k < 40; k++) {
        let subject = '';
        for (let j = random(9); j > 0; j--) subject += pick(chars);
        const [ours, theirs] = [match(subject), expected(subject)];
        compared++;
        if (ours === theirs) continue;
        // micromatch keeps a wildcard off `.` and `..` segments, an empty last segment and a
        // segment that starts with a line end (path rules); RE2 cannot, so on such subjects a
        // glob matches more (a negated one less). No subject or package name has them.
        const pathOnly =
          /[\n\r\u2028\u2029]/.test(subject) ||
          subject.endsWith('/') ||
          subject.split('/').some((s) => s === '.' || s === '..');
        if (pathOnly && ours === !glob.startsWith('!')) continue;
        // One `?` is one character: micromatch's is one UTF-16 unit, half of an emoji.
        if (/[\ud800-\udfff]/.test(subject)) continue;
        differences.push(
          `${JSON.stringify(glob)} on ${JSON.stringify(subject)}: ${ours}, micromatch ${theirs}`,
        );
      }
    }
    assert.deepEqual(differences.slice(0, 10), []);
    assert.ok(compared > 50_000, `compared ${compared}`);
    assert.ok(refused < 300, `refused ${refused}`);
  });

  it('a glob without glob syntax matches itself only, as in micromatch', () => {
    const chars = "aZ0_:@.=~,#%'^-/".split('');
    const random = seeded(7);
    let checked = 0;
    for (let i = 0; i < 20_000; i++) {
      let glob = '';
      for (let j = random(9); j >= 0; j--) glob += chars[random(chars.length)];
      const variants = [glob, `${glob}/`, glob.slice(1), `x${glob}`, `${glob}x`, `./${glob}`];
      variants.push(glob.replace(/\./g, 'x'), glob.replace(/\//g, '//'), glob.toUpperCase());
      let ours: (s: string) => boolean;
      try {
        ours = compileGlob(glob);
      } catch {
        continue;
      }
      const theirs = reference(glob);
      for (const v of variants)
        assert.equal(ours(v), theirs(v), `${JSON.stringify(glob)} on ${JSON.stringify(v)}`);
      checked++;
    }
    assert.ok(checked > 10_000);
  });

  it('refuses what it cannot match in linear time, and what is too long, in one sentence', () => {
    assert.equal(
      globProblem('token:!(bot)*'),
      'This glob needs a lookahead (such as the extglob !(…)), which cannot be matched in linear time; list what it should match instead, with braces {a,b} or several globs.',
    );
    assert.equal(
      globProblem(`token:${'x'.repeat(MAX_GLOB_LENGTH)}`),
      'This glob is 1006 characters long; a glob may have at most 1,000.',
    );
    assert.equal(globProblem(`token:${'x'.repeat(MAX_GLOB_LENGTH - 6)}`), undefined);
    assert.equal(globProblem('token:*'), undefined);
  });

  it('a glob without wildcards loads nothing; one wildcard loads micromatch; more load re2js too', () => {
    // One process, globs in that order: what each step loaded, by then.
    const steps = [
      'token:9f2c0123abcd',
      'package:@acme/web',
      'token:9f2c*',
      'package:@acme/**',
      'token:{a,b}*',
    ];
    const script = `import { createRequire } from 'node:module';
import { compileGlob } from '@trustgate/core';
const cache = createRequire(import.meta.url).cache;
const loaded = () => ['micromatch', 're2js'].filter((m) => Object.keys(cache).some((f) => f.includes(\`/\${m}@\`)));
console.log(JSON.stringify(${JSON.stringify(steps)}.map((g) => (compileGlob(g)('token:x'), loaded()))));`;
    const r = spawnSync(
      process.execPath,
      ['--conditions=@trustgate/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8' },
    );
    assert.equal(r.stderr, '');
    assert.deepEqual(JSON.parse(r.stdout), [[], [], ['micromatch'], ['micromatch'], ['micromatch', 're2js']]);
  });
});

describe('globs in policies', () => {
  const HEAD = 'apiVersion: trustgate/v1\nkind: Policy\nrules:\n  no-classic-tokens: error\n';
  const load = (dir: string) =>
    loadPolicy(`${dir}/trustgate.yaml`, { rules: demoRegistry, presetDir: dir, cwd: dir });

  it('a glob that cannot be used is an error at its key', async () => {
    const long = `token:${'x'.repeat(MAX_GLOB_LENGTH)}`;
    const dir = tempDir({
      'trustgate.yaml': `${HEAD}overrides:\n  - packages: ["@acme/a", "@acme/!(b)"]\n    rules: { no-classic-tokens: warning }\n  - subjects: ["${long}"]\n    rules: { no-classic-tokens: note }\nexceptions:\n  - rule: no-classic-tokens\n    subject: "!(token:x)"\n    reason: r\n    expires: 2027-01-31\n`,
    });
    assert.equal(
      await errorOf(() => load(dir)),
      [
        'trustgate.yaml:6:27: overrides[0].packages[1]: This glob needs a lookahead (such as the extglob !(…)), which cannot be matched in linear time; list what it should match instead, with braces {a,b} or several globs.',
        'trustgate.yaml:8:16: overrides[1].subjects[0]: This glob is 1006 characters long; a glob may have at most 1,000.',
        'trustgate.yaml:12:14: exceptions[0].subject: This glob needs a lookahead (such as the extglob !(…)), which cannot be matched in linear time; list what it should match instead, with braces {a,b} or several globs.',
      ].join('\n'),
    );
  });

  it('the pathological glob in an exception waives the right finding, quickly', async () => {
    const dir = tempDir({
      'trustgate.yaml': `${HEAD}exceptions:\n  - rule: no-classic-tokens\n    subject: "${PATHOLOGICAL}"\n    reason: r\n    expires: 2027-01-31\n`,
    });
    const policy = await load(dir);
    const id = (n: number, last: string) => `${'a'.repeat(n)}${last}`;
    const tokens = [id(20_000, 'b'), id(20_000, 'c'), id(30, 'c')].map((t) => ({
      id: t,
      kind: 'classic',
      access: 'write',
      created: '2024-01-01T00:00:00Z',
      expires: null,
    }));
    const facts = checkFacts(
      {
        schemaVersion: 1,
        collectedAt: '2026-11-28T00:00:00Z',
        sources: [{ collector: 'test', covers: ['tokens'], complete: true }],
        tokens,
      },
      'facts.json',
    );
    const started = performance.now();
    const result = await evaluate({ facts, policy, tool: { name: 'trustgate', version: 'test' } });
    assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
    assert.deepEqual(
      result.findings
        .filter((f) => f.ruleId === 'no-classic-tokens')
        .map((f) => [f.subject.length, f.subject.at(-1), Boolean(f.exception)]),
      [
        [20_007, 'b', true],
        [20_007, 'c', false],
        [37, 'c', false],
      ],
    );
  });
});
