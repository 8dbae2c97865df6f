/**
 * trustgate as users install it, end to end:
 *
 * 1. starts Verdaccio 6.8.0 on 127.0.0.1, serving trustgate's own packages
 *    from its storage only (never from an uplink: a stranger may hold a name
 *    there) and every other package through the registry npm is configured with;
 * 2. packs every public workspace package with pnpm (which rewrites
 *    `workspace:*`, as the release workflow does) and publishes the tarballs
 *    with npm;
 * 3. in fresh folders, with only npm:
 *    - `npx -y trustgate check` on a repository that publishes with NODE_AUTH_TOKEN: exit 1, naming it;
 *    - `npm i -D trustgate @trustgate/core` and a TypeScript plugin that imports
 *      `@trustgate/core`, in a project without `"type": "module"`: the plugin's finding;
 *    - the same plugin without tsx: exit 2 with one sentence saying what to install;
 *    - `trustgate init` then `trustgate check`: exit 0;
 * 4. reports the consumer install size of `trustgate` (what `npm i trustgate` puts in node_modules).
 *
 *   node scripts/e2e-install.mjs            (after `pnpm run build`)
 *
 * Exits 0 when every step passes and prints `N passed, 0 failed`; 1 otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const VERDACCIO = path.join(ROOT, 'node_modules/verdaccio/bin/verdaccio');
const work = mkdtempSync(path.join(tmpdir(), 'trustgate-e2e-'));
let server;
let passed = 0;
let failed = 0;

function step(name, fn) {
  return Promise.resolve()
    .then(fn)
    .then(
      () => {
        passed++;
        console.log(`✔ ${name}`);
      },
      (error) => {
        failed++;
        console.log(
          `✖ ${name}\n  ${String(error?.message ?? error)
            .split('\n')
            .join('\n  ')}`,
        );
      },
    );
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url, ms) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`Verdaccio did not start at ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The registry npm is configured with, for the packages that are not trustgate's. */
function upstreamRegistry() {
  const r = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' });
  const url = (r.stdout || '').trim();
  return /^https?:\/\//.test(url) ? url : 'https://registry.npmjs.org/';
}

/** Runs a command with npm pointed at the local registry and a private cache and config. */
function run(cmd, args, cwd, env = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: {
      ...process.env,
      npm_config_registry: registryUrl,
      npm_config_userconfig: path.join(work, 'npmrc'),
      npm_config_cache: path.join(work, 'npm-cache'),
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      NO_COLOR: '1',
      ...env,
    },
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function describeRun(r) {
  return `exit ${r.status}${r.error ? ` (${r.error.message})` : ''}\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}`;
}

/** The bytes of the files below dir, each hard-linked file once (as `du -sb` counts). */
function duBytes(dir, seen = new Set()) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += duBytes(p, seen);
    else if (entry.isFile()) {
      const st = statSync(p);
      const key = `${st.dev}:${st.ino}`;
      if (!seen.has(key)) {
        seen.add(key);
        total += st.size;
      }
    }
  }
  return total;
}

let registryUrl = '';
let token = '';

const PLUGIN = `import { definePlugin, defineRule } from '@trustgate/core';

const manifestRepository = defineRule({
  id: 'manifest-repository',
  meta: {
    description: 'Require every manifest to name a repository.',
    collections: ['manifests'],
    defaultLevel: 'error',
    securitySeverity: 4.0,
  },
  check(ctx) {
    for (const m of ctx.facts.manifests) {
      if (!m.repository) ctx.report({ subject: \`manifest:\${m.id}\`, message: \`Manifest \${m.file} names no repository.\` });
    }
  },
});

export default definePlugin({ name: 'acme', rules: { 'manifest-repository': manifestRepository } });
`;

