import { describe, expect, it } from '@jest/globals';
import { githubSlug } from './github-slug.js';

describe('githubSlug', () => {
  it.each([
    ['https://github.com/octo-org/hello-world', 'octo-org/hello-world'],
    ['https://github.com/octo-org/hello-world.git', 'octo-org/hello-world'],
    ['https://github.com/octo-org/hello-world/', 'octo-org/hello-world'],
    ['https://github.com/octo-org/hello-world.git/', 'octo-org/hello-world'],
    ['http://github.com/octo-org/hello.world.git', 'octo-org/hello.world'],
    ['https://deploy@github.com/octo-org/hello-world.git', 'octo-org/hello-world'],
    ['https://x-access-token:ghs_abc@github.com/octo-org/hello-world.git', 'octo-org/hello-world'],
    ['https://GitHub.com/Octo-Org/Hello_World', 'Octo-Org/Hello_World'],
    ['ssh://git@github.com/octo-org/hello-world.git', 'octo-org/hello-world'],
    ['ssh://git@github.com:22/octo-org/hello-world.git', 'octo-org/hello-world'],
    ['git://github.com/octo-org/hello-world.git', 'octo-org/hello-world'],
    ['git@github.com:octo-org/hello-world.git', 'octo-org/hello-world'],
    ['git@github.com:octo-org/hello-world', 'octo-org/hello-world'],
    ['  git@github.com:octo-org/hello-world.git\n', 'octo-org/hello-world'],
  ])('reads %j as %s', (url, slug) => {
    expect(githubSlug(url)).toBe(slug);
  });

  it.each([
    'https://gitlab.com/octo-org/hello-world.git',
    'git@gitlab.com:octo-org/hello-world.git',
    'https://github.com.evil.example/octo-org/hello-world.git',
    'https://evilgithub.com/octo-org/hello-world.git',
    'https://github.com/octo-org',
    'https://github.com/octo-org/hello-world/tree/main',
    '/srv/git/hello-world.git',
    '../origin.git',
    'file:///srv/git/github.com/octo-org/hello-world.git',
    '',
  ])('finds no GitHub repository in %j', (url) => {
    expect(githubSlug(url)).toBeUndefined();
  });
});
