import { describe, expect, it, vi } from 'vitest';
import type { WebContents } from 'electron';
import { askBeforeUnload } from '../../../../src/main/shell/unsaved-work.ts';
import { FakeWebContents } from './fake-electron.ts';

describe('askBeforeUnload', () => {
  it('closes the window with unsaved work only when the user chooses to leave', () => {
    for (const leave of [true, false]) {
      const contents = new FakeWebContents();
      askBeforeUnload(contents as unknown as Pick<WebContents, 'on'>, () => leave);
      const event = { preventDefault: vi.fn() };
      contents.emit('will-prevent-unload', event);
      expect(event.preventDefault).toHaveBeenCalledTimes(leave ? 1 : 0);
    }
  });
});
