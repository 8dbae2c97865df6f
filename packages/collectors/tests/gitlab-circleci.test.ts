import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brief, NPMJS, scan } from './helpers.ts';

describe('GitLab CI', () => {
  it('an id_tokens entry for npm is OIDC; extends and local includes are followed', async () => {
    const facts = await scan({
      '.gitlab-ci.yml': `include:
  - local: ci/release.yml
stages: [test, release]
.npm:
  image: node:24
  id_tokens:
    NPM_ID_TOKEN:
      aud: "npm:registry.npmjs.org"
publish:
  extends: .npm
  stage: release
  script:
    - npm ci
    - npm publish --provenance
`,
      'ci/release.yml': `legacy:
  stage: release
  script:
    - npm config set //registry.npmjs.org/:_authToken \${NPM_TOKEN}
    - |
      npm run build
      npm publish
`,
    });
    assert.deepEqual(
      facts.workflows!.map((s) => [s.file, s.provider, ...Object.values(brief(s))]),
      [
        ['.gitlab-ci.yml', 'gitlab', 'publish', 'npm', 14, NPMJS, true, [], [], true],
        ['ci/release.yml', 'gitlab', 'legacy', 'npm', 7, NPMJS, false, ['NPM_TOKEN'], ['NPM_TOKEN'], false],
      ],
    );
    assert.equal(facts.sources[0]!.complete, true);
  });

  it('an include from outside the repository is recorded, and the source is incomplete', async () => {
    const facts = await scan({
      '.gitlab-ci.yml': `include:
  - remote: https://example.com/ci/npm.yml
  - template: Security/SAST.gitlab-ci.yml
build:
  script: [npm ci]
`,
    });
    assert.deepEqual(facts.sources[0]!.errors, [
      {
        entity: 'file:.gitlab-ci.yml',
        message:
          'The include "https://example.com/ci/npm.yml" at .gitlab-ci.yml:2 is outside the repository and was not followed; jobs defined there were not checked.',
      },
    ]);
    assert.equal(facts.sources[0]!.complete, false);
  });

  it('hidden jobs and trigger jobs do not publish; a commented-out publish is not a publish', async () => {
    const facts = await scan({
      '.gitlab-ci.yml': `.release:
  script: [npm publish]
release:
  extends: .release
  script:
    - echo release # npm publish
downstream:
  trigger: acme/other
`,
    });
    assert.deepEqual(facts.workflows, []);
  });
});

describe('CircleCI', () => {
  it('finds publishing run steps and the token they write', async () => {
    const facts = await scan({
      '.circleci/config.yml': `version: 2.1
jobs:
  publish:
    docker: [{ image: cimg/node:22.14 }]
    steps:
      - checkout
      - run: npm ci
      - run:
          name: Publish
          command: |
            echo "//registry.npmjs.org/:_authToken=$NPM_TOKEN" > ~/.npmrc
            npm publish
`,
    });
    assert.deepEqual(
      facts.workflows!.map((s) => [s.provider, ...Object.values(brief(s))]),
      [['circleci', 'publish', 'npm', 12, NPMJS, false, ['NPM_TOKEN'], ['NPM_TOKEN'], false]],
    );
  });
});
