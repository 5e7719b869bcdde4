/** What the figures were measured on: CPU, cores, memory, Node, kernel, and the scratch dir's file system. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { GiB } from './units.mjs';

function tryRun(command, args) {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return '';
  }
}

function blockDevice(source) {
  const name = /^\/dev\/([a-z]+)/.exec(source)?.[1];
  if (!name) return '';
  try {
    const rotational = readFileSync(`/sys/block/${name}/queue/rotational`, 'utf8').trim() === '1' ? 'rotational' : 'non-rotational';
    return `${name}, ${rotational}`;
  } catch {
    return name;
  }
}

export function describeMachine(scratchDir) {
  const [source = '?', fstype = '?', size = '?', avail = '?'] = tryRun('df', ['-T', '-h', scratchDir]).split('\n')[1]?.split(/\s+/).filter((_, i) => [0, 1, 2, 4].includes(i)) ?? [];
  return {
    cpu: os.cpus()[0]?.model ?? '?',
    cores: os.availableParallelism(),
    memory: `${(os.totalmem() / GiB).toFixed(1)} GiB`,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    disk: `${source} (${blockDevice(source) || 'device unknown'}), ${fstype}, ${size} (${avail} free at start); scratch dir ${scratchDir}`,
  };
}
