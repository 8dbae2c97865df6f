/** Types for policy-files.mjs, for the TypeScript tests. */
export declare const CODE_EXTENSIONS: Set<string>;
export declare function policyFiles(start: string): {
  files: string[];
  pluginFiles: string[];
  packages: string[];
  listing: string[];
  broken: boolean;
};
export declare function decide(
  policy: string,
  root: string,
  changed: readonly string[],
): { plugins: 'all' | 'none'; reason: string };
