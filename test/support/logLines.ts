/** A server's stdout read back as pino's JSON lines, the way an operator's `jq` reads it. */

/** One log line: pino's fields (`level`, `time`, `msg`) and whatever the line carries. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** Every line of `stdout` as JSON; a line that is not JSON throws, naming it. */
export function logLines(stdout: string): LogLine[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a structured log line: ${line}`);
      }
    });
}
