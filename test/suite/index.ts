/**
 * The mocha entry point VS Code calls inside the real extension host (`extensionTestsPath`), whether the
 * host was started by @vscode/test-electron or by our code-server harness. It runs every
 * `out/test/suite/**\/*.test.js` and rejects when any test fails; VS Code turns that into the exit code.
 *
 * The harnesses read the counts from DECODER_LENS_TEST_RESULTS (a JSON file; the variable reaches the
 * extension host through the server's or Electron's environment) and, failing that, from the
 * `decoder-lens-suite:` line printed at the end.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export interface SuiteResults {
  passed: number;
  failed: number;
  skipped: number;
  failures: { title: string; error: string }[];
  durationMs: number;
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    // Model loading on a busy 2-core machine can take seconds; a hung test still ends well before the harness watchdog.
    timeout: 60_000,
    // The extension host's console goes to a log, not a terminal.
    color: false,
    reporter: 'spec',
  });
  const grep = process.env.DECODER_LENS_TEST_GREP;
  if (grep) mocha.grep(grep);

  const dir = __dirname;
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.test.js')).sort();
  for (const f of files) mocha.addFile(path.join(dir, f));
  // The code-server harness shows the extension host's console from this line on (the workbench logs before it).
  console.log(`decoder-lens-suite: running ${files.length} test file(s) in VS Code ${vscode.version}`);
  echoErrorMessages();

  return new Promise((resolve, reject) => {
    const results: SuiteResults = { passed: 0, failed: 0, skipped: 0, failures: [], durationMs: 0 };
    const started = Date.now();
    let runner: Mocha.Runner;
    try {
      runner = mocha.run((failures) => {
        results.durationMs = Date.now() - started;
        // Failures in hooks count too (mocha reports them as failures without a 'pass'/'fail' per test).
        results.failed = Math.max(results.failed, failures);
        report(results);
        if (failures > 0 || results.passed === 0)
          reject(new Error(results.passed === 0 && failures === 0 ? 'No test passed (were any found?)' : `${failures} test(s) failed.`));
        else resolve();
      });
    } catch (error) {
      // A test file that throws while loading.
      results.failed = 1;
      results.failures.push({ title: 'loading the test files', error: String((error as Error)?.stack ?? error) });
      report(results);
      reject(error);
      return;
    }
    runner.on('pass', () => results.passed++);
    runner.on('pending', () => results.skipped++);
    runner.on('fail', (test, error: Error) => {
      results.failed++;
      results.failures.push({ title: test.fullTitle(), error: String(error?.stack ?? error) });
    });
  });
}

function report(results: SuiteResults): void {
  console.log(`decoder-lens-suite: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`);
  const file = process.env.DECODER_LENS_TEST_RESULTS;
  if (file) fs.writeFileSync(file, JSON.stringify(results, null, 2));
}

/**
 * Every message the extension shows (error, warning, information) goes to the log as well: a decode that returns nothing in a test then
 * says why (the message names the file or value). Tests that watch the messages themselves still see each call.
 */
function echoErrorMessages(): void {
  for (const [kind, name] of [
    ['error', 'showErrorMessage'],
    ['warning', 'showWarningMessage'],
    ['information', 'showInformationMessage'],
  ] as const) {
    const show = vscode.window[name] as (...args: unknown[]) => unknown;
    (vscode.window as Record<string, unknown>)[name] = (message: string, ...rest: unknown[]) => {
      console.log(`  [${kind} message] ${message}`);
      return show.call(vscode.window, message, ...rest);
    };
  }
}
