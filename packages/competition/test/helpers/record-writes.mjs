// Preloaded with `node --import` (via tsx) by test/art.test.ts: appends every path the process
// opens for writing, writes, renames onto or creates to $ART_WRITE_LOG, one per line, so a test
// can check that concurrent jobs never write the same file.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';

const logFile = process.env.ART_WRITE_LOG;
// Opened before the wrapping, written with writeSync (not wrapped): the recorder records nothing of its own.
const logFd = logFile ? fs.openSync(logFile, 'a') : -1;
const record = (path) => {
  if (typeof path === 'string' || path instanceof URL)
    fs.writeSync(logFd, `${resolve(path instanceof URL ? path.pathname : path)}\n`);
};
const writes = (flags) => flags !== undefined && /[wax+]/.test(String(flags));
const p = fs.promises;
const wrap = (target, name, pick) => {
  const original = target[name];
  target[name] = function (...args) {
    pick(args);
    return original.apply(this, args);
  };
};
if (logFile) {
  wrap(p, 'open', ([file, flags]) => writes(flags) && record(file));
  wrap(p, 'writeFile', ([file]) => record(file));
  wrap(p, 'appendFile', ([file]) => record(file));
  wrap(p, 'copyFile', ([, to]) => record(to));
  wrap(p, 'rename', ([, to]) => record(to));
  wrap(p, 'mkdir', ([dir]) => record(dir));
  wrap(fs, 'openSync', ([file, flags]) => writes(flags) && record(file));
  wrap(fs, 'writeFileSync', ([file]) => record(file));
  wrap(fs, 'renameSync', ([, to]) => record(to));
  wrap(fs, 'mkdirSync', ([dir]) => record(dir));
  wrap(fs, 'createWriteStream', ([file]) => record(file));
  syncBuiltinESMExports();
}
