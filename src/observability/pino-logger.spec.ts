import { afterEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { LogLevel } from '../config/app-config.js';
import { createLogger, PinoLoggerService } from './pino-logger.js';

type Line = Record<string, unknown>;

/** A service on a pino at `level` that writes its JSON lines into `lines`. */
function capture(level: LogLevel = 'trace'): { service: PinoLoggerService; lines: Line[] } {
  const lines: Line[] = [];
  const service = new PinoLoggerService(pino({ level }, { write: (text: string) => lines.push(JSON.parse(text)) }));
  return { service, lines };
}

/** A destination stream that keeps what it receives, as text. */
function textSink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return Object.assign(sink, { text: () => chunks.join('') });
}

describe('PinoLoggerService', () => {
  afterEach(() => {
    // Back to Nest's default logger for the next test.
    Logger.overrideLogger(new Logger());
  });

  it("writes a text message with Nest's context as `context`, at pino's level for each of Nest's", () => {
    const { service, lines } = capture();
    service.log('plain', 'Webhook');
    service.warn('careful', 'Deploy');
    service.error('broken', undefined, 'Storage');
    service.debug('detail', 'Git');
    service.verbose('more detail', 'Git');
    service.fatal('gone', 'Main');
    expect(lines.map(({ level, context, msg }) => ({ level, context, msg }))).toEqual([
      { level: 30, context: 'Webhook', msg: 'plain' },
      { level: 40, context: 'Deploy', msg: 'careful' },
      { level: 50, context: 'Storage', msg: 'broken' },
      { level: 20, context: 'Git', msg: 'detail' },
      { level: 10, context: 'Git', msg: 'more detail' },
      { level: 60, context: 'Main', msg: 'gone' },
    ]);
    for (const line of lines) expect(line).toEqual(expect.objectContaining({ time: expect.any(Number) }));
  });

  it("merges an object message's fields into the line; `msg` (or `message`) is the text", () => {
    const { service, lines } = capture();
    service.log({ msg: 'delivery d-1: queued as deployment 4', delivery: 'd-1', deployment: 4 }, 'Deploy');
    service.log({ message: 'via message', deliveries: ['a', 'b'] });
    expect(lines[0]).toMatchObject({
      context: 'Deploy',
      delivery: 'd-1',
      deployment: 4,
      msg: 'delivery d-1: queued as deployment 4',
    });
    expect(lines[1]).toMatchObject({ deliveries: ['a', 'b'], msg: 'via message' });
    expect(lines[1]).not.toHaveProperty('context');
  });

  it("never lets a field replace pino's own keys or Nest's context", () => {
    const lines: string[] = [];
    const service = new PinoLoggerService(pino({}, { write: (text: string) => void lines.push(text) }));
    service.log({ msg: 'text', level: 'forged', time: 0, pid: 1, hostname: 'x', context: 'Forged' }, 'Real');
    const [line] = lines;
    // One of each key: JSON.parse would silently keep the last of two.
    for (const key of ['level', 'time', 'pid', 'hostname', 'context', 'msg']) {
      expect(line!.split(`"${key}":`)).toHaveLength(2);
    }
    expect(JSON.parse(line!)).toMatchObject({ level: 30, context: 'Real', msg: 'text' });
  });

  it('keeps a stack that Nest passes to error(), and serializes an Error message with its stack', () => {
    const { service, lines } = capture();
    const error = new Error('boom');
    service.error('request failed', error.stack, 'ExceptionsHandler');
    service.error('no context, a stack', error.stack);
    service.error(error, 'Deploy');
    expect(lines[0]).toMatchObject({ context: 'ExceptionsHandler', msg: 'request failed', stack: error.stack });
    expect(lines[1]).toMatchObject({ msg: 'no context, a stack', stack: error.stack });
    expect(lines[1]).not.toHaveProperty('context');
    expect(lines[2]).toMatchObject({ context: 'Deploy', msg: 'boom', err: { message: 'boom', stack: error.stack } });
  });

  it("receives every `new Logger('Context')` call once installed, objects included", () => {
    const { service, lines } = capture();
    Logger.overrideLogger(service);
    const logger = new Logger('Webhook');
    logger.log({ msg: 'delivery d-2: ping', delivery: 'd-2' });
    logger.warn('text only');
    logger.error('failed without a stack');
    Logger.log('Starting Nest application...', 'NestFactory');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, context: 'Webhook', delivery: 'd-2', msg: 'delivery d-2: ping' }),
      expect.objectContaining({ level: 40, context: 'Webhook', msg: 'text only' }),
      expect.objectContaining({ level: 50, context: 'Webhook', msg: 'failed without a stack' }),
      expect.objectContaining({ level: 30, context: 'NestFactory', msg: 'Starting Nest application...' }),
    ]);
  });

  it('escapes control characters in the message and in every field, nested ones too; a stack stays whole', () => {
    const { service, lines } = capture();
    const error = new Error('boom');
    service.error(
      {
        msg: 'push to refs/heads/x\nforged\u0000',
        ref: 'a\rb\u001b[2J',
        deliveries: ['d\u2028'],
        repo: { name: 'n\u0085' },
      },
      error.stack,
      'Webhook',
    );
    service.log({ msg: 'plain text, a \\ backslash and an accent: é', delivery: 'd-5' });
    expect(lines[0]).toMatchObject({
      msg: 'push to refs/heads/x\\nforged\\u0000',
      ref: 'a\\rb\\u001b[2J',
      deliveries: ['d\\u2028'],
      repo: { name: 'n\\u0085' },
      stack: error.stack,
    });
    expect(lines[1]).toMatchObject({ msg: 'plain text, a \\ backslash and an accent: é', delivery: 'd-5' });
  });

  it.each<[LogLevel, string[]]>([
    ['fatal', ['fatal']],
    ['error', ['fatal', 'error']],
    ['warn', ['fatal', 'error', 'warn']],
    ['info', ['fatal', 'error', 'warn', 'log']],
    ['debug', ['fatal', 'error', 'warn', 'log', 'debug']],
    ['trace', ['fatal', 'error', 'warn', 'log', 'debug', 'verbose']],
    ['silent', []],
  ])('at LOG_LEVEL=%s writes only %j', (level, written) => {
    const { service, lines } = capture(level);
    for (const method of ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const)
      service[method](method, 'Test');
    expect(lines.map((line) => line.msg)).toEqual(written);
  });
});

