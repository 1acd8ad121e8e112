// Lint: typescript-eslint's recommended rules, plus the layer rules. test/unit/architecture/imports.test.ts holds
// the same table and checks it against the real import graph (this lint sees one specifier at a time).
//
// Layers, lowest first ("a → b": b may import a, never the other way round):
//   core → protocol → panelData → panelData/node → host, cli
//                   → worker
//          protocol, panelData → webview/shared → webview/panel, webview/inspector, webview/compare
// core: vscode-free and DOM-free, imports no other room. protocol: core *types* only (import type). panelData:
// browser-safe (the report page runs it); panelData/node writes report files. The host never loads the core's
// decoder, graph or lens runtime (inference runs in the worker). A webview never imports another webview.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// A specifier naming a room, however it is reached: '../core/decode' (a folder index), '../../src/host/x',
// './node/reportHtml' — the room's folder right after '..', '.' or 'src' (so '../protocol/worker' is not the worker).
const room = (...names) => `(^|/)(\\.\\.?|src)/(${names.join('|')})(/|$)`;
const rule = (message, patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns: patterns.map((p) => ({ message, ...p })) }],
});
const banned = (...regexes) => regexes.map((regex) => ({ regex }));
const packages = (...names) => names.map((n) => ({ regex: `^${n}$` }));
const NODE = { regex: '^node:' };

function layerRules() {
  const views = ['panel', 'inspector', 'compare', 'interventions'];
  const webview = (name) => ({
    files: [`webview/${name}/**/*.ts`],
    rules: rule(
      name === 'shared'
        ? 'webview/shared is for every view: it imports no view, and speaks the protocol (never the core, host or Node).'
        : `webview/${name} speaks the protocol and uses webview/shared; it imports no other view, and never the core, host or Node.`,
      [
        ...banned(
          room('src/core', 'src/host', 'src/worker', 'src/cli', 'panelData/node'),
          `^\\.\\./(${views.filter((v) => v !== name).join('|')})/`,
        ),
        ...packages('vscode', 'onnxruntime-node'),
        NODE,
      ],
    ),
  });
  return [
    {
      files: ['src/core/**/*.ts'],
      rules: rule('src/core is the lowest layer: vscode-free, and it imports no other room.', [
        ...banned(room('protocol', 'panelData', 'worker', 'host', 'cli', 'webview')),
        ...packages('vscode'),
      ]),
    },
    {
      files: ['src/core/onnx/**/*.ts'],
      rules: rule('src/core/onnx reads and edits graphs; it does not run them.', [
        ...banned(room('protocol', 'panelData', 'worker', 'host', 'cli', 'webview', 'decode')),
        ...packages('vscode', 'onnxruntime-node'),
      ]),
    },
    {
      files: ['src/protocol/**/*.ts'],
      rules: rule('src/protocol sits on the core and imports only its types (webviews read the protocol).', [
        ...banned(room('panelData', 'worker', 'host', 'cli', 'webview')),
        { regex: room('core'), allowTypeImports: true },
        ...packages('vscode', 'onnxruntime-node'),
        NODE,
      ]),
    },
    {
      files: ['src/panelData/**/*.ts'],
      ignores: ['src/panelData/node/**'],
      rules: rule(
        'src/panelData is browser-safe (the report page runs it): no Node, no vscode, no ORT; the Node half is src/panelData/node.',
        [...banned(room('worker', 'host', 'cli', 'webview', 'node')), ...packages('vscode', 'onnxruntime-node'), NODE],
      ),
    },
    {
      files: ['src/panelData/node/**/*.ts'],
      rules: rule('src/panelData/node writes report files for the host and the CLI: no vscode, no ORT.', [
        ...banned(room('worker', 'host', 'cli', 'webview')),
        ...packages('vscode', 'onnxruntime-node'),
      ]),
    },
    {
      files: ['src/worker/**/*.ts'],
      rules: rule('The worker speaks the protocol: no vscode, no host, no panel data.', [
        ...banned(room('host', 'cli', 'webview', 'panelData')),
        ...packages('vscode'),
      ]),
    },
    {
      files: ['src/cli/**/*.ts', 'src/cli.ts'],
      rules: rule('The CLI knows no vscode.', [...banned(room('host', 'worker', 'webview')), ...packages('vscode')]),
    },
    {
      files: ['src/host/**/*.ts'],
      rules: rule(
        'The host talks to the worker; it never loads ONNX Runtime or runs the decoder (options, sampling and lens outputs are data).',
        [
          ...banned(
            room('worker', 'cli', 'webview'),
            '(^|/)(\\.\\.|src)/core/(onnx(/|$)|decode(/(?!(options|sampling)$)|$)|lens(/(?!(outputs|hidden)$)|$))',
          ),
          ...packages('onnxruntime-node'),
        ],
      ),
    },
    ...['shared', ...views].map(webview),
  ];
}

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test-results/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerRules(),
  {
    files: ['**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        Buffer: 'readonly',
        __dirname: 'readonly',
      },
    },
  },
);
