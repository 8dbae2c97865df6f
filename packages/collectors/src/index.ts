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
export { createClient, type HttpOptions } from './http.js';
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
export { collectRegistry, mapToken, type RegistryCollectOptions, shardOf } from './registry.js';
export {
  RepositoryError,
  type RepositoryScan,
  type ScanOptions,
  scanRepository,
  scanRepositoryWithContext,
} from './repository.js';
export { classifyPublish, splitCommands, tokenWrites } from './shell.js';
