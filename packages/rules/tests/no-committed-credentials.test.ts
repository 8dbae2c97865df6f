import { RuleTester } from '@trustgate/core/testing';
import { noCommittedCredentials } from '@trustgate/rules';

const entry = (id: string, file: string, line: number, key: string, value: string) => ({
  id,
  file,
  registry: 'https://registry.npmjs.org/',
  key,
  value,
  origin: { file, line, column: 1 },
});

new RuleTester().run(noCommittedCredentials, {
  valid: [
    {
      name: 'tokens read from the environment, and empty values',
      facts: {
        npmrc: [
          entry('.npmrc:1', '.npmrc', 1, '_authToken', 'env'),
          entry('.github/workflows/release.yml:9:0', '.github/workflows/release.yml', 9, '_authToken', 'env'),
          entry('.npmrc:2', '.npmrc', 2, '_password', 'empty'),
        ],
      },
    },
  ],
  invalid: [
    {
      name: 'a literal token in .npmrc and one in a workflow, at their lines',
      facts: {
        npmrc: [
          entry('.npmrc:3', '.npmrc', 3, '_authToken', 'literal'),
          entry(
            '.github/workflows/release.yml:14:0',
            '.github/workflows/release.yml',
            14,
            '_authToken',
            'literal',
          ),
        ],
      },
      findings: [
        {
          subject: 'npmrc:.github/workflows/release.yml:14:0',
          message:
            'Committed _authToken for https://registry.npmjs.org/ in .github/workflows/release.yml; revoke that credential, then read it from the environment (${NPM_TOKEN}) or publish with trusted publishing.',
          location: { file: '.github/workflows/release.yml', line: 14 },
          level: 'error',
        },
        {
          subject: 'npmrc:.npmrc:3',
          message:
            'Committed _authToken for https://registry.npmjs.org/ in .npmrc; revoke that credential, then read it from the environment (${NPM_TOKEN}) or publish with trusted publishing.',
          location: { file: '.npmrc', line: 3 },
        },
      ],
    },
    {
      name: 'a literal _auth',
      facts: { npmrc: [entry('a/.npmrc:1', 'a/.npmrc', 1, '_auth', 'literal')] },
      findings: [
        {
          subject: 'npmrc:a/.npmrc:1',
          message:
            'Committed _auth for https://registry.npmjs.org/ in a/.npmrc; revoke that credential, then read it from the environment (${NPM_TOKEN}) or publish with trusted publishing.',
        },
      ],
    },
    {
      name: 'the repository was only partly scanned',
      facts: {
        sources: [
          {
            collector: 'repository',
            covers: ['npmrc'],
            complete: false,
            errors: [{ entity: 'file:.npmrc', message: 'Permission denied; not read.' }],
          },
        ],
      },
      findings: [
        {
          subject: 'collection:npmrc',
          message:
            'The repository source did not complete (1 error, reported as trustgate/source-error), so some .npmrc credentials may not have been checked.',
          indeterminate: true,
        },
      ],
    },
  ],
});
