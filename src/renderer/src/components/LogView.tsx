import {
  useCallback,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type CSSProperties,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { AnsiStateCache, markSpans, parseAnsi, spanPresentation, type MarkedSpan } from '../lib/ansi.ts';
import { LogSearch, matchRanges, searchPattern, type LogBuffer } from '../lib/log-buffer.ts';
import './components.css';

/** Every row is this tall (px); the view renders only the rows in sight. */
export const LOG_ROW_HEIGHT = 18;
const OVERSCAN = 8;
/** Browsers cap element heights (~16–33 M px): past this the scrollbar maps to rows proportionally. */
const MAX_SCROLL_PX = 8_000_000;
const FALLBACK_VIEWPORT = 600;
const NO_MATCHES: number[] = [];

export interface LogViewProps {
  buffer: LogBuffer;
  /** The accessible name of the log. */
  label: string;
  /** Height of the whole view (toolbar included); default 400 px. */
  height?: number | string;
}

interface Geometry {
  spacerPx: number;
  maxTop: number;
  /** Content pixels per scroll pixel (1 unless the log is taller than MAX_SCROLL_PX). */
  ratio: number;
}

function geometry(rows: number, viewport: number): Geometry {
  const contentPx = rows * LOG_ROW_HEIGHT;
  const spacerPx = Math.min(contentPx, MAX_SCROLL_PX);
  const maxTop = Math.max(0, spacerPx - viewport);
  const ratio = maxTop > 0 ? Math.max(0, contentPx - viewport) / maxTop : 1;
  return { spacerPx, maxTop, ratio };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** The first index in sorted `values` holding a value >= `target` (values.length if none). */
function lowerBound(values: readonly number[], target: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Re-renders when the buffer changes, at most once per animation frame. */
function useBufferVersion(buffer: LogBuffer): number {
  const subscribe = useCallback(
    (onChange: () => void) => {
      let frame = 0;
      const unsubscribe = buffer.subscribe(() => {
        if (frame === 0) {
          frame = requestAnimationFrame(() => {
            frame = 0;
            onChange();
          });
        }
      });
      return () => {
        unsubscribe();
        if (frame !== 0) cancelAnimationFrame(frame);
      };
    },
    [buffer],
  );
  return useSyncExternalStore(subscribe, () => buffer.version);
}

function renderSpan(span: MarkedSpan, key: number): ReactNode {
  // A match keeps its text colour but shows the highlight, not the span's own background.
  const look = spanPresentation(span.mark ? { ...span.style, bg: undefined, inverse: false } : span.style);
  const style: CSSProperties | undefined =
    look.color !== undefined || look.backgroundColor !== undefined
      ? { color: look.color, backgroundColor: look.backgroundColor }
      : undefined;
  const className = look.className === '' ? undefined : look.className;
  if (span.mark) {
    return (
      <mark key={key} className={className} style={style}>
        {span.text}
      </mark>
    );
  }
  if (!className && !style) return span.text;
  return (
    <span key={key} className={className} style={style}>
      {span.text}
    </span>
  );
}

/**
 * A virtualized view of a LogBuffer: only the rows in sight are in the DOM, so a million lines
 * scroll as smoothly as ten. Follows the end of the log until the reader scrolls up (the Follow
 * button, the End key or scrolling back to the bottom resume it); Ctrl/Cmd+F searches.
 */
export function LogView(props: LogViewProps) {
  // A new buffer starts a new view: scroll position, search and style cache belong to one buffer.
  return <LogViewFor key={props.buffer.id} {...props} />;
}

function LogViewFor({ buffer, label, height = 400 }: LogViewProps) {
  useBufferVersion(buffer);
  const scrollRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  /** The scroll position last seen or set, to tell the reader's scrolling from ours. */
  const lastTop = useRef(0);
  const [styleCache] = useState(() => new AnsiStateCache());
  const [viewportHeight, setViewportHeight] = useState(0);
  /** Where the reader left the view, and the first line index at that time (drops shift the rows). */
  const [position, setPosition] = useState({ top: 0, first: 0 });
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [search, setSearch] = useState<LogSearch>();
  const [current, setCurrent] = useState<number>();
  const countId = useId();

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setViewportHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const first = buffer.firstIndex;
  const rowCount = buffer.size;
  const viewport = viewportHeight > 0 ? viewportHeight : FALLBACK_VIEWPORT;
  const { spacerPx, maxTop, ratio } = geometry(rowCount, viewport);
  /** Rows dropped since the reader's position was taken: the view moves up by as many to stay put. */
  const shift = follow ? 0 : first - position.first;
  const desiredTop = follow ? maxTop : clamp(position.top - (shift * LOG_ROW_HEIGHT) / ratio, 0, maxTop);
  const virtualTop = desiredTop * ratio;
  const topRow = Math.floor(virtualTop / LOG_ROW_HEIGHT);
  const startRow = Math.max(0, topRow - OVERSCAN);
  const endRow = Math.min(rowCount, Math.ceil((virtualTop + viewport) / LOG_ROW_HEIGHT) + OVERSCAN);
  const rowsTop = desiredTop - (virtualTop - startRow * LOG_ROW_HEIGHT);

  // Keep the DOM where the view should be: at the end when following, and on the same lines when
  // older lines are dropped while the reader looks at earlier ones. Otherwise the reader's own
  // scrolling (perhaps a smooth scroll still under way) is left alone.
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    if (follow) {
      const bottom = element.scrollHeight - element.clientHeight;
      // Unless the reader has just scrolled up (their scroll event will pause following).
      if (element.scrollTop < bottom - 1 && element.scrollTop >= lastTop.current - 1) element.scrollTop = bottom;
    } else if (shift !== 0 && Math.abs(element.scrollTop - desiredTop) > 1) {
      element.scrollTop = desiredTop;
    } else return;
    lastTop.current = element.scrollTop;
  }, [follow, desiredTop, spacerPx, shift]);

  const matches = search ? search.update() : NO_MATCHES;
  const pattern = useMemo(() => searchPattern(query, caseSensitive), [query, caseSensitive]);
  const currentAt = current === undefined ? -1 : lowerBound(matches, current);
  const currentPosition = currentAt >= 0 && matches[currentAt] === current ? currentAt : -1;

  const scrollTo = (top: number) => {
    const element = scrollRef.current;
    if (!element) return;
    element.scrollTop = top;
    lastTop.current = element.scrollTop;
    setPosition({ top: element.scrollTop, first: buffer.firstIndex });
  };

  /** Scrolls line `index` into the middle of the view unless it is in sight; pauses following if it scrolls. */
  const reveal = (index: number) => {
    const element = scrollRef.current;
    if (!element) return;
    const height = element.clientHeight || viewport;
    const shape = geometry(buffer.size, height);
    const rowTop = (index - buffer.firstIndex) * LOG_ROW_HEIGHT;
    const seenTop = element.scrollTop * shape.ratio;
    if (rowTop >= seenTop && rowTop + LOG_ROW_HEIGHT <= seenTop + height) return;
    setFollow(false);
    scrollTo(clamp((rowTop - (height - LOG_ROW_HEIGHT) / 2) / shape.ratio, 0, shape.maxTop));
  };

  const onScroll = () => {
    const element = scrollRef.current;
    if (!element) return;
    const top = element.scrollTop;
    const atBottom = top >= element.scrollHeight - element.clientHeight - 2;
    if (top < lastTop.current - 1 && !atBottom) setFollow(false);
    else if (top > lastTop.current + 1 && atBottom) setFollow(true);
    lastTop.current = top;
    setPosition({ top, first: buffer.firstIndex });
  };

  const runSearch = (nextQuery: string, nextCaseSensitive: boolean) => {
    setQuery(nextQuery);
    setCaseSensitive(nextCaseSensitive);
    if (nextQuery === '') {
      setSearch(undefined);
      setCurrent(undefined);
      return;
    }
    const next = new LogSearch(buffer, nextQuery, nextCaseSensitive);
    const found = next.update();
    setSearch(next);
    // The first match from the top of the view on, as an editor's find does.
    const target = found[lowerBound(found, first + topRow)] ?? found[found.length - 1];
    setCurrent(target);
    if (target !== undefined) reveal(target);
  };

  const step = (direction: 1 | -1) => {
    if (matches.length === 0) return;
    let target: number;
    if (currentPosition >= 0) target = matches[(currentPosition + direction + matches.length) % matches.length]!;
    else {
      const from = lowerBound(matches, first + topRow);
      target = direction > 0 ? (matches[from] ?? matches[0]!) : (matches[from - 1] ?? matches[matches.length - 1]!);
    }
    setCurrent(target);
    reveal(target);
  };

  const toggleFollow = () => {
    if (follow) {
      const element = scrollRef.current;
      setPosition({ top: element?.scrollTop ?? desiredTop, first: buffer.firstIndex });
      setFollow(false);
    } else setFollow(true);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const inInput = event.target instanceof HTMLInputElement;
    if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'f') {
      event.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    } else if (event.key === 'End' && !inInput && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      setFollow(true);
    }
  };

  const onSearchKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      step(event.shiftKey ? -1 : 1);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      if (query !== '') runSearch('', caseSensitive);
      else scrollRef.current?.focus();
    }
  };

  const rows: ReactNode[] = [];
  if (startRow < endRow) {
    let style = styleCache.stateBefore(first + startRow, first, (index) => buffer.line(index));
    for (let row = startRow; row < endRow; row++) {
      const index = first + row;
      const parsed = parseAnsi(buffer.line(index) ?? '', style);
      style = parsed.end;
      let ranges: Array<[number, number]> = [];
      if (pattern) {
        let text = '';
        for (const span of parsed.spans) text += span.text;
        ranges = matchRanges(text, pattern);
      }
      const isCurrent = index === current && currentPosition >= 0;
      rows.push(
        <div key={index} className={isCurrent ? 'log-row current' : 'log-row'} style={{ height: LOG_ROW_HEIGHT }}>
          <span className="log-gutter" aria-hidden="true">
            {index + 1}
          </span>
          <span className="log-text">{markSpans(parsed.spans, ranges).map(renderSpan)}</span>
        </div>,
      );
    }
  }

  const countText =
    query === ''
      ? ''
      : matches.length === 0
        ? 'No matches'
        : currentPosition >= 0
          ? `${currentPosition + 1} of ${matches.length}`
          : `${matches.length} ${matches.length === 1 ? 'match' : 'matches'}`;
  const gutterWidth = `${Math.max(4, String(buffer.lineCount).length) + 1}ch`;

  return (
    <div className="log-view" style={{ height }} onKeyDown={onKeyDown}>
      <div className="log-toolbar">
        <input
          ref={searchRef}
          type="search"
          placeholder="Search (Ctrl+F)"
          aria-label={`Search ${label}`}
          aria-describedby={countId}
          aria-keyshortcuts="Control+F Meta+F"
          value={query}
          onChange={(event) => runSearch(event.target.value, caseSensitive)}
          onKeyDown={onSearchKeyDown}
          spellCheck={false}
        />
        <span id={countId} className="log-count" role="status">
          {countText}
        </span>
        <button
          type="button"
          onClick={() => step(-1)}
          disabled={matches.length === 0}
          aria-label="Previous match"
          title="Previous match (Shift+Enter)"
        >
          ↑
        </button>
        <button
          type="button"
          onClick={() => step(1)}
          disabled={matches.length === 0}
          aria-label="Next match"
          title="Next match (Enter)"
        >
          ↓
        </button>
        <label>
          <input type="checkbox" checked={caseSensitive} onChange={(event) => runSearch(query, event.target.checked)} />
          Match case
        </label>
        <span className="spacer" />
        <button
          type="button"
          className="log-follow"
          aria-pressed={follow}
          onClick={toggleFollow}
          title="Keep the end of the log in view (End)"
        >
          Follow
        </button>
      </div>
      {buffer.droppedLines > 0 && (
        <div className="log-dropped" role="note">
          {buffer.droppedLines.toLocaleString('en')} earlier {buffer.droppedLines === 1 ? 'line was' : 'lines were'}{' '}
          dropped to save memory; only the last {buffer.maxLines.toLocaleString('en')} are kept.
        </div>
      )}
      <div
        ref={scrollRef}
        className="log-scroll"
        role="log"
        aria-label={label}
        aria-live="off"
        tabIndex={0}
        onScroll={onScroll}
      >
        {rowCount === 0 ? (
          <div className="log-empty">{buffer.isEnded ? 'No output.' : 'Waiting for output…'}</div>
        ) : (
          <div className="log-spacer" style={{ height: spacerPx }}>
            <div
              className="log-rows"
              style={
                {
                  transform: `translateY(${rowsTop}px)`,
                  lineHeight: `${LOG_ROW_HEIGHT}px`,
                  '--log-gutter': gutterWidth,
                } as CSSProperties
              }
            >
              {rows}
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
