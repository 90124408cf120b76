import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FORGE_NAMES } from '../domain/forge-name.js';
import { TARGET_KEYS } from './target.schema.js';
import { parseTargetsFile } from './targets-file.js';

const EXAMPLE = resolve(import.meta.dirname, '../../examples/hookdeploy.yml');

describe('examples/hookdeploy.yml', () => {
  const text = readFileSync(EXAMPLE, 'utf8');
  // Every variable the example references (not the escaped $${...}), set to a value of its own.
  const names = [...text.matchAll(/(?<!\$)\$\{([A-Za-z_]\w*)\}/g)].map(([, name]) => name);
  const env = Object.fromEntries(names.map((name) => [name, `value-of-${name}`]));

  it('is a valid targets file once the variables it names are set (the repositories aside)', () => {
    const file = parseTargetsFile(text, 'hookdeploy.yml', env);
    expect(file.problems).toEqual([]);
    expect(file.targets.map((target) => target.id)).toEqual([
      'site',
      'docs',
      'api',
      'shop',
      'shop-admin',
      'app',
      'web',
    ]);
    expect(file.targets[0].secrets).toEqual(['value-of-SITE_SECRET', 'value-of-SITE_SECRET_OLD']);
    expect(file.targets[2].command).toBe('./deploy.sh "$DEPLOY_SHA" "${DEPLOY_TARGET}"');
  });

  it('shows every forge but one of its synonyms, and every key', () => {
    const { targets } = parseTargetsFile(text, 'hookdeploy.yml', env);
    expect(new Set(targets.map((target) => target.forge))).toEqual(
      new Set(FORGE_NAMES.filter((forge) => forge !== 'gitea')),
    );
    for (const key of TARGET_KEYS) {
      expect(text).toMatch(new RegExp(`^ +(- )?${key}:`, 'm'));
    }
  });

  it('names each variable it needs when one is missing', () => {
    const { SITE_SECRET_OLD: _unset, ...others } = env;
    expect(parseTargetsFile(text, 'hookdeploy.yml', others).problems).toEqual([
      expect.stringMatching(/^hookdeploy\.yml:\d+:\d+ targets\[0\]\.secrets\[1\]: \$\{SITE_SECRET_OLD\} is not set$/),
    ]);
  });
});
