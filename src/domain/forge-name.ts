/** The forges a target can receive pushes from; each has one adapter in src/forges/. */
export const FORGE_NAMES = ['github', 'gitlab', 'gitea', 'forgejo', 'bitbucket', 'bitbucket-server'] as const;
export type ForgeName = (typeof FORGE_NAMES)[number];