describe('createLogger', () => {
  it('json: one JSON object per line with level, time, pid, hostname, the fields and msg', async () => {
    const sink = textSink();
    const logger = await createLogger({ logFormat: 'json', logLevel: 'info' }, sink);
    logger.log({ msg: 'delivery d-3: ping', delivery: 'd-3' }, 'Webhook');
    logger.debug('below the level', 'Webhook');
    const lines = sink.text().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      context: 'Webhook',
      delivery: 'd-3',
      msg: 'delivery d-3: ping',
    });
  });

  it('pretty: one readable line per message, with time, level and context, not JSON; a stack below it', async () => {
    const sink = textSink();
    const logger = await createLogger({ logFormat: 'pretty', logLevel: 'info' }, sink);
    logger.log({ msg: 'delivery d-4: ignored, tag push', delivery: 'd-4' }, 'Webhook');
    logger.warn('no context');
    const error = new Error('boom');
    logger.error('failed', error.stack, 'Http');
    // No colours unless stdout is a terminal that wants them.
    const text = sink.text().replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
    const lines = text.trimEnd().split('\n');
    const time = String.raw`\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]`;
    expect(lines[0]).toMatch(new RegExp(`^${time} INFO: \\[Webhook\\] delivery d-4: ignored, tag push$`));
    expect(lines[1]).toMatch(new RegExp(`^${time} WARN: no context$`));
    expect(lines[2]).toMatch(new RegExp(`^${time} ERROR: \\[Http\\] failed$`));
    expect(lines[3]).toBe('Error: boom');
    expect(lines[4]).toMatch(/^\s+at /);
    expect(() => JSON.parse(lines[0]!)).toThrow();
  });
});
