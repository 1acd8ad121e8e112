/**
 * For measuring, not for users: with DECODER_LENS_HOST_PROFILE=<folder> in the environment VS Code starts with, the
 * extension host's thread is CPU-profiled from activation for DECODER_LENS_HOST_PROFILE_MS (default 120 s) and the
 * profile written to <folder>/extension-host-<pid>.cpuprofile (open it in Chrome DevTools or VS Code). `node
 * --cpu-prof` cannot be used there: VS Code starts the extension host, and a killed process writes no profile.
 */
import { Session } from 'node:inspector';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export function profileHostIfAsked(log: (message: string) => void): { dispose(): void } | undefined {
  const folder = process.env.DECODER_LENS_HOST_PROFILE;
  if (!folder) return undefined;
  const ms = Number(process.env.DECODER_LENS_HOST_PROFILE_MS) || 120_000;
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r))));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    const file = join(folder, `extension-host-${process.pid}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    log(`Decoder Lens: extension host CPU profile written to ${file}`);
  };
  void post('Profiler.setSamplingInterval', { interval: 500 })
    .then(() => post('Profiler.enable'))
    .then(() => post('Profiler.start'));
  const timer = setTimeout(() => void stop().catch((e: Error) => log(`Decoder Lens: host profile failed: ${e.message}`)), ms);
  return { dispose: () => clearTimeout(timer) };
}
