import type {RedisReading} from '../../domain/redis-info.ts';

// The port the Redis watch reads through: adapters/redis.ts implements it over the published
// port, with `redis-cli` inside the container as its fallback.
export interface RedisSource {
	readonly describe: string;
	/** PING and INFO; never throws: a failure is a reading with ok:false and the reason. */
	read(): Promise<RedisReading>;
	close(): Promise<void>;
}
