import { useCallback, useEffect, useRef, useState } from 'react';
import type { BuildResult, PackProgress, ScanResult, WrapperSpec } from '../../../../shared/packager-model.ts';
import { useClient } from '../../api/context.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { InspectPanel } from './InspectPanel.tsx';
import { formatBytes, plural } from '../../lib/format.ts';
import { formatSeconds, toggleExcluded } from './package-tree.ts';
import { PackageTree } from './PackageTree.tsx';
import { WrapperForm } from './WrapperForm.tsx';
import './packager.css';
import { ErrorText } from '../../components/ErrorText.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { useAction } from '../../lib/useAction.ts';

function newBuildId(): string {
  return `ui-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Package a job folder as a reproducible tarball, inspect tarballs and test-run them. */
export function PackagerView() {
  const client = useClient();
  const [folder, setFolder] = useState('');
  const [root, setRoot] = useState<string>();
  const [scan, setScan] = useState<ScanResult>();
  const [excluded, setExcluded] = useState<string[]>([]);
  const [overrides, setOverrides] = useState<string[]>([]);
  const [wrapper, setWrapper] = useState<WrapperSpec>();
  const [output, setOutput] = useState('');
  const [progress, setProgress] = useState<PackProgress>();
  const [buildId, setBuildId] = useState<string>();
  const [built, setBuilt] = useState<BuildResult>();
  const [scanError, setScanError] = useState<string>();
  const building = useAction(async (id: string, from: string) => {
    try {
      setBuilt(await client.call('packager:build', { buildId: id, root: from, output: output.trim(), excluded, overrides, ...(wrapper && { wrapper }) }));
    } finally {
      setBuildId(undefined);
    }
  });
  const error = building.error ?? scanError;
  const scanSeq = useRef(0);

  // Rescan on every change of the rules: totals and findings follow the checkboxes live.
  useEffect(() => {
    if (!root) return;
    const seq = ++scanSeq.current;
    const timer = setTimeout(() => {
      client.call('packager:scan', { root, excluded }).then(
        (result) => seq === scanSeq.current && setScan(result),
        (err: unknown) => seq === scanSeq.current && setScanError(errorMessage(err)),
      );
    }, 120);
    return () => clearTimeout(timer);
  }, [client, root, excluded]);

  useEffect(() => {
    if (!buildId) return;
    return client.subscribe('packager:progress', setProgress, buildId);
  }, [client, buildId]);

  const open = () => {
    const path = folder.trim();
    setScanError(undefined);
    building.setError(undefined);
    setScan(undefined);
    setExcluded([]);
    setOverrides([]);
    setBuilt(undefined);
    setRoot(path);
    if (output === '') setOutput(`${path.replace(/\/+$/, '')}.tar.gz`);
  };

  const build = async () => {
    if (!root) return;
    const id = newBuildId();
    setBuildId(id);
    setBuilt(undefined);
    setProgress(undefined);
    setScanError(undefined);
    await building.run(id, root);
  };

  const onWrapper = useCallback((spec: WrapperSpec | undefined) => setWrapper(spec), []);
  const blocking = scan ? scan.secrets.filter((s) => !overrides.includes(s.path)) : [];
  const packing = buildId !== undefined;
  const fraction = progress && progress.bytesTotal > 0 ? progress.bytesDone / progress.bytesTotal : undefined;

  return (
    <div className="packager-view">
      <section className="packager-card" aria-labelledby="pack-heading">
        <h2 id="pack-heading">Package a job folder</h2>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            open();
          }}
        >
          <input aria-label="Folder to package" value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="/home/me/jobs/my-analysis" spellCheck={false} />
          <button type="submit" disabled={folder.trim() === ''}>
            Open folder
          </button>
        </form>
        {!scan && !root && (
          <p className="muted small">
            A package is the job’s code plus a run.sh that runs the analysis and leaves its results in output/. Open a job folder to choose what goes in.
          </p>
        )}
        {scan && (
          <>
            <p className="totals" data-testid="package-totals" aria-live="polite">
              {plural(scan.files, 'file')}, {formatBytes(scan.bytes)}
            </p>
            <PackageTree nodes={scan.nodes} excluded={excluded} onToggle={(path) => setExcluded((list) => toggleExcluded(list, path))} />
            <p className="muted small">Ignored by default: .git, node_modules, __pycache__, output/, .venv, *.pyc. Add rules in a .workbenchignore (.gitignore syntax).</p>
            {scan.problems.length > 0 && (
              <ul className="findings" aria-label="Cannot be packed">
                {scan.problems.map((p) => (
                  <li key={p.path} className="problem">
                    {p.message}{' '}
                    <button type="button" onClick={() => setExcluded((list) => toggleExcluded(list, p.path))}>
                      Leave out
                    </button>
                  </li>
                ))}
              </ul>
            )}
            {scan.secrets.length > 0 && (
              <ul className={blocking.length > 0 ? 'findings' : 'findings settled'} aria-label="Likely secrets">
                {scan.secrets.map((s) => {
                  const kept = overrides.includes(s.path);
                  return (
                    <li key={`${s.path}-${s.kind}`} className={kept ? 'overridden' : 'problem'}>
                      <span>
                        {s.path}
                        {s.line ? `:${s.line}` : ''} holds {s.kind}
                        {kept ? ' (kept: you overrode it)' : ''}
                      </span>
                      <button type="button" onClick={() => setExcluded((list) => toggleExcluded(list, s.path))}>
                        Remove from package
                      </button>
                      <button type="button" onClick={() => setOverrides((list) => (kept ? list.filter((p) => p !== s.path) : [...list, s.path]))}>
                        {kept ? 'Undo override' : 'Keep it (override)'}
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
            <WrapperForm key={root} hasRunSh={scan.hasRunSh} onChange={onWrapper} />
            <label className="output">
              Save tarball as
              <input value={output} onChange={(e) => setOutput(e.target.value)} spellCheck={false} />
            </label>
            <div className="row">
              <button type="button" onClick={() => void build()} disabled={packing || blocking.length > 0 || scan.problems.length > 0} title={blocking.length > 0 ? 'Remove or override each likely secret first' : undefined}>
                Build tarball
              </button>
              {packing && (
                <button type="button" className="danger" onClick={() => buildId && void client.call('packager:cancel', { buildId })}>
                  Cancel build
                </button>
              )}
            </div>
          </>
        )}
        {packing && progress && (
          <ProgressBar
            label="Packing"
            value={fraction}
            detail={`${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}, ${progress.filesDone} of ${progress.filesTotal} files${progress.etaS !== undefined ? `, about ${formatSeconds(progress.etaS)} left` : ''}`}
          />
        )}
        <ErrorText error={error} />
        {built && (
          <div className="built" data-testid="build-result">
            <p>
              Built <code>{built.path}</code>: {plural(built.files, 'file')} (with run.sh and workbench.json), {formatBytes(built.bytes)} in {built.seconds.toFixed(1)} s.
            </p>
            <p className="sha">
              SHA-256 <code>{built.sha256}</code>
            </p>
            <p>
              {/* Encoded twice: the hash is decoded once by the router, the query once by the form. */}
              <a href={`#/schedules/${encodeURIComponent(`+new?tarball=${encodeURIComponent(built.path)}`)}`}>Schedule this package…</a>
            </p>
          </div>
        )}
      </section>
      <InspectPanel key={built?.path ?? ''} initialPath={built?.path} />
    </div>
  );
}
