/**
 * A titled two-column table as text (one line per row, labels padded).
 * @example process.stdout.write(formatTable('Ensemble', [['Submission', 'runs/b3/submission.csv']]));
 */
export function formatTable(title: string, rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return `\n${title}\n${rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}\n`).join('')}`;
}

/**
 * "3 min 05 s" / "42.0 s".
 * @example formatDuration(185); // '3 min 05 s'
 */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(Math.round(seconds - minutes * 60)).padStart(2, '0')} s`;
}
