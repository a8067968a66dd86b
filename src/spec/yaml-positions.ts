import type { Document, LineCounter, Node } from 'yaml';
import { isAlias, isMap, isScalar, isSeq } from 'yaml';

/** A step into the parsed data: a mapping key or a list index, as zod reports paths. */
export type PathSegment = string | number;

/** 1-based, like editors and compilers show them. */
export interface Position {
  line: number;
  column: number;
}

/** `clones[0].mode`: the form a user sees next to each issue. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}

export interface YamlLocator {
  /** Where an offset of the source text is. */
  at(offset: number): Position;
  /** Where the value at `path` starts (its key when the value is empty, as in `mode:`). */
  value(path: readonly PathSegment[]): Position;
  /** Where the key that ends `path` is written. */
  key(path: readonly PathSegment[]): Position;
}

interface Step {
  node: Node | null;
  /** Set when the step went through a mapping key. */
  keyNode: Node | null;
}

const START: Position = { line: 1, column: 1 };

const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key));

/**
 * Maps paths in the plain data (what zod saw) back to nodes of the YAML document, so every
 * issue can point at the exact spot. When a path cannot be followed (it should not happen
 * for paths that came from the same document) the deepest node reached is used instead
 * of failing: a slightly vague position beats losing the issue.
 */
export function createYamlLocator(doc: Document, lineCounter: LineCounter): YamlLocator {
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const nodeStart = (node: Node | null | undefined): Position | undefined =>
    node?.range ? at(node.range[0]) : undefined;

  const walk = (path: readonly PathSegment[]): Step[] => {
    const steps: Step[] = [{ node: (doc.contents as Node | null) ?? null, keyNode: null }];
    let current: unknown = doc.contents;
    for (const segment of path) {
      // Anchored content is reached through its alias; follow it to keep walking.
      if (isAlias(current)) current = current.resolve(doc);
      let next: Step | undefined;
      if (isMap(current)) {
        const pair = current.items.find((item) => keyText(item.key) === String(segment));
        if (pair)
          next = { node: (pair.value as Node | null) ?? null, keyNode: (pair.key as Node | null) ?? null };
      } else if (isSeq(current) && typeof segment === 'number') {
        const item = current.items[segment];
        if (item !== undefined) next = { node: (item as Node | null) ?? null, keyNode: null };
      }
      if (!next) break;
      steps.push(next);
      current = next.node;
    }
    return steps;
  };

  const isEmpty = (node: Node | null): boolean =>
    node === null || (isScalar(node) && node.range != null && node.range[0] === node.range[1]);

  const deepest = (steps: Step[]): Position => {
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i];
      const found = nodeStart(step?.node) ?? nodeStart(step?.keyNode);
      if (found) return found;
    }
    return START;
  };

  return {
    at,
    value(path) {
      const steps = walk(path);
      const last = steps[steps.length - 1];
      if (steps.length === path.length + 1 && last) {
        // An empty value (`mode:`) has a zero-width node just past the colon; the key is
        // where a reader looks.
        const pos = isEmpty(last.node)
          ? (nodeStart(last.keyNode) ?? nodeStart(last.node))
          : nodeStart(last.node);
        if (pos) return pos;
      }
      return deepest(steps);
    },
    key(path) {
      const steps = walk(path);
      const last = steps[steps.length - 1];
      if (steps.length === path.length + 1 && last) {
        const pos = nodeStart(last.keyNode) ?? nodeStart(last.node);
        if (pos) return pos;
      }
      return deepest(steps);
    },
  };
}
