import type {MonitorPart} from '../monitor/monitor-part.ts';
import type {RedisSource} from './redis-source.ts';
import {redisCheck, redisFigures, type RedisFigures, type RedisReading} from '../../domain/redis-info.ts';
import type {Row} from '../../domain/verdict-checks.ts';

// Redis beside the engines: read with every poll (so its check is current in the same poll),
// kept for one window, judged as one row for both engines.

export interface RedisWatchDeps {
	source: RedisSource;
	/** The container's name, for the panel and the reasons (redis-canary). */
	name: string;
	windowSec: number;
	latencyWarnMs: number;
	now?: () => number;
}

export class RedisWatch implements MonitorPart {
	private readings: RedisReading[] = [];
	private downSince: number | null = null;
	private polling: Promise<void> | null = null;
	private version = 0;
	private cached: {version: number; figures: RedisFigures} | null = null;

	constructor(private readonly deps: RedisWatchDeps) {}

	get name(): string {
		return this.deps.name;
	}

	get describe(): string {
		return this.deps.source.describe;
	}

	start(signal: AbortSignal): void {
		signal.addEventListener('abort', () => void this.deps.source.close(), {once: true});
	}

	poll(signal: AbortSignal): Promise<void> {
		// A read still running (a slow fallback) is not started twice.
		this.polling ??= this.read(signal).finally(() => (this.polling = null));
		return this.polling;
	}

	/** The window's figures; the same object until a new reading arrives. */
	figures(): RedisFigures {
		if (this.cached?.version === this.version) return this.cached.figures;
		const figures = redisFigures(this.readings, this.deps.windowSec, this.downSince);
		this.cached = {version: this.version, figures};
		return figures;
	}

	checks(): Row[] {
		return [redisCheck(this.figures(), this.deps.latencyWarnMs, this.deps.name)];
	}

	private async read(signal: AbortSignal): Promise<void> {
		const reading = await this.deps.source.read();
		if (signal.aborted) return;
		if (!reading.ok) this.downSince ??= reading.at;
		else this.downSince = null;
		this.readings.push(reading);
		// One reading older than the window stays: the deltas start from it.
		const from = (this.deps.now ?? Date.now)() - this.deps.windowSec * 1000;
		const firstInside = this.readings.findIndex((r) => r.at >= from);
		if (firstInside > 1) this.readings.splice(0, firstInside - 1);
		this.version++;
	}
}
