import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWebShellArgs, webShellUsage } from '../../../src-main/web/webShellOptions';

describe('parseWebShellArgs', () => {
  it('defaults to loopback, a free port and ~/.nice-console', () => {
    expect(parseWebShellArgs([])).toEqual({
      host: '127.0.0.1',
      port: 0,
      dataDir: join(homedir(), '.nice-console'),
      open: false,
      maxFrameBytes: 1024 * 1024,
      help: false,
      localSiteCameras: undefined,
      faultsOnStdin: false,
    });
  });

  it('reads every option', () => {
    expect(
      parseWebShellArgs([
        '--port',
        '8080',
        '--host',
        '::1',
        '--data-dir',
        'relative/data',
        '--max-frame-bytes',
        '4096',
        '--open',
        '--help',
        '--local-site',
        '8',
        '--faults-on-stdin',
      ]),
    ).toEqual({
      host: '::1',
      port: 8080,
      dataDir: resolve('relative/data'),
      open: true,
      maxFrameBytes: 4096,
      help: true,
      localSiteCameras: 8,
      faultsOnStdin: true,
    });
  });

  it('accepts --name=value', () => {
    expect(parseWebShellArgs(['--port=65535']).port).toBe(65535);
  });

  it.each([['abc'], ['-1'], ['65536'], ['80.5'], [''], ['0x50'], ['1e3']])(
    'refuses --port %j by name',
    (value) => {
      // `--port=` form so that node:util parseArgs passes values starting with a dash to us.
      expect(() => parseWebShellArgs([`--port=${value}`])).toThrow(
        /--port must be an integer from 0 to 65535/,
      );
    },
  );

  it('refuses a --local-site camera count outside 0 to 32 by name', () => {
    expect(() => parseWebShellArgs(['--local-site', '33'])).toThrow(
      /--local-site must be an integer from 0 to 32/,
    );
    expect(parseWebShellArgs(['--local-site', '0']).localSiteCameras).toBe(0);
  });

  it('refuses a --max-frame-bytes outside its range by name', () => {
    expect(() => parseWebShellArgs(['--max-frame-bytes', '10'])).toThrow(/--max-frame-bytes .*got "10"/);
    expect(() => parseWebShellArgs(['--max-frame-bytes', String(65 * 1024 * 1024)])).toThrow(
      /--max-frame-bytes/,
    );
  });

  it('refuses an unknown option by name', () => {
    expect(() => parseWebShellArgs(['--listen-everywhere'])).toThrow(/--listen-everywhere/);
  });

  it('refuses a positional argument and a missing value', () => {
    expect(() => parseWebShellArgs(['serve'])).toThrow(/serve/);
    expect(() => parseWebShellArgs(['--port'])).toThrow(/--port/);
  });

  it('documents every option in the usage text', () => {
    for (const option of ['--port', '--host', '--data-dir', '--max-frame-bytes', '--open', '--help']) {
      expect(webShellUsage).toContain(option);
    }
  });
});
