import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventName, EventPayload } from '../../../shared/contract.ts';
import { useClient, useConnectionState } from '../api/context.tsx';
import { errorMessage } from './errors.ts';

/** What `apply` returns when an event says the value changed without saying how: read it again. */
export const RELOAD = Symbol('reload');

export interface LiveSource<T, E extends EventName> {
  /** Reads the whole value from the core. Memoize it: a new function (another id) reads again. */
  load: () => Promise<T>;
  /** The event that says the value changed. */
  topic: E;
  /** The event's subscription key, for topics sent per item. */
  topicKey?: string;
  /**
   * What an event does to the value: the new value, or RELOAD to read it again. Without it the
   * payload is the new value. Keep it stable (module-level): it is a dependency of the subscription.
   */
  apply?: (current: T | undefined, payload: EventPayload<E>) => T | undefined | typeof RELOAD;
}

export interface Live<T> {
  /** Undefined until the first load answers. */
  value: T | undefined;
  /** True until the first load answers, and while a reload() asked for is in flight. */
  loading: boolean;
  /** Why the last load failed; cleared by the next one that succeeds. The value is kept. */
  error: string | undefined;
  /** Reads the value again; never rejects (a failure lands in `error`). */
  reload(): Promise<void>;
  /** Changes the value in place, for what other events say about it. */
  update(change: (current: T | undefined) => T | undefined): void;
}

const replace = <T>(_current: T | undefined, payload: unknown) => payload as T;

/**
 * A value the core owns, kept live: loaded when the bridge is open (and again whenever it
 * reopens, as events sent while it was down are gone), then changed by each event on `topic`.
 * Only the latest load may set the value: a slow answer must not undo a later one.
 */
export function useLive<T, E extends EventName>({ load, topic, topicKey, apply = replace }: LiveSource<T, E>): Live<T> {
  const client = useClient();
  const connection = useConnectionState();
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  // The value as last changed, for event handlers: several events can arrive in one batch and each
  // must see what the one before it did.
  const current = useRef<T | undefined>(undefined);
  const latestLoad = useRef(0);

  const update = useCallback((change: (value: T | undefined) => T | undefined) => {
    current.current = change(current.current);
    setValue(current.current);
  }, []);

  // Reads the value; the answer counts only if no later read started meanwhile.
  const read = useCallback(() => {
    const request = ++latestLoad.current;
    const answered = (settle: () => void) => {
      if (request !== latestLoad.current) return;
      settle();
      setLoading(false);
    };
    return load().then(
      (next) =>
        answered(() => {
          current.current = next;
          setValue(next);
          setError(undefined);
        }),
      (err: unknown) => answered(() => setError(errorMessage(err))),
    );
  }, [load]);

  const reload = useCallback(() => {
    setLoading(true);
    return read();
  }, [read]);

  useEffect(
    () =>
      client.subscribe(
        topic,
        (payload) => {
          const next = apply(current.current, payload);
          if (next === RELOAD) void read();
          else update(() => next);
        },
        topicKey,
      ),
    [client, topic, topicKey, apply, read, update],
  );

  useEffect(() => {
    if (connection === 'open') void read();
  }, [connection, read]);

  return { value, loading, error, reload, update };
}
