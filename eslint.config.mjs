// Lint: typescript-eslint's recommended rules, plus the architecture's import rules (ARCHITECTURE.md "Rooms").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test-results/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The core runs in the worker, the CLI and tests: no vscode, no host, no webview.
  { files: ['src/core/**/*.ts'], rules: restrict([{ group: ['vscode', '**/host/**', '**/webview/**', '**/worker/**'], message: 'src/core is vscode-free and knows nothing of the host, worker or webviews.' }]) },
  // Panel data: pure code the host, the HTML report and the CLI share.
  { files: ['src/panelData/**/*.ts'], rules: restrict([{ group: ['vscode', '**/host/**', '**/webview/**', '**/worker/**', 'onnxruntime-node'], message: 'src/panelData is pure: no vscode, no host, no webview, no ORT.' }]) },
  // The graph core does not know how a model is run.
  { files: ['src/core/onnx/**/*.ts'], rules: restrict([{ group: ['vscode', 'onnxruntime-node', '**/decode/**'], message: 'src/core/onnx reads and edits graphs; it does not run them.' }]) },
  // Inference never runs on the extension-host thread.
  { files: ['src/host/**/*.ts'], rules: restrict([{ group: ['onnxruntime-node', '**/core/decode/*', '!**/core/decode/options', '!**/core/decode/sampling', '**/core/onnx/**', '**/core/lens', '**/core/lens/*', '!**/core/lens/outputs', '!**/core/lens/hidden'], message: 'The host talks to the worker; it never loads ONNX Runtime or runs the decoder.' }]) },
  { files: ['src/worker/**/*.ts', 'src/cli/**/*.ts', 'src/cli.ts'], rules: restrict([{ group: ['vscode', '**/host/**'], message: 'The worker and CLI know no vscode.' }]) },
  // Webviews import only protocol types and their own code.
  { files: ['webview/**/*.ts'], rules: restrict([{ group: ['**/src/core/**', '**/src/host/**', '**/src/worker/**', 'vscode', 'node:*'], message: 'Webviews speak the protocol; they never import the core, host or Node.' }]) },
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', Buffer: 'readonly', __dirname: 'readonly' } } },
);
