import { InvalidArgumentError } from 'commander';

/** `--tail 50` and friends: a whole number, or a clear error. */
export function parsePositiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} takes a whole number.`);
    return n;
  };
}
