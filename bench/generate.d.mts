/** Types for generate.mjs, for the TypeScript scripts that share its generator. */
export declare const NOW: number;
export declare function rng(seed: number): () => number;
export declare function generate(tokens: number, file: string, seed?: number): Promise<void>;
