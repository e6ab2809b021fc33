/*
 * Canonical member names of each SceneMark object (digest §3.2), the lists that variant mapping
 * renames onto (sceneMark.ts). Shared with the fast path (sceneMarkFastPath.ts), which must
 * recognise exactly the members the mapping would rename, so the two cannot drift apart.
 */

export const topMembers = [
  'Version',
  'TimeStamp',
  'SceneMarkID',
  'DestinationID',
  'SceneMarkStatus',
  'NodeID',
  'PortID',
  'NotificationMessage',
  'VersionControl',
  'ThumbnailList',
  'AnalysisList',
  'ParentSceneMarks',
  'ChildSceneMarks',
  'SceneDataList',
  'SceneModeConfig',
] as const;
export const analysisMembers = [
  'VersionNumber',
  'AnalysisID',
  'EventType',
  'CustomEventType',
  'SceneMode',
  'CustomAnalysisID',
  'AnalysisDescription',
  'ProcessingStatus',
  'ErrorMessage',
  'TotalItemCount',
  'DetectedObjects',
];
export const objectMembers = [
  'NICEItemType',
  'CustomItemType',
  'ItemID',
  'ItemTypeCount',
  'Probability',
  'Frame',
  'TimeStamp',
  'DirectionalMovement',
  'Attributes',
  'BoundingBox',
  'RelatedSceneData',
  'RelatedSceneDataList',
  'ThumbnailSceneDataID',
  'VersionNumber',
];
export const boxMembers = ['XCoordinate', 'YCoordinate', 'Width', 'Height'];
export const boxAliases = {
  X: 'XCoordinate',
  Y: 'YCoordinate',
  XCoord: 'XCoordinate',
  YCoord: 'YCoordinate',
};
export const attributeMembers = [
  'VersionNumber',
  'Attribute',
  'Value',
  'ProbabilityOfAttribute',
  'AlgorithmID',
];
export const versionControlMembers = ['DataPipelineInstanceID', 'VersionList'];
export const versionMembers = ['VersionNumber', 'DateTimeStamp', 'NodeID', 'Server'];
/** Members of ThumbnailList, ParentSceneMarks and ChildSceneMarks entries. */
export const linkMembers = ['VersionNumber', 'SceneMarkID', 'SceneDataID'];
export const sceneDataMembers = [
  'VersionNumber',
  'SceneDataID',
  'TimeStamp',
  'SourceNodeID',
  'SourceNodeDescription',
  'Duration',
  'DataType',
  'Status',
  'MediaFormat',
  'Encryption',
  'Resolution',
  'SceneDataURI',
  'EmbeddedSceneData',
];
export const encryptionMembers = ['EncryptionOn', 'SceneEncryptionKeyID'];
export const resolutionMembers = ['Width', 'Height'];
