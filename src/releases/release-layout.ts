import { join } from 'node:path';

/** `<deployment id>-<sha7>`: the only names hookdeploy makes, and the only ones pruning touches. */
const RELEASE_NAME = /^([1-9][0-9]*)-[0-9a-f]{7}$/;

/** The name of the release a deployment builds from `sha`. */
export function releaseName(deploymentId: number, sha: string): string {
  return `${deploymentId}-${sha.slice(0, 7)}`;
}

/** The id of the deployment that built the release `name`; undefined for a name hookdeploy did not make. */
export function releaseDeploymentId(name: string): number | undefined {
  const match = RELEASE_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Where a release-mode target keeps its releases, its shared entries and the symlink `current`. */
export class ReleaseLayout {
  constructor(readonly path: string) {}

  get releases(): string {
    return join(this.path, 'releases');
  }

  get shared(): string {
    return join(this.path, 'shared');
  }

  get current(): string {
    return join(this.path, 'current');
  }

  release(name: string): string {
    return join(this.releases, name);
  }

  /** The scratch index git fills while it writes a release (export-tree.ts); a dotfile, never a release. */
  indexFile(name: string): string {
    return join(this.releases, `.${name}.index`);
  }

  /** The new link renamed over `current`: one per deployment, so two can never share it. */
  nextCurrent(deploymentId: number): string {
    return join(this.path, `current.tmp-${deploymentId}`);
  }

  /** What `current` points at, as stored in the link: relative, so the whole tree may move. */
  linkTo(name: string): string {
    return join('releases', name);
  }
}
