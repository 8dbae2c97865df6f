/** Types for check-args.mjs, for the TypeScript scripts. */
export declare const BIN: string;
export declare const EXAMPLE: { policy: string; facts: string };
export declare function checkArgs(policy: string, facts: string, ...formats: string[]): string[];
