import { z } from 'zod';
import { call, NoInput } from './call-spec.ts';
import { ClusterId, JobFlowId } from './cluster-model.ts';
import { HostName, WorkerId } from './worker-model.ts';

/** A destination as the worker sees it: a web UI it serves only inside its own network. */
export const TunnelRequest = z
  .object({
    workerId: WorkerId,
    /** Resolved and reached by the worker, never by this computer. */
    remoteHost: HostName.default('localhost'),
    remotePort: z.number().int('a whole port number').min(1, 'a port from 1 to 65535').max(65535, 'a port from 1 to 65535'),
    /** What the tunnel is for, as lists show it ("YARN", "Spark history"). */
    label: z.string().min(1).max(40).optional(),
  })
  .strict();
export type TunnelRequest = z.infer<typeof TunnelRequest>;

/** An open tunnel: `url` is on 127.0.0.1 only, and carried to remoteHost:remotePort over SSH. */
export const Tunnel = z.object({
  id: z.string(),
  workerId: WorkerId,
  remoteHost: z.string(),
  remotePort: z.number(),
  label: z.string().optional(),
  localPort: z.number(),
  url: z.string(),
});
export type Tunnel = z.infer<typeof Tunnel>;

/** The web UIs an EMR master serves inside its network, and their ports there. */
export const CLUSTER_UIS = {
  yarn: { label: 'YARN', port: 8088 },
  'spark-history': { label: 'Spark history', port: 18080 },
} as const;
export const ClusterUi = z.enum(['yarn', 'spark-history']);
export type ClusterUi = z.infer<typeof ClusterUi>;

export const tunnelCalls = {
  'tunnels:open': call(
    TunnelRequest,
    Tunnel,
    "Open a port on 127.0.0.1 carried over a worker's SSH connection to host:port as the worker sees it (ssh -L), once the worker shows it can reach it.",
  ),
  'tunnels:cluster-ui': call(
    z.object({ clusterId: z.union([ClusterId, JobFlowId]), ui: ClusterUi }).strict(),
    Tunnel,
    "Open a cluster's YARN (8088) or Spark history server (18080) in the browser: a tunnel over the master's SSH connection to the master as it names itself.",
  ),
  'tunnels:list': call(NoInput, z.array(Tunnel), 'The tunnels open now.'),
  'tunnels:close': call(z.object({ id: z.string().regex(/^tunnel-\d{1,9}$/, 'a tunnel id') }).strict(), z.null(), 'Close a tunnel and the connections through it.'),
} as const;
