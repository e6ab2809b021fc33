import { describe, expect, it } from 'vitest';
import { generateSceneMark } from '../../../../bench/support/sceneMarkGenerator';
import { listedSceneData } from '../../../../src-main/services/export/sceneDataList';

const ids = (text: string) => listedSceneData(Buffer.from(text)).map((item) => item.sceneDataId);

describe('listedSceneData', () => {
  it('reads the SceneDataList of a generated SceneMark like JSON.parse', () => {
    for (let i = 0; i < 50; i += 1) {
      const original = Buffer.from(generateSceneMark(i));
      const parsed = JSON.parse(original.toString()) as {
        SceneDataList?: { SceneDataID: string; MediaFormat?: string; SceneDataURI?: string }[];
      };
      expect(listedSceneData(original)).toEqual(
        (parsed.SceneDataList ?? []).map((entry) => ({
          sceneDataId: entry.SceneDataID,
          mediaFormat: entry.MediaFormat ?? null,
          uri: entry.SceneDataURI ?? null,
          embedded: null,
        })),
      );
    }
  });

  it('takes only the top-level key, wherever it is', () => {
    expect(ids('{"SceneDataList":[{"SceneDataID":"a"}],"Other":{"x":1}}')).toEqual(['a']);
    expect(ids('{"Nested":{"SceneDataList":[{"SceneDataID":"n"}]}}')).toEqual([]);
    expect(
      ids('{"Nested":{"SceneDataList":[{"SceneDataID":"n"}]},"SceneDataList":[{"SceneDataID":"t"}]}'),
    ).toEqual(['t']);
    expect(ids('{"Note":"SceneDataList","SceneDataList":[{"SceneDataID":"v"}]}')).toEqual(['v']);
    expect(ids('{"List":[{"SceneDataList":[{"SceneDataID":"deep"}]}]}')).toEqual([]);
    expect(ids(' \n{ "SceneDataList" : [ { "SceneDataID" : "spaced" } ] }\n')).toEqual(['spaced']);
  });

  it('follows JSON.parse for escapes and duplicate keys', () => {
    expect(ids('{"SceneData\\u004cist":[{"SceneDataID":"escaped"}]}')).toEqual(['escaped']);
    expect(ids('{"Note":"say \\"SceneDataList\\": [] here","SceneDataList":[{"SceneDataID":"q"}]}')).toEqual([
      'q',
    ]);
    expect(
      ids('{"SceneDataList":[{"SceneDataID":"first"}],"SceneDataList":[{"SceneDataID":"second"}]}'),
    ).toEqual(['second']);
  });

  it('lists nothing for what is not a SceneMark object, and skips unusable entries', () => {
    expect(ids('not json')).toEqual([]);
    expect(ids('[{"SceneDataList":[]}]')).toEqual([]);
    expect(ids('{"SceneDataList":{"SceneDataID":"x"}}')).toEqual([]);
    expect(ids('{"SceneDataList":[{"SceneDataID":"x"}')).toEqual([]);
    expect(ids('{"SceneDataList":[1,{"SceneDataID":2},{"SceneDataID":"ok"},{"SceneDataID":"ok"}]}')).toEqual([
      'ok',
    ]);
    expect(
      listedSceneData(Buffer.from('{"SceneDataList":[{"SceneDataID":"e","EmbeddedSceneData":"AAEC"}]}')),
    ).toEqual([{ sceneDataId: 'e', mediaFormat: null, uri: null, embedded: 'AAEC' }]);
  });
});
