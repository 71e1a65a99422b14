// Whether a process still runs: the tests that stop labs and consoles check that none is left.

export function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		// ESRCH: gone. EPERM: the pid was reused by another user's process: not ours either.
		return false;
	}
}
