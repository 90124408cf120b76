import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rssMb, round } from '../lib/stats.js';
import { TargetFarm } from '../lib/target-farm.js';
import { bootTimed } from '../lib/timed-boot.js';

const COUNTS = [1, 10, 100] as const;
/** As the idle RSS of issue 4: what the process holds once started and settled. */
const SETTLE_MS = 1000;

/**
 * Issue 12, "How the cost grows": 1, 10 and 100 targets in one process, each its own work
 * tree (TargetFarm), an empty DATA_DIR each boot. Spawn → "listening on" (the boot: every
 * work tree inspected, every target's recovery and queue) and the RSS once settled. The
 * three sizes boot in turn, so a change in the machine's load hits them alike.
 */
export async function scaleTargets(): Promise<Record<string, number>> {
  const root = await mkdtemp(join(tmpdir(), 'hookdeploy-bench-scale-targets-'));
  try {
    const farm = await TargetFarm.create(root, Math.max(...COUNTS));
    const figures: Record<string, number> = {};
    for (const count of COUNTS) {
      const config = await farm.writeConfig(`targets-${count}.yml`, count);
      const service = await bootTimed({ HOOKDEPLOY_CONFIG: config, DATA_DIR: join(root, `data-${count}`) }, root);
      try {
        await new Promise((done) => setTimeout(done, SETTLE_MS));
        figures[`targets${count}BootMs`] = round(service.bootMs, 0);
        figures[`targets${count}IdleRssMb`] = await rssMb(service.process.child.pid!);
      } finally {
        await service.stop();
      }
    }
    const most = Math.max(...COUNTS);
    figures[`targets${most}ExtraBootMs`] = round(figures[`targets${most}BootMs`]! - figures.targets1BootMs!, 0);
    figures[`targets${most}ExtraRssMb`] = round(figures[`targets${most}IdleRssMb`]! - figures.targets1IdleRssMb!);
    return figures;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
