import { useCallback, useEffect, useRef } from 'react';
import type { BuildResult, PackProgress, ScanResult, WrapperSpec } from '../../../../shared/packager-model.ts';
import { RemoteError } from '../../../../shared/errors.ts';
import { useClient } from '../../api/context.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { InspectPanel } from './InspectPanel.tsx';
import { formatBytes, plural } from '../../lib/format.ts';
import { formatSeconds, toggleExcluded } from './package-tree.ts';
import { PackageTree } from './PackageTree.tsx';
import { WrapperForm } from './WrapperForm.tsx';
import './packager.css';
import { ErrorText } from '../../components/ErrorText.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { useKept } from './kept-state.ts';

function newBuildId(): string {
  return `ui-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A folder's name as a package name (what the build uses when none is given). */
export function packageNameOf(folder: string): string {
  const base = folder.replace(/\/+$/, '').split('/').pop() ?? '';
  return base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[._-]+/, '').slice(0, 128) || 'package';
}

const NO_PATHS: string[] = [];

/** Package a job folder as a reproducible tarball, inspect tarballs and test-run them. */
export function PackagerView() {
  const client = useClient();
  // Kept while the page is open: leaving for a Test run and coming back finds it all as it was.
  const [folder, setFolder] = useKept('folder', '');
  const [root, setRoot] = useKept<string | undefined>('root', undefined);
  const [scan, setScan] = useKept<ScanResult | undefined>('scan', undefined);
  const [excluded, setExcluded] = useKept('excluded', NO_PATHS);
  const [overrides, setOverrides] = useKept('overrides', NO_PATHS);
  const [wrapper, setWrapper] = useKept<WrapperSpec | undefined>('wrapper', undefined);
  const [name, setName] = useKept('name', '');
  /** Which package the settings are of: the folder first opened, kept when that folder is renamed. */
  const [packageKey, setPackageKey] = useKept('package-key', '');
  const [output, setOutput] = useKept('output', '');
  const [progress, setProgress] = useKept<PackProgress | undefined>('progress', undefined);
  const [buildId, setBuildId] = useKept<string | undefined>('build-id', undefined);
  const [built, setBuilt] = useKept<BuildResult | undefined>('built', undefined);
  const [buildError, setBuildError] = useKept<string | undefined>('build-error', undefined);
  const [scanError, setScanError] = useKept<string | undefined>('scan-error', undefined);
  /** The tarball a build found already there: replaced only when the user says so. */
  const [existing, setExisting] = useKept<string | undefined>('existing', undefined);
  const error = buildError ?? scanError;
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
  }, [client, root, excluded, setScan, setScanError]);

  useEffect(() => {
    if (!buildId) return;
    return client.subscribe('packager:progress', setProgress, buildId);
  }, [client, buildId, setProgress]);

  const open = async () => {
    const path = folder.trim();
    const previous = root;
    setScanError(undefined);
    setBuildError(undefined);
    setScan(undefined);
    setBuilt(undefined);
    // The folder opened before is gone: renamed or moved, so this is the same package under a
    // new path. Its name, rules and entry point stay, so its workbench.json and SHA-256 do too.
    const renamed = previous !== undefined && previous !== path && (await client.call('local:list', { path: previous }).then(() => false, () => true));
    if (!renamed) {
      setExcluded([]);
      setOverrides([]);
      setName(packageNameOf(path));
      setPackageKey(path);
    }
    setRoot(path);
    if (output === '') setOutput(`${path.replace(/\/+$/, '')}.tar.gz`);
  };

  const build = async (force = false) => {
    if (!root) return;
    const id = newBuildId();
    const previous = built;
    setExisting(undefined);
    setBuildId(id);
    setBuilt(undefined);
    setProgress(undefined);
    setScanError(undefined);
    setBuildError(undefined);
    const path = output.trim();
    try {
      setBuilt(await client.call('packager:build', { buildId: id, root, output: path, excluded, overrides, force, ...(name.trim() !== '' && { name: name.trim() }), ...(wrapper && { wrapper }) }));
    } catch (err) {
      // A tarball is there already: ask, then build again allowed to replace it.
      if (err instanceof RemoteError && err.code === 'CONFLICT' && !force) {
        setExisting(path);
        setBuilt(previous);
      } else setBuildError(errorMessage(err));
    } finally {
      setBuildId(undefined);
    }
  };

  const onWrapper = useCallback((spec: WrapperSpec | undefined) => setWrapper(spec), [setWrapper]);
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
            void open();
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
            <WrapperForm key={packageKey} packageKey={packageKey} hasRunSh={scan.hasRunSh} onChange={onWrapper} />
            <label className="output">
              Package name
              <input value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} placeholder={packageNameOf(root ?? '')} aria-describedby="package-name-hint" />
              <span id="package-name-hint" className="muted small">
                Written into the package’s workbench.json and what its runs are called. It stays when the folder is renamed, so the package stays the same.
              </span>
            </label>
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
      <InspectPanel builtPath={built?.path} />
      {existing && (
        <ConfirmDialog title={`Replace ${existing.split('/').pop() ?? existing}?`} confirmLabel="Replace it" danger onConfirm={() => void build(true)} onCancel={() => setExisting(undefined)}>
          <p>
            <code>{existing}</code> already exists. Building replaces it with the new package; Cancel keeps it, and you can choose another file under Save tarball as.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
