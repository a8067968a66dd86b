/**
 * What a parsed request value must not carry into a clone: a NUL byte (Postgres refuses
 * it in text and jsonb, so it would surface as a 500) or nesting deeper than a handler can
 * walk (JSON.parse is iterative, but JSON.stringify, pg's serializer and recursive
 * validators overflow the stack at a few thousand levels).
 */
export interface UnsafeInput {
  kind: 'nul' | 'depth';
  /** Keys from the top-level value down to the offending one. */
  path: Array<string | number>;
}

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | null;
  key: string | number | null;
}

const pathOf = (frame: Frame): Array<string | number> => {
  const path: Array<string | number> = [];
  for (let at: Frame | null = frame; at !== null && at.key !== null; at = at.parent) path.unshift(at.key);
  return path;
};

/**
 * The first NUL byte (in a string or an object key) or over-deep container in `value`, or
 * null. The top-level value is depth 0; walked without recursion, so any depth is safe.
 */
export function findUnsafeInput(value: unknown, maxDepth: number): UnsafeInput | null {
  const stack: Frame[] = [{ value, depth: 0, parent: null, key: null }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const current = frame.value;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return { kind: 'nul', path: pathOf(frame) };
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (frame.depth > maxDepth) return { kind: 'depth', path: pathOf(frame) };
    const depth = frame.depth + 1;
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--)
        stack.push({ value: current[index], depth, parent: frame, key: index });
      continue;
    }
    for (const [key, child] of Object.entries(current)) {
      const entry: Frame = { value: child, depth, parent: frame, key };
      if (key.includes('\u0000')) return { kind: 'nul', path: pathOf(entry) };
      stack.push(entry);
    }
  }
  return null;
}
