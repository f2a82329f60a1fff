/**
 * What changed between two JSON documents, as a flat list of paths: for showing an administrator
 * how one version of an authority profile differs from the one before.
 *
 * Objects are compared key by key (keys of `before` first, in their order, then keys only in
 * `after`), arrays index by index. A value present on one side only is an addition (`before` is
 * undefined) or a removal (`after` is undefined). Where the two sides are of different kinds
 * (an object and a string, say) the whole value is one change.
 *
 * Paths read like property access: `openingHours.monday[0].open`, `phoneLines[1]`. A change to the
 * whole document (two different scalars at the top) has the path ''.
 */
export interface JsonChange {
  path: string;
  before: unknown;
  after: unknown;
}

type Plain = Record<string, unknown>;

function isPlainObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function keyPath(parent: string, key: string): string {
  if (IDENTIFIER.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

function indexPath(parent: string, i: number): string {
  return `${parent}[${i}]`;
}

/** Deep equality for JSON values (key order in objects does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

export function diffJson(before: unknown, after: unknown): JsonChange[] {
  const out: JsonChange[] = [];
  walk(before, after, '', out);
  return out;
}

function walk(before: unknown, after: unknown, path: string, out: JsonChange[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !Object.prototype.hasOwnProperty.call(before, k))];
    for (const k of keys) {
      const b = before[k];
      const a = after[k];
      if (b === undefined && a === undefined) continue;
      walk(b, a, keyPath(path, k), out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) {
      walk(i < before.length ? before[i] : undefined, i < after.length ? after[i] : undefined, indexPath(path, i), out);
    }
    return;
  }
  if (!jsonEqual(before, after)) out.push({ path, before, after });
}
