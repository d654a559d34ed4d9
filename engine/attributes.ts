// Validation of one attribute value against its spec. Messages say what is allowed, so the
// inspector can show them as the user types and file loading can name the offending field.
import type { AttrSpec, AttrValue } from './layer.ts';
import { formatCount, MAX_TENSOR_ELEMENTS } from './limits.ts';

/**
 * No whole-number attribute (a channel count, a size, an axis) may exceed the elements of the
 * largest tensor the host allocates: a Conv2d with 10⁹ channels is refused as it is typed, before
 * analysis or anything else sees it. A spec's own max, when lower, wins.
 */
export const MAX_ATTRIBUTE_INT = MAX_TENSOR_ELEMENTS;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isIntList = (v: unknown): v is number[] => Array.isArray(v) && v.every(isInt);

function range(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  if (max !== undefined) return `at most ${max}`;
  return 'any value';
}

/** A number as the user can read it: 1e+308 stays short instead of 309 digits with commas. */
const shown = (v: number) => (Number.isSafeInteger(v) ? formatCount(v) : String(v));

/**
 * The sentence for a whole number beyond ±MAX_ATTRIBUTE_INT, or null. Below -MAX_ATTRIBUTE_INT too:
 * -1e308 is an integer to Number.isInteger, but no axis or offset is, and past 2^53 the value is
 * not even the number typed.
 */
function tooBig(...values: number[]): string | null {
  const big = values.find((v) => Math.abs(v) > MAX_ATTRIBUTE_INT);
  if (big === undefined) return null;
  const limit = formatCount(MAX_ATTRIBUTE_INT);
  return `must be ${big > 0 ? `at most ${limit}` : `at least -${limit}`} (the largest tensor the app allocates, MAX_TENSOR_ELEMENTS), got ${shown(big)}`;
}

/** Returns null when the value is valid, otherwise a sentence saying what is expected. */
export function checkAttribute(spec: AttrSpec, value: unknown): string | null {
  switch (spec.kind) {
    case 'int': {
      if (value === null && spec.nullable) return null;
      if (!isInt(value)) return `must be a whole number, got ${JSON.stringify(value)}`;
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max))
        return `must be ${range(spec.min, spec.max)}, got ${shown(value)}`;
      return tooBig(value);
    }
    case 'float': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return `must be a number, got ${JSON.stringify(value)}`;
      const low = spec.min !== undefined && (spec.exclusiveMin ? value <= spec.min : value < spec.min);
      const high = spec.max !== undefined && (spec.exclusiveMax ? value >= spec.max : value > spec.max);
      if (low || high) {
        const lo = spec.min === undefined ? '' : `${spec.exclusiveMin ? '>' : '>='} ${spec.min}`;
        const hi = spec.max === undefined ? '' : `${spec.exclusiveMax ? '<' : '<='} ${spec.max}`;
        return `must be ${[lo, hi].filter(Boolean).join(' and ')}, got ${value}`;
      }
      return null;
    }
    case 'bool':
      return typeof value === 'boolean' ? null : `must be true or false, got ${JSON.stringify(value)}`;
    case 'choice':
      return typeof value === 'string' && spec.options.includes(value)
        ? null
        : `must be one of ${spec.options.map((o) => `'${o}'`).join(', ')}, got ${JSON.stringify(value)}`;
    case 'string':
      return typeof value === 'string' ? null : `must be text, got ${JSON.stringify(value)}`;
    case 'intOrTuple': {
      if (value === null && spec.nullable) return null;
      const list = isInt(value) ? [value] : value;
      if (!isIntList(list) || !(list.length === 1 || list.length === spec.axes))
        return `must be a whole number or a list of ${spec.axes}, got ${JSON.stringify(value)}`;
      if (list.some((v) => v < spec.min))
        return `every value must be at least ${spec.min}, got ${JSON.stringify(value)}`;
      return tooBig(...list);
    }
    case 'padding': {
      if (value === 'valid' || (value === 'same' && spec.allowSame)) return null;
      const list = isInt(value) ? [value] : value;
      const lengths = new Set([1, spec.axes, 2 * spec.axes]);
      if (!isIntList(list) || !lengths.has(list.length)) {
        const words = spec.allowSame ? ", 'same' or 'valid'" : " or 'valid'";
        return `must be a whole number, ${spec.axes} values (per axis) or ${2 * spec.axes} values (before..., after...)${words}; got ${JSON.stringify(value)}`;
      }
      if (list.some((v) => v < 0)) return `can't be negative, got ${JSON.stringify(value)}`;
      return tooBig(...list);
    }
    case 'ints':
      if (!isIntList(value)) return `must be a list of whole numbers, got ${JSON.stringify(value)}`;
      if (value.length < spec.minLength)
        return `needs at least ${spec.minLength} values, got ${value.length}`;
      if (spec.maxLength !== undefined && value.length > spec.maxLength)
        return `takes at most ${spec.maxLength} values, got ${value.length}`;
      if (value.some((v) => v < spec.min))
        return `every value must be at least ${spec.min}, got ${JSON.stringify(value)}`;
      return tooBig(...value);
    case 'table':
      if (value === null) return null;
      if (!Array.isArray(value) || value.length === 0 || !value.every((row) => Array.isArray(row)))
        return 'must be null or a list of rows of 0/1, one row per output channel';
      if (
        !value.every((row) => row.length === value[0].length && row.every((x: unknown) => x === 0 || x === 1))
      )
        return 'every row must have the same length and hold only 0 and 1';
      return null;
  }
}

