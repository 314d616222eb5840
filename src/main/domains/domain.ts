import { calls, type CallName } from '../../shared/contract.ts';
import type { HostKind, Notice } from '../../shared/model.ts';
import type { EventBus } from '../bus.ts';
import type { Handlers } from '../rpc.ts';
import type { DocumentStore } from '../services/store/document-store.ts';

/**
 * The one shape of a domain (settings, ec2, jobs, ...): the contract calls it answers, what it
 * runs while a host stays open, and how it stops. Each domain's module builds its services from
 * typed dependencies (the domains built before it) and returns this, plus the services later
 * domains depend on.
 */
export interface Domain<K extends CallName = never> {
  readonly handlers: Pick<Handlers, K>;
  /** Background work for a host that stays open (desktop app, browser workbench); the command line never starts it. */
  start?(): Promise<void> | void;
  /** Stops what the domain started or holds open; the workbench closes domains in reverse build order. */
  close?(): Promise<void> | void;
}

/** Any domain, whatever calls it answers. */
export type AnyDomain = { readonly handlers: Partial<Handlers>; start?(): Promise<void> | void; close?(): Promise<void> | void };

/** What every domain may use: built by the workbench before any domain. */
export interface Core {
  dataDir: string;
  /** The app's resources folder (worker runtime, examples, cloud-init). */
  resourcesDir: string;
  host: HostKind;
  bus: EventBus;
  store: DocumentStore;
  /** This start's notices (a damaged document set aside); a domain adds what its own start found. */
  notices: Notice[];
}

/**
 * Every domain's calls as one Handlers. Each call of the contract must be answered by exactly
 * one domain: a call answered twice or by none is a wiring mistake, refused when the workbench
 * is built rather than found by a user.
 */
export function bindHandlers(domains: Record<string, AnyDomain>): Handlers {
  const owner = new Map<string, string>();
  const handlers: Record<string, unknown> = {};
  for (const [domain, { handlers: own }] of Object.entries(domains)) {
    for (const [name, handler] of Object.entries(own)) {
      const earlier = owner.get(name);
      if (earlier !== undefined) throw new Error(`The call ${name} is answered by both the ${earlier} and the ${domain} domains; one domain must own it.`);
      owner.set(name, domain);
      handlers[name] = handler;
    }
  }
  const missing = Object.keys(calls).filter((name) => !owner.has(name));
  if (missing.length > 0) throw new Error(`No domain answers ${missing.join(', ')}; add it to the domain that owns its service.`);
  const unknown = [...owner.keys()].filter((name) => !(name in calls));
  if (unknown.length > 0) throw new Error(`The ${unknown.map((n) => `${n} (${owner.get(n)})`).join(', ')} handler is not a call of the contract.`);
  return handlers as Handlers;
}
