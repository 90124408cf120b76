import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type PathSegment = string | number;

/** `targets[1].secrets[0]`: a place in the file as a reader writes it. */
export function formatPath(path: readonly PathSegment[]): string {
  return path
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`))
    .join('');
}

/**
 * Turns a path in the parsed value into `file:line:column path`, from the YAML document's
 * nodes: the value's node, or its key's for a problem with the key itself; for a key that
 * is missing, the mapping that lacks it.
 */
export class FilePlaces {
  constructor(
    private readonly fileName: string,
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  /** `hookdeploy.yml:12:5 targets[1].repoPath` */
  of(path: readonly PathSegment[], options: { key?: boolean } = {}): string {
    return `${this.at(this.offset(path, options))} ${formatPath(path)}`;
  }

  /** `hookdeploy.yml:12:5` */
  at(offset: number): string {
    const { line, col } = this.lines.linePos(offset);
    return `${this.fileName}:${line}:${col}`;
  }

  /** Where in the text the value (or with `key`, the key) at `path` starts. */
  offset(path: readonly PathSegment[], { key = false }: { key?: boolean } = {}): number {
    let node: Node | null = this.document.contents;
    let offset = node?.range?.[0] ?? 0;
    for (const [index, segment] of path.entries()) {
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) return offset;
        const keyNode = pair.key as Node;
        if (key && index === path.length - 1) return keyNode.range?.[0] ?? offset;
        // `repoPath:` with nothing after it has no value node: the key is the place.
        offset = keyNode.range?.[0] ?? offset;
        next = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
      } else {
        return offset;
      }
      // `repoPath:` with nothing after it: a null scalar placed after the colon; the key is clearer.
      if (!next || typeof next !== 'object' || !('range' in next) || (isScalar(next) && next.value === null)) {
        return offset;
      }
      node = next as Node;
      offset = node.range?.[0] ?? offset;
    }
    return offset;
  }
}
