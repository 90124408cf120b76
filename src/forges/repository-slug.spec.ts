import { describe, expect, it } from '@jest/globals';
import type { ForgeName } from '../domain/forge-name.js';
import { repositorySlug } from './repository-slug.js';

describe('repositorySlug', () => {
  it.each<[ForgeName, string, string]>([
    ['github', 'https://github.com/octo-org/hello-world.git', 'octo-org/hello-world'],
    ['github', 'git@github.com:octo-org/hello-world.git', 'octo-org/hello-world'],
    ['github', 'ssh://git@github.com:22/octo-org/hello-world.git', 'octo-org/hello-world'],
    ['github', 'https://x-access-token:ghs_abc@github.example.com/Octo/Site/', 'Octo/Site'],
    ['gitlab', 'git@gitlab.com:group/sub/name.git', 'group/sub/name'],
    ['gitlab', 'https://gitlab.example.com/group/sub/deeper/name.git', 'group/sub/deeper/name'],
    ['gitlab', 'ssh://git@gitlab.example.com:2222/mike/diaspora.git', 'mike/diaspora'],
    ['gitea', 'https://git.example.com/gitea/owner/repo.git', 'owner/repo'],
    ['gitea', 'git@git.example.com:owner/repo.git', 'owner/repo'],
    ['forgejo', 'https://codeberg.org/forgejo/forgejo', 'forgejo/forgejo'],
    ['forgejo', 'ssh://git@codeberg.org/owner/repo.git', 'owner/repo'],
    ['bitbucket', 'https://alice@bitbucket.org/team_name/repo_name.git', 'team_name/repo_name'],
    ['bitbucket', 'git@bitbucket.org:team_name/repo_name.git', 'team_name/repo_name'],
    ['bitbucket-server', 'ssh://git@bitbucket.example.com:7999/PROJ/repo.git', 'PROJ/repo'],
    ['bitbucket-server', 'https://bitbucket.example.com/scm/proj/repo.git', 'proj/repo'],
    ['bitbucket-server', 'https://alice@bitbucket.example.com/bitbucket/scm/PROJ/repo.git', 'PROJ/repo'],
    ['bitbucket-server', 'https://bitbucket.example.com/scm/~alice/repo.git', '~alice/repo'],
  ])('reads a %s origin %j as %s', (forge, url, slug) => {
    expect(repositorySlug(url, forge)).toBe(slug);
  });

  it.each<[ForgeName, string]>([
    ['github', '/srv/git/hello-world.git'],
    ['github', '../origin.git'],
    ['github', 'file:///srv/git/octo/hello.git'],
    ['github', 'https://github.com/octo-org'],
    ['github', 'https://github.com/octo-org/hello-world/tree/main'],
    ['gitlab', 'https://gitlab.com/just-a-group'],
    ['gitea', 'https://git.example.com/repo.git'],
    ['bitbucket-server', 'https://bitbucket.example.com/scm/repo.git'],
    ['bitbucket', 'https://bitbucket.org/team name/repo.git'],
    ['gitlab', ''],
  ])('finds no %s repository in %j', (forge, url) => {
    expect(repositorySlug(url, forge)).toBeUndefined();
  });
});
