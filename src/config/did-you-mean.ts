/** Levenshtein distance: the fewest single-character edits that turn `a` into `b`. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The known name a typo most likely meant (`comand` → `command`, `repopath` → `repoPath`),
 * or undefined when none is close: a third of the name's length in edits, case ignored.
 */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { name: string; edits: number } | undefined;
  for (const candidate of known) {
    const edits = distance(lower, candidate.toLowerCase());
    if (edits <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || edits < best.edits)) {
      best = { name: candidate, edits };
    }
  }
  return best?.name;
}
