import { calls, isCallName, type CallName, type CallOutput, type ParsedCallInput } from '../shared/contract.ts';
import { WorkbenchError, toWireError } from '../shared/errors.ts';
import type { CallResult } from '../shared/protocol.ts';
import { describeZodError } from './zod-message.ts';

export type Handlers = {
  [N in CallName]: (input: ParsedCallInput<N>) => Promise<CallOutput<N>> | CallOutput<N>;
};

export type Dispatch = (name: unknown, input: unknown) => Promise<CallResult>;

/**
 * Binds the contract to the services. Every transport calls `dispatch` and nothing else:
 * the name is checked against the contract, the input parsed by its schema (a handler only
 * ever sees checked input), the output checked on the way out, and any failure becomes a
 * `{code, message, retryable}` result rather than an exception.
 */
export function createDispatcher(handlers: Handlers): Dispatch {
  return async (name, input) => {
    try {
      if (!isCallName(name)) {
        throw new WorkbenchError('UNKNOWN_CALL', `There is no call named ${JSON.stringify(String(name)).slice(0, 80)}.`);
      }
      const spec = calls[name];
      const parsed = spec.input.safeParse(input);
      if (!parsed.success) {
        throw new WorkbenchError('BAD_INPUT', `${name}: ${describeZodError(parsed.error)}`);
      }
      const handler = handlers[name] as (input: unknown) => unknown;
      const value: unknown = await handler(parsed.data);
      const checked = spec.output.safeParse(value);
      if (!checked.success) {
        throw new WorkbenchError('INTERNAL', `${name} produced a malformed answer: ${describeZodError(checked.error)}`);
      }
      return { ok: true, value: checked.data };
    } catch (err) {
      return { ok: false, error: toWireError(err) };
    }
  };
}
