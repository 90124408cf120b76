import { describe, expect, it } from '@jest/globals';
import { interpolate } from './interpolate.js';

const ENV = { SITE_SECRET: 's3cret', DIR: '/srv', EMPTY: '' };

describe('interpolate', () => {
  it.each([
    ['${SITE_SECRET}', 's3cret'],
    ['${DIR}/site', '/srv/site'],
    ['${DIR}${DIR}', '/srv/srv'],
    ['no reference', 'no reference'],
    ['echo $DEPLOY_SHA && kill $$', 'echo $DEPLOY_SHA && kill $$'],
    ['$${HOME}/bin', '${HOME}/bin'],
    ['price: $5', 'price: $5'],
  ])('turns %j into %j', (text, value) => {
    expect(interpolate(text, ENV)).toEqual({ value });
  });

  it.each([
    ['${MISSING}', ['${MISSING} is not set']],
    ['${EMPTY}', ['${EMPTY} is not set']],
    ['${MISSING}:${EMPTY}', ['${MISSING} is not set', '${EMPTY} is not set']],
    ['${DIR', [expect.stringContaining('without its closing }')]],
    ['${DIR:-/tmp}', [expect.stringContaining('not a variable name')]],
    ['${}', [expect.stringContaining('not a variable name')]],
  ])('refuses %j', (text, problems) => {
    expect(interpolate(text, ENV)).toEqual({ problems });
  });

  it('never quotes the text around a broken reference (it may be an inline secret)', () => {
    const { problems } = interpolate('inline-secret-${oops', ENV);
    expect(problems?.join('\n')).not.toContain('inline-secret');
  });
});
