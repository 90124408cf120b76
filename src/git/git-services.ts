import { GitService } from './git.service.js';

/**
 * One GitService per work tree, made on first use and kept: a target's git is looked up
 * by its path at each use, so a reload that moves a target to another work tree takes
 * effect from its next deploy.
 */
export class GitServices {
  private readonly services = new Map<string, GitService>();

  for(repoPath: string): GitService {
    let service = this.services.get(repoPath);
    if (service === undefined) {
      service = new GitService(repoPath);
      this.services.set(repoPath, service);
    }
    return service;
  }
}
