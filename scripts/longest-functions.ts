// Prints the longest functions in the source tree, so the "no function over ~120 lines" rule
// (issue 15) can be checked in one command: `npx tsx scripts/longest-functions.ts [count] [dirs...]`.
// A function's length is its start line to its end line, nested functions included; each nested
// function is also listed on its own. Tests, generated files and scripts are left out by default.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const DEFAULT_DIRS = ['engine', 'host', 'renderer', 'protocol', 'cli', 'server', 'electron'];
const SOURCE_FILE = /\.(ts|tsx)$/;
const SKIPPED = /(^|\/)(node_modules|dist|generated)(\/|$)|\.d\.ts$|\.generated\.ts$/;

export interface FunctionLength {
  file: string;
  line: number;
  name: string;
  lines: number;
}

function sourceFilesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (SKIPPED.test(path)) return [];
    if (statSync(path).isDirectory()) return sourceFilesUnder(path);
    return SOURCE_FILE.test(entry) ? [path] : [];
  });
}

/** The name a reader would search for: the declaration's own, or the variable/property it is bound to. */
function functionName(node: ts.FunctionLikeDeclaration): string {
  if (node.name && !ts.isComputedPropertyName(node.name)) return node.name.getText();
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText();
  if (ts.isCallExpression(parent)) {
    const owner = parent.parent;
    if (ts.isVariableDeclaration(owner) || ts.isPropertyAssignment(owner)) return owner.name.getText();
    return `(callback of ${parent.expression.getText().slice(0, 40)})`;
  }
  return '(anonymous)';
}

export function functionLengths(file: string, root = process.cwd()): FunctionLength[] {
  const text = readFileSync(file, 'utf8');
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const found: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      const start = source.getLineAndCharacterOfPosition(fn.getStart(source)).line + 1;
      const end = source.getLineAndCharacterOfPosition(fn.getEnd()).line + 1;
      found.push({ file: relative(root, file), line: start, name: functionName(fn), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export function longestFunctions(dirs: string[], count: number): FunctionLength[] {
  return dirs
    .flatMap((dir) => sourceFilesUnder(dir))
    .flatMap((file) => functionLengths(file))
    .sort((a, b) => b.lines - a.lines)
    .slice(0, count);
}

function main(argv: string[]): void {
  const count = argv[0] && /^\d+$/.test(argv[0]) ? Number(argv[0]) : 5;
  const dirs = argv.slice(argv[0] && /^\d+$/.test(argv[0]) ? 1 : 0);
  for (const fn of longestFunctions(dirs.length ? dirs : DEFAULT_DIRS, count)) {
    console.log(`${String(fn.lines).padStart(4)} ${fn.file}:${fn.line} ${fn.name}`);
  }
}

// Run as a script; imported (by its test), it only exports.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
