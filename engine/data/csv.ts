// Tabular data: each row a sample, numeric feature columns plus one label column. Labels may
// be class names ("setosa"), mapped to indices in sorted order so the mapping does not depend
// on row order (as scikit-learn's LabelEncoder does), or non-negative integers, used as they
// are. Errors name the line and column, since a CSV a user brings is the likeliest bad input.
import { limitText, MAX_CLASSES } from '../limits.ts';
import { makeDataset, type Dataset } from './dataset.ts';

export interface CsvOptions {
  /** Column name (needs a header) or 0-based index; negative counts from the end. Default: last column. */
  labelColumn?: string | number;
  /** Whether the first row holds column names. Default: detected (see detectHeader). */
  header?: boolean;
  delimiter?: string;
  name?: string;
  /** Numeric targets (a Float32Array) instead of classes. */
  regression?: boolean;
  /** Fix the label-to-index mapping (e.g. to match a training set); unknown labels are errors. */
  classNames?: string[];
  /**
   * Each row is one sequence, a value per step (a time series): samples are [steps, 1], as LSTM,
   * GRU and Conv1d read them, instead of [features].
   */
  sequence?: boolean;
}

interface Row {
  line: number;
  cells: string[];
}

export function parseCsv(text: string, opts: CsvOptions = {}): Dataset {
  const name = opts.name ?? 'csv';
  const delimiter = opts.delimiter ?? ',';
  let rows = splitRows(text, delimiter, name);
  if (rows.length === 0) throw new Error(`${name}: the CSV has no rows`);

  const header = opts.header ?? (typeof opts.labelColumn === 'string' || detectHeader(rows));
  const columns = header
    ? rows[0].cells.map((c) => c.trim())
    : rows[0].cells.map((_, i) => `column ${i + 1}`);
  if (header) rows = rows.slice(1);
  const width = columns.length;
  const labelIndex = resolveLabelColumn(opts.labelColumn, columns, header, name);

  const featureColumns = columns.map((_, i) => i).filter((i) => i !== labelIndex);
  const features = featureColumns.length;
  if (features === 0) throw new Error(`${name}: no feature columns besides the label column`);
  const x = new Float32Array(rows.length * features);
  const labels: string[] = [];
  rows.forEach((row, r) => {
    if (row.cells.length !== width) {
      throw new Error(
        `${name}: line ${row.line} has ${row.cells.length} fields, expected ${width} like the first row`,
      );
    }
    featureColumns.forEach((c, f) => {
      x[r * features + f] = parseNumber(row.cells[c], row.line, c, columns, name);
    });
    labels.push(row.cells[labelIndex].trim());
  });

  const base = { name, inputShape: opts.sequence ? [features, 1] : [features], x };
  if (opts.regression) {
    const y = Float32Array.from(rows, (row, r) =>
      parseNumber(labels[r], row.line, labelIndex, columns, name),
    );
    return makeDataset({ ...base, numClasses: 0, y });
  }
  return makeDataset({ ...base, ...encodeLabels(labels, rows, columns[labelIndex], opts.classNames, name) });
}

function encodeLabels(
  labels: string[],
  rows: Row[],
  column: string,
  fixed: string[] | undefined,
  name: string,
): { numClasses: number; classNames?: string[]; y: Int32Array } {
  const y = new Int32Array(labels.length);
  const allIndices = !fixed && labels.every((l) => /^\d+$/.test(l));
  if (allIndices) {
    let max = -1;
    labels.forEach((l, i) => {
      const v = Number(l);
      if (v >= MAX_CLASSES)
        throw new Error(
          `${name}: line ${rows[i].line}, label column "${column}": class ${l} is beyond the ${limitText('MAX_CLASSES')} classes a data set may have`,
        );
      y[i] = v;
      max = Math.max(max, v);
    });
    return { numClasses: max + 1, y };
  }
  const classNames = fixed ?? [...new Set(labels)].sort();
  const index = new Map(classNames.map((c, i) => [c, i]));
  labels.forEach((l, i) => {
    const k = index.get(l);
    if (k === undefined) {
      const why = l === '' ? 'is empty' : `"${l}" is not one of the classes ${classNames.join(', ')}`;
      throw new Error(`${name}: line ${rows[i].line}, label column "${column}": ${why}`);
    }
    y[i] = k;
  });
  return { numClasses: classNames.length, classNames, y };
}

function resolveLabelColumn(
  spec: string | number | undefined,
  columns: string[],
  header: boolean,
  name: string,
): number {
  const width = columns.length;
  if (spec === undefined) return width - 1;
  if (typeof spec === 'string') {
    const i = columns.indexOf(spec);
    if (i < 0) throw new Error(`${name}: no column named "${spec}" (columns: ${columns.join(', ')})`);
    return i;
  }
  const i = spec < 0 ? width + spec : spec;
  if (!Number.isInteger(i) || i < 0 || i >= width) {
    throw new Error(
      `${name}: label column ${spec} is out of range for ${width} columns${header ? '' : ' (no header)'}`,
    );
  }
  return i;
}

function parseNumber(cell: string, line: number, col: number, columns: string[], name: string): number {
  const s = cell.trim();
  const v = s === '' ? NaN : Number(s);
  if (!Number.isFinite(v)) {
    const what = s === '' ? 'is empty' : `"${s}" is not a number`;
    throw new Error(`${name}: line ${line}, column ${col + 1} ("${columns[col]}"): ${what}`);
  }
  return v;
}

/**
 * The first row is a header when one of its cells is not a number while the cell below it is:
 * "sepal_length,...,species" over "5.1,...,setosa". A string label column alone does not make
 * a header, because every data row has one too.
 */
export function detectHeader(rows: { cells: string[] }[]): boolean {
  const isNum = (s: string | undefined) => s !== undefined && s.trim() !== '' && Number.isFinite(Number(s));
  const [first, second] = rows;
  if (!second) return first.cells.every((c) => !isNum(c));
  return first.cells.some((c, i) => !isNum(c) && isNum(second.cells[i]));
}

/** Lines to cells, honouring "quoted, fields" and "" escapes. Blank lines are skipped. */
function splitRows(text: string, delimiter: string, name: string): Row[] {
  const rows: Row[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    rows.push({ line: i + 1, cells: splitLine(raw, delimiter, i + 1, name) });
  });
  return rows;
}

function splitLine(line: string, delimiter: string, lineNo: number, name: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (line.startsWith(delimiter, i)) {
      cells.push(cell);
      cell = '';
      i += delimiter.length - 1;
    } else cell += ch;
  }
  if (quoted)
    throw new Error(
      `${name}: line ${lineNo} has an unclosed quote (fields spanning lines are not supported)`,
    );
  cells.push(cell);
  return cells;
}
