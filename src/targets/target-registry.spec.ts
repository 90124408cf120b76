import { describe, expect, it } from '@jest/globals';
import type { Target } from '../domain/target.js';
import { TargetRegistry, type TargetChange } from './target-registry.js';

function target(id: string, overrides: Partial<Target> = {}): Target {
  return {
    id,
    forge: 'github',
    secrets: ['s'],
    repoPath: `/srv/${id}`,
    branch: 'main',
    repository: undefined,
    strategy: 'rebase',
    command: undefined,
    timeoutMs: 600_000,
    ...overrides,
  };
}

describe('TargetRegistry', () => {
  it('finds targets by id and lists them in configuration order', () => {
    const registry = new TargetRegistry([target('site'), target('api')], undefined);
    expect(registry.get('api')?.repoPath).toBe('/srv/api');
    expect(registry.get('docs')).toBeUndefined();
    expect(registry.all().map((t) => t.id)).toEqual(['site', 'api']);
  });

  it('serves default at WEBHOOK_PATH only in env-only mode', () => {
    expect(new TargetRegistry([target('default')], '/github').atWebhookPath()?.id).toBe('default');
    expect(new TargetRegistry([target('default')], undefined).atWebhookPath()).toBeUndefined();
  });

  it('names the only target, and none when there are several', () => {
    expect(new TargetRegistry([target('site')], undefined).only()?.id).toBe('site');
    expect(new TargetRegistry([target('site'), target('api')], undefined).only()).toBeUndefined();
  });

  it('replace() reports added, removed and changed targets and tells listeners', () => {
    const registry = new TargetRegistry([target('site'), target('api'), target('docs')], undefined);
    const heard: TargetChange[] = [];
    registry.onChange((change) => heard.push(change));
    const change = registry.replace([target('site'), target('api', { branch: 'prod' }), target('blog')]);
    expect(change.added.map((t) => t.id)).toEqual(['blog']);
    expect(change.removed.map((t) => t.id)).toEqual(['docs']);
    expect(change.changed.map((t) => t.id)).toEqual(['api']);
    expect(heard).toEqual([change]);
    expect(registry.get('docs')).toBeUndefined();
    expect(registry.get('api')?.branch).toBe('prod');
  });
});
