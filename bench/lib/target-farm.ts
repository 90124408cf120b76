import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git } from '../../test/fixtures/git-fixture.js';

/** One target of the farm: a GitHub target over its own work tree. */
export interface FarmTarget {
  id: string;
  secret: string;
  repoPath: string;
}

/**
 * N work trees for N targets, cheaply: one bare origin with one commit, and N clones made
 * with `git clone --shared` (they borrow the origin's objects: no copy, a few ms and a few
 * KB each). Each clone is a real work tree with an origin, as hookdeploy checks at boot.
 */
export class TargetFarm {
  private constructor(
    readonly root: string,
    readonly origin: string,
    readonly targets: readonly FarmTarget[],
  ) {}

  static async create(root: string, count: number): Promise<TargetFarm> {
    await mkdir(root, { recursive: true });
    const origin = join(root, 'origin.git');
    const seed = join(root, 'seed');
    await git(root, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
    await git(root, 'init', '--quiet', '--initial-branch=main', seed);
    await writeFile(join(seed, 'README'), 'scale bench\n');
    await git(seed, 'add', '--all');
    await git(seed, 'commit', '--quiet', '--no-gpg-sign', '-m', 'initial commit');
    await git(seed, 'push', '--quiet', origin, 'HEAD:refs/heads/main');
    const targets: FarmTarget[] = [];
    for (let i = 1; i <= count; i += 1) {
      const id = `t${i}`;
      const repoPath = join(root, 'trees', id);
      await git(root, 'clone', '--quiet', '--shared', '--branch', 'main', origin, repoPath);
      targets.push({ id, secret: `scale-secret-${id}`, repoPath });
    }
    return new TargetFarm(root, origin, targets);
  }

  /** The first `count` targets (all by default) as a targets file; `extra` adds YAML lines to each. */
  async writeConfig(name: string, count = this.targets.length, extra: readonly string[] = []): Promise<string> {
    const blocks = this.targets
      .slice(0, count)
      .map((target) =>
        [
          `  - id: ${target.id}`,
          '    forge: github',
          `    secrets: [${JSON.stringify(target.secret)}]`,
          `    repoPath: ${JSON.stringify(target.repoPath)}`,
          ...extra.map((line) => `    ${line}`),
          '',
        ].join('\n'),
      );
    const path = join(this.root, name);
    await writeFile(path, `targets:\n${blocks.join('')}`);
    return path;
  }

  target(id: string): FarmTarget {
    const found = this.targets.find((target) => target.id === id);
    if (!found) throw new Error(`no target ${id}`);
    return found;
  }
}
