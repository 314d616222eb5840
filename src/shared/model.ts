import { z } from 'zod';

/** Where the core is running: decides what the UI can offer (e.g. desktop notifications). */
export const HostKind = z.enum(['electron', 'web', 'cli']);
export type HostKind = z.infer<typeof HostKind>;

export const Theme = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof Theme>;

export const Settings = z.object({
  theme: Theme,
  /** Regions the worker views look at by default. */
  regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')).max(32),
  /** Hours a new EC2 worker lives before it kills itself; never more than 24. */
  workerLifetimeHours: z.number().int().min(1).max(24),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  theme: 'system',
  regions: ['us-east-1'],
  workerLifetimeHours: 24,
};

/** A partial update: only the named keys change. */
export const SettingsPatch = Settings.partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

export const Notice = z.object({
  level: z.enum(['info', 'warning', 'error']),
  message: z.string(),
});
export type Notice = z.infer<typeof Notice>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  dataDir: z.string(),
  host: HostKind,
  platform: z.string(),
  /** Things the user should know since start (a corrupt settings file set aside, ...). */
  notices: z.array(Notice),
});
export type AppInfo = z.infer<typeof AppInfo>;
