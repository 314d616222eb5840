import { useState, type FormEvent } from 'react';
import { pathSegments } from './remote-path.ts';

/** Breadcrumbs to jump up, and a field to type a path and press Enter (Escape puts it back). */
export function PathBar({ path, onOpen }: { path: string; onOpen: (path: string) => Promise<boolean> }) {
  return (
    <div className="path-bar">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          {pathSegments(path).map((segment, index, all) => (
            <li key={segment.path}>
              {index === all.length - 1 ? (
                <span aria-current="location">{segment.name}</span>
              ) : (
                <button type="button" className="crumb" onClick={() => void onOpen(segment.path)}>
                  {segment.name}
                </button>
              )}
            </li>
          ))}
        </ol>
      </nav>
      {/* Keyed by path: a new folder resets what the field shows. */}
      <PathField key={path} path={path} onOpen={onOpen} />
    </div>
  );
}

function PathField({ path, onOpen }: { path: string; onOpen: (path: string) => Promise<boolean> }) {
  const [value, setValue] = useState(path);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const target = value.trim();
    if (target !== '') void onOpen(target);
  };
  return (
    <form className="path-field" onSubmit={submit} role="search" aria-label="Go to folder">
      <input
        aria-label="Path"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setValue(path);
        }}
        spellCheck={false}
        autoCapitalize="off"
      />
      <button type="submit" className="plain">
        Go
      </button>
    </form>
  );
}
