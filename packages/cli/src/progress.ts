import { PassThrough } from 'node:stream';
import cliProgress from 'cli-progress';

/**
 * A pass-through stream that draws a progress bar on stderr while bytes flow, only when stderr is
 * a terminal (never in CI logs or pipes).
 */
export function progressStream(label: string, total: number, enabled: boolean): PassThrough {
  const pass = new PassThrough();
  if (!enabled || total <= 0) return pass;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% {value}/{total} MiB`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  const mib = (n: number) => Math.round((n / 1048576) * 10) / 10;
  let seen = 0;
  bar.start(mib(total), 0);
  pass.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    bar.update(mib(seen));
  });
  const stop = () => bar.stop();
  pass.on('end', stop);
  pass.on('error', stop);
  pass.on('close', stop);
  return pass;
}
