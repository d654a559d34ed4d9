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
