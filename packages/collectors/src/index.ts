export { parseNpmrc } from './npmrc.js';
export { RepositoryError, type ScanOptions, scanRepository } from './repository.js';
export { classifyPublish, redact, splitCommands, tokenWrites } from './shell.js';
