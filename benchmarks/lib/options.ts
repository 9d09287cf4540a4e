const argv = process.argv.slice(2);

/** The value after `--name` on the command line, or `fallback`. */
export function option(name: string, fallback: string): string {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1]! : fallback;
}

/** A numeric `--name N`, or `fallback`. */
export const numberOption = (name: string, fallback: number): number => Number(option(name, String(fallback)));

/** Whether `--name` was given. */
export const flag = (name: string): boolean => argv.includes(`--${name}`);
