/**
 * Parses urlencoded bodies and query strings into plain objects. A key that appears more
 * than once becomes an array (checkboxes). Keys like `a[0][b]` are not expanded: forms use
 * flat, dashed names, which keeps parsing predictable.
 */
export function qs(input: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(input)) {
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}
