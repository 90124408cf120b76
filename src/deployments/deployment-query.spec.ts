import { describe, expect, it } from '@jest/globals';
import { type HttpException } from '@nestjs/common';
import { rejection } from '../../test/fixtures/guard-rejection.js';
import { DEFAULT_LIMIT, MAX_LIMIT, parseDeploymentId, parseDeploymentQuery } from './deployment-query.js';

describe('parseDeploymentQuery', () => {
  it('defaults to the newest 50 deployments with their logs', () => {
    expect(DEFAULT_LIMIT).toBe(50);
    expect(MAX_LIMIT).toBe(500);
    expect(parseDeploymentQuery({})).toStrictEqual({ limit: 50, withLog: true });
  });

  it.each<[Record<string, unknown>, ReturnType<typeof parseDeploymentQuery>]>([
    [{ status: 'queued' }, { status: 'queued', limit: 50, withLog: true }],
    [{ status: 'running' }, { status: 'running', limit: 50, withLog: true }],
    [{ status: 'succeeded' }, { status: 'succeeded', limit: 50, withLog: true }],
    [{ status: 'failed' }, { status: 'failed', limit: 50, withLog: true }],
    [{ limit: '1' }, { limit: 1, withLog: true }],
    [{ limit: '500' }, { limit: 500, withLog: true }],
    [{ before: '1' }, { before: 1, limit: 50, withLog: true }],
    [{ before: '123456' }, { before: 123456, limit: 50, withLog: true }],
    [{ log: 'false' }, { limit: 50, withLog: false }],
    [{ log: 'true' }, { limit: 50, withLog: true }],
    [
      { status: 'failed', limit: '10', before: '77', log: 'false' },
      { status: 'failed', before: 77, limit: 10, withLog: false },
    ],
    [
      { limit: '3', unknown: 'ignored', other: ['a', 'b'] },
      { limit: 3, withLog: true },
    ],
  ])('reads %j', (query, parsed) => {
    expect(parseDeploymentQuery(query)).toStrictEqual(parsed);
  });

  it.each<[string, Record<string, unknown>]>([
    ['status', { status: 'bogus' }],
    ['status', { status: '' }],
    ['status', { status: 'Queued' }],
    ['status', { status: 'queued,failed' }],
    ['status', { status: ['queued', 'failed'] }],
    ['status', { status: ['queued'] }],
    ['limit', { limit: '0' }],
    ['limit', { limit: '501' }],
    ['limit', { limit: '1.5' }],
    ['limit', { limit: '-1' }],
    ['limit', { limit: 'abc' }],
    ['limit', { limit: '' }],
    ['limit', { limit: '05' }],
    ['limit', { limit: '1e2' }],
    ['limit', { limit: ' 5' }],
    ['limit', { limit: '99999999999999999999' }],
    ['limit', { limit: ['10', '20'] }],
    ['limit', { limit: { nested: '1' } }],
    ['before', { before: '0' }],
    ['before', { before: 'x' }],
    ['before', { before: '-3' }],
    ['before', { before: '2.5' }],
    ['before', { before: '' }],
    ['before', { before: ['5', '6'] }],
    ['log', { log: 'maybe' }],
    ['log', { log: 'TRUE' }],
    ['log', { log: '1' }],
    ['log', { log: '' }],
    ['log', { log: ['true', 'false'] }],
    ['status', { status: 'bogus', limit: '0', before: 'x', log: 'maybe' }],
    ['limit', { status: 'queued', limit: '0', before: 'x' }],
    ['before', { status: 'queued', limit: '5', before: 'x', log: 'maybe' }],
  ])('answers 400 { error } naming %s for %j', (parameter, query) => {
    const error = rejection(() => parseDeploymentQuery(query));
    expect(error.getStatus()).toBe(400);
    expect(error.getResponse()).toEqual({ error: expect.stringMatching(new RegExp(`^${parameter}\\b`)) });
  });
});

describe('parseDeploymentId', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['999999999999999', 999_999_999_999_999],
  ])('reads %j as %i', (raw, id) => {
    expect(parseDeploymentId(raw)).toBe(id);
  });

  it.each(['0', '-1', '1.5', 'abc', '', '01', '1e3', ' 1', '1 ', '0x10', '12345678901234567'])(
    'answers 400 { error } to %j',
    (raw) => {
      const error = rejection(() => parseDeploymentId(raw));
      expect(error.getStatus()).toBe(400);
      expect(error.getResponse()).toEqual({ error: 'deployment id must be a positive integer' });
    },
  );

  // Was a bug: 16 digits passed, beyond Number.MAX_SAFE_INTEGER, and came back as another id.
  it.each(['9007199254740993', '9999999999999999'])(
    'never turns %j into a different id: either that exact id or 400',
    (raw) => {
      let parsed: number | undefined;
      try {
        parsed = parseDeploymentId(raw);
      } catch (error) {
        expect((error as HttpException).getStatus()).toBe(400);
        return;
      }
      expect(String(parsed)).toBe(raw);
    },
  );
});
