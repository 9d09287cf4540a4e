/** Collects what `runCli` writes to stdout (`out`) and stderr (`err`) through its `io` argument. */
export function capture(): {
  out: string[];
  err: string[];
  io: { write: (t: string) => void; writeError: (t: string) => void };
} {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { write: (t) => void out.push(t), writeError: (t) => void err.push(t) } };
}
