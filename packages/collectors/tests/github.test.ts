import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brief, NPMJS, scan } from './helpers.ts';

const wf = (body: string) => ({ '.github/workflows/release.yml': body });

describe('GitHub Actions: publishing steps', () => {
  it('npm publish with NODE_AUTH_TOKEN from a secret: the step, its line and column, its token', async () => {
    const facts = await scan(
      wf(`name: Release
on: push
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          registry-url: https://registry.npmjs.org
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}
`),
    );
    assert.deepEqual(facts.workflows, [
      {
        id: '.github/workflows/release.yml#publish/2',
        file: '.github/workflows/release.yml',
        provider: 'github',
        registry: NPMJS,
        job: 'publish',
        tool: 'npm',
        command: 'npm publish',
        auth: { oidc: false, tokenSecrets: ['NPM_TOKEN'], tokenEnv: ['NODE_AUTH_TOKEN'] },
        provenance: false,
        origin: { file: '.github/workflows/release.yml', line: 11, column: 14 },
      },
    ]);
    assert.equal(facts.sources[0]!.complete, true);
  });

  it('OIDC from workflow-level permissions; a job that sets its own permissions loses it', async () => {
    const facts = await scan(
      wf(`on: push
permissions:
  id-token: write
  contents: read
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: npm publish --provenance --access public
  b:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - run: pnpm -r publish --no-git-checks
  c:
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - run: |
          pnpm build
          yarn npm publish --access public
`),
    );
    assert.deepEqual(facts.workflows!.map(brief), [
      {
        job: 'a',
        tool: 'npm',
        line: 9,
        registry: NPMJS,
        oidc: true,
        tokenSecrets: [],
        tokenEnv: [],
        provenance: true,
      },
      {
        job: 'b',
        tool: 'pnpm',
        line: 15,
        registry: NPMJS,
        oidc: false,
        tokenSecrets: [],
        tokenEnv: [],
        provenance: false,
      },
      {
        job: 'c',
        tool: 'yarn',
        line: 22,
        registry: NPMJS,
        oidc: true,
        tokenSecrets: [],
        tokenEnv: [],
        provenance: null,
      },
    ]);
  });

  it('token env at workflow and job level, and NPM_CONFIG_PROVENANCE', async () => {
    const facts = await scan(
      wf(`on: push
env:
  NPM_TOKEN: \${{ secrets.ORG_NPM_TOKEN }}
jobs:
  release:
    runs-on: ubuntu-latest
    env:
      NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}
      NPM_CONFIG_PROVENANCE: true
    permissions:
      id-token: write
    steps:
      - run: npx lerna publish from-package --yes
`),
    );
    assert.deepEqual(facts.workflows!.map(brief), [
      {
        job: 'release',
        tool: 'lerna',
        line: 13,
        registry: NPMJS,
        oidc: true,
        tokenSecrets: ['ORG_NPM_TOKEN', 'NPM_TOKEN'],
        tokenEnv: ['NPM_TOKEN', 'NODE_AUTH_TOKEN'],
        provenance: true,
      },
    ]);
  });

  it('not publishing: --dry-run, npm pack, and a version-only changesets step', async () => {
    const facts = await scan(
      wf(`on: push
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - run: npm publish --dry-run
      - run: npm pack && pnpm publish --dry-run
      - uses: changesets/action@v1
        with:
          version: pnpm changeset version
`),
    );
    assert.deepEqual(facts.workflows, []);
  });

  it('records the registry: GitHub Packages via registry-url, publishConfig.registry, --registry', async () => {
    const facts = await scan({
      ...wf(`on: push
jobs:
  gpr:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        with:
          registry-url: https://npm.pkg.github.com/
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: \${{ secrets.GITHUB_TOKEN }}
  flag:
    runs-on: ubuntu-latest
    steps:
      - run: npm publish --registry https://npm.example.com
`),
      'package.json': JSON.stringify({
        name: 'x',
        publishConfig: { registry: 'https://registry.npmjs.org/' },
      }),
    });
    assert.deepEqual(
      facts.workflows!.map((s) => [s.job, s.registry]),
      [
        ['gpr', NPMJS],
        ['flag', 'https://npm.example.com/'],
      ],
    );
    const other = await scan({
      ...wf(`on: push
jobs:
  gpr:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        with:
          registry-url: https://npm.pkg.github.com/
      - run: npm publish
`),
    });
    assert.deepEqual(
      other.workflows!.map((s) => s.registry),
      ['https://npm.pkg.github.com/'],
    );
  });

  it('release tools: changesets, semantic-release, release-it, JS-DevTools/npm-publish', async () => {
    const facts = await scan(
      wf(`on: push
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: changesets/action@v1
        with:
          publish: pnpm release
        env:
          GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}
          NPM_TOKEN: \${{ secrets.NPM_TOKEN }}
      - run: npx semantic-release
        env:
          NPM_TOKEN: \${{ secrets.SR_NPM_TOKEN }}
      - run: npx release-it --ci
      - uses: JS-DevTools/npm-publish@v3
        with:
          token: \${{ secrets.NPM_PUBLISH_TOKEN }}
          provenance: true
`),
    );
    assert.deepEqual(
      facts.workflows!.map((s) => [s.tool, s.origin.line, s.auth.tokenSecrets, s.provenance]),
      [
        ['changesets', 6, ['NPM_TOKEN'], false],
        ['semantic-release', 12, ['SR_NPM_TOKEN'], false],
        ['release-it', 15, [], false],
        ['npm-publish-action', 16, ['NPM_PUBLISH_TOKEN'], true],
      ],
    );
  });

  it('follows npm scripts in package.json, and guesses from the name when the script is not there', async () => {
    const facts = await scan({
      ...wf(`on: push
jobs:
  release:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - run: pnpm run ship
      - run: pnpm run build
      - run: pnpm run publish-ci
        working-directory: packages/other
`),
      'package.json': JSON.stringify({
        name: 'root',
        scripts: { ship: 'pnpm build && npm publish --provenance', build: 'tsc -b' },
      }),
    });
    assert.deepEqual(
      facts.workflows!.map((s) => [s.tool, s.origin.line, s.provenance]),
      [
        ['npm (npm script ship)', 8, true],
        ['npm-script (npm script publish-ci)', 10, null],
      ],
    );
  });

  it('tokens written to .npmrc or npm config in an earlier step count for the publishing step', async () => {
    const facts = await scan(
      wf(`on: push
jobs:
  release:
    runs-on: ubuntu-latest
    env:
      NPM_AUTH: \${{ secrets.NPM_AUTOMATION }}
    steps:
      - run: echo "//registry.npmjs.org/:_authToken=\${NPM_AUTH}" > ~/.npmrc
      - run: npm config set //registry.npmjs.org/:_authToken \${{ secrets.NPM_TOKEN }}
      - run: yarn config set -H npmAuthToken "\${{ secrets.YARN_TOKEN }}"
      - run: npm publish
`),
    );
    assert.deepEqual(facts.workflows!.map(brief), [
      {
        job: 'release',
        tool: 'npm',
        line: 11,
        registry: NPMJS,
        oidc: false,
        tokenSecrets: ['NPM_AUTOMATION', 'NPM_TOKEN', 'YARN_TOKEN'],
        tokenEnv: ['NPM_AUTH'],
        provenance: false,
      },
    ]);
    assert.deepEqual(
      facts.npmrc!.map((n) => [n.origin.line, n.key, n.value, n.envVar]),
      [
        [8, '_authToken', 'env', 'NPM_AUTH'],
        [9, '_authToken', 'env', 'NPM_TOKEN'],
        [10, '_authToken', 'env', 'YARN_TOKEN'],
      ],
    );
  });

  it('a merge key whose source is not a map does not stop the scan; a token after ${{ }} on one line is found', async () => {
    const facts = await scan(
      wf(`on: push
x: &s "not a map"
jobs:
  publish:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        <<: *s
    steps:
      - run: npm config set //registry.npmjs.org/:_authToken \${{ secrets.NPM_TOKEN }} && npm publish
`),
    );
    assert.deepEqual(facts.workflows!.map(brief), [
      {
        job: 'publish',
        tool: 'npm',
        line: 10,
        registry: NPMJS,
        oidc: false,
        tokenSecrets: ['NPM_TOKEN'],
        tokenEnv: [],
        provenance: false,
      },
    ]);
  });

  it('YAML anchors and merge keys, and a registry from the matrix', async () => {
    const facts = await scan(
      wf(`on: push
x-env: &npm-env
  NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}
jobs:
  release:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        registry: [https://registry.npmjs.org/]
    steps:
      - uses: actions/setup-node@v4
        with:
          registry-url: \${{ matrix.registry }}
      - &publish
        run: npm publish
        env:
          <<: *npm-env
          EXTRA: "1"
`),
    );
    assert.deepEqual(facts.workflows!.map(brief), [
      {
        job: 'release',
        tool: 'npm',
        line: 15,
        registry: NPMJS,
        oidc: false,
        tokenSecrets: ['NPM_TOKEN'],
        tokenEnv: ['NODE_AUTH_TOKEN'],
        provenance: false,
      },
    ]);
  });

  it('reusable workflows: a remote call handed an npm token is a step; a local call is not', async () => {
    const facts = await scan({
      '.github/workflows/nightly.yml': `on: schedule
permissions: {}
jobs:
  publish:
    uses: acme/release/.github/workflows/publish.yml@main
    secrets:
      NPM_TOKEN: \${{ secrets.NPM_TOKEN }}
  inherit:
    uses: acme/release/.github/workflows/npm-release.yml@v2
    secrets: inherit
  test:
    uses: ./.github/workflows/test.yml
`,
      '.github/workflows/callee.yml': `on:
  workflow_call:
    secrets:
      NPM_TOKEN:
        required: true
env:
  NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: npm publish
`,
    });
    assert.deepEqual(
      facts.workflows!.map((s) => [s.file, s.job, s.tool, s.origin.line, s.auth.tokenSecrets]),
      [
        ['.github/workflows/callee.yml', 'publish', 'npm', 12, ['NPM_TOKEN']],
        ['.github/workflows/nightly.yml', 'publish', 'reusable-workflow', 5, ['NPM_TOKEN']],
        ['.github/workflows/nightly.yml', 'inherit', 'reusable-workflow', 9, []],
      ],
    );
  });

  it('an invalid workflow is a source error; the scan goes on and is marked incomplete', async () => {
    const facts = await scan({
      '.github/workflows/bad.yml': 'on: push\njobs:\n  a: [\n',
      '.github/workflows/good.yml': 'on: push\njobs:\n  a:\n    steps:\n      - run: npm publish\n',
    });
    assert.equal(facts.sources[0]!.complete, false);
    assert.deepEqual(facts.sources[0]!.errors, [
      {
        entity: 'file:.github/workflows/bad.yml',
        // The parser's reason (nothing it quotes from the file) and its place (#21).
        message:
          'Invalid YAML at line 4, column 1 (Flow sequence in block collection must be sufficiently indented and end with a ]); the file was not analysed.',
        line: 4,
        column: 1,
      },
    ]);
    assert.deepEqual(
      facts.workflows!.map((s) => s.file),
      ['.github/workflows/good.yml'],
    );
  });
});
