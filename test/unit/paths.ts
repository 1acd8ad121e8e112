import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (tests run from out/test/unit/…, sources live in test/unit/…). */
export const repoRoot = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error(`No package.json above ${__dirname}: run the tests from the repository.`);
    dir = parent;
  }
  return dir;
})();
export const fixturesDir = join(repoRoot, 'test', 'fixtures', 'models');
export const fixture = (...parts: string[]) => join(fixturesDir, ...parts);
/** Real data that is not ours to commit; tests that use it skip, saying so, when it is absent. */
export const sharedDataDir = resolve(repoRoot, '..', 'shared', 'data');
