/** Shared by the benchmark children that report their own peak memory. */
import { readFileSync } from 'node:fs';

/**
 * Peak RSS of this process image, in KiB. resourceUsage().maxRSS (ru_maxrss, KiB on Linux) is not
 * enough on its own: libuv starts children with fork + exec, and Linux carries the forked copy of
 * the parent's high-water mark across exec into ru_maxrss, so a child of a 100 MB parent reports
 * at least 100 MB however little it uses. /proc/self/status VmHWM is the high-water mark of the
 * memory map created by exec, i.e. of this program only. Elsewhere (no /proc), fall back to maxRSS.
 */
export function peakRss(): { peakRssKiB: number; peakRssSource: 'VmHWM' | 'maxRSS' } {
  try {
    const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return { peakRssKiB: Number(hwm[1]), peakRssSource: 'VmHWM' };
  } catch {
    // not Linux
  }
  return { peakRssKiB: process.resourceUsage().maxRSS, peakRssSource: 'maxRSS' };
}

/** What every such child prints (one JSON line); each benchmark adds its own fields. */
export interface ChildRssReport {
  mode: string;
  peakRssKiB: number;
  peakRssSource: 'VmHWM' | 'maxRSS';
  /** ru_maxrss, inflated by the parent's RSS at fork on Linux (see peakRss). */
  maxRssKiB: number;
  seconds: number;
}

/** The peak-RSS part of a benchmark's result, before its per-size rows. */
export interface RssResultBase {
  source: 'VmHWM' | 'maxRSS';
  idlePeakRssKiB: number;
  diffPct: number | null;
  ok: boolean;
}

/** VmHWM (peak RSS) of another live process, in KiB; undefined when it is gone or not on Linux. */
export function peakRssOfPid(pid: number): number | undefined {
  try {
    const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return hwm ? Number(hwm[1]) : undefined;
  } catch {
    return undefined;
  }
}
