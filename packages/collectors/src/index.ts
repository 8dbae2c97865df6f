// For @trustgate/fix, which edits what this package reads: the repository's context and the
// shell and GitLab analysis it plans its edits from.
export {
  type Analysis,
  isNpmjs,
  isNpmTokenVar,
  NPMJS,
  normalizeRegistry,
  pushAll,
  type RepoContext,
  uniq,
} from './context.js';
export {
  FileWriteError,
  type ReadResult,
  type Refusal,
  RepositoryFiles,
} from './files.js';
export { analyzeGithub } from './github.js';
export { analyzeGitlab } from './gitlab.js';
export {
  createClient,
  DEFAULT_TIMEOUT_MS,
  type DocumentKind,
  type GetOptions,
  type HttpOptions,
  type JsonResult,
  LARGE_BODY_BYTES,
  MAX_BODY_BYTES,
  MAX_JSON_CONTAINERS,
  MAX_JSON_VALUES,
  MAX_REDIRECTS,
} from './http.js';
export { parseNpmrc } from './npmrc.js';
export {
  isCredentialName,
  looksLikeSecret,
  redactCommand,
  redactCommand as redact,
  redactFacts,
  redactText,
  redactUrl,
  registryUrl,
} from './redact.js';
export {
  collectRegistry,
  MAX_SOURCE_ERRORS,
  MAX_TOKEN_PAGES,
  MAX_TOKENS,
  mapToken,
  type RegistryCollectOptions,
  shardOf,
} from './registry.js';
export {
  RepositoryError,
  type RepositoryScan,
  type ScanOptions,
  scanRepository,
  scanRepositoryWithContext,
} from './repository.js';
export { classifyPublish, splitCommands, tokenWrites } from './shell.js';
