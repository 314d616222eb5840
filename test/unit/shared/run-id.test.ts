import { describe, expect, it } from 'vitest';
import { newRunId, RUN_ID_PATTERN, RunId } from '../../../src/shared/model.ts';

describe('run ids', () => {
  it('name the UTC second a run started and six hex digits, in the shape the contract accepts', () => {
    const id = newRunId(new Date('2026-12-07T04:05:06.789Z'), 'a1b2c3');
    expect(id).toBe('20261207-040506-a1b2c3');
    expect(RunId.parse(id)).toBe(id);
  });

  it('refuse anything else, so a run id can name a folder on a worker', () => {
    for (const bad of ['../20261207-040506-a1b2c3', '20261207-040506-A1B2C3', '20261207-040506-a1b2c3/x', 'now-20261207T040506Z-a1b2c3', '']) {
      expect(RUN_ID_PATTERN.test(bad), bad).toBe(false);
      expect(RunId.safeParse(bad).success, bad).toBe(false);
    }
  });
});
