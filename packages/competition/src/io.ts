// The durable file layer shared by every @art package (bundled into each; see internal/durable-fs.ts).
export * from '../../../internal/durable-fs.js';
