// The browser tiers' tiny runner: named checks that log ✓/✗ with the first lines of the error, skips that say
// why, and the "<tier>: N passed, N failed" line scripts/test-all.mjs counts.
export function checks(tier) {
  const results = [];
  return {
    async check(name, body) {
      const t0 = Date.now();
      try {
        await body();
        results.push(true);
        console.log(`  ✓ ${name} (${Date.now() - t0} ms)`);
      } catch (error) {
        results.push(false);
        console.log(
          `  ✗ ${name}\n      ${String(error?.stack ?? error)
            .split('\n')
            .slice(0, 6)
            .join('\n      ')}`,
        );
      }
    },
    skip: (name, why) => console.log(`  - ${name}: SKIPPED (${why})`),
    /** Prints the tier's line and exits non-zero when a check failed. */
    finish() {
      const passed = results.filter(Boolean).length;
      console.log(`${tier}: ${passed} passed, ${results.length - passed} failed`);
      process.exit(passed === results.length ? 0 : 1);
    },
  };
}
