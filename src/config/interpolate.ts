import type { Environment } from './env.schema.js';

// `$${` first, so that an escaped reference is never read as one.
const REFERENCE = /\$\$\{|\$\{([^}]*)\}?/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A string of the targets file with its `${NAME}` references replaced, or why they could not be. */
export type Interpolated = { value: string; problems?: undefined } | { value?: undefined; problems: string[] };

/**
 * Replaces every `${NAME}` with the environment variable NAME. An unset or empty variable is
 * a problem: an empty secret or path is never what the operator meant. `$${` stands for a
 * literal `${` (a shell `${VAR}` in a command); any other `$` is left alone, so `$DEPLOY_SHA`
 * and `$$` reach the shell as written.
 */
export function interpolate(text: string, env: Environment): Interpolated {
  const problems: string[] = [];
  const value = text.replace(REFERENCE, (match: string, name: string | undefined) => {
    if (match === '$${') return '${';
    // The text is not quoted back: it may be part of a secret written inline.
    if (!match.endsWith('}')) {
      problems.push('has a ${ without its closing }: write ${NAME}, or $${ for a literal ${');
      return match;
    }
    if (name === undefined || !VARIABLE_NAME.test(name)) {
      problems.push('has a ${...} that is not a variable name (letters, digits, _): write $${ for a literal ${');
      return match;
    }
    const replacement = env[name];
    if (replacement === undefined || replacement === '') problems.push(`\${${name}} is not set`);
    return replacement ?? '';
  });
  return problems.length > 0 ? { problems } : { value };
}
