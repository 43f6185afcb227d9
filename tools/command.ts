/** What the commands share: argument parsing errors as usage errors, typed errors as exit 1. */
import { parseArgs, ParseArgsConfig } from 'util';
import { PerceiverError } from '../src/errors';

/** Bad command line: the message, then the help, exit status 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

export function parseCommandArgs<T extends Options>(args: string[], options: T): Parsed<T> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Runs a command body: usage errors exit 2 (with help), PerceiverErrors exit 1; anything else is a bug and propagates. */
export async function runCommand(name: string, help: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`perceiver-io ${name}: ${e.message}\n\n${help}`);
      return 2;
    }
    if (e instanceof PerceiverError) {
      process.stderr.write(`perceiver-io ${name}: ${e.name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
