// Attribute values <-> the text a user edits in a form field.
import type { AttrValue } from '../../engine/index.ts';

export function valueToText(value: AttrValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.some(Array.isArray) ? JSON.stringify(value) : value.join(', ');
  return String(value);
}

export const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
