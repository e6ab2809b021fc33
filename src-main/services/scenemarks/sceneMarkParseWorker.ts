// Entry of a SceneMark parse worker thread (SceneMarkParsePool): validates raw SceneMarks into
// the flat records the store writes, so main's event loop only commits. Imported on the main
// thread (as the plain-Node load test does) it does nothing.
import { isMainThread, parentPort } from 'node:worker_threads';
import type { ParseRequest, ParseResponse } from './sceneMarkParseProtocol';
import { parseSceneMarkRecord, type SceneMarkParseOutcome } from './sceneMarkRecord';
import { packOutcomes } from './sceneMarkRecordCodec';

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', ({ id, buffer, ends }: ParseRequest) => {
    const outcomes: SceneMarkParseOutcome[] = [];
    let start = 0;
    for (const end of ends) {
      outcomes.push(parseSceneMarkRecord(new Uint8Array(buffer, start, end - start)));
      start = end;
    }
    port.postMessage({ id, outcomes: packOutcomes(outcomes) } satisfies ParseResponse);
  });
}
