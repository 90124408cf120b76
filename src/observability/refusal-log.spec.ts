import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { RefusalLog } from './refusal-log.js';

const REASON = 'X-Hub-Signature-256 does not match the body';

describe('RefusalLog', () => {
  let warnings: Record<string, unknown>[];
  let log: RefusalLog;

  beforeEach(() => {
    jest.useFakeTimers();
    warnings = [];
    log = new RefusalLog(
      { warn: (message) => void warnings.push(message as Record<string, unknown>) },
      'for bad signatures',
    );
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('logs the first refusal at once, with its delivery id and reason', () => {
    log.refused('d-1', REASON);
    expect(warnings).toEqual([{ msg: `delivery d-1: refused, ${REASON}`, delivery: 'd-1', reason: REASON }]);
  });

  it('counts the refusals that follow and sums them up in one line when the 10 s window ends', () => {
    log.refused('d-0', REASON);
    for (let i = 1; i <= 1234; i += 1)
      log.refused(`d-${i}`, i === 1234 ? 'missing X-Hub-Signature-256 header' : REASON);
    jest.advanceTimersByTime(9_999);
    expect(warnings).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toEqual({
      msg:
        '1234 more deliveries refused for bad signatures in the last 10 s ' +
        '(the last: delivery d-1234, missing X-Hub-Signature-256 header)',
      refused: 1234,
      delivery: 'd-1234',
      reason: 'missing X-Hub-Signature-256 header',
    });
  });

  it('writes at most one line per 10 s during a sustained flood', () => {
    log.refused('first', REASON);
    // 1,000 refusals a second for a minute.
    for (let ms = 1; ms <= 60_000; ms += 1) {
      log.refused(`d-${ms}`, REASON);
      jest.advanceTimersByTime(1);
    }
    expect(warnings).toHaveLength(7);
    expect(warnings.slice(1).map((warning) => warning.refused)).toEqual([
      10_000, 10_000, 10_000, 10_000, 10_000, 10_000,
    ]);
    expect(warnings.at(-1)).toMatchObject({ delivery: 'd-60000' });
    // The flood is over: the next window has nothing to sum up and ends the summaries.
    jest.advanceTimersByTime(10_000);
    expect(warnings).toHaveLength(7);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('after a quiet window, logs the next refusal at once again', () => {
    log.refused('d-1', REASON);
    log.refused('d-2', REASON);
    jest.advanceTimersByTime(10_000);
    expect(warnings).toHaveLength(2);
    // A window with nothing to sum up closes the summaries.
    jest.advanceTimersByTime(10_000);
    expect(warnings).toHaveLength(2);
    expect(jest.getTimerCount()).toBe(0);
    log.refused('d-3', REASON);
    expect(warnings).toHaveLength(3);
    expect(warnings[2]).toMatchObject({ msg: `delivery d-3: refused, ${REASON}`, delivery: 'd-3' });
  });

  it('flush() logs what the open window counted (at shutdown) and closes it', () => {
    log.refused('d-1', REASON);
    log.refused('d-2', REASON);
    log.refused('d-3', REASON);
    log.flush();
    expect(warnings[1]).toMatchObject({ refused: 2, delivery: 'd-3' });
    expect(jest.getTimerCount()).toBe(0);
    log.flush();
    expect(warnings).toHaveLength(2);
  });

  it('writes "-" for a request without a delivery id, and clips a huge one', () => {
    log.refused(undefined, REASON);
    expect(warnings[0]).toEqual({ msg: `delivery -: refused, ${REASON}`, delivery: undefined, reason: REASON });
    log.refused('x'.repeat(10_000), REASON);
    log.flush();
    expect(warnings[1]!.delivery).toBe(`${'x'.repeat(100)}…`);
    expect(String(warnings[1]!.msg).length).toBeLessThan(250);
  });

  it('names the window by its length', () => {
    const short = new RefusalLog(
      { warn: (message) => void warnings.push(message as Record<string, unknown>) },
      'for x',
      2_500,
    );
    short.refused('a', 'r');
    short.refused('b', 'r');
    jest.advanceTimersByTime(2_500);
    expect(warnings.at(-1)!.msg).toBe('1 more delivery refused for x in the last 2.5 s (the last: delivery b, r)');
  });
});
