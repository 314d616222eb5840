import { WorkbenchError } from '../../../../shared/errors.ts';
import { loopbackOnly } from '../../net/loopback.ts';

const CHECK_IP_URL = 'https://checkip.amazonaws.com/';

/**
 * This computer's public IPv4 address as a /32, as AWS sees it. Never asked with
 * WORKBENCH_LOOPBACK_ONLY=1 (tests give the allowed source explicitly).
 */
export async function lookUpMyAddress(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (loopbackOnly(env)) {
    throw new WorkbenchError('LOOPBACK_ONLY', 'Your public address is not looked up while only loopback connections are allowed; give the allowed SSH source (a CIDR such as 203.0.113.7/32).');
  }
  let text: string;
  try {
    const res = await fetch(CHECK_IP_URL, { signal: AbortSignal.timeout(5_000) });
    text = (await res.text()).trim();
  } catch (err) {
    throw new WorkbenchError('UNAVAILABLE', `Could not find your public address (${(err as Error).message}); type the allowed SSH source instead.`, { cause: err });
  }
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) throw new WorkbenchError('UNAVAILABLE', 'Could not find your public IPv4 address; type the allowed SSH source instead.');
  return `${text}/32`;
}
