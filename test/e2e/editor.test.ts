/// <reference lib="dom" />
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';

let jobDir: string;
const { workbench, page, problems } = useWorkbenchInChromium();

beforeAll(() => {
  jobDir = join(workbench.dataDir, 'workspaces', 'e2e-job');
});

const problemsPanel = () => page.getByRole('region', { name: 'Problems' });
const tab = (name: string) => page.getByRole('tab', { name: new RegExp(`^${name.replace('.', '\\.')}`) });
// Monaco renders spaces as no-break spaces.
const editorText = async () => (await page.locator('[data-testid=monaco] .view-lines').innerText()).replace(/\u00a0/g, ' ');

/** Focuses Monaco and puts the cursor at a line's end (Ctrl+G is Monaco's "go to line"). */
async function goToLineEnd(line: number): Promise<void> {
  await page.locator('[data-testid=monaco] .view-lines').click();
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < line; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
}

describe('the Editor', () => {
  it('makes sample data to run on (Jobs view)', async () => {
    await page.goto(`${workbench.origin}/#/jobs`);
    await page.getByLabel('Sample size (MB)').fill('2');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.getByTestId('sample-data').textContent(), { timeout: 60_000 }).toMatch(/\d+ files, [\d.]+ MB compressed/);
  });

  it('creates a job workspace from the template and opens job.py in Monaco', async () => {
    await page.getByRole('link', { name: 'Editor' }).click();
    await page.getByLabel('Name').fill('e2e-job');
    await page.getByLabel('Start from').selectOption('template');
    await screenshot(page, 'editor-start');
    await page.getByRole('button', { name: 'Create job' }).click();
    await expect.poll(() => page.getByRole('tree').getByRole('treeitem').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('filter.json'), expect.stringContaining('job.py'), expect.stringContaining('run.sh')]));
    await expect.poll(editorText).toContain('def map(key, dims, value, context):');
    expect(await readFile(join(jobDir, 'job.py'), 'utf8')).toContain('def map(key, dims, value, context):');
  });

  it('marks a bad filter as you type and clears the marker when fixed', async () => {
    await page.getByRole('treeitem', { name: 'filter.json' }).click();
    await expect.poll(editorText).toContain('"version": 1');
    await expect.poll(() => problemsPanel().textContent()).toContain('No problems found');

    // Line 2 is `  "version": 1,`: make it 2.
    await goToLineEnd(2);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('2');
    await expect.poll(() => problemsPanel().textContent()).toContain('Unsupported filter version 2');
    // The JSON schema's own marker (from Monaco's JSON worker) is there too, and a squiggle in the text.
    await expect.poll(() => problemsPanel().getByText('Value must be 1').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-testid=monaco] .squiggly-error').count()).toBeGreaterThan(0);
    await expect.poll(() => tab('filter.json').getByLabel('unsaved changes').count()).toBe(1);
    await screenshot(page, 'editor-filter-marker-light');

    await page.keyboard.press('Backspace');
    await page.keyboard.type('1');
    await expect.poll(() => problemsPanel().textContent(), { timeout: 15_000 }).toContain('No problems found');
    await expect.poll(() => page.locator('[data-testid=monaco] .squiggly-error').count()).toBe(0);
  });

  it('warns about the traps of the filter format', async () => {
    // Line 8 is `    {"field_name": "appBuildID", "allowed_values": "*"},`: give it a max of only 8 digits.
    await goToLineEnd(8);
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Delete');
    // Typed key by key: Monaco closes brackets and quotes, and types over the closing ones.
    await page.keyboard.type('{"max": "20140701"}');
    await expect.poll(() => problemsPanel().textContent()).toContain('"20140701000000" is excluded');
    // Back to "*".
    for (let i = 0; i < '{"max": "20140701"}'.length; i++) await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Delete');
    await page.keyboard.type('"*"');
    await expect.poll(() => problemsPanel().textContent(), { timeout: 15_000 }).toContain('No problems found');
  });

  it('completes known values and the value forms in filter.json, and map/reduce snippets in Python', async () => {
    // Line 5 is `    {"field_name": "appName", "allowed_values": "*"},`: ask for completions in place of "*".
    await goToLineEnd(5);
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowLeft');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Control+Space');
    const suggestions = page.locator('.suggest-widget .monaco-list-row');
    await expect.poll(() => suggestions.allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining([expect.stringContaining('"Thunderbird"'), expect.stringContaining('{"min", "max"}')]));
    await screenshot(page, 'editor-filter-completion');
    await page.keyboard.press('Escape');
    await page.keyboard.type('"*"');
    await expect.poll(() => tab('filter.json').getByLabel('unsaved changes').count()).toBe(0);

    await tab('job.py').click();
    const lines = (await readFile(join(jobDir, 'job.py'), 'utf8')).split('\n').length;
    await goToLineEnd(lines);
    await page.keyboard.type('setup_r');
    await page.keyboard.press('Control+Space');
    await expect.poll(() => suggestions.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('setup_reduce')]));
    await page.keyboard.press('Enter');
    await expect.poll(editorText).toContain('def setup_reduce(context):');
    // Remove what was added: from the start of that line to the end of the file.
    await page.keyboard.press('Escape');
    await goToLineEnd(lines);
    await page.keyboard.press('Home');
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+Control+End');
    await page.keyboard.press('Delete');
    await expect.poll(editorText).not.toContain('setup_r');
    await expect.poll(() => tab('job.py').getByLabel('unsaved changes').count()).toBe(0);
  });

  it('shows a Python syntax error at its line after saving, and the saved bytes are on disk', async () => {
    const before = await readFile(join(jobDir, 'job.py'), 'utf8');
    await tab('job.py').click();
    const lines = before.split('\n').length;
    await goToLineEnd(lines);
    await page.keyboard.type('def broken');
    await expect.poll(() => tab('job.py').getByLabel('unsaved changes').count()).toBe(1);
    await page.keyboard.press('Control+s');
    await expect.poll(() => tab('job.py').getByLabel('unsaved changes').count()).toBe(0);
    expect(await readFile(join(jobDir, 'job.py'), 'utf8')).toBe(`${before}def broken`);
    await expect.poll(() => problemsPanel().textContent()).toMatch(new RegExp(`Error${lines}:11SyntaxError: expected '\\('`));
    await expect.poll(() => page.locator('[data-testid=monaco] .squiggly-error').count()).toBeGreaterThan(0);
    await screenshot(page, 'editor-python-error');

    // Fixed and saved, the marker goes.
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Control+s');
    await expect.poll(() => problemsPanel().textContent()).toContain('No problems found');
    expect(await readFile(join(jobDir, 'job.py'), 'utf8')).toBe(before);

    // A map the runner cannot call is reported on its line (6: `def map(key, dims, value, context):`).
    await goToLineEnd(6);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    for (let i = 0; i < ', context'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.press('Control+s');
    await expect.poll(() => problemsPanel().textContent()).toContain('6:1map takes 3 parameters but the runner calls map(key, dims, value, context) with 4.');
    await page.keyboard.type(', context');
    await page.keyboard.press('Control+s');
    await expect.poll(() => problemsPanel().textContent()).toContain('No problems found');
    expect(await readFile(join(jobDir, 'job.py'), 'utf8')).toBe(before);
  });

  it('offers to reload a file another program changed', async () => {
    await tab('filter.json').click();
    const text = await readFile(join(jobDir, 'filter.json'), 'utf8');
    await writeFile(join(jobDir, 'filter.json'), text.replace('"appName", "allowed_values": "*"', '"appName", "allowed_values": ["Firefox"]'));
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'filter.json changed on disk' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Reload' }).click();
    await expect.poll(editorText).toContain('["Firefox"]');
    expect(await page.getByRole('alert').filter({ hasText: 'changed on disk' }).count()).toBe(0);
  });

  it('asks before closing a tab with unsaved work', async () => {
    await goToLineEnd(1);
    await page.keyboard.type(' ');
    await tab('filter.json').getByRole('button', { name: 'Close filter.json' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save changes to filter.json?' });
    await expect.poll(() => dialog.count()).toBe(1);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await tab('filter.json').count()).toBe(1);
    // Leaving the page with unsaved work asks too (the browser shows its own prompt).
    const leaving = () =>
      page.evaluate(() => {
        const event = new Event('beforeunload', { cancelable: true });
        window.dispatchEvent(event);
        return event.defaultPrevented;
      });
    expect(await leaving()).toBe(true);
    await page.locator('[data-testid=monaco] .view-lines').click();
    await page.keyboard.press('Control+z');
    await expect.poll(() => tab('filter.json').getByLabel('unsaved changes').count()).toBe(0);
    expect(await leaving()).toBe(false);
  });

  it('creates, renames (unsaved edits move along) and deletes files from the tree', async () => {
    await page.getByRole('toolbar', { name: 'Files' }).getByRole('button', { name: '+ File' }).click();
    const create = page.getByRole('dialog', { name: 'New file' });
    await create.getByRole('textbox').fill('helpers.py');
    await create.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => tab('helpers.py').count()).toBe(1);
    expect(await readFile(join(jobDir, 'helpers.py'), 'utf8')).toBe('');
    await page.locator('[data-testid=monaco] .view-lines').click();
    await page.keyboard.type('X = 1');

    await page.getByRole('toolbar', { name: 'Files' }).getByRole('button', { name: 'Rename' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename helpers.py' });
    await rename.getByRole('textbox').fill('lib/util.py');
    await rename.getByRole('button', { name: 'Rename' }).click();
    await expect.poll(() => tab('util.py').count()).toBe(1);
    expect(await tab('helpers.py').count()).toBe(0);
    expect(await tab('util.py').getByLabel('unsaved changes').count()).toBe(1);
    await expect.poll(editorText).toContain('X = 1');
    await page.keyboard.press('Control+s');
    await expect.poll(() => readFile(join(jobDir, 'lib', 'util.py'), 'utf8')).toBe('X = 1');

    await page.getByRole('treeitem', { name: 'lib' }).click();
    await page.getByRole('toolbar', { name: 'Files' }).getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete lib?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => tab('util.py').count()).toBe(0);
    await expect.poll(() => page.getByRole('treeitem', { name: 'lib' }).count()).toBe(0);
    await expect(readFile(join(jobDir, 'lib', 'util.py'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('follows the app theme', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Dark').check();
    await page.getByRole('link', { name: 'Editor' }).click();
    await tab('job.py').click();
    await expect.poll(() => page.locator('[data-testid=monaco] .monaco-editor').getAttribute('class')).toContain('vs-dark');
    await screenshot(page, 'editor-dark');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Light').check();
    await page.getByRole('link', { name: 'Editor' }).click();
    await expect.poll(() => page.locator('[data-testid=monaco] .monaco-editor').getAttribute('class')).not.toContain('vs-dark');
    await screenshot(page, 'editor-light');
  });

  it('runs the workspace locally with Ctrl+Enter and reaches a succeeded run', async () => {
    await page.locator('[data-testid=monaco] .view-lines').click();
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.url()).toMatch(/#\/jobs\/\d{8}-\d{6}-[0-9a-f]{6}$/);
    await expect.poll(() => page.locator('article.run-detail .badge').textContent(), { timeout: 60_000 }).toBe('Succeeded');
    await expect.poll(() => page.getByRole('heading', { name: 'e2e-job', level: 2 }).count()).toBe(1);
  });

  it('opens any folder; binary files read-only with a notice, big files only when asked', async () => {
    const dir = join(workbench.dataDir, 'elsewhere', 'odd files');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'data.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]));
    await writeFile(join(dir, 'big.log'), '');
    await truncate(join(dir, 'big.log'), 21 * 1024 * 1024);
    await page.getByRole('link', { name: 'Editor' }).click();
    await page.getByRole('toolbar', { name: 'Workspace' }).getByRole('button', { name: 'Close' }).click();
    await page.getByRole('textbox', { name: 'Folder' }).fill(dir);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('treeitem', { name: 'data.bin' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('data.bin is a binary file');
    await page.getByRole('treeitem', { name: 'big.log' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'big.log is large' }).count()).toBe(1);
    expect(await page.getByText('It is 22.0 MB').count()).toBe(1);
    await page.getByRole('button', { name: 'Open anyway' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('big.log is a binary file');

    // Reopening the app reopens the workspace it had open.
    await page.reload();
    await expect.poll(() => page.getByRole('toolbar', { name: 'Workspace' }).locator('strong').textContent()).toBe('odd files');
  });

  it('shows file names holding a bidi override or an escape sequence escaped in the tree', async () => {
    const dir = join(workbench.dataDir, 'elsewhere', 'tricky names');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'invoice\u202Efdp.sh'), 'echo hi\n');
    await writeFile(join(dir, '\x1b[31mred.txt'), 'red\n');
    await page.getByRole('toolbar', { name: 'Workspace' }).getByRole('button', { name: 'Close' }).click();
    await page.getByRole('textbox', { name: 'Folder' }).fill(dir);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const items = () => page.getByRole('tree').getByRole('treeitem').allTextContents();
    await expect.poll(items).toEqual(expect.arrayContaining([expect.stringContaining('invoice\\u{202E}fdp.sh'), expect.stringContaining('\\x1b[31mred.txt')]));
    for (const raw of ['\x1b', '\u202E']) expect((await items()).join('')).not.toContain(raw);
  });

  it('showed no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
