import { packageProject } from '../vitest.shared';

// Checks over the whole repository (not one package's): import cycles, line length.
export default packageProject('repository', { pool: 'threads' });
