import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyPublish } from '../src/shell.ts';
import { brief, NPMJS, scan } from './helpers.ts';

const HIDDEN = '(token from a CircleCI context or project variable)';

test('credentials anchor: a job with NPM_TOKEN whose publish runs in a script is an inferred publishing step', async () => {
  const facts = await scan({
    '.github/workflows/release.yml': `on: push
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: ./scripts/ship.sh
        env:
          NPM_TOKEN: \${{ secrets.NPM_TOKEN }}
`,
  });
  const [step, ...rest] = facts.workflows!;
  assert.equal(rest.length, 0);
  assert.deepEqual(brief(step!), {
    job: 'release',
    tool: 'unknown',
    line: 9,
    registry: NPMJS,
    oidc: false,
    tokenSecrets: ['NPM_TOKEN'],
    tokenEnv: ['NPM_TOKEN'],
    provenance: false,
  });
  assert.equal(step!.inferred, true);
  assert.equal(step!.id, '.github/workflows/release.yml#release/inferred');
});

test('credentials anchor: an _authToken written at run time in a release job is an inferred step at the write', async () => {
  const facts = await scan({
    '.github/workflows/release.yml': `on: push
jobs:
  publish-packages:
    runs-on: ubuntu-latest
    steps:
      - run: echo "//registry.npmjs.org/:_authToken=\${NPM_AUTH}" > .npmrc
        env:
          NPM_AUTH: \${{ secrets.NPM_PUBLISH_TOKEN }}
      - run: node tools/go.mjs
`,
  });
  assert.deepEqual(
    facts.workflows!.map((s) => [s.inferred, ...Object.values(brief(s))]),
    [[true, 'publish-packages', 'unknown', 6, NPMJS, false, ['NPM_PUBLISH_TOKEN'], ['NPM_AUTH'], false]],
  );
});

test('credentials anchor: a job that only installs private packages with a token is not a publish', async () => {
  const facts = await scan({
    '.github/workflows/ci.yml': `on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        with:
          registry-url: https://registry.npmjs.org
      - run: npm ci && npm test
        env:
          NODE_AUTH_TOKEN: \${{ secrets.NPM_READ_TOKEN }}
  build:
    runs-on: ubuntu-latest
    env:
      NPM_TOKEN: \${{ secrets.NPM_TOKEN }}
    steps:
      - run: yarn lerna run build
`,
  });
  assert.deepEqual(facts.workflows, []);
});

test('credentials anchor: a job whose publish is resolved gets no inferred step; GitHub Packages setup stays GitHub Packages', async () => {
  const facts = await scan({
    '.github/workflows/release.yml': `on: push
jobs:
  direct:
    runs-on: ubuntu-latest
    steps:
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}
  gpr-release:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        with:
          registry-url: https://npm.pkg.github.com
      - run: ./release.sh
        env:
          NODE_AUTH_TOKEN: \${{ secrets.GITHUB_TOKEN }}
`,
  });
  assert.deepEqual(
    facts.workflows!.map((s) => [s.job, s.tool, s.inferred ?? false, s.registry]),
    [
      ['direct', 'npm', false, NPMJS],
      ['gpr-release', 'unknown', true, 'https://npm.pkg.github.com/'],
    ],
  );
});

test('credentials anchor: a GitLab job that writes an npm token and runs a release script is an inferred step', async () => {
  const facts = await scan({
    '.gitlab-ci.yml': `release:
  stage: deploy
  script:
    - npm config set //registry.npmjs.org/:_authToken \${NPM_TOKEN}
    - ./ci/release.sh
`,
  });
  assert.deepEqual(
    facts.workflows!.map((s) => [s.provider, s.inferred, ...Object.values(brief(s))]),
    [['gitlab', true, 'release', 'unknown', 4, NPMJS, false, ['NPM_TOKEN'], ['NPM_TOKEN'], false]],
  );
});

test('credentials anchor: a CircleCI job with a token in its environment that runs a release script is an inferred step', async () => {
  const facts = await scan({
    '.circleci/config.yml': `version: 2.1
jobs:
  release:
    environment:
      NPM_TOKEN: \${NPM_TOKEN}
    steps:
      - run: ./scripts/release.sh
`,
  });
  assert.deepEqual(
    facts.workflows!.map((s) => [s.provider, s.inferred, ...Object.values(brief(s))]),
    [['circleci', true, 'release', 'unknown', 5, NPMJS, false, [], ['NPM_TOKEN'], false]],
  );
});

test('hidden CircleCI token: a job that publishes without fetching an OIDC token uses a token from a context', async () => {
  const facts = await scan({
    '.circleci/config.yml': `version: 2.1
jobs:
  publish:
    steps:
      - run: npm publish
  trusted:
    steps:
      - run: |
          export NPM_ID_TOKEN=$(circleci run oidc get --claims '{"aud":"npm:registry.npmjs.org"}')
          npm publish
`,
  });
  assert.deepEqual(
    facts.workflows!.map((s) => [s.job, s.auth.oidc, s.auth.tokenEnv]),
    [
      ['publish', false, [HIDDEN]],
      ['trusted', true, []],
    ],
  );
});

test('publish verbs and aliases: staged publishing, pn, bun, corepack and npx npm are publishes', () => {
  const cases: [string, string][] = [
    ['npm stage publish', 'npm'],
    ['pnpm stage publish', 'pnpm'],
    ['pn publish', 'pnpm'],
    ['bun publish', 'bun'],
    ['corepack pnpm publish', 'pnpm'],
    ['corepack yarn npm publish', 'yarn'],
    ['npx -y npm@11 publish', 'npm'],
    ['npx npm publish', 'npm'],
  ];
  assert.deepEqual(
    cases.map(([cmd]) => [cmd, classifyPublish(cmd.split(' '))?.tool]),
    cases.map(([cmd, tool]) => [cmd, tool]),
  );
  assert.equal(classifyPublish('npm stage publish --dry-run'.split(' ')), undefined);
});

test('local registries are not npmjs: a publish to localhost, 127.0.0.1 or a Verdaccio service is not checked as npmjs', async () => {
  const facts = await scan({
    '.github/workflows/e2e.yml': `on: push
jobs:
  local:
    runs-on: ubuntu-latest
    services:
      verdaccio:
        image: verdaccio/verdaccio
    steps:
      - run: npm publish --registry http://localhost:4873
      - run: npm publish --registry http://127.0.0.1:4873/
      - run: npm publish --registry http://verdaccio:4873
`,
  });
  assert.deepEqual(
    facts.workflows!.map((s) => s.registry),
    ['http://localhost:4873/', 'http://127.0.0.1:4873/', 'http://verdaccio:4873/'],
  );
});
