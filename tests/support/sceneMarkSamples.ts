/** Builds a realistic SceneMark (digest §3.2) for device `deviceId`, node 0001, number `n`. */
export function sampleSceneMark(deviceId: string, n: number, objects = 3): Record<string, unknown> {
  const nodeId = `${deviceId}_0001`;
  const stamp = new Date(Date.UTC(2025, 0, 1, 12, 0, 0, n % 1000)).toISOString();
  const hex = n.toString(16).padStart(8, '0');
  const items = ['Human', 'Vehicle', 'Animal', 'Face'];
  return {
    Version: '1.0',
    TimeStamp: stamp,
    SceneMarkID: `SMK_${nodeId}_${hex}`,
    DestinationID: ['00000002-5eab-2e3d-8003-000100000001'],
    SceneMarkStatus: 'Active',
    NodeID: nodeId,
    PortID: '0002',
    VersionControl: { VersionList: [{ VersionNumber: 1.0, DateTimeStamp: stamp, NodeID: nodeId }] },
    ThumbnailList: [{ VersionNumber: 1.0, SceneDataID: `SDT_${nodeId}_${hex}` }],
    AnalysisList: [
      {
        VersionNumber: 1.0,
        EventType: 'ItemPresence',
        AnalysisID: '0001-0002-AI2',
        AnalysisDescription: 'YOLOv8n',
        ProcessingStatus: 'Detected',
        TotalItemCount: objects,
        DetectedObjects: Array.from({ length: objects }, (_, i) => ({
          NICEItemType: items[i % items.length],
          CustomItemType: '',
          ItemID: `track-${n}-${i}`,
          ItemTypeCount: 1,
          Probability: 0.5 + ((n + i) % 50) / 100,
          Frame: n,
          BoundingBox: { XCoordinate: 0.1 * (i % 5), YCoordinate: 0.2, Width: 0.1, Height: 0.3 },
          RelatedSceneData: `SDT_${nodeId}_${hex}`,
        })),
      },
    ],
    SceneDataList: [
      {
        VersionNumber: 1.0,
        SceneDataID: `SDT_${nodeId}_${hex}`,
        TimeStamp: stamp,
        SourceNodeID: nodeId,
        DataType: 'Thumbnail',
        Status: 'Upload in Progress',
        MediaFormat: 'JPEG',
        Resolution: { Width: 320, Height: 180 },
        Encryption: { EncryptionOn: false },
        SceneDataURI: `https://ds.example/${hex}.jpg`,
      },
    ],
  };
}
