import { defineConfig } from 'vitest/config';

// One run over every package; each package's own vitest.config.ts describes its project.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/vitest.config.ts', 'scripts/vitest.config.ts'],
    // Two cores on CI: heavy TF.js suites must not starve each other.
    maxWorkers: 2,
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
