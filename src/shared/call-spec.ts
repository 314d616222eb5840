import { z } from 'zod';

/**
 * One contract call: its input and output schemas and what it does. Every call table (contract.ts
 * and the *-calls.ts files it joins) builds its entries with this.
 */
export function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc };
}

/** The input of a call that takes none: nothing, null or {} (what each transport sends). */
export const NoInput = z.union([z.undefined(), z.null(), z.object({}).strict()]).transform(() => undefined);
