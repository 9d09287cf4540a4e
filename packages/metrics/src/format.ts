/** Number and table formatting shared by the report and the confusion matrix. */

/**
 * Formats like Python's `format(value, '.{digits}f')`, so text reports match scikit-learn's
 * character for character: exact binary ties round half to even (JavaScript's `toFixed`
 * rounds them up: `(0.125).toFixed(2)` is `"0.13"`, Python gives `"0.12"`), and NaN/Infinity
 * print as `nan`/`inf`.
 *
 * @param value Number to format.
 * @param digits Decimals, 0 to 100.
 * @example
 * formatFixed(0.125, 2); // '0.12' (Python), where (0.125).toFixed(2) is '0.13'
 * formatFixed(Number.NaN, 2); // 'nan'
 */
export function formatFixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e21) return value.toFixed(digits);
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  // toFixed(100) is exact for any double below 1e21 with fewer than 100 fractional digits
  // that could matter here, so a tie shows as a 5 followed only by zeros.
  const exact = magnitude.toFixed(100);
  const point = exact.indexOf('.');
  const tail = exact.slice(point + 1 + digits);
  const rounded = magnitude.toFixed(digits);
  if (/^50*$/.test(tail)) {
    const truncated = digits === 0 ? exact.slice(0, point) : exact.slice(0, point + 1 + digits);
    const lastDigit = Number(truncated[truncated.length - 1]);
    if (lastDigit % 2 === 0) return sign + truncated;
  }
  return sign + rounded;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Escapes a Markdown table cell. */
export function escapeMarkdownCell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** Renders a Markdown table; `align` gives `'left'` or `'right'` per column. */
export function markdownTable(header: string[], rows: string[][], align: ('left' | 'right')[]): string {
  const line = (cells: string[]): string => `| ${cells.map(escapeMarkdownCell).join(' | ')} |`;
  const separator = `|${align.map((side) => (side === 'right' ? ' ---: ' : ' :--- ')).join('|')}|`;
  return `${[line(header), separator, ...rows.map(line)].join('\n')}\n`;
}
