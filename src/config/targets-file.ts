import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.js';
import type { Environment } from './env.schema.js';
import { FilePlaces, formatPath, type PathSegment } from './file-places.js';
import { interpolate } from './interpolate.js';
import {
  FILE_KEYS,
  fileSchema,
  TARGET_KEYS,
  targetSchema,
  type ConfigRole,
  type TargetDraft,
} from './target.schema.js';

export type TargetKey = (typeof TARGET_KEYS)[number];

/** A valid target of the file, with where its keys are (for the problems the repository checks find). */
export interface FileTarget extends TargetDraft {
  index: number;
  /** `hookdeploy.yml:12:5 targets[1].repoPath`: the place of a key, or of the target when the key is absent. */
  place(key: TargetKey): string;
}

export interface TargetsFile {
  /** The targets that are valid on their own; the file is usable only when `problems` is empty. */
  targets: FileTarget[];
  /** One line each, in the order of the file: `file:line:column path: what is wrong`. */
  problems: string[];
  /** The variables referenced in `secrets`, `report.token` and `healthCheck`: their values are secrets too. */
  secretVariables: string[];
}

/**
 * Parses and validates the targets file: YAML syntax, `${NAME}` references, every key of
 * every target, duplicate ids. Reports every problem at once, each with its line and column.
 * Nothing here touches the disk or git. `role`: an agent's file may leave out `secrets`.
 */
export function parseTargetsFile(
  text: string,
  fileName: string,
  env: Environment,
  role: ConfigRole = 'service',
): TargetsFile {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const places = new FilePlaces(fileName, document, lines);
  const found: { offset: number; line: string }[] = [];
  const problems = (): string[] => found.sort((a, b) => a.offset - b.offset).map((problem) => problem.line);
  const add = (path: PathSegment[], message: string, options: { key?: boolean } = {}): void => {
    found.push({ offset: places.offset(path, options), line: `${places.of(path, options)}: ${message}` });
  };

  for (const error of document.errors) {
    // The parser's own message, without the excerpt of the file it may append (an inline secret).
    found.push({ offset: error.pos[0], line: `${places.at(error.pos[0])} ${error.message.split('\n')[0]}` });
  }
  if (found.length > 0) return { targets: [], problems: problems(), secretVariables: [] };

  /** Values with a problem in their references: no second problem about what they became. */
  const unresolved: string[] = [];
  const secretVariables = new Set<string>();
  const value = substitute(document.toJS(), [], {
    env,
    problem: (path, message) => {
      unresolved.push(formatPath(path));
      add(path, message);
    },
    secretVariables,
  });

  const report = (base: PathSegment[], known: readonly string[]) => (issue: z.core.$ZodIssue) => {
    const path = [...base, ...(issue.path as PathSegment[])];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const guess = didYouMean(key, known);
        add([...path, key], `unknown key${guess ? ` (did you mean ${guess}?)` : ''}`, { key: true });
      }
    } else if (path.length === 0) {
      found.push({ offset: 0, line: `${places.at(0)} ${issue.message}` });
    } else if (!unresolved.some((bad) => within(formatPath(path), bad))) {
      add(path, issue.message);
    }
  };

  const file = fileSchema.safeParse(value ?? undefined);
  if (!file.success) file.error.issues.forEach(report([], FILE_KEYS));
  const list = (value as { targets?: unknown } | null | undefined)?.targets;
  const elements: unknown[] = Array.isArray(list) ? list : [];

  const targets: FileTarget[] = [];
  const firstWithId = new Map<string, number>();
  elements.forEach((element, index) => {
    const base = ['targets', index];
    // Compared as written, so that a duplicate is reported even when the rest of a target is wrong too.
    const id = (element as { id?: unknown } | null)?.id;
    if (typeof id === 'string') {
      const first = firstWithId.get(id);
      if (first === undefined) firstWithId.set(id, index);
      else add([...base, 'id'], `duplicate id ${id}: targets[${first}] has it already`);
    }
    const parsed = targetSchema.safeParse(element);
    const written = element as Record<string, unknown> | null;
    // The schema lets `secrets` out for an agent; the service verifies webhooks with them.
    const noSecrets = role === 'service' && isMapping(written) && (written.secrets ?? undefined) === undefined;
    if (noSecrets) add([...base, 'secrets'], 'is required (a list of 1 or more secrets)');
    if (!parsed.success) parsed.error.issues.forEach(report(base, TARGET_KEYS));
    if (!parsed.success || noSecrets) return;
    const place = (key: TargetKey): string => places.of(written![key] === undefined ? base : [...base, key]);
    targets.push({ ...parsed.data, index, place });
  });
  return { targets, problems: problems(), secretVariables: [...secretVariables] };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `targets[0].secrets[1]` is within `targets[0].secrets`, `targets[0].idx` is not within `targets[0].id`. */
function within(path: string, outer: string): boolean {
  return path === outer || path.startsWith(`${outer}.`) || path.startsWith(`${outer}[`);
}

interface Substitution {
  env: Environment;
  problem: (path: PathSegment[], message: string) => void;
  secretVariables: Set<string>;
}

/** Replaces the `${NAME}` references in every string of the parsed file (values only, not keys). */
function substitute(value: unknown, path: PathSegment[], context: Substitution): unknown {
  if (typeof value === 'string') {
    // The secrets, the report token and the health check's URL (it may hold a password):
    // their variables are hidden from every child process.
    if (path[2] === 'secrets' || (path[2] === 'report' && path[3] === 'token') || path[2] === 'healthCheck') {
      for (const [, name] of value.matchAll(/\$\{([A-Za-z_]\w*)\}/g)) context.secretVariables.add(name);
    }
    const result = interpolate(value, context.env);
    for (const message of result.problems ?? []) context.problem(path, message);
    return result.value ?? value;
  }
  if (Array.isArray(value)) return value.map((item, index) => substitute(item, [...path, index], context));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, [...path, key], context)]),
    );
  }
  return value;
}
