import type { ForgeName } from '../domain/forge-name.js';
import { githubSlug } from './github-slug.js';

/**
 * The repository a target deploys when the file names none, read from its `origin` URL.
 * A stand-in until the forges' own `repositorySlug(originUrl, forge)` (src/forges/) replaces
 * this body: only GitHub's URLs are read for now; for the other forges the default stays
 * undefined (any repository), as env-only mode does for a URL that is not GitHub's.
 */
export function deriveRepository(originUrl: string, forge: ForgeName): string | undefined {
  return forge === 'github' ? githubSlug(originUrl) : undefined;
}
