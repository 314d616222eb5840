import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface UserDataInput {
  name: string;
  deadline: Date;
  hostPrivateKey: string;
  hostPublicKey: string;
  userPublicKey: string;
}

const LINE = /^[A-Za-z0-9 @._:+/=-]*$/;

function oneLine(value: string, what: string): string {
  // Everything put on a YAML line is ours (a validated name, generated keys), but a line break
  // or a quote would change the document's meaning: refuse rather than escape.
  if (!LINE.test(value)) throw new Error(`${what} cannot go into user-data as it is`);
  return value;
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text.trimEnd().split('\n').map((line) => `${pad}${line}`).join('\n');
}

/** The cloud-init user-data of a worker, from the template in resources/worker/cloud-init. */
export async function renderUserData(cloudInitDir: string, input: UserDataInput): Promise<string> {
  const [template, script] = await Promise.all([readFile(join(cloudInitDir, 'user-data.yaml'), 'utf8'), readFile(join(cloudInitDir, 'workbench-deadline.sh'), 'utf8')]);
  const values: Record<string, string> = {
    NAME: oneLine(input.name, 'The name'),
    DEADLINE_ISO: input.deadline.toISOString(),
    DEADLINE_EPOCH: String(Math.floor(input.deadline.getTime() / 1000)),
    HOST_PRIVATE_KEY: indent(input.hostPrivateKey, 4),
    HOST_PUBLIC_KEY: oneLine(input.hostPublicKey, 'The host key'),
    USER_PUBLIC_KEY: oneLine(input.userPublicKey, 'The public key'),
    DEADLINE_SCRIPT: indent(script, 6),
  };
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`user-data template: unknown placeholder ${key}`);
    return value;
  });
}
