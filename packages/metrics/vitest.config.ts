import { packageProject } from '../../vitest.shared';

// Worker threads start faster than the default child processes; nothing here needs isolation
// beyond a thread (the parity command's end-to-end test spawns its own process).
export default packageProject('@art/metrics', { pool: 'threads' });
