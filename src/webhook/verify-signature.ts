// Moved to src/forges/ with the other forges' checks; kept so that existing imports compile.
export * from '../forges/github-signature.js';
