import { useEffect, useState } from 'react';
import { monaco } from './monaco.ts';

/** The markers of one file (filter checks, JSON schema, python3), kept live; a click jumps there. */
export function Problems({ uri: uriText, onReveal }: { uri: string; onReveal: (line: number, column: number) => void }) {
  const [markers, setMarkers] = useState<monaco.editor.IMarker[]>([]);
  useEffect(() => {
    const uri = monaco.Uri.parse(uriText);
    const read = () =>
      setMarkers(
        monaco.editor
          .getModelMarkers({ resource: uri })
          .sort((a, b) => a.startLineNumber - b.startLineNumber || a.startColumn - b.startColumn),
      );
    read();
    const listener = monaco.editor.onDidChangeMarkers((uris) => {
      if (uris.some((u) => u.toString() === uri.toString())) read();
    });
    return () => listener.dispose();
  }, [uriText]);

  return (
    <section className="problems" aria-label="Problems">
      <h2>
        Problems <span className="muted">{markers.length}</span>
      </h2>
      {markers.length === 0 ? (
        <p className="muted small">No problems found.</p>
      ) : (
        <ul>
          {markers.map((m, index) => (
            <li key={index}>
              <button type="button" onClick={() => onReveal(m.startLineNumber, m.startColumn)}>
                <span className={m.severity === monaco.MarkerSeverity.Error ? 'sev error' : 'sev warning'}>
                  {m.severity === monaco.MarkerSeverity.Error ? 'Error' : 'Warning'}
                </span>
                <span className="where">
                  {m.startLineNumber}:{m.startColumn}
                </span>
                <span className="message">{m.message}</span>
                {m.source && <span className="muted small">{m.source}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
