// Lint: typescript-eslint's recommended rules, plus the one architectural rule that matters most:
// engine/ is pure TypeScript and must never reach for Node, the DOM framework or Electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'test-results/', '.scratch/', 'engine/layers/registry.gen.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'fs',
                'path',
                'os',
                'electron',
                'react',
                'react-dom',
                '@xyflow/*',
                'ws',
                'onnxruntime-node',
              ],
              message:
                'engine/ stays free of Node, DOM, React and Electron imports; put I/O in host/ or cli/.',
            },
          ],
        },
      ],
    },
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
