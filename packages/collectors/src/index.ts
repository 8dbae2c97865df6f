export {
  FileWriteError,
  type ReadResult,
  type Refusal,
  RepositoryFiles,
} from './files.js';
export {
  applyFixes,
  FIXABLE_RULES,
  type FileFix,
  type FixPlan,
  fileDiff,
  fileReplacements,
  needsTrustedPublishing,
  planFixes,
  type Replacement,
  type RepositoryId,
  type TrustTarget,
} from './fix/index.js';
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
