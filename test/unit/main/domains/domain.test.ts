import { describe, expect, it } from 'vitest';
import { bindHandlers } from '../../../../src/main/domains/domain.ts';
import { CALL_NAMES } from '../../../../src/shared/contract.ts';

/** A handler for each of `names`, answering with its own name. */
const answering = (names: readonly string[]) => Object.fromEntries(names.map((name) => [name, () => name]));

describe('bindHandlers', () => {
  it('binds every call of the contract to the one domain that answers it', () => {
    const [first, ...rest] = CALL_NAMES;
    const handlers = bindHandlers({ one: { handlers: answering([first!]) }, rest: { handlers: answering(rest) } });
    expect(Object.keys(handlers).sort()).toEqual([...CALL_NAMES].sort());
    expect((handlers[first!] as unknown as () => string)()).toBe(first);
  });

  it('refuses a call answered by two domains, naming both', () => {
    expect(() => bindHandlers({ ssh: { handlers: answering(CALL_NAMES) }, jobs: { handlers: answering(['workers:remove']) } })).toThrow(
      'The call workers:remove is answered by both the ssh and the jobs domains; one domain must own it.',
    );
  });

  it('refuses a contract call no domain answers, and a handler the contract does not have', () => {
    const withoutRemove = CALL_NAMES.filter((name) => name !== 'workers:remove');
    expect(() => bindHandlers({ all: { handlers: answering(withoutRemove) } })).toThrow('No domain answers workers:remove; add it to the domain that owns its service.');
    expect(() => bindHandlers({ all: { handlers: answering(CALL_NAMES) }, extra: { handlers: answering(['workers:rename']) } })).toThrow(
      'The workers:rename (extra) handler is not a call of the contract.',
    );
  });
});
