import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryNeeds, shellWords, type PackageFiles } from '../../../../../src/main/services/packager/entry-point.ts';
import { generateWrapper } from '../../../../../src/main/services/packager/wrapper.ts';

const EXAMPLES = join(__dirname, '../../../../../resources/examples');

function filesWith(texts: Record<string, string>, modes: Record<string, number> = {}): PackageFiles {
  return { texts: new Map(Object.entries(texts)), modes: new Map(Object.entries({ ...Object.fromEntries(Object.keys(texts).map((p) => [p, 0o644])), ...modes })) };
}

describe('what an entry point needs from its package', () => {
  it("reads each example's run.sh: the runner, and job.py and filter.json beside it", () => {
    for (const name of ['os-distribution', 'slowsql', 'submissions-per-day', 'histogram-aggregation']) {
      const text = readFileSync(join(EXAMPLES, name, 'run.sh'), 'utf8');
      expect(entryNeeds(['sh', 'run.sh'], filesWith({ 'run.sh': text })), name).toEqual({
        script: { path: 'run.sh', direct: false },
        runnerBy: 'run.sh',
        files: [
          { path: 'job.py', role: 'runs the map/reduce script', by: 'run.sh' },
          { path: 'filter.json', role: 'reads its filter from', by: 'run.sh' },
        ],
      });
    }
  });

  it('reads a generated run.sh, map/reduce or command', () => {
    const mapreduce = generateWrapper({ job: { kind: 'mapreduce', script: 'jobs/count.py', filter: 'f.json' } }).runSh;
    expect(entryNeeds(['sh', 'run.sh'], filesWith({ 'run.sh': mapreduce }))).toMatchObject({
      runnerBy: 'run.sh',
      files: [
        { path: 'jobs/count.py', role: 'runs the map/reduce script' },
        { path: 'f.json', role: 'reads its filter from' },
      ],
    });
    const command = generateWrapper({ setup: 'pip install --user numpy', job: { kind: 'command', argv: ['python3', '-u', 'report dir/main.py', '--fast'] } }).runSh;
    expect(entryNeeds(['sh', 'run.sh'], filesWith({ 'run.sh': command }))).toEqual({ script: { path: 'run.sh', direct: false }, files: [{ path: 'report dir/main.py', role: 'runs', by: 'run.sh' }] });
  });

  it('reads commands given directly, and leaves alone what is only known at run time', () => {
    expect(entryNeeds(['env', '-i', 'A=1', 'python3', '-m', 'mapreduce.job', 'x.py', '--input-filter=f.json'], filesWith({}))).toEqual({
      runnerBy: 'the command (env -i A=1 python3 -m mapreduce.job x.py --input-filter=f.json)',
      files: [
        { path: 'x.py', role: 'runs the map/reduce script', by: 'the command (env -i A=1 python3 -m mapreduce.job x.py --input-filter=f.json)' },
        { path: 'f.json', role: 'reads its filter from', by: 'the command (env -i A=1 python3 -m mapreduce.job x.py --input-filter=f.json)' },
      ],
    });
    expect(entryNeeds(['./bin/start'], filesWith({}))).toEqual({ script: { path: 'bin/start', direct: true }, files: [] });
    expect(entryNeeds(['sh', '-c', 'python3 -m mapreduce.job x.py'], filesWith({}))).toEqual({ files: [] });
    expect(entryNeeds(['make', 'all'], filesWith({}))).toEqual({ files: [] });
    const computed = '#!/bin/sh\nexec python3 -m mapreduce.job "$JOB" --input-filter /etc/f.json # runs $JOB\n';
    expect(entryNeeds(['sh', 'run.sh'], filesWith({ 'run.sh': computed }))).toEqual({ script: { path: 'run.sh', direct: false }, runnerBy: 'run.sh', files: [] });
  });

  it('splits shell words as sh does: quotes, escapes, operators and comments', () => {
    expect(shellWords(`a 'b c'"d\\"e" f\\ g; h&&i # j`).map((w) => (w.op ? `<${w.text}>` : w.text))).toEqual(['a', 'b cd"e', 'f g', '<;>', 'h', '<&>', '<&>', 'i']);
  });
});
