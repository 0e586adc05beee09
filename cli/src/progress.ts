/** A progress bar on a terminal (stderr is a TTY), nothing otherwise: logs and pipes stay clean. */
import cliProgress from 'cli-progress';

export type Progress = { update: (value: number, total: number, label: string) => void; stop: () => void };

export function createProgress(title: string): Progress {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: `${title} [{bar}] {value}/{total} {label}`, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
  let isStarted = false;
  return {
    update: (value, total, label) => {
      if (!isStarted) {
        bar.start(total, value, { label });
        isStarted = true;
      } else {
        bar.setTotal(total);
        bar.update(value, { label });
      }
    },
    stop: () => {
      if (isStarted) bar.stop();
    },
  };
}
