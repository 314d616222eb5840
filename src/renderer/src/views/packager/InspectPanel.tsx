import { useEffect, useState } from 'react';
import { ENGINE_LABEL, type Inspection } from '../../../../shared/packager-model.ts';
import type { Run } from '../../../../shared/model.ts';
import { printable } from '../../../../shared/display-text.ts';
import { useClient } from '../../api/context.tsx';
import { formatBytes, plural } from '../../lib/format.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { useRuns } from '../../lib/useRuns.ts';
import { RunStatusBadge } from '../../components/RunStatusBadge.tsx';
import { useKept } from './kept-state.ts';

/** What inspect found, by kind: an unsafe entry, or something the entry point needs that the package lacks. */
const PROBLEM_LABEL = { unsafe: 'Unsafe', 'entry-point': 'Entry point' } as const;

/**
 * Inspect any tarball: entries, entry point, problems; and test-run it in a fresh run. A new
 * build fills in its tarball; the path, inspection and last Test run are kept while the page is open.
 */
export function InspectPanel({ builtPath }: { builtPath: string | undefined }) {
  const client = useClient();
  const [path, setPath] = useKept('inspect-path', '');
  const [inspection, setInspection] = useKept<Inspection | undefined>('inspection', undefined);
  const [timeout, setTimeoutMinutes] = useKept('test-run-timeout', 30);
  const [testRunId, setTestRunId] = useKept<string | undefined>('test-run', undefined);
  const [error, setError] = useKept<string | undefined>('inspect-error', undefined);
  const [busy, setBusy] = useState(false);
  const { runs } = useRuns();
  const testRun = runs?.find((r) => r.id === testRunId);

  // A new build: its tarball is the one to inspect and test-run.
  const [seenBuild, setSeenBuild] = useKept<string | undefined>('inspect-build', undefined);
  useEffect(() => {
    if (builtPath === undefined || builtPath === seenBuild) return;
    setSeenBuild(builtPath);
    setPath(builtPath);
    setInspection(undefined);
    setError(undefined);
  }, [builtPath, seenBuild, setSeenBuild, setPath, setInspection, setError]);

  const step = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const inspect = async () => {
    const inspected = await step(async () => setInspection(await client.call('packager:inspect', { path: path.trim() })));
    if (!inspected) setInspection(undefined);
  };

  const startTestRun = () =>
    step(async () => {
      const started: Run = await client.call('packager:test-run', { path: path.trim(), timeoutMinutes: timeout });
      setTestRunId(started.id);
      location.hash = `#/jobs/${started.id}`;
    });

  const flagged = inspection ? inspection.problems.length + inspection.secrets.length : 0;
  return (
    <section className="packager-card" aria-labelledby="inspect-heading">
      <h2 id="inspect-heading">Inspect and test-run a tarball</h2>
      <div className="row">
        <input aria-label="Tarball" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/jobs/my-job.tar.gz" spellCheck={false} />
        <button type="button" onClick={() => void inspect()} disabled={busy || path.trim() === ''}>
          Inspect
        </button>
      </div>
      <div className="row">
        <label className="inline">
          Timeout (min)
          <input type="number" min={1} max={1440} value={timeout} onChange={(e) => setTimeoutMinutes(Number(e.target.value))} />
        </label>
        <button type="button" onClick={() => void startTestRun()} disabled={busy || path.trim() === ''} title="Unpack into a fresh run on this computer and run its command">
          Test run
        </button>
      </div>
      {testRun && (
        <p className="test-run" data-testid="last-test-run">
          Last Test run: <a href={`#/jobs/${testRun.id}`}>{testRun.id}</a> <RunStatusBadge status={testRun.status} />{' '}
          <span className="muted small">of {testRun.request.source.kind === 'package' ? testRun.request.source.path : testRun.jobName}</span>
        </p>
      )}
      <ErrorText error={error} />
      {inspection && (
        <div className="inspection" data-testid="inspection">
          <p>
            {plural(inspection.files, 'file')}, {formatBytes(inspection.unpackedBytes)} unpacked, {formatBytes(inspection.bytes)} {inspection.compressed ? 'gzipped' : 'tar'}
          </p>
          <p className="sha">
            SHA-256 <code>{inspection.sha256}</code>
          </p>
          <p>
            Entry point:{' '}
            {inspection.entryPoint ? (
              <code>
                {printable(inspection.entryPoint.command.join(' '))} → {printable(inspection.entryPoint.outputDir)}/
              </code>
            ) : (
              <strong>none (no workbench.json, no run.sh)</strong>
            )}
          </p>
          {inspection.entryPoint && <p data-testid="inspection-engine">Engine: {ENGINE_LABEL[inspection.engine]}</p>}
          {flagged > 0 ? (
            <ul className="findings" aria-label="Problems in the tarball">
              {inspection.problems.map((p, i) => (
                <li key={`p-${i}`} className="problem">
                  <span className="kind">{PROBLEM_LABEL[p.kind]}:</span> {printable(p.message)}
                </li>
              ))}
              {inspection.secrets.map((s, i) => (
                <li key={`s-${i}`} className="problem">
                  Secret: {printable(s.path)}
                  {s.line ? `:${s.line}` : ''} holds {s.kind}
                </li>
              ))}
            </ul>
          ) : (
            <p className="ok">No unsafe entries, nothing missing for the entry point, no likely secrets.</p>
          )}
          <details>
            <summary>{plural(inspection.entries.length, 'entry', 'entries')}</summary>
            <table className="entries">
              <tbody>
                {/* Names come from the archive: shown with control and bidi characters escaped. A path can appear twice (a refused package), so rows are keyed by position. */}
                {inspection.entries.map((e, i) => (
                  <tr key={i} className={e.problem ? 'problem' : undefined}>
                    <td>{e.type}</td>
                    <td className="size">{formatBytes(e.bytes)}</td>
                    <td>
                      {printable(e.path)}
                      {e.linkname ? ` → ${printable(e.linkname)}` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </div>
      )}
    </section>
  );
}
