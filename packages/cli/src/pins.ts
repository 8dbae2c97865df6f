/**
 * The actions that trustgate's starter workflow and its own action use, each
 * pinned to the full commit of a release (a tag can be moved; a commit cannot),
 * with the release named beside it. `action.yml` carries the same pins; a test
 * checks that they agree.
 */
export const PINS = {
  checkout: { uses: 'actions/checkout', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  uploadSarif: {
    uses: 'github/codeql-action/upload-sarif',
    sha: '8aad20d150bbac5944a9f9d289da16a4b0d87c1e',
    version: 'v4.36.2',
  },
} as const;

/** `owner/repo@sha # version`, as a workflow's `uses:` line writes it. */
export function pinned(pin: { uses: string; sha: string; version: string }): string {
  return `${pin.uses}@${pin.sha} # ${pin.version}`;
}
