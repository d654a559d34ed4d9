// Lint: typescript-eslint's recommended rules, plus the architecture as rules rather than habits:
// which top-level folder may import which (engine/ pure; protocol/ and renderer/ never reach the
// Node side), and no source file over 500 lines of code. test/unit/lint-rules.test.ts proves that
// each rule fires.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Packages that only work in Node or Electron (or, for engine/, in a page). */
const NODE_SIDE = ['node:*', 'fs', 'path', 'os', 'electron', 'ws', 'onnxruntime-node'];
const UI = ['react', 'react-dom', '@xyflow/*'];

/**
 * What each folder may import from the rest of the repository (besides itself), and which
 * packages it must not use.
 */
const BOUNDARIES = [
  {
    folder: 'engine',
    reaches: [],
    packages: [...NODE_SIDE, ...UI],
    message:
      'engine/ stays free of Node, DOM, React and Electron imports and of every other folder; put I/O in host/ or cli/.',
  },
  {
    folder: 'protocol',
    reaches: ['engine'],
    packages: [...NODE_SIDE, ...UI],
    message:
      'protocol/ is shared by the renderer and the Node side: it may import engine/ only, and no Node, Electron or React.',
  },
  {
    folder: 'renderer',
    reaches: ['engine', 'protocol'],
    packages: NODE_SIDE,
    message:
      'renderer/ may import engine/ and protocol/ only; reach host/, server/, electron/ and cli/ through the HostApi.',
  },
];

// Imports are relative ('../../host/x.ts'), and ESLint's own rules match the import text, not the
// resolved file. A file n folders deep reaches the repository root with exactly n '../', so one
// config per depth turns "outside the folder and not in `reaches`" into a regular expression.
// no-restricted-imports does not look at import() calls; no-restricted-syntax covers those.
const MAX_DEPTH = 8;
const escapeForSelector = (re) => re.replaceAll('/', '\\x2F');

function boundaryConfigs({ folder, reaches, packages, message }) {
  return Array.from({ length: MAX_DEPTH }, (_, i) => {
    const depth = i + 1;
    const outside = `^(?:\\.\\./){${depth}}(?!(?:${[folder, ...reaches].join('|')})/)`;
    return {
      files: [`${folder}/${'*/'.repeat(depth - 1)}*.{ts,tsx}`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              { regex: outside, message },
              { group: packages, message },
            ],
          },
        ],
        'no-restricted-syntax': [
          'error',
          { selector: `ImportExpression[source.value=/${escapeForSelector(outside)}/]`, message },
        ],
      },
    };
  });
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'test-results/', '.scratch/', 'engine/layers/registry.gen.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...BOUNDARIES.flatMap(boundaryConfigs),
  {
    files: ['{engine,host,renderer,protocol,server,cli}/**/*.{ts,tsx}'],
    rules: { 'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }] },
  },
  {
    // engine/ is used through its public entry points only: engine/index.ts, plus the two it keeps
    // apart (onnx/: protobufjs stays out of the renderer; data/: datasets). (The renderer is
    // left out until its move into feature folders lands; it has three deeper imports.)
    files: [
      'cli/**/*.ts',
      'host/**/*.ts',
      'protocol/**/*.ts',
      'server/**/*.ts',
      'electron/**/*.ts',
      'scripts/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)engine/(?!(index|onnx/index|data/index)\\.ts$)',
              message:
                'Import the engine through engine/index.ts (or engine/onnx/index.ts, engine/data/index.ts); export what you need there.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
  },
);
