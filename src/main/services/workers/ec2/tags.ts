import type { Instance, Tag } from '@aws-sdk/client-ec2';

/** Tags every worker instance carries: how the app (re)finds its instances in AWS. */
export const APP_TAG_VALUE = 'analysis-workbench';

export const TAG = {
  app: 'app',
  owner: 'owner',
  name: 'Name',
  deadline: 'deadline',
  workerId: 'workbench:worker-id',
  launchedAt: 'workbench:launched-at',
  sshUser: 'workbench:ssh-user',
} as const;

export function tagValue(instance: Pick<Instance, 'Tags'>, key: string): string | undefined {
  return instance.Tags?.find((t) => t.Key === key)?.Value;
}

export function workerTags(worker: { id: string; name: string; owner: string; launchedAt: string; deadline: string; sshUser: string }): Tag[] {
  return [
    { Key: TAG.app, Value: APP_TAG_VALUE },
    { Key: TAG.owner, Value: worker.owner },
    { Key: TAG.name, Value: worker.name },
    { Key: TAG.deadline, Value: worker.deadline },
    { Key: TAG.workerId, Value: worker.id },
    { Key: TAG.launchedAt, Value: worker.launchedAt },
    { Key: TAG.sshUser, Value: worker.sshUser },
  ];
}
