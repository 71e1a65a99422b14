// The report as files: the audit log read from disk, the Markdown written beside it.

import {mkdir, readFile, writeFile} from 'node:fs/promises';
import {dirname} from 'node:path';
import {parseAudit, renderReport, type VerdictPoint} from '../../core/automation/report.ts';
import type {AuditEntry} from '../../core/change/audit.ts';
import type {Snapshot} from '../../core/monitor/snapshot.ts';

export interface WriteReportOptions {
	auditPath: string;
	verdictHistory: readonly VerdictPoint[];
	snapshot: Snapshot;
	/** Where the Markdown goes. */
	path: string;
	now?: number;
}

export async function readAudit(path: string): Promise<{entries: AuditEntry[]; unreadable: number; problem: string | null}> {
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return {entries: [], unreadable: 0, problem: code === 'ENOENT' ? `no audit log at ${path}: no weight change was made with it` : `audit log ${path} not readable: ${(error as Error).message}`};
	}
	return {...parseAudit(text), problem: null};
}

/** Reads the audit log, renders the report and writes it; resolves with the Markdown written. */
export async function writeReport(options: WriteReportOptions): Promise<string> {
	const audit = await readAudit(options.auditPath);
	const markdown = renderReport({
		audit: audit.entries,
		unreadable: audit.unreadable,
		auditProblem: audit.problem,
		auditPath: options.auditPath,
		verdictHistory: options.verdictHistory,
		snapshot: options.snapshot,
		now: options.now,
	});
	await mkdir(dirname(options.path), {recursive: true});
	const text = markdown.endsWith('\n') ? markdown : `${markdown}\n`;
	await writeFile(options.path, text);
	return text;
}
