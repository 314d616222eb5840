import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryEngine, entryNeeds, type PackageFiles } from '../../../../../src/main/services/packager/entry-point.ts';
import { generateWrapper } from '../../../../../src/main/services/packager/wrapper.ts';

const EXAMPLES = join(__dirname, '../../../../../resources/examples');

function filesWith(texts: Record<string, string>): PackageFiles {
  return { texts: new Map(Object.entries(texts)), modes: new Map(Object.keys(texts).map((p) => [p, 0o644])) };
}

/** The line of run.sh that hands over to the runner. */
const runnerLine = (runSh: string) => runSh.split('\n').find((line) => line.startsWith('exec python3 -m mapreduce.job'));

describe('the map/reduce engine of a package', () => {
  it('a generated run.sh calls the runner with --engine spark for a Spark job, and with no engine for a local one', () => {
    const spark = generateWrapper({ job: { kind: 'mapreduce', engine: 'spark' } }).runSh;
    expect(runnerLine(spark)).toBe('exec python3 -m mapreduce.job job.py --input-filter filter.json --data-dir "$DATA_DIR" --output "$OUTPUT_DIR"/result.txt --num-mappers 4 --num-reducers 1 --local-only --engine spark');
    for (const local of [generateWrapper({ job: { kind: 'mapreduce' } }).runSh, generateWrapper({ job: { kind: 'mapreduce', engine: 'local' } }).runSh]) {
      expect(runnerLine(local)).not.toContain('--engine');
    }
    expect(() => generateWrapper({ job: { kind: 'mapreduce', engine: 'flink' as 'spark' } })).toThrow(/local.*spark/);
  });

  it('reads --engine spark from a generated run.sh, and local from one without it', () => {
    const spark = generateWrapper({ job: { kind: 'mapreduce', script: 'count.py', engine: 'spark' } }).runSh;
    expect(entryEngine(['sh', 'run.sh'], filesWith({ 'run.sh': spark }))).toBe('spark');
    // The engine's value is not taken for the job script.
    expect(entryNeeds(['sh', 'run.sh'], filesWith({ 'run.sh': spark })).files.map((f) => f.path)).toEqual(['count.py', 'filter.json']);
    const local = generateWrapper({ job: { kind: 'mapreduce', script: 'count.py' } }).runSh;
    expect(entryEngine(['sh', 'run.sh'], filesWith({ 'run.sh': local }))).toBe('local');
  });

  it('reads both forms, --engine spark and --engine=spark, in a script or the command itself', () => {
    const written = '#!/bin/sh\ncd "$(dirname "$0")"\npython3 -m mapreduce.job --engine=spark job.py -f filter.json -d "$DATA_DIR" -o out.txt\n';
    expect(entryEngine(['sh', 'run.sh'], filesWith({ 'run.sh': written }))).toBe('spark');
    expect(entryNeeds(['sh', 'run.sh'], filesWith({ 'run.sh': written })).files.map((f) => f.path)).toEqual(['job.py', 'filter.json']);
    expect(entryEngine(['python3', '-m', 'mapreduce.job', '--engine', 'spark', 'job.py', '-f', 'f.json'], filesWith({}))).toBe('spark');
    expect(entryEngine(['python3', '-m', 'mapreduce.job', 'job.py', '--engine=local', '-f', 'f.json'], filesWith({}))).toBe('local');
  });

  it('is local for the examples, a command without the runner, and a package with no entry script', () => {
    for (const name of ['os-distribution', 'slowsql']) {
      expect(entryEngine(['sh', 'run.sh'], filesWith({ 'run.sh': readFileSync(join(EXAMPLES, name, 'run.sh'), 'utf8') })), name).toBe('local');
    }
    expect(entryEngine(['sh', 'run.sh'], filesWith({ 'run.sh': generateWrapper({ job: { kind: 'command', argv: ['spark-submit', '--engine', 'spark'] } }).runSh }))).toBe('local');
    expect(entryEngine(['sh', 'run.sh'], filesWith({}))).toBe('local');
  });
});
