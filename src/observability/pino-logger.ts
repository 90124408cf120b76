import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from '../config/app-config.js';
import { escapeControl } from './escape-control.js';

export interface LogSettings {
  logFormat: LogFormat;
  logLevel: LogLevel;
}

type PinoLevel = Exclude<LogLevel, 'silent'>;

/** A stack trace as Nest passes it to `error()`: "Error: …\n    at …". */
const STACK = /\n\s+at /;
/** Keys pino writes itself: a field with one of these names would make a line with two of the same key. */
const RESERVED = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** A field's value with its strings escaped, in arrays and plain objects too; anything else as it is. */
function escapeField(value: unknown): unknown {
  if (typeof value === 'string') return escapeControl(value);
  if (Array.isArray(value)) return value.map(escapeField);
  if (!isPlainObject(value)) return value;
  const escaped: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) escaped[key] = escapeField(inner);
  return escaped;
}

/**
 * Escapes the control characters of the message and of every field (see escapeControl):
 * refs, repository names and reasons come from payloads, and a newline in one must not
 * forge a second line. A stack is ours and multi-line by nature: it stays as it is, and
 * so does an Error, which pino serializes with its stack.
 */
function escapeLine(fields: Record<string, unknown>, msg: string): [Record<string, unknown>, string] {
  for (const [key, value] of Object.entries(fields)) {
    if (key !== 'stack' && key !== 'err') fields[key] = escapeField(value);
  }
  return [fields, escapeControl(msg)];
}

/**
 * Nest's LoggerService on pino. Every `new Logger('Context')` in the code base ends
 * here once the application is created with it: `logger.log('text')` becomes
 * `{"level":30,…,"context":"Context","msg":"text"}`, and an object message
 * (`logger.log({ msg: 'text', delivery: id })`) has its fields merged into the line.
 *
 * Nest appends the logger's context as the last string parameter; `error()` may carry
 * a stack before it. Both are taken apart the way Nest's own ConsoleLogger does.
 */
export class PinoLoggerService implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  /** Nest's most detailed level. */
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: PinoLevel, message: unknown, params: unknown[]): void {
    // Below the level, nothing is built: a debug line costs one comparison.
    if (!this.pino.isLevelEnabled(level)) return;
    const last = params.at(-1);
    const hasContext = typeof last === 'string' && !STACK.test(last);
    // The context first: it reads best at the start of the line.
    const fields: Record<string, unknown> = hasContext ? { context: last } : {};
    let msg = this.merge(fields, message);
    for (let i = 0; i < params.length - (hasContext ? 1 : 0); i += 1) {
      const param = params[i];
      if (param === undefined || param === null) continue;
      if (typeof param === 'string' && STACK.test(param)) fields.stack = param;
      else if (param instanceof Error) fields.err = param;
      else if (isPlainObject(param)) this.merge(fields, param);
      else msg = msg ? `${msg} ${String(param)}` : String(param);
    }
    this.pino[level](...escapeLine(fields, msg));
  }

  /** Adds an object message's fields to `fields`; returns its text. */
  private merge(fields: Record<string, unknown>, message: unknown): string {
    if (message instanceof Error) {
      fields.err = message;
      return message.message;
    }
    if (!isPlainObject(message)) return String(message);
    let msg = '';
    for (const [key, value] of Object.entries(message)) {
      if (key === 'msg' || key === 'message') msg = String(value);
      else if (!RESERVED.has(key) && !(key === 'context' && 'context' in fields)) fields[key] = value;
    }
    return msg;
  }
}

/** `[Context] message`, and the stack below it when the line carries one. */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const text =
    typeof log.context === 'string' ? `[${log.context}] ${String(log[messageKey])}` : String(log[messageKey]);
  const err = log.err as { stack?: unknown } | undefined;
  const stack = typeof log.stack === 'string' ? log.stack : typeof err?.stack === 'string' ? err.stack : undefined;
  return stack === undefined ? text : `${text}\n${stack}`;
}

/**
 * The service's logger: JSON lines or pino-pretty's readable lines on stdout (or on
 * `destination`). Both write synchronously in this thread: no worker-thread transport
 * (it would cost a second V8 heap), and no line is lost when the process exits.
 * pino-pretty is only loaded for the pretty format.
 */
export async function createLogger(settings: LogSettings, destination?: DestinationStream): Promise<PinoLoggerService> {
  const options = { level: settings.logLevel };
  if (settings.logFormat === 'json') {
    return new PinoLoggerService(pino(options, destination ?? pino.destination({ dest: 1, sync: true })));
  }
  const { default: pretty } = await import('pino-pretty');
  const stream = pretty({
    sync: true,
    destination: destination ?? 1,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    // Every message is a whole sentence with the ids in it; the fields repeat them for machines.
    hideObject: true,
    messageFormat: prettyMessage,
  });
  return new PinoLoggerService(pino(options, stream));
}
