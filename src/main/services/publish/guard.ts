import { execFile } from 'node:child_process';
import { z } from 'zod';
import { WorkbenchError } from '../../../shared/errors.ts';
import { GuardFinding } from '../../../shared/schedule.ts';

/** What resources/worker/publish_guard.py prints (the same scanner a scheduled run uses). */
export const GuardResult = z.object({
  findings: z.array(GuardFinding),
  filesScanned: z.number().int(),
  bytesScanned: z.number().int(),
  truncated: z.boolean(),
});
export type GuardResult = z.infer<typeof GuardResult>;

/**
 * Runs the one publish guard on a folder: `python3 publish_guard.py FOLDER` as argv, never a
 * shell line. Exit 0 (clean) and 1 (findings) both print the result; anything else is a
 * failure to scan, which blocks a public publish as surely as a finding does.
 */
export function runPublishGuard(guardScript: string, folder: string, python = 'python3'): Promise<GuardResult> {
  return new Promise((resolve, reject) => {
    execFile(python, [guardScript, folder], { maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        // Not an exit code: python3 is missing, or the scan ran out of time.
        reject(new WorkbenchError('UNAVAILABLE', `The publish guard could not run (${err.message}); it needs python3 on this computer.`));
        return;
      }
      const code = err ? (err.code as number) : 0;
      if (code !== 0 && code !== 1) {
        reject(new WorkbenchError('INTERNAL', `The publish guard could not scan ${folder}: ${stderr.trim() || `exit code ${code}`}`));
        return;
      }
      const parsed = GuardResult.safeParse(safeJson(stdout));
      if (!parsed.success) reject(new WorkbenchError('INTERNAL', `The publish guard answered something unexpected: ${stdout.slice(0, 200)}`));
      else resolve(parsed.data);
    });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A finding's identity between the scan the user confirmed and the scan before publishing. */
export function findingKey(f: GuardFinding): string {
  return `${f.kind}|${f.file}|${f.line ?? ''}|${f.sample}`;
}
