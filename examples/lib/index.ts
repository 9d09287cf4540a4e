export { parseExampleArgs, usage, backendNames, type BackendName, type ExampleOptions, type RunDefaults } from './cli.js';
export { resolveDataRoot, syntheticPresets, examplesRoot } from './data.js';
export { main, runExample, runWithOptions, type Recipe, type RunSummary } from './run.js';
export { b3Recipe, v2mRecipe, pyramidRecipe, demoRecipe, seedNetwork, smokeScale } from './recipes.js';
export { printTable, formatDuration } from './report.js';
