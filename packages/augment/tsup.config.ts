import { packageBuild } from '../../tsup.shared';

// index: pure transforms (no native module); io: sharp codecs; pool: worker threads
// (pool-worker is the thread entry the pool starts from dist).
export default packageBuild({
  index: 'src/index.ts',
  io: 'src/io/index.ts',
  pool: 'src/pool/index.ts',
  'pool-worker': 'src/pool/worker.ts',
});
