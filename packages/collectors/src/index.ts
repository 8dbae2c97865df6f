export { createClient, type HttpOptions } from './http.js';
export { parseNpmrc } from './npmrc.js';
export { collectRegistry, mapToken, type RegistryCollectOptions, shardOf } from './registry.js';
export { RepositoryError, type ScanOptions, scanRepository } from './repository.js';
export { classifyPublish, redact, splitCommands, tokenWrites } from './shell.js';
