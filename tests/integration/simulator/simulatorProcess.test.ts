import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { managementPath } from '../../../src-main/core/nice/destinationId';
import { SimulatorHost } from '../../../src-main/embedded/localSite/simulatorHost';
import { eventually, startLocalSite, type LocalSite } from '../../support/localSiteFixture';

/*
 * The simulator as main runs it: a forked process driven over IPC by the console's own
 * SimulatorHost. Identities persist in the state directory, so a second run presents the same
 * devices and the account service binds them again.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
let site: LocalSite;
const hosts: SimulatorHost[] = [];
const exits: string[] = [];

beforeAll(async () => {
  site = await startLocalSite();
}, 30_000);

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
});

afterAll(async () => {
  await site?.close();
});

function newHost(): SimulatorHost {
  const host = new SimulatorHost(site.logger, (reason) => exits.push(reason));
  hosts.push(host);
  return host;
}

const start = (host: SimulatorHost, cameras = 2) =>
  host.start({
    cameras,
    bootstrapUrl: site.accountService.bootstrapUrl,
    ca: site.certificate.cert,
    video: { width: 320, height: 180, fps: 15 },
    stateDir: join(site.dir, 'simulator'),
  });

const bound = (ids: string[]) =>
  site.accountService
    .listDevices()
    .filter((device) => ids.includes(device.deviceId) && device.binding === 'bound').length === ids.length;

describe('the simulator process', () => {
  it('starts cameras that bind, reports stats, takes faults, and keeps its identities across runs', async () => {
    const host = newHost();
    const cameras = await start(host);
    expect(cameras.map((camera) => camera.index)).toEqual([0, 1]);
    const ids = cameras.map((camera) => camera.deviceId);
    await eventually(() => bound(ids), 20_000, 'both cameras bound');
    await eventually(() => host.latestStats().length === 2, 15_000, 'stats');
    expect(host.latestStats()[0]).toEqual({ deviceId: ids[0], fps: 0, streaming: false, sessions: 0 });

    const status = (timeoutMs: number) =>
      site.console.call(
        managementPath(ids[0] as string, 'GetDeviceStatus'),
        { Version: '1.0' },
        ['Management'],
        {
          timeoutMs,
          plain: true,
        },
      );
    expect((await status(2000)).body).toMatchObject({ DeviceID: ids[0] });
    // IPC is asynchronous: the switch takes effect a moment after it is sent.
    host.fault(0, { kind: 'stopAnswering' });
    await eventually(
      () =>
        status(300).then(
          () => false,
          () => true,
        ),
      5000,
      'no answers',
    );
    host.fault(0, { kind: 'clear' });
    await eventually(
      () =>
        status(1000).then(
          (reply) => reply.response.ReplyStatusCode === 200,
          () => false,
        ),
      5000,
      'answers again',
    );

    await host.stop();
    expect(host.running).toBe(false);

    const again = newHost();
    const restarted = await start(again);
    expect(restarted.map((camera) => camera.deviceId)).toEqual(ids);
    expect(restarted.map((camera) => camera.name)).toEqual(cameras.map((camera) => camera.name));
    await eventually(() => bound(ids), 20_000, 'bound again');
    expect(site.accountService.listDevices()).toHaveLength(2);
    expect(exits).toEqual([]);
  }, 60_000);

  it('reports an invalid start message as an error', async () => {
    const host = newHost();
    await expect(
      host.start({
        cameras: 1,
        bootstrapUrl: site.accountService.bootstrapUrl,
        ca: site.certificate.cert,
        video: { width: 321, height: 180, fps: 15 },
        stateDir: join(site.dir, 'simulator'),
      }),
    ).rejects.toThrow(/video\.width: width must be even/);
  }, 30_000);

  it('runs from the command line, prints a line per bound camera and stops on SIGTERM', async () => {
    const caFile = join(site.dir, 'site-ca.pem');
    writeFileSync(caFile, site.certificate.cert);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src-main/simulator/cli.ts',
        '--devices',
        '1',
        '--bootstrap',
        site.accountService.bootstrapUrl,
        '--ca',
        caFile,
        '--fps',
        '10',
        '--state-dir',
        join(site.dir, 'cli-state'),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      const line = await eventually(
        () => /^bound\s+0\s+(\S+)\s+CAM 01/m.exec(out) ?? undefined,
        20_000,
        `a bound line (${err})`,
      );
      // The device prints on answering Bind; the AS records it when the answer arrives.
      await eventually(() => bound([line[1] as string]), 15_000, 'the account service recording the binding');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('stopping');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 40_000);

  it('refuses a bad command line with a clear message', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src-main/simulator/cli.ts', '--devices', '2'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const code = await new Promise<number | null>((done) => child.on('exit', (value) => done(value)));
    expect(code).toBe(2);
    expect(err).toContain('--bootstrap is required');
  }, 20_000);
});
