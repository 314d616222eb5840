import { z } from 'zod';
import { ClusterId, ClusterState } from '../../../shared/cluster-model.ts';
import { listDocument } from '../store/document-store.ts';

/** What the app remembers of a Spark cluster (its SSH private key is in the SecretStore). */
export const ClusterRecord = z.object({
  id: ClusterId,
  name: z.string(),
  region: z.string(),
  /** The profile it was launched with: later calls about it use the same credentials. */
  profile: z.string(),
  release: z.string(),
  instanceType: z.string(),
  coreNodes: z.number(),
  /** The lifetime asked for at launch; absent for adopted clusters. */
  hours: z.number().optional(),
  launchedAt: z.string(),
  deadline: z.string(),
  /** EMR's id, once RunJobFlow has answered. */
  clusterId: z.string().optional(),
  state: ClusterState,
  masterAddress: z.string().optional(),
  /** The EC2 key pair made for this cluster (deleted with it). */
  keyName: z.string().optional(),
  /** The security group allowing SSH from one source, made or reused at launch. */
  groupId: z.string().optional(),
  hasKey: z.boolean(),
  adopted: z.boolean().default(false),
  endedAt: z.string().optional(),
  message: z.string().optional(),
});
export type ClusterRecord = z.infer<typeof ClusterRecord>;

export const CLUSTERS_DOCUMENT = listDocument(
  'clusters',
  ClusterRecord,
  'the list of Spark clusters this app launched. They still run in EMR and still end at their deadlines (a schedule in AWS terminates them); the cluster list adopts the tagged clusters it finds again',
);

export function clusterKeySecret(id: string): string {
  return `cluster-key-${id}`;
}
