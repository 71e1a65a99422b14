import {useEffect, useRef} from 'react';
import {useStdin} from 'ink';
import {createKeySplitter, ESCAPE_WAIT_MS} from './key-splitter.ts';

// Ink's useInput hands a whole read to its handler as one `input` ("linear\r"), which breaks
// prompts over SSH. This hook takes the same reads from Ink's input events (Ink has already
// read stdin and cut it at complete escape sequences) and hands the handler the list of keys
// in each, with an escape sequence cut between two reads put back together.

export function useKeys(onKeys: (keys: string[]) => void): void {
	const {setRawMode, internal_eventEmitter: events} = useStdin();
	const handler = useRef(onKeys);
	handler.current = onKeys;

	useEffect(() => {
		setRawMode(true);
		return () => setRawMode(false);
	}, [setRawMode]);

	useEffect(() => {
		const splitter = createKeySplitter();
		let timer: NodeJS.Timeout | undefined;
		const deliver = (keys: string[]) => {
			if (keys.length > 0) handler.current(keys);
		};
		const onInput = (data: string) => {
			clearTimeout(timer);
			timer = undefined;
			deliver(splitter.push(data));
			if (splitter.pending()) {
				// A lone ESC is the Escape key unless the rest of a sequence follows at once.
				timer = setTimeout(() => {
					timer = undefined;
					deliver(splitter.flush());
				}, ESCAPE_WAIT_MS);
			}
		};
		events.on('input', onInput);
		return () => {
			clearTimeout(timer);
			events.off('input', onInput);
		};
	}, [events]);
}