try {
  const port = await freePort();
  registryUrl = `http://127.0.0.1:${port}/`;
  writeFileSync(
    path.join(work, 'config.yaml'),
    [
      `storage: ${path.join(work, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${path.join(work, 'htpasswd')}`,
      '    max_users: 10',
      'uplinks:',
      '  upstream:',
      `    url: ${upstreamRegistry()}`,
      '    timeout: 60s',
      'packages:',
      // trustgate's own names are served from this registry only.
      "  'trustgate':",
      '    access: $all',
      '    publish: $authenticated',
      "  '@trustgate/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    proxy: upstream',
      'log: { type: stdout, format: json, level: error }',
      'max_body_size: 50mb',
      '',
    ].join('\n'),
  );
  server = spawn(
    process.execPath,
    [VERDACCIO, '-c', path.join(work, 'config.yaml'), '-l', `127.0.0.1:${port}`],
    {
      stdio: 'ignore',
    },
  );
  await waitFor(`${registryUrl}-/ping`, 30_000);
  const created = await (
    await fetch(`${registryUrl}-/user/org.couchdb.user:release`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'release',
        password: 'pw-for-tests-only',
        email: 'release@trustgate.test',
      }),
    })
  ).json();
  token = String(created.token);
  writeFileSync(path.join(work, 'npmrc'), `//127.0.0.1:${port}/:_authToken=${token}\n`);

  await step('every public package packs with pnpm and publishes with npm', () => {
    const packs = path.join(work, 'packs');
    const pack = spawnSync(
      'npx',
      [
        '-y',
        'pnpm@10',
        '-r',
        '--filter',
        './packages/*',
        '--filter',
        './policies',
        'pack',
        '--pack-destination',
        packs,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    check(pack.status === 0, `pnpm pack failed:\n${pack.stderr}`);
    const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz'));
    check(tarballs.length >= 6, `expected every package packed, got ${tarballs.join(', ')}`);
    for (const tarball of tarballs) {
      const r = run(
        'npm',
        ['publish', path.join(packs, tarball), '--access', 'public', '--ignore-scripts'],
        work,
      );
      check(r.status === 0, `npm publish ${tarball}: ${describeRun(r)}`);
    }
  });

  await step('npx -y trustgate check fails a repository that publishes with NODE_AUTH_TOKEN', () => {
    const repo = path.join(work, 'token-repo');
    mkdirSync(path.join(repo, '.github/workflows'), { recursive: true });
    writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'acme-widget', version: '1.0.0' }));
    writeFileSync(
      path.join(repo, '.github/workflows/release.yml'),
      [
        'name: release',
        'on: { push: { tags: ["v*"] } }',
        'jobs:',
        '  publish:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '      - uses: actions/setup-node@v4',
        '        with: { node-version: 22, registry-url: "https://registry.npmjs.org" }',
        '      - run: npm publish',
        '        env:',
        '          NODE_AUTH_TOKEN: ${{ secrets.NPM_PUBLISH_TOKEN }}',
        '',
      ].join('\n'),
    );
    const r = run('npx', ['-y', 'trustgate', 'check'], repo);
    check(r.status === 1, `expected exit 1: ${describeRun(r)}`);
    check(r.stdout.includes('NPM_PUBLISH_TOKEN'), `the report does not name the secret: ${describeRun(r)}`);
    check(r.stdout.includes('trusted-publishing'), `no trusted-publishing finding: ${describeRun(r)}`);
  });

  const project = path.join(work, 'plugin-project');
  await step(
    'a TypeScript plugin that imports @trustgate/core loads in a project without "type": "module"',
    () => {
      mkdirSync(project, { recursive: true });
      const init = run('npm', ['init', '-y'], project);
      check(init.status === 0, `npm init: ${describeRun(init)}`);
      const type = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')).type;
      check(type !== 'module', 'npm init -y made an ES module project');
      const install = run('npm', ['i', '-D', 'trustgate', '@trustgate/core', 'tsx'], project);
      check(install.status === 0, `npm i: ${describeRun(install)}`);
      writeFileSync(path.join(project, 'acme.ts'), PLUGIN);
      writeFileSync(
        path.join(project, 'trustgate.yaml'),
        'apiVersion: trustgate/v1\nkind: Policy\nextends: [trustgate:repository]\nplugins: [./acme.ts]\nrules:\n  acme/manifest-repository: error\n',
      );
      const r = run('npx', ['trustgate', 'check', '--format', 'json'], project);
      check(r.status === 1, `expected exit 1: ${describeRun(r)}`);
      const report = JSON.parse(r.stdout);
      const ids = report.findings.map((f) => `${f.ruleId} ${f.subject}`);
      check(
        ids.includes('acme/manifest-repository manifest:package.json'),
        `expected the plugin's finding, got ${ids.join('; ')}`,
      );
    },
  );

  await step('without tsx, a TypeScript plugin is one sentence that says what to install (exit 2)', () => {
    const r0 = run('npm', ['uninstall', 'tsx'], project);
    check(r0.status === 0, `npm uninstall: ${describeRun(r0)}`);
    const r = run('npx', ['trustgate', 'check'], project);
    const native = typeof process.features?.typescript === 'string';
    if (native) {
      check(r.status === 1, `expected the plugin to load natively: ${describeRun(r)}`);
    } else {
      check(r.status === 2, `expected exit 2: ${describeRun(r)}`);
      check(
        /npm i(nstall)? -D tsx/.test(r.stderr),
        `the error does not say to install tsx: ${describeRun(r)}`,
      );
      check(!r.stderr.includes('    at '), `a stack trace: ${describeRun(r)}`);
    }
  });

  await step('trustgate init, then trustgate check, passes (exit 0)', () => {
    const repo = path.join(work, 'init-repo');
    mkdirSync(repo, { recursive: true });
    writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'acme-init', version: '1.0.0' }));
    const i = run('npm', ['i', '-D', 'trustgate'], repo);
    check(i.status === 0, `npm i: ${describeRun(i)}`);
    const init = run('npx', ['trustgate', 'init'], repo);
    check(init.status === 0, `init: ${describeRun(init)}`);
    check(existsSync(path.join(repo, 'trustgate.yaml')), 'init wrote no trustgate.yaml');
    const r = run('npx', ['trustgate', 'check'], repo);
    check(r.status === 0, `expected exit 0: ${describeRun(r)}`);
  });

  await step('the consumer install size of trustgate is reported', () => {
    const dir = path.join(work, 'size');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{"name":"size","version":"1.0.0"}');
    const r = run('npm', ['i', 'trustgate'], dir);
    check(r.status === 0, `npm i: ${describeRun(r)}`);
    const bytes = duBytes(path.join(dir, 'node_modules'));
    const count = readdirSync(path.join(dir, 'node_modules'), { recursive: true }).filter((f) =>
      String(f).endsWith('package.json'),
    ).length;
    console.log(
      `  npm i trustgate: ${(bytes / 1e6).toFixed(2)} MB in node_modules (${count} package.json files)`,
    );
    check(bytes < 8e6, `the install is ${(bytes / 1e6).toFixed(2)} MB, over the 8 MB aim`);
  });
} catch (error) {
  failed++;
  console.log(`✖ setup: ${error?.message ?? error}`);
} finally {
  server?.kill();
  if (process.env.TRUSTGATE_E2E_KEEP) console.log(`  kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
// Never print the token; say how it went.
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
