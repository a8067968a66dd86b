// The live event stream (/_asym/web/events): the backend names what changed (a message, a
// reaction, a membership...) and the page re-reads it through the Web API. EventSource
// reconnects by itself; every `ready` after the first means events may have been missed.

const TYPES = ['message', 'reaction', 'member', 'conversation', 'user', 'view', 'reset', 'signed_out'];

export function connectLive({ onEvent, onReady, onStatus }) {
  const source = new EventSource('/_asym/web/events');
  let connectedBefore = false;
  source.addEventListener('ready', () => {
    onStatus?.('live');
    onReady?.(connectedBefore);
    connectedBefore = true;
  });
  for (const type of TYPES) {
    source.addEventListener(type, (message) => {
      try {
        onEvent(JSON.parse(message.data));
      } catch (error) {
        console.error('live event failed', error);
      }
    });
  }
  source.addEventListener('error', () => onStatus?.('reconnecting'));
  return () => source.close();
}
