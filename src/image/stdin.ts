/**
 * The file arguments that mean stdin, for every command that reads one
 * (flash's image, decode's capture): `-` and the names Linux gives it. Such
 * a stream is read as a stream, never opened as a file: /dev/stdin is a
 * FIFO or a terminal, which the host-file checks refuse.
 */
export const STDIN_NAMES = ['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0'] as const;

export function isStdinName(arg: string): boolean {
  return STDIN_NAMES.some((n) => n === arg);
}