const NUMBER_WORDS: Partial<Record<AttrSpec['kind'], string>> = {
  int: 'a whole number',
  float: 'a number',
  padding: 'whole numbers',
  intOrTuple: 'whole numbers',
  ints: 'whole numbers',
};

/** What is wrong with typed text before it is a value at all: empty, or a word where a number goes. */
function textProblem(spec: AttrSpec, t: string, parts: string[]): string | null {
  const wanted = NUMBER_WORDS[spec.kind];
  if (!wanted) return null;
  const nullable = (spec.kind === 'int' || spec.kind === 'intOrTuple') && spec.nullable;
  if (t === '' && !nullable) return `is empty; type ${wanted}`;
  const word = parts.find((p) => !Number.isFinite(Number(p)));
  return word === undefined ? null : `must be ${wanted}; '${word}' is not a number`;
}

/**
 * Parses what a user typed in a form field into an attribute value, or a sentence that follows
 * the field's label ("out_channels is empty; type a whole number").
 */
export function parseAttributeInput(spec: AttrSpec, text: string): { value: AttrValue } | { error: string } {
  const t = text.trim();
  const keyword = spec.kind === 'padding' && (t === 'same' || t === 'valid');
  const parts = keyword
    ? []
    : spec.kind === 'int' || spec.kind === 'float'
      ? [t].filter(Boolean)
      : t
          .replace(/[()[\]]/g, '')
          .split(/[\s,x×]+/)
          .filter(Boolean);
  const problem = textProblem(spec, t, parts);
  if (problem) return { error: problem };
  let value: unknown;
  switch (spec.kind) {
    case 'int':
    case 'float':
      value = t === '' ? null : Number(t);
      break;
    case 'bool':
      value = t === 'true' ? true : t === 'false' ? false : t;
      break;
    case 'choice':
    case 'string':
      value = t;
      break;
    case 'padding':
    case 'intOrTuple':
    case 'ints': {
      if (keyword) value = t;
      else if (t === '') value = null;
      else value = parts.length === 1 && spec.kind !== 'ints' ? Number(parts[0]) : parts.map(Number);
      break;
    }
    case 'table':
      try {
        value = t === '' || t === 'null' ? null : JSON.parse(t);
      } catch {
        return { error: 'must be JSON: null or [[1,0,...],...]' };
      }
  }
  const error = checkAttribute(spec, value);
  return error ? { error } : { value: value as AttrValue };
}
