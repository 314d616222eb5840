import { useState } from 'react';
import type { Inspection } from '../../../../shared/packager-model.ts';
import { printable } from '../../../../shared/display-text.ts';
import { useClient } from '../../api/context.tsx';
import { formatBytes, plural } from '../../lib/format.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { useSteps } from '../../lib/useAction.ts';

/** Inspect any tarball: entries, entry point, problems; and test-run it in a fresh run. Keyed by the last build, so it starts from that tarball. */
export function InspectPanel({ initialPath }: { initialPath: string | undefined }) {
  const client = useClient();
  const [path, setPath] = useState(initialPath ?? '');
  const [inspection, setInspection] = useState<Inspection>();
  const [timeout, setTimeoutMinutes] = useState(30);
  const { run, pending: busy, error } = useSteps();

  const inspect = async () => {
    const inspected = await run(async () => setInspection(await client.call('packager:inspect', { path: path.trim() })));
    if (!inspected) setInspection(undefined);
  };

  const testRun = () =>
    run(async () => {
      const started = await client.call('packager:test-run', { path: path.trim(), timeoutMinutes: timeout });
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
        <button type="button" onClick={() => void testRun()} disabled={busy || path.trim() === ''} title="Unpack into a fresh run on this computer and run its command">
          Test run
        </button>
      </div>
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
          {flagged > 0 ? (
            <ul className="findings" aria-label="Problems in the tarball">
              {inspection.problems.map((p, i) => (
                <li key={`p-${i}`} className="problem">
                  Unsafe: {printable(p.message)}
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
            <p className="ok">No unsafe entries, no likely secrets.</p>
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
