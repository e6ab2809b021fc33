import { cpus, totalmem } from 'node:os';

/** What GetDeviceStatus reports under Resources: the simulator process's real figures. */
export interface ResourceSample {
  /** CPU time of the process over the last interval, percent of one core. */
  cpuPercent: number;
  /** The same, percent of the whole machine. */
  machinePercent: number;
  memoryTotalBytes: number;
  memoryUsedBytes: number;
}

/**
 * Samples the process's CPU and memory. All cameras of a process share the one process, so
 * they report the same figures, as the nodes of one device share its CPU. CPU is averaged over
 * the time since the previous sample (at least `minIntervalMs`, so back-to-back queries do not
 * read a meaningless instant).
 */
export class ResourceSampler {
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private latest: ResourceSample | undefined;

  constructor(private readonly minIntervalMs = 500) {}

  sample(): ResourceSample {
    const now = performance.now();
    const elapsedMs = now - this.lastAt;
    if (this.latest && elapsedMs < this.minIntervalMs) {
      return { ...this.latest, memoryUsedBytes: process.memoryUsage.rss() };
    }
    const cpu = process.cpuUsage(this.lastCpu);
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const busyMs = (cpu.user + cpu.system) / 1000;
    const cpuPercent = elapsedMs > 0 ? (busyMs / elapsedMs) * 100 : 0;
    this.latest = {
      cpuPercent: round(cpuPercent),
      machinePercent: round(cpuPercent / Math.max(1, cpus().length)),
      memoryTotalBytes: totalmem(),
      memoryUsedBytes: process.memoryUsage.rss(),
    };
    return this.latest;
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
