import {EventEmitter} from 'node:events';

/** A terminal's input as Ink reads it (raw mode, 'readable', read()): what `type` puts in, one read at a time. */
export class Keyboard extends EventEmitter {
	isTTY = true;
	private queue: string[] = [];
	setRawMode() {}
	setEncoding() {}
	resume() {}
	pause() {}
	ref() {}
	unref() {}
	read() {
		return this.queue.shift() ?? null;
	}
	type(data: string) {
		this.queue.push(data);
		this.emit('readable');
	}
}
