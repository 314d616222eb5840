import { WorkbenchError } from '../../../shared/errors.ts';
import type { ScheduleInput } from '../../../shared/schedule.ts';
import { inspectTarball } from '../packager/inspect.ts';
import { shellQuote } from '../packager/wrapper.ts';

/**
 * A schedule as it will run its package: a command or output folder left out is the package's
 * own (its manifest's, else `sh run.sh` and output/), as a Test run runs it, so a package that
 * passed its Test run runs the same when scheduled. A package the run would refuse (unsafe
 * entries), or whose own entry point needs what it does not hold when the schedule runs that
 * entry point, is refused here, where it can be fixed, and not at every run. A tarball that
 * cannot be read is left to the backend, which says so when it copies it.
 */
export async function withPackageEntry<T extends Pick<ScheduleInput, 'tarball' | 'command' | 'outputDir' | 'backend'>>(input: T): Promise<T> {
  const inspection = await inspectTarball(input.tarball).catch(() => undefined);
  if (!inspection) return input;
  const own = inspection.entryPoint && { command: inspection.entryPoint.command.map(shellQuote).join(' '), outputDir: inspection.entryPoint.outputDir };
  const command = input.command ?? own?.command;
  const problems = inspection.problems.filter((p) => p.kind === 'unsafe' || command === own?.command);
  if (problems.length > 0) {
    const list = problems.slice(0, 5).map((p) => p.message).join('; ');
    throw new WorkbenchError('FORBIDDEN', `The code tarball was not saved: ${input.tarball} is not a package that can run: ${list}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}. Fix the job folder, build the package again in Package, and schedule that.`);
  }
  const outputDir = input.outputDir ?? own?.outputDir;
  return { ...input, ...(command !== undefined && { command }), ...(outputDir !== undefined && { outputDir }) };
}
