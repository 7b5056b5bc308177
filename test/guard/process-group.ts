import { readdirSync, readFileSync } from 'node:fs';

/**
 * The processes of group `pgid` still running, as `pid command line`, from
 * /proc. Zombies do not count: they are dead already, and where PID 1 does not
 * reap orphans (a container without an init) they stay in the table.
 */
export function groupMembers(pgid: number): string[] {
  const members: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid || state === 'Z' || state === 'X') continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      members.push(`${entry} ${cmdline}`);
    } catch {
      // Gone while being read.
    }
  }
  return members;
}
